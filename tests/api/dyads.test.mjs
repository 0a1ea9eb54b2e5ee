// Pairing against the real binary: create with an invite, join once, the
// partner's key wrap (signature checked by the server), settings, leaving,
// and that nobody outside a dyad can see it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { registerAndLogin, keyProof, secretBox, wrapFor, b64, unb64, sodium } from '../lib/api.mjs';

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });

const sql = (q) => srv.sql(q);

async function createDyad(a, kind = 'couple') {
  const K = sodium.randombytes_buf(32);
  const secret = sodium.randombytes_buf(32);
  const r = await a.c.post('/api/v1/dyads', {
    kind, ...wrapFor(K, a.u.box.publicKey, a.u), key_proof: keyProof(a.u, secret), invite_secret_box: secretBox(a.u, secret),
  });
  assert.equal(r.status, 201, r.text);
  return { K, secret, dyad: r.json.dyad, invite: r.json.invite };
}

async function pair(kind = 'couple') {
  const a = await registerAndLogin(srv.url, 'a');
  const b = await registerAndLogin(srv.url, 'b');
  const d = await createDyad(a, kind);
  const j = await b.c.post('/api/v1/dyads/join', { code: d.invite.code, key_proof: keyProof(b.u, d.secret), invite_secret_box: secretBox(b.u, d.secret) });
  assert.equal(j.status, 200, j.text);
  return { a, b, ...d };
}

test('create: 201 with the dyad and a 7-day invite; the creator holds its wrap', async () => {
  const a = await registerAndLogin(srv.url, 'a');
  const d = await createDyad(a, 'friends');
  assert.match(d.dyad.id, /^d-[0-9a-f]{24}$/);
  assert.equal(d.dyad.kind, 'friends');
  assert.match(d.invite.code, /^[A-Za-z0-9_-]{16}$/);
  const days = (Date.parse(d.invite.expires_at) - Date.now()) / 86400000;
  assert.ok(days > 6.9 && days <= 7.01, `expires in ${days} days`);
  const g = await a.c.get(`/api/v1/dyads/${d.dyad.id}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.dyad.members.length, 1);
  assert.equal(g.json.dyad.invite.code, d.invite.code);
  const K = sodium.crypto_box_seal_open(unb64(g.json.dyad.my_wrapped_key), a.u.box.publicKey, a.u.box.privateKey);
  assert.deepEqual(K, d.K);
  assert.equal(g.json.dyad.my_wrap_signer, a.u.id);
  const me = await a.c.get('/api/v1/me');
  assert.deepEqual(me.json.dyads, [{ id: d.dyad.id, kind: 'friends', active: true, paired: false }]);
});

test('create refuses an unknown kind and a wrap not signed by the creator', async () => {
  const a = await registerAndLogin(srv.url, 'a');
  const other = await registerAndLogin(srv.url, 'x');
  const K = sodium.randombytes_buf(32);
  const secret = sodium.randombytes_buf(32);
  const base = { key_proof: keyProof(a.u, secret), invite_secret_box: secretBox(a.u, secret) };
  let r = await a.c.post('/api/v1/dyads', { kind: 'lovers', ...wrapFor(K, a.u.box.publicKey, a.u), ...base });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'kind');
  r = await a.c.post('/api/v1/dyads', { kind: 'couple', ...wrapFor(K, a.u.box.publicKey, other.u), ...base });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'signature');
  r = await a.c.post('/api/v1/dyads', { kind: 'couple', ...wrapFor(K, a.u.box.publicKey, a.u), ...base, key_proof: b64(new Uint8Array(31)) });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'key_proof');
  assert.equal((await a.c.get('/api/v1/me')).json.dyads.length, 0, 'nothing half-written');
});

test('join, then both see each other; proofs verify against the shared secret', async () => {
  const { a, b, dyad, secret } = await pair();
  for (const side of [a, b]) {
    const g = await side.c.get(`/api/v1/dyads/${dyad.id}`);
    assert.equal(g.status, 200);
    assert.equal(g.json.dyad.members.length, 2);
    assert.equal(g.json.dyad.invite, null, 'no invite once paired');
    for (const m of g.json.dyad.members) {
      const msg = new Uint8Array([...unb64(m.box_public_key), ...unb64(m.sign_public_key)]);
      assert.ok(sodium.crypto_auth_verify(unb64(m.key_proof), msg, secret), `proof of ${m.display_name}`);
    }
    // one's own invite secret box opens with one's personal key
    const box = unb64(g.json.dyad.my_invite_secret_box);
    const opened = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, box.slice(24), 'dyadinvite|1', box.slice(0, 24), side.u.personal);
    assert.deepEqual(opened, secret);
  }
  const bg = await b.c.get(`/api/v1/dyads/${dyad.id}`);
  assert.equal(bg.json.dyad.my_wrapped_key, null, 'B has no key until A wraps it');
  const am = bg.json.dyad.members.find((m) => m.user_id === b.u.id);
  assert.equal(am.has_key, false);
});

test('the creator wraps K for the partner; the partner opens and checks it', async () => {
  const { a, b, dyad, K } = await pair();
  const w = wrapFor(K, b.u.box.publicKey, a.u);
  const r = await a.c.put(`/api/v1/dyads/${dyad.id}/keys/${b.u.id}`, w);
  assert.equal(r.status, 204, r.text);
  const g = await b.c.get(`/api/v1/dyads/${dyad.id}`);
  assert.equal(g.json.dyad.my_wrap_signer, a.u.id);
  assert.ok(sodium.crypto_sign_verify_detached(unb64(g.json.dyad.my_wrap_signature), unb64(g.json.dyad.my_wrapped_key), a.u.sign.publicKey));
  const opened = sodium.crypto_box_seal_open(unb64(g.json.dyad.my_wrapped_key), b.u.box.publicKey, b.u.box.privateKey);
  assert.deepEqual(opened, K);
  const again = await a.c.put(`/api/v1/dyads/${dyad.id}/keys/${b.u.id}`, w);
  assert.equal(again.status, 409, 'a wrap is set once');
});

test('a wrap with a bad signature is refused', async () => {
  const { a, b, dyad, K } = await pair();
  const w = wrapFor(K, b.u.box.publicKey, a.u);
  const sig = unb64(w.signature);
  sig[5] ^= 1;
  const r = await a.c.put(`/api/v1/dyads/${dyad.id}/keys/${b.u.id}`, { ...w, signature: b64(sig) });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_field');
  assert.equal(r.json.error.field, 'signature');
  const wrongSigner = wrapFor(K, b.u.box.publicKey, b.u);
  assert.equal((await a.c.put(`/api/v1/dyads/${dyad.id}/keys/${b.u.id}`, wrongSigner)).status, 400);
  const bad = await a.c.put(`/api/v1/dyads/${dyad.id}/keys/${b.u.id}`, { ...w, wrapped_key: b64(new Uint8Array(79)) });
  assert.equal(bad.json.error.field, 'wrapped_key');
  const stranger = await a.c.put(`/api/v1/dyads/${dyad.id}/keys/u-000000000000000000000000`, w);
  assert.equal(stranger.status, 404);
  assert.equal((await b.c.get(`/api/v1/dyads/${dyad.id}`)).json.dyad.my_wrapped_key, null);
});

test('an invite is single-use', async () => {
  const { dyad, invite, secret } = await pair();
  const c = await registerAndLogin(srv.url, 'c');
  const r = await c.c.post('/api/v1/dyads/join', { code: invite.code, key_proof: keyProof(c.u, secret), invite_secret_box: secretBox(c.u, secret) });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'conflict');
  assert.equal((await c.c.get(`/api/v1/dyads/${dyad.id}`)).status, 404);
});

test('an expired invite is refused', async () => {
  const a = await registerAndLogin(srv.url, 'a');
  const b = await registerAndLogin(srv.url, 'b');
  const d = await createDyad(a);
  sql(`UPDATE invites SET expires_at = ${Math.floor(Date.now() / 1000) - 1} WHERE code = '${d.invite.code}'`);
  const r = await b.c.post('/api/v1/dyads/join', { code: d.invite.code, key_proof: keyProof(b.u, d.secret), invite_secret_box: secretBox(b.u, d.secret) });
  assert.equal(r.status, 404);
  assert.match(r.json.error.message, /expired/);
  assert.equal((await a.c.get(`/api/v1/dyads/${d.dyad.id}`)).json.dyad.members.length, 1);
});

test('unknown codes, malformed codes, and one\'s own invite', async () => {
  const a = await registerAndLogin(srv.url, 'a');
  const d = await createDyad(a);
  const body = { key_proof: keyProof(a.u, d.secret), invite_secret_box: secretBox(a.u, d.secret) };
  assert.equal((await a.c.post('/api/v1/dyads/join', { code: 'AAAAAAAAAAAAAAAA', ...body })).status, 404);
  const bad = await a.c.post('/api/v1/dyads/join', { code: '../../etc', ...body });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'code');
  assert.equal((await a.c.post('/api/v1/dyads/join', { code: d.invite.code, ...body })).status, 409);
});

test('nobody outside the dyad can read or change it', async () => {
  const { dyad, b, K } = await pair();
  const x = await registerAndLogin(srv.url, 'x');
  for (const [m, p, body] of [
    ['GET', `/api/v1/dyads/${dyad.id}`],
    ['PUT', `/api/v1/dyads/${dyad.id}/keys/${b.u.id}`, wrapFor(K, b.u.box.publicKey, x.u)],
    ['PUT', `/api/v1/dyads/${dyad.id}/settings`, { track_sexual: true }],
    ['POST', `/api/v1/dyads/${dyad.id}/leave`, {}],
  ]) {
    const r = await x.c.req(m, p, body);
    assert.equal(r.status, 404, `${m} ${p}`);
    assert.equal(r.json.error.code, 'not_found');
  }
  assert.equal((await b.c.get(`/api/v1/dyads/${dyad.id}`)).json.dyad.active, true);
});

test('settings: sexual tracking is opt-in and only for couples', async () => {
  const { a, dyad } = await pair('couple');
  let r = await a.c.put(`/api/v1/dyads/${dyad.id}/settings`, { track_sexual: true });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.settings, { track_sexual: true, therapist_sees_sexual: false, show_comfort: false, family_role: 'none' });
  assert.equal((await a.c.get(`/api/v1/dyads/${dyad.id}`)).json.dyad.track_sexual, true);
  const f = await pair('family');
  r = await f.a.c.put(`/api/v1/dyads/${f.dyad.id}/settings`, { track_sexual: true });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'track_sexual');
  r = await f.a.c.put(`/api/v1/dyads/${f.dyad.id}/settings`, { track_sexual: 'yes' });
  assert.equal(r.status, 400);
});

test('leaving ends the dyad for both; the leaver no longer sees it', async () => {
  const { a, b, dyad } = await pair();
  const r = await b.c.post(`/api/v1/dyads/${dyad.id}/leave`, { delete_my_content: false });
  assert.equal(r.status, 204);
  assert.equal((await b.c.get(`/api/v1/dyads/${dyad.id}`)).status, 404);
  assert.deepEqual((await b.c.get('/api/v1/me')).json.dyads, []);
  const g = await a.c.get(`/api/v1/dyads/${dyad.id}`);
  assert.equal(g.json.dyad.active, false);
  assert.deepEqual((await a.c.get('/api/v1/me')).json.dyads.map((d) => d.active), [false]);
  const late = await a.c.put(`/api/v1/dyads/${dyad.id}/keys/${b.u.id}`, wrapFor(sodium.randombytes_buf(32), b.u.box.publicKey, a.u));
  assert.equal(late.status, 409, 'no wrap into an ended dyad');
});

test('leaving an unpaired dyad ends its invite', async () => {
  const a = await registerAndLogin(srv.url, 'a');
  const d = await createDyad(a);
  assert.equal((await a.c.post(`/api/v1/dyads/${d.dyad.id}/leave`, {})).status, 204);
  const b = await registerAndLogin(srv.url, 'b');
  const r = await b.c.post('/api/v1/dyads/join', { code: d.invite.code, key_proof: keyProof(b.u, d.secret), invite_secret_box: secretBox(b.u, d.secret) });
  assert.equal(r.status, 404);
});

test('one person can be in several separate dyads', async () => {
  const a = await registerAndLogin(srv.url, 'a');
  const d1 = await createDyad(a, 'couple');
  const d2 = await createDyad(a, 'friends');
  const me = await a.c.get('/api/v1/me');
  assert.deepEqual(me.json.dyads.map((d) => d.id).sort(), [d1.dyad.id, d2.dyad.id].sort());
});

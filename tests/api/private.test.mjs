// A therapist's private check-in with one member, and re-sharing one entry:
// sealed to the therapist in the member's client; the partner can never see
// it nor learn that it exists — every request the partner can make returns
// the same bytes before and after it is assigned, answered and read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, registerAndLogin, keyProof, secretBox, wrapFor, unb64, sodium } from '../lib/api.mjs';
import { makeTherapist } from '../lib/therapist.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } }); });
after(async () => { if (srv) await srv.stop(); });

async function linkedPair() {
  const a = await registerAndLogin(srv.url, 'a');
  const b = await registerAndLogin(srv.url, 'b');
  const K = sodium.randombytes_buf(32);
  const secret = sodium.randombytes_buf(32);
  const r = await a.c.post('/api/v1/dyads', { kind: 'couple', ...wrapFor(K, a.u.box.publicKey, a.u), key_proof: keyProof(a.u, secret), invite_secret_box: secretBox(a.u, secret) });
  const id = r.json.dyad.id;
  await b.c.post('/api/v1/dyads/join', { code: r.json.invite.code, key_proof: keyProof(b.u, secret), invite_secret_box: secretBox(b.u, secret) });
  await a.c.put(`/api/v1/dyads/${id}/keys/${b.u.id}`, wrapFor(K, b.u.box.publicKey, a.u));
  const t = await makeTherapist(srv);
  for (const x of [a, b]) assert.equal((await x.c.post(`/api/v1/dyads/${id}/therapist`, { therapist_code: t.code })).status, 200);
  return { a, b, t, id, K };
}

// Every GET the partner can make (from the router's own list), as bytes.
async function partnerView(p) {
  const api = (await new Client(srv.url).get('/api/v1/openapi.json')).json;
  const out = {};
  for (const [path, item] of Object.entries(api.paths)) {
    if (!item.get || path === '/metrics' || path.includes('{sid}') || path.includes('{nid}') || path.includes('{pid}')) continue;
    const url = (path === '/healthz' || path === '/readyz' ? path : `/api/v1${path}`).replace('{id}', p.id).replace('{user_id}', p.a.u.id);
    const r = await p.b.c.get(url);
    out[path] = `${r.status} ${r.text.replace(/"exported_at":"[^"]*"/, '')}`;
  }
  return out;
}

test('the questionnaires are served, and the safety check flags danger', async () => {
  const r = await new Client(srv.url).get('/api/v1/questionnaires');
  assert.equal(r.status, 200);
  const q = r.json.questionnaires.find((x) => x.id === 'safety-check-1');
  assert.ok(q);
  assert.ok(q.items.some((i) => Array.isArray(i.danger) && i.danger.length > 0));
  assert.match(q.intro, /not watched live/);
});

test('a private check-in: assigned to one member, answered sealed, read by the therapist — invisible to the partner', async () => {
  const p = await linkedPair();
  const beforeView = await partnerView(p);
  const assign = await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/private-checkins`, { user_id: p.a.u.id, questionnaire: 'safety-check-1' });
  assert.equal(assign.status, 201, assign.text);
  const pid = assign.json.private_checkin.id;
  const mine = await p.a.c.get('/api/v1/me/private-checkins');
  assert.equal(mine.json.private_checkins.length, 1);
  const pc = mine.json.private_checkins[0];
  assert.equal(pc.questionnaire.id, 'safety-check-1');
  assert.equal(cr.therapistFingerprint(unb64(pc.therapist.box_public_key), unb64(pc.therapist.sign_public_key)), p.t.code.split('-')[1]);
  assert.deepEqual((await p.b.c.get('/api/v1/me/private-checkins')).json.private_checkins, []);
  const answers = JSON.stringify({ safe_at_home: 2, afraid: 1, harmed: 0, speak_freely: 1, for_your_therapist: 'PRIVATE-CANARY' });
  const sealed = cr.sealToKey(answers, unb64(pc.therapist.box_public_key));
  assert.equal((await p.a.c.put(`/api/v1/me/private-checkins/${pid}`, { sealed })).status, 204);
  assert.equal((await p.a.c.put(`/api/v1/me/private-checkins/${pid}`, { sealed })).status, 409, 'answered once');
  assert.equal((await p.b.c.put(`/api/v1/me/private-checkins/${pid}`, { sealed })).status, 404, 'not the partner\'s to answer');
  const seen = await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/private-checkins`);
  assert.equal(seen.status, 200);
  const got = seen.json.private_checkins[0];
  assert.equal(cr.openSealed(got.sealed, p.t.u.box.publicKey, p.t.u.box.privateKey), answers);
  // the read shows in A's audit, not in B's
  assert.ok((await p.a.c.get(`/api/v1/dyads/${p.id}/audit`)).json.audit.some((e) => e.action === 'view_private'));
  const afterView = await partnerView(p);
  assert.ok(Object.keys(beforeView).length >= 15, 'the partner\'s whole surface was compared');
  for (const k of Object.keys(beforeView)) assert.equal(afterView[k], beforeView[k], `partner's ${k} changed`);
});

test('a danger answer flags the dyad in the caseload, without the therapist opening it, and the partner learns nothing', async () => {
  const p = await linkedPair();
  const beforeView = await partnerView(p);
  const pid = (await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/private-checkins`, { user_id: p.a.u.id, questionnaire: 'safety-check-1' })).json.private_checkin.id;
  const calm = (await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/private-checkins`, { user_id: p.b.u.id, questionnaire: 'safety-check-1' })).json.private_checkin.id;
  const tpk = p.t.u.box.publicKey;
  // A answers "afraid: several times" (a danger choice): the browser seals D beside the answers
  const put = await p.a.c.put(`/api/v1/me/private-checkins/${pid}`, { sealed: cr.sealToKey(JSON.stringify({ afraid: 2 }), tpk), signal: cr.sealToKey('D', tpk) });
  assert.equal(put.status, 204, put.text);
  // a signal that is not one sealed padded block is refused (and nothing is stored)
  const bad = await p.b.c.put(`/api/v1/me/private-checkins/${calm}`, { sealed: cr.sealToKey('{}', tpk), signal: 'AAAA' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'signal');
  assert.equal((await p.b.c.put(`/api/v1/me/private-checkins/${calm}`, { sealed: cr.sealToKey(JSON.stringify({ afraid: 0 }), tpk), signal: cr.sealToKey('N', tpk) })).status, 204);
  const dyad = (await p.t.c.get('/api/v1/therapist/caseload')).json.dyads.find((d) => d.id === p.id);
  assert.equal(dyad.private_signals.length, 2);
  const opened = Object.fromEntries(dyad.private_signals.map((s) => [s.user_id, cr.openSealed(s.signal, tpk, p.t.u.box.privateKey)]));
  assert.deepEqual(opened, { [p.a.u.id]: 'D', [p.b.u.id]: 'N' });
  // the two sealed signals are the same size: the server cannot tell them apart
  assert.equal(dyad.private_signals[0].signal.length, dyad.private_signals[1].signal.length);
  // written to each member's own audit list only
  const auditA = (await p.a.c.get(`/api/v1/dyads/${p.id}/audit`)).json.audit.filter((e) => e.action === 'view_private_signal');
  assert.equal(auditA.length, 1);
  // the partner's whole surface is as before (B's own check-in aside: compare A's view for B's)
  const afterView = await partnerView(p);
  for (const k of Object.keys(beforeView)) if (!k.includes('private-checkins') && !k.includes('audit')) assert.equal(afterView[k], beforeView[k], `partner's ${k} changed`);
  assert.ok(!afterView['/dyads/{id}/audit'].includes('"about":"' + p.a.u.id), 'nothing of A\'s private check-in in B\'s audit');
});

test('private check-ins: bad input, and the link ending closes them', async () => {
  const p = await linkedPair();
  for (const [body, field] of [[{ user_id: 'u-nobody', questionnaire: 'safety-check-1' }, 'user_id'], [{ user_id: p.a.u.id, questionnaire: 'nope' }, 'questionnaire']]) {
    const r = await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/private-checkins`, body);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, field);
  }
  const pid = (await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/private-checkins`, { user_id: p.a.u.id, questionnaire: 'safety-check-1' })).json.private_checkin.id;
  for (const sealed of ['AAAA', Buffer.alloc(48 + 63).toString('base64')]) {
    const r = await p.a.c.put(`/api/v1/me/private-checkins/${pid}`, { sealed });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'sealed');
  }
  await p.b.c.del(`/api/v1/dyads/${p.id}/therapist`);
  assert.deepEqual((await p.a.c.get('/api/v1/me/private-checkins')).json.private_checkins, [], 'gone with the link');
  const late = await p.a.c.put(`/api/v1/me/private-checkins/${pid}`, { sealed: cr.sealToKey('x', p.t.u.box.publicKey) });
  assert.equal(late.status, 404);
});

test('re-share: one\'s own entry, sealed to the therapist; nothing else readable', async () => {
  const p = await linkedPair();
  const sid = cr.newEntryId();
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id: sid, topic: 'fear', depth: 2, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: sid, authorId: p.a.u.id, kind: 'share' }, 'I worry about us.') });
  const sealed = cr.sealToKey('I worry about us.', p.t.u.box.publicKey);
  const r = await p.a.c.post(`/api/v1/dyads/${p.id}/reshares`, { entry_id: sid, entry_kind: 'share', sealed });
  assert.equal(r.status, 201, r.text);
  const bad = await p.b.c.post(`/api/v1/dyads/${p.id}/reshares`, { entry_id: sid, entry_kind: 'share', sealed });
  assert.equal(bad.status, 400, 'not the partner\'s entry to re-share');
  assert.equal(bad.json.error.field, 'entry_id');
  const list = await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/reshares`);
  assert.equal(list.json.reshares.length, 1);
  assert.equal(cr.openSealed(list.json.reshares[0].sealed, p.t.u.box.publicKey, p.t.u.box.privateKey), 'I worry about us.');
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/reshares`, { entry_id: sid, entry_kind: 'poem', sealed })).json.error.field, 'entry_kind');
  await p.a.c.del(`/api/v1/dyads/${p.id}/therapist`);
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/reshares`, { entry_id: sid, entry_kind: 'share', sealed })).status, 409, 'no link, no re-share');
  assert.equal((await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/reshares`)).status, 403);
});

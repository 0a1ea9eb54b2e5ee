// The first week, from the review, through the real binary:
//   - "something new to read": GET /dyads/{id} counts the other member's
//     shares and responses since the caller last marked the dyad seen
//     (POST /dyads/{id}/seen); the marker is the reader's alone — nothing the
//     writer can fetch changes when it moves (no read receipt);
//   - a therapist link waiting for one's own consent is flagged to that
//     member only;
//   - the public invite preview (GET /invites/{code}): the inviter's name and
//     the dyad's kind while the invite can be used, only "used" or "expired"
//     after, 404 for an unknown code, and back-off after many unknown codes;
//   - the therapist's sharing counts: a guided conversation's record apart,
//     and each "answered within 48 hours" agreeing with the counts above it;
//     a member who does not track sex reads "not_tracked" to the therapist,
//     and one status on every page while check-ins are few.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, sodium, pairDyad, registerAndLogin, wrapFor, keyProof, secretBox } from '../lib/api.mjs';
import { makeTherapist } from '../lib/therapist.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } }); });
after(async () => { if (srv) await srv.stop(); });

const pair = (kind = 'couple') => pairDyad(srv.url, kind);

function share(p, who, text, extra = {}) {
  const id = cr.newEntryId();
  return { id, topic: 'everyday', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'share' }, text), ...extra };
}

function response(p, who, text) {
  const id = cr.newEntryId();
  return { id, kind: 'understood', body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'response' }, text) };
}

const unread = async (who, id) => {
  const r = await who.c.get(`/api/v1/dyads/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json.dyad.unread;
};

// Everything the writer can read about the dyad and themselves.
async function writersView(p, who) {
  const out = [];
  for (const path of [`/api/v1/dyads/${p.id}`, '/api/v1/me', `/api/v1/dyads/${p.id}/shares`, `/api/v1/dyads/${p.id}/insights`,
    `/api/v1/dyads/${p.id}/therapist`, '/api/v1/me/export']) {
    const r = await who.c.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    // the clock's own fields aside (when the export was made, the session last used)
    out.push(r.text.replace(/"(exported_at|last_seen_at)":"[^"]*"/g, '"$1":…'));
  }
  return out;
}

test('something new to read: counted for the reader, reset when they have seen it, never told to the writer', async () => {
  const p = await pair('friends');
  assert.deepEqual(await unread(p.a, p.id), { shares: 0, responses: 0 });
  const s1 = share(p, p.b, 'A small thing from today.');
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares`, s1)).status, 201);
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares`, share(p, p.b, 'And another.'))).status, 201);
  const s2 = share(p, p.a, 'Mine.');
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s2)).status, 201);
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s2.id}/responses`, response(p, p.b, 'I hear you.'))).status, 201);
  assert.deepEqual(await unread(p.a, p.id), { shares: 2, responses: 1 }, 'what B wrote is new to A');
  assert.deepEqual(await unread(p.b, p.id), { shares: 1, responses: 0 }, 'one\'s own writing is never new to oneself');

  // A reads: B's view of everything stays byte for byte the same
  const before = await writersView(p, p.b);
  const seen = await p.a.c.post(`/api/v1/dyads/${p.id}/seen`);
  assert.equal(seen.status, 204, seen.text);
  assert.deepEqual(await unread(p.a, p.id), { shares: 0, responses: 0 });
  const afterSeen = await writersView(p, p.b);
  assert.deepEqual(afterSeen, before, 'nothing B can fetch tells that A has read');
  assert.deepEqual(await unread(p.b, p.id), { shares: 1, responses: 0 }, 'A\'s marker is not B\'s');

  // new after the mark: counted again
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares/${s1.id}/responses`, response(p, p.a, 'Thank you.'))).status, 201);
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares`, share(p, p.b, 'One more.'))).status, 201);
  assert.deepEqual(await unread(p.a, p.id), { shares: 1, responses: 0 });
  assert.deepEqual(await unread(p.b, p.id), { shares: 1, responses: 1 });

  // the marker only for members, with a session and the CSRF token
  const stranger = await registerAndLogin(srv.url, 'x');
  const r = await stranger.c.post(`/api/v1/dyads/${p.id}/seen`);
  assert.ok(r.status === 403 || r.status === 404, `${r.status}`);
  assert.ok(r.json.error && r.json.error.code);
  assert.equal((await new Client(srv.url).post(`/api/v1/dyads/${p.id}/seen`)).status, 401);
  const noCsrf = await p.a.c.post(`/api/v1/dyads/${p.id}/seen`, undefined, { headers: { 'X-CSRF-Token': 'wrong' } });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.json.error.code, 'csrf');
  assert.deepEqual(await unread(p.a, p.id), { shares: 1, responses: 0 }, 'a refused mark moves nothing');
  // an unpaired dyad has nothing to count
  const lone = await registerAndLogin(srv.url, 'l');
  const created = await lone.c.post('/api/v1/dyads', { kind: 'friends', ...wrapFor(sodium.randombytes_buf(32), lone.u.box.publicKey, lone.u),
    key_proof: keyProof(lone.u, sodium.randombytes_buf(32)), invite_secret_box: secretBox(lone.u, sodium.randombytes_buf(32)) });
  assert.equal(created.status, 201, created.text);
  assert.equal((await lone.c.get(`/api/v1/dyads/${created.json.dyad.id}`)).json.dyad.unread, undefined);
});

test('a therapist link waiting for one\'s consent is flagged to that member only', async () => {
  const t = await makeTherapist(srv);
  const p = await pair('couple');
  const waiting = async (who) => (await who.c.get(`/api/v1/dyads/${p.id}`)).json.dyad.therapist_waiting_for_me;
  assert.equal(await waiting(p.a), false);
  assert.equal(await waiting(p.b), false);
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code })).status, 200);
  assert.equal(await waiting(p.a), false, 'A has consented: nothing waits for A');
  assert.equal(await waiting(p.b), true, 'B is asked');
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code })).status, 200);
  assert.equal(await waiting(p.b), false);
  assert.equal((await p.b.c.del(`/api/v1/dyads/${p.id}/therapist`)).status, 204);
  assert.equal(await waiting(p.a), false);
});

test('invite preview: who invited and the kind before sign-up; used or expired says only that', async () => {
  const a = await registerAndLogin(srv.url, 'a');
  const secret = sodium.randombytes_buf(32);
  const created = await a.c.post('/api/v1/dyads', { kind: 'family', ...wrapFor(sodium.randombytes_buf(32), a.u.box.publicKey, a.u),
    key_proof: keyProof(a.u, secret), invite_secret_box: secretBox(a.u, secret) });
  assert.equal(created.status, 201, created.text);
  const code = created.json.invite.code;
  const anyone = new Client(srv.url);
  const open = await anyone.get(`/api/v1/invites/${code}`);
  assert.equal(open.status, 200, open.text);
  assert.deepEqual(open.json, { invite: { status: 'open', kind: 'family', inviter: a.u.display_name } }, 'name, kind and status, nothing else');

  // expired: said before sign-up, and nothing else is said
  srv.sql(`UPDATE invites SET expires_at = 1 WHERE code = '${code}'`);
  assert.deepEqual((await anyone.get(`/api/v1/invites/${code}`)).json, { invite: { status: 'expired' } });
  srv.sql(`UPDATE invites SET expires_at = 4102444800 WHERE code = '${code}'`);

  // used: after someone joined
  const b = await registerAndLogin(srv.url, 'b');
  const joined = await b.c.post('/api/v1/dyads/join', { code, key_proof: keyProof(b.u, secret), invite_secret_box: secretBox(b.u, secret) });
  assert.equal(joined.status, 200, joined.text);
  assert.deepEqual((await anyone.get(`/api/v1/invites/${code}`)).json, { invite: { status: 'used' } });

  // unknown or malformed: 404 in the error shape
  for (const bad of ['AAAAAAAAAAAAAAAA', 'not%20a%20code', 'x'.repeat(80)]) {
    const r = await anyone.get(`/api/v1/invites/${bad}`);
    assert.equal(r.status, 404, `${bad}: ${r.text}`);
    assert.equal(r.json.error.code, 'not_found');
    assert.equal(r.json.error.field, 'code');
  }
});

test('invite preview: many unknown codes from one address are slowed down (429, Retry-After)', async () => {
  const anyone = new Client(srv.url);
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await anyone.get(`/api/v1/invites/${cr.b64(sodium.randombytes_buf(12)).replace(/[+/=]/g, 'A')}`);
    if (r.status === 429) limited = { i, r };
    else assert.equal(r.status, 404);
  }
  assert.ok(limited, 'back-off starts');
  assert.ok(limited.i >= 17, `not before about 20 misses (at ${limited.i})`);
  assert.equal(limited.r.json.error.code, 'rate_limited');
  assert.ok(Number(limited.r.headers.get('retry-after')) >= 1);
});

test('the therapist counts shares as the members see them; "answered within 48 hours" agrees with the counts', async () => {
  const t = await makeTherapist(srv);
  const p = await pair('couple');
  for (const who of [p.a, p.b]) assert.equal((await who.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code })).status, 200);
  const promptId = (await p.a.c.get('/api/v1/prompts?kind=couple&topic=everyday&depth=1')).json.prompts[0].id;
  // a guided conversation's record, two shares by A (one answered by B), one by B (unanswered)
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, share(p, p.a, 'Talked through together', { prompt_id: promptId, together: true }))).status, 201);
  const s1 = share(p, p.a, 'One.');
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s1)).status, 201);
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, share(p, p.a, 'Two.'))).status, 201);
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares`, share(p, p.b, 'Three.'))).status, 201);
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s1.id}/responses`, response(p, p.b, 'Yes.'))).status, 201);

  // what the members see: three shares and the record, which is no share of one's own
  const list = (await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares;
  assert.equal(list.filter((s) => !s.together).length, 3);
  assert.equal(list.filter((s) => s.together).length, 1);

  const view = await t.c.get(`/api/v1/therapist/dyads/${p.id}`);
  assert.equal(view.status, 200, view.text);
  const of = (who) => view.json.shares.find((s) => s.author_id === who.u.id);
  assert.equal(view.json.talked_together, 1, 'the record, once');
  assert.equal(of(p.a).written, 2);
  assert.equal(of(p.a).answered_by_partner_48h, 1);
  assert.equal(of(p.b).written, 1);
  assert.equal(of(p.b).answered_by_partner_48h, 0);
  const topics = (s) => Object.values(s.by_topic_depth).flat().reduce((x, y) => x + y, 0);
  assert.equal(topics(of(p.a)), 2, 'by topic and depth as well');
  assert.equal(topics(of(p.b)), 1);
});

test('one quadrant status on every page; "not tracked" is not "not shared" for the therapist', async () => {
  const t = await makeTherapist(srv);
  const p = await pair('couple');
  for (const who of [p.a, p.b]) assert.equal((await who.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code })).status, 200);
  // B tracks sex and lets the therapist see it; A does not track it
  assert.equal((await p.b.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: true, therapist_sees_sexual: true })).status, 200);
  const day0 = Math.floor(Date.now() / 86400000);
  const rows = (n) => {
    const out = [];
    for (let i = 1; i <= n; i++) {
      out.push(`('${p.id}','${p.a.u.id}',${day0 - i},6,7,5,6,7,5,NULL,0,0,NULL,511,0)`);
      out.push(`('${p.id}','${p.b.u.id}',${day0 - i},6,7,5,6,7,5,${i % 3},0,0,NULL,511,0)`);
    }
    return out.join(',');
  };
  const insert = (n) => srv.sql('INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,' +
    `sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows(n)};`);
  insert(3);
  const q = async (client) => {
    const path = client === t.c ? `/api/v1/therapist/dyads/${p.id}` : `/api/v1/dyads/${p.id}/insights`;
    const r = await client.get(path);
    assert.equal(r.status, 200, r.text);
    return Object.fromEntries(r.json.members.map((m) => [m.user_id, m.quadrant]));
  };
  // three check-ins: "not enough check-ins yet" for A, to A and to the
  // therapist, whatever A tracks (B is told nothing of A's sexual item)
  assert.deepEqual([(await q(p.a.c))[p.a.u.id], (await q(t.c))[p.a.u.id], (await q(p.b.c))[p.a.u.id]],
    ['insufficient_data', 'insufficient_data', 'hidden']);
  const page = await p.a.c.get(`/dyads/${p.id}/insights`, { headers: { Accept: 'text/html' } });
  assert.doesNotMatch(page.text, /not tracked here/);
  srv.sql(`DELETE FROM checkins WHERE dyad_id = '${p.id}'`);
  insert(10);
  assert.equal((await q(p.a.c))[p.a.u.id], 'not_tracked', 'A reads it of themself');
  assert.equal((await q(t.c))[p.a.u.id], 'not_tracked', 'the therapist: not tracked, not "not shared"');
  assert.equal((await q(p.b.c))[p.a.u.id], 'hidden', 'B is told nothing of what A tracks');
  assert.notEqual((await q(t.c))[p.b.u.id], 'not_tracked');
});

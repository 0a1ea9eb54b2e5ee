// The therapist workspace from outside: setup by one-time link, consent by
// both members, revocation at once, the audit log, homework that comfort
// still overrules, and no word of the dyad's ever in a therapist's view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backend } from '../lib/server.mjs';
import { Client, registerBody, newUser, unb64, sodium, pairDyad } from '../lib/api.mjs';
import { makeTherapist, therapistLink } from '../lib/therapist.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } }); });
after(async () => { if (srv) await srv.stop(); });
const sql = (q) => srv.sql(q);

const pair = (kind = 'couple') => pairDyad(srv.url, kind);

test('setup from a one-time link; the code carries the keys\' fingerprint', async () => {
  const t = await makeTherapist(srv);
  assert.match(t.code, /^[A-Z2-7]{8}-[A-Z2-7]{16}$/);
  assert.equal(t.code.split('-')[1], cr.therapistFingerprint(t.u.box.publicKey, t.u.sign.publicKey));
  assert.equal((await t.c.get('/api/v1/therapist/code')).json.therapist_code, t.code);
  const me = await t.c.get('/api/v1/me');
  assert.equal(me.json.user.role, 'therapist');
  const again = await new Client(srv.url).post('/api/v1/therapist/setup', { token: t.token, ...registerBody(newUser('x')), email: undefined });
  assert.equal(again.status, 409, 'the link works once');
  const bogus = { ...registerBody(newUser('y')) };
  delete bogus.email;
  assert.equal((await new Client(srv.url).post('/api/v1/therapist/setup', { token: 'A'.repeat(43), ...bogus })).status, 404);
  const { token } = therapistLink(srv, 'late@example.org');
  sql(`UPDATE therapist_invites SET expires_at = 0 WHERE email = 'late@example.org'`);
  assert.equal((await new Client(srv.url).post('/api/v1/therapist/setup', { token, ...bogus })).status, 404, 'expired');
  assert.ok(!sql(`SELECT ${backend === 'sqlite' ? 'hex(token_hash)' : "upper(encode(token_hash, 'hex'))"} FROM therapist_invites`).includes(Buffer.from(token).toString('hex').toUpperCase()), 'only a hash is kept');
});

test('consent by both, then access; revocation by either ends it at once', async () => {
  const t = await makeTherapist(srv);
  const p = await pair();
  const half = await p.a.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
  assert.equal(half.status, 200, half.text);
  assert.equal(half.json.link.state, 'pending');
  assert.equal(half.json.link.consented_by_me, true);
  assert.equal(half.json.therapist.fingerprint, t.code.split('-')[1]);
  assert.equal(cr.therapistFingerprint(unb64(half.json.therapist.box_public_key), unb64(half.json.therapist.sign_public_key)), t.code.split('-')[1], 'the client can check the keys it was given');
  assert.equal((await p.b.c.get(`/api/v1/dyads/${p.id}/therapist`)).json.link.consented_by_partner, true, 'members always see the state');
  assert.equal((await t.c.get(`/api/v1/therapist/dyads/${p.id}`)).status, 403, 'half-consented');
  assert.deepEqual((await t.c.get('/api/v1/therapist/caseload')).json.dyads, []);
  const full = await p.b.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
  assert.equal(full.json.link.state, 'active');
  const view = await t.c.get(`/api/v1/therapist/dyads/${p.id}`);
  assert.equal(view.status, 200, view.text);
  assert.equal(view.json.members.length, 2);
  assert.ok(view.json.shares);
  const charts = await t.c.get(`/api/v1/therapist/dyads/${p.id}/charts?window=14`);
  assert.equal(charts.status, 200);
  assert.match(charts.json.series, /^<svg[^>]* role="img"/);
  assert.match(charts.json.plane, /^<svg[^>]* role="img"/, 'the disclosure × responsiveness plane, for every dyad');
  assert.equal(charts.json.quadrant, null, 'no emotional × sexual quadrant while nobody tracks sex');
  const home = await t.c.get('/', { headers: { Accept: 'text/html' } });
  assert.equal(home.status, 303, 'a therapist\'s home is the caseload');
  assert.equal(home.headers.get('location'), '/therapist');
  const caseload = await t.c.get('/api/v1/therapist/caseload');
  assert.deepEqual(caseload.json.dyads.map((d) => d.id), [p.id]);
  assert.equal((await p.b.c.del(`/api/v1/dyads/${p.id}/therapist`)).status, 204);
  assert.equal((await t.c.get(`/api/v1/therapist/dyads/${p.id}`)).status, 403, 'revoked');
  assert.equal((await t.c.post(`/api/v1/therapist/dyads/${p.id}/assignments`, { topic: 'joy', depth: 1 })).status, 403);
  assert.deepEqual((await t.c.get('/api/v1/therapist/caseload')).json.dyads, []);
  assert.equal((await p.a.c.get(`/api/v1/dyads/${p.id}/therapist`)).json.link, null);
});

test('codes are checked; one therapist per dyad; members are not therapists', async () => {
  const t = await makeTherapist(srv);
  const t2 = await makeTherapist(srv, 't2');
  const p = await pair();
  const wrongFp = t.code.slice(0, 9) + t2.code.slice(9);
  for (const code of [wrongFp, 'nonsense', 'AAAAAAAA-AAAAAAAAAAAAAAAA']) {
    const r = await p.a.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: code });
    assert.equal(r.status, 400, code);
    assert.equal(r.json.error.field, 'therapist_code');
  }
  await p.a.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t2.code })).status, 409);
  assert.equal((await t2.c.get(`/api/v1/therapist/dyads/${p.id}`)).status, 403, 'unlinked therapist');
  for (const path of ['/api/v1/therapist/caseload', '/api/v1/therapist/code', `/api/v1/therapist/dyads/${p.id}`]) {
    const r = await p.a.c.get(path);
    assert.equal(r.status, 403, path);
    assert.equal(r.json.error.code, 'forbidden');
  }
  assert.equal((await t.c.get(`/api/v1/dyads/${p.id}`)).status, 404, 'a therapist is not a member');
});

test('every therapist read is audited; members see it', async () => {
  const t = await makeTherapist(srv);
  const p = await pair();
  await p.a.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
  await p.b.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
  await t.c.get(`/api/v1/therapist/dyads/${p.id}`);
  await t.c.get('/api/v1/therapist/caseload');
  for (const side of [p.a, p.b]) {
    const audit = (await side.c.get(`/api/v1/dyads/${p.id}/audit`)).json.audit;
    const reads = audit.filter((e) => e.actor_id === t.u.id);
    assert.deepEqual(reads.map((e) => e.action).sort(), ['view_caseload', 'view_dyad']);
    assert.equal(reads[0].actor_role, 'therapist');
    assert.ok(audit.some((e) => e.action === 'consent' && e.actor_id === p.a.u.id));
  }
});

test('the therapist sees scores, not words; sexual scores only when allowed', async () => {
  const t = await makeTherapist(srv);
  const p = await pair();
  for (const side of [p.a, p.b]) {
    await side.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: true });
    await side.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
  }
  const today = Math.floor(Date.now() / 86400000);
  const rows = [];
  for (let i = 0; i < 14; i++) for (const u of [p.a.u, p.b.u]) rows.push(`('${p.id}','${u.id}',${today - i},6,7,5,6,7,5,${i % 2 ? 6 : 0},0,1,${backend === 'sqlite' ? "X'00'" : "'\\x00'::bytea"},0,0)`);
  sql(`INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows.join(',')};`);
  const sid = cr.newEntryId();
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id: sid, topic: 'fear', depth: 2, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: sid, authorId: p.a.u.id, kind: 'share' }, 'WORDS-CANARY') });
  let v = await t.c.get(`/api/v1/therapist/dyads/${p.id}`);
  const ma = v.json.members.find((m) => m.user_id === p.a.u.id);
  assert.ok(Math.abs(ma.closeness_mean - 6) < 0.01, 'check-in scores: yes');
  assert.equal(ma.sexual_mean, undefined, 'not allowed yet');
  const byA = v.json.shares.find((s) => s.author_id === p.a.u.id);
  assert.deepEqual(byA.by_topic_depth.fear, [0, 1, 0, 0, 0]);
  assert.ok(!v.text.includes(sid) && !v.text.includes('body'), 'no entry, no words');
  await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { therapist_sees_sexual: true });
  v = await t.c.get(`/api/v1/therapist/dyads/${p.id}`);
  assert.ok(v.json.members.find((m) => m.user_id === p.a.u.id).sexual_mean >= 0, 'allowed by A');
  assert.equal(v.json.members.find((m) => m.user_id === p.b.u.id).sexual_mean, undefined, 'not by B');
});

test('homework shows in both next prompts, never deeper than the lower comfort', async () => {
  const t = await makeTherapist(srv);
  const p = await pair();
  for (const side of [p.a, p.b]) await side.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
  await p.a.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 5 });
  await p.b.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 1 });
  const noteFor = (u) => cr.sealToKey('Try this one together this week.', u.box.publicKey);
  const r = await t.c.post(`/api/v1/therapist/dyads/${p.id}/assignments`, { topic: 'fear', depth: 4, days: 7, notes: { [p.a.u.id]: noteFor(p.a.u), [p.b.u.id]: noteFor(p.b.u) } });
  assert.equal(r.status, 201, r.text);
  for (const side of [p.a, p.b]) {
    const n = await side.c.get(`/api/v1/dyads/${p.id}/next-prompt`);
    assert.equal(n.json.topic, 'fear');
    assert.equal(n.json.homework.depth, 4);
    assert.equal(n.json.depth, 1, 'comfort wins over homework');
    assert.equal(n.json.prompt.depth, 1);
    assert.equal(cr.openSealed(n.json.homework.note, side.u.box.publicKey, side.u.box.privateKey), 'Try this one together this week.');
  }
  for (const [body, field] of [[{ topic: 'gossip', depth: 2 }, 'topic'], [{ topic: 'fear', depth: 9 }, 'depth'], [{ topic: 'fear', depth: 2, days: 90 }, 'days'], [{ topic: 'fear', depth: 2, notes: { 'u-x': 'AAAA' } }, 'notes']]) {
    const bad = await t.c.post(`/api/v1/therapist/dyads/${p.id}/assignments`, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.json.error.field, field);
  }
});

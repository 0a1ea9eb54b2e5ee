// Safety and data rights against the real binary: one's sessions and
// devices, the new-browser notice, export, leaving with or without one's
// words, and erasure that leaves no byte of the person in the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { startServer, backend } from '../lib/server.mjs';
import { Client, registerAndLogin, b64, sodium, pairDyad } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });
const sql = (q) => srv.sql(q);
const today = new Date().toISOString().slice(0, 10);

const pair = (kind = 'couple') => pairDyad(srv.url, kind, { wrap: true });

async function writeSome(p, who, other) {
  const sid = cr.newEntryId();
  await who.c.post(`/api/v1/dyads/${p.id}/shares`, { id: sid, topic: 'joy', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: sid, authorId: who.u.id, kind: 'share' }, 'a joy') });
  const rid = cr.newEntryId();
  const osid = cr.newEntryId();
  await other.c.post(`/api/v1/dyads/${p.id}/shares`, { id: osid, topic: 'joy', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: osid, authorId: other.u.id, kind: 'share' }, 'their joy') });
  await who.c.post(`/api/v1/dyads/${p.id}/shares/${osid}/responses`, { id: rid, kind: 'with_you', body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: rid, authorId: who.u.id, kind: 'response' }, 'with you') });
  await who.c.put(`/api/v1/dyads/${p.id}/checkins/${today}`, { closeness: 6, note: cr.encryptEntry(who.u.personal, { dyadId: p.id, entryId: today, authorId: who.u.id, kind: 'note' }, 'mine') });
  await who.c.put(`/api/v1/dyads/${p.id}/comfort`, { joy: 4 });
  return { sid, rid, osid };
}

test('sessions: listed with when and which browser, each revocable', async () => {
  const { c, u } = await registerAndLogin(srv.url, 's');
  const other = new Client(srv.url);
  const l = await other.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) }, { headers: { 'User-Agent': 'PhoneBrowser/1.0' } });
  other.csrf = l.json.csrf_token;
  const list = await c.get('/api/v1/me/sessions');
  assert.equal(list.status, 200);
  assert.equal(list.json.sessions.length, 2);
  const mine = list.json.sessions.find((s) => s.current);
  const phone = list.json.sessions.find((s) => !s.current);
  assert.ok(mine && phone);
  assert.equal(phone.user_agent, 'PhoneBrowser/1.0');
  assert.match(phone.created_at, /^\d{4}-\d\d-\d\dT/);
  assert.equal((await c.del(`/api/v1/me/sessions/${phone.id}`)).status, 204);
  assert.equal((await other.get('/api/v1/me')).status, 401, 'the revoked session is refused');
  assert.equal((await c.del(`/api/v1/me/sessions/${phone.id}`)).status, 404);
  const x = await registerAndLogin(srv.url, 'x');
  assert.equal((await x.c.del(`/api/v1/me/sessions/${mine.id}`)).status, 404, 'not someone else\'s');
  assert.equal((await c.get('/api/v1/me')).status, 200);
});

test('a login from a new browser leaves a notice', async () => {
  const { c, u } = await registerAndLogin(srv.url, 'n');
  assert.deepEqual((await c.get('/api/v1/me')).json.notices, [], 'the first browser is not news');
  const same = new Client(srv.url);
  await same.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  assert.deepEqual((await c.get('/api/v1/me')).json.notices, [], 'the same browser again is not news');
  const other = new Client(srv.url);
  await other.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) }, { headers: { 'User-Agent': 'SomeoneElse/2.0' } });
  const notices = (await c.get('/api/v1/me')).json.notices;
  assert.equal(notices.length, 1);
  assert.equal(notices[0].kind, 'new_browser');
  assert.equal(notices[0].user_agent, 'SomeoneElse/2.0');
  assert.equal((await c.del(`/api/v1/me/notices/${notices[0].id}`)).status, 204);
  assert.deepEqual((await c.get('/api/v1/me')).json.notices, []);
});

test('export: all of one\'s own data, ciphertext with metadata, none of the partner\'s', async () => {
  const p = await pair();
  const ids = await writeSome(p, p.a, p.b);
  const r = await p.a.c.get('/api/v1/me/export');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-disposition'), /attachment/);
  const e = r.json;
  assert.equal(e.user.email, p.a.u.email);
  assert.ok(e.user.wrapped_keys && e.user.recovery_wrapped_keys);
  assert.equal(e.dyads.length, 1);
  const d = e.dyads[0];
  assert.equal(d.checkins.length, 1);
  assert.equal(cr.decryptEntry(p.a.u.personal, { dyadId: p.id, entryId: today, authorId: p.a.u.id, kind: 'note' }, d.checkins[0].note), 'mine');
  assert.deepEqual(d.shares.map((s) => s.id), [ids.sid]);
  assert.deepEqual(d.responses.map((x) => x.id), [ids.rid]);
  assert.equal(d.comfort[0].level, 4);
  assert.ok(d.my_key.wrapped_key);
  const theirs = (await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares.find((s) => s.id === ids.osid);
  assert.ok(!r.text.includes(theirs.body), 'the partner\'s words are theirs');
  assert.equal(d.responses[0].share_id, ids.osid, 'one\'s response says what it answered');
  assert.equal(e.sessions.length, 1);
});

test('leaving and keeping one\'s words; leaving and deleting them', async () => {
  const keep = await pair();
  const k = await writeSome(keep, keep.a, keep.b);
  assert.equal((await keep.a.c.post(`/api/v1/dyads/${keep.id}/leave`, { delete_my_content: false })).status, 204);
  assert.equal(sql(`SELECT count(*) FROM shares WHERE id = '${k.sid}'`), '1');
  const seen = await keep.b.c.get(`/api/v1/dyads/${keep.id}/shares`);
  assert.equal(seen.status, 200, 'the one who stays still has the thread');
  assert.ok(seen.json.shares.some((s) => s.id === k.sid));

  const del = await pair();
  const d = await writeSome(del, del.a, del.b);
  assert.equal((await del.a.c.post(`/api/v1/dyads/${del.id}/leave`, { delete_my_content: true })).status, 204);
  assert.equal(sql(`SELECT count(*) FROM shares WHERE id = '${d.sid}'`), '0');
  assert.equal(sql(`SELECT count(*) FROM responses WHERE id = '${d.rid}'`), '0');
  assert.equal(sql(`SELECT count(*) FROM checkins WHERE dyad_id = '${del.id}' AND user_id = '${del.a.u.id}'`), '0');
  assert.equal(sql(`SELECT count(*) FROM comfort WHERE dyad_id = '${del.id}' AND user_id = '${del.a.u.id}'`), '0');
  assert.equal(sql(`SELECT count(*) FROM shares WHERE id = '${d.osid}'`), '1', 'the partner\'s words stay theirs');
  assert.equal((await del.b.c.get(`/api/v1/dyads/${del.id}`)).json.dyad.active, false);
});

test('account deletion needs the password and leaves no byte of the person', async () => {
  const p = await pair();
  const ids = await writeSome(p, p.a, p.b);
  const sessionId = (await p.a.c.get('/api/v1/me/sessions')).json.sessions[0].id;
  const wrong = await p.a.c.del('/api/v1/me', { auth_key: b64(sodium.randombytes_buf(32)) });
  assert.equal(wrong.status, 403);
  assert.equal(sql(`SELECT count(*) FROM users WHERE id = '${p.a.u.id}'`), '1', 'nothing deleted');
  const r = await p.a.c.del('/api/v1/me', { auth_key: b64(p.a.u.auth_key) });
  assert.equal(r.status, 204, r.text);
  assert.equal((await p.a.c.get('/api/v1/me')).status, 401);
  const login = await new Client(srv.url).post('/api/v1/auth/login', { email: p.a.u.email, auth_key: b64(p.a.u.auth_key) });
  assert.equal(login.status, 401);
  assert.equal((await p.b.c.get(`/api/v1/dyads/${p.id}`)).json.dyad.active, false, 'the partner sees only that the dyad ended');
  const needles = [p.a.u.email, p.a.u.id, sessionId, ids.sid, ids.rid];
  for (const f of [srv.dbPath, `${srv.dbPath}-wal`]) {
    if (!existsSync(f)) continue;
    const bytes = readFileSync(f);
    for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${n} found in ${f}`);
  }
  if (backend === 'sqlite') assert.equal(sql('PRAGMA integrity_check'), 'ok');
});

// One's own browser, unlocked with a PIN (docs/security.md#unlocking-with-a-pin):
// marking it (the password again and a PIN proof), the 30-day session, the
// PIN unlock with at most 5 wrong proofs in a row (counted atomically: sent
// all at once, they still end the device at the 5th), the 6th refused,
// another account's device id refused, sign-out, lock, forget, and what a
// stolen database holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, registerAndLogin, b64, unb64, sodium } from '../lib/api.mjs';

let srv;
before(async () => {
  srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200', DYAD_LOGIN_FAILURES_PER_CLIENT: '1000' } });
});
after(async () => { if (srv) await srv.stop(); });

const DAY = 24 * 60 * 60;
const secs = (iso) => Date.parse(iso) / 1000;

// Marks A's browser with a random proof (the server cannot tell it from
// kdf_derive of an Argon2id PIN key). → { id, value, proof }
async function mark(A, proof = sodium.randombytes_buf(32)) {
  const r = await A.c.post('/api/v1/me/devices', { auth_key: b64(A.u.auth_key), proof: b64(proof) });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.device.id, /^v-[0-9a-f]{24}$/);
  assert.equal(unb64(r.json.device_value).length, 32);
  return { id: r.json.device.id, value: r.json.device_value, proof, device: r.json.device };
}

function unlock(proof, id, client = new Client(srv.url)) {
  return client.post('/api/v1/auth/device', { device_id: id, proof: b64(proof) }).then((r) => ({ ...r, client }));
}

async function mySession(c) {
  const r = await c.get('/api/v1/me/sessions');
  assert.equal(r.status, 200, r.text);
  return r.json.sessions.find((s) => s.current);
}

test('an ordinary session ends 12 h after login; a marked one 30 days after it, and only that one', async () => {
  const A = await registerAndLogin(srv.url, 'dev');
  const before = await mySession(A.c);
  assert.equal(before.device, false);
  assert.equal(secs(before.expires_at) - secs(before.created_at), 12 * 60 * 60);
  // a second, unmarked session of the same account
  const other = new Client(srv.url);
  const l = await other.post('/api/v1/auth/login', { email: A.u.email, auth_key: b64(A.u.auth_key) });
  other.csrf = l.json.csrf_token;
  const d = await mark(A);
  const after = await mySession(A.c);
  assert.equal(after.device, true);
  assert.equal(secs(after.expires_at) - secs(after.created_at), 30 * DAY);
  assert.equal(secs(d.device.expires_at), secs(after.expires_at));
  const o = await mySession(other);
  assert.equal(o.device, false);
  assert.equal(secs(o.expires_at) - secs(o.created_at), 12 * 60 * 60);
  // the value the server stores is a keyed hash of the proof, and the
  // device value is not in the database either
  const row = srv.sql(`SELECT failures, expires_at FROM devices WHERE id = '${d.id}'`);
  assert.ok(row.length > 0);
  const dump = srv.sql(`SELECT * FROM devices WHERE id = '${d.id}'`);
  assert.ok(!dump.includes(d.value));
});

test('marking needs the right password and a 32-byte proof; bad input is a 400 in the error shape', async () => {
  const A = await registerAndLogin(srv.url, 'devbad');
  let r = await A.c.post('/api/v1/me/devices', { auth_key: b64(sodium.randombytes_buf(32)), proof: b64(sodium.randombytes_buf(32)) });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.field, 'auth_key');
  r = await A.c.post('/api/v1/me/devices', { auth_key: b64(A.u.auth_key), proof: b64(sodium.randombytes_buf(31)) });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_field');
  assert.equal(r.json.error.field, 'proof');
  r = await A.c.post('/api/v1/me/devices', { auth_key: b64(A.u.auth_key) });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'proof');
  r = await A.c.post('/api/v1/me/devices', { auth_key: b64(A.u.auth_key), proof: b64(sodium.randombytes_buf(32)), extra: 1 });
  assert.equal(r.status, 400);
  const anon = new Client(srv.url);
  for (const body of [{}, { device_id: 'x', proof: b64(sodium.randombytes_buf(32)) }, { device_id: 'v-zz', proof: 'AAAA' },
    { device_id: 'v-00', proof: 'not base64' }, { device_id: 7, proof: b64(sodium.randombytes_buf(32)) }]) {
    const u = await anon.post('/api/v1/auth/device', body);
    assert.equal(u.status, 400, JSON.stringify(body));
    assert.ok(['missing_field', 'invalid_field'].includes(u.json.error.code));
    assert.ok(u.json.error.message);
  }
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE user_id = '${A.u.id}'`), '0', 'nothing half-written');
});

test('the right proof gives a new 30-day session of the device and the same device value; the old one ends', async () => {
  const A = await registerAndLogin(srv.url, 'devok');
  const d = await mark(A);
  // the idle lock ends the session but keeps the device
  assert.equal((await A.c.post('/api/v1/auth/lock')).status, 204);
  assert.equal((await A.c.get('/api/v1/me')).status, 401);
  const r = await unlock(d.proof, d.id);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.id, A.u.id);
  assert.equal(r.json.device_value, d.value);
  assert.equal(r.json.box_public_key, b64(A.u.box.publicKey));
  assert.equal(secs(r.json.expires_at), secs(d.device.expires_at));
  r.client.csrf = r.json.csrf_token;
  const s = await mySession(r.client);
  assert.equal(s.device, true);
  assert.equal(s.expires_at, d.device.expires_at);
  // a second unlock replaces the first session of the family
  const again = await unlock(d.proof, d.id);
  assert.equal(again.status, 200);
  assert.equal((await r.client.get('/api/v1/me')).status, 401);
  assert.equal((await again.client.get('/api/v1/me')).status, 200);
});

test('wrong proofs are counted; the 5th forgets the device, the 6th — even the right one — is refused', async () => {
  const A = await registerAndLogin(srv.url, 'devwrong');
  const d = await mark(A);
  for (let i = 1; i <= 4; i++) {
    const r = await unlock(sodium.randombytes_buf(32), d.id);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error.code, 'unauthenticated');
    assert.equal(r.json.error.field, 'proof');
    assert.match(r.json.error.message, new RegExp(`${5 - i} more wrong`));
    assert.equal(srv.sql(`SELECT failures FROM devices WHERE id = '${d.id}'`), String(i));
  }
  const fifth = await unlock(sodium.randombytes_buf(32), d.id);
  assert.equal(fifth.status, 404);
  assert.equal(fifth.json.error.field, 'device_id');
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${d.id}'`), '0');
  // the device's session ended too: the password is needed again
  assert.equal((await A.c.get('/api/v1/me')).status, 401);
  const sixth = await unlock(d.proof, d.id);
  assert.equal(sixth.status, 404);
  assert.equal(sixth.json.error.code, 'not_found');
});

test('a right proof resets the count', async () => {
  const A = await registerAndLogin(srv.url, 'devreset');
  const d = await mark(A);
  for (let i = 0; i < 4; i++) assert.equal((await unlock(sodium.randombytes_buf(32), d.id)).status, 401);
  assert.equal((await unlock(d.proof, d.id)).status, 200);
  assert.equal(srv.sql(`SELECT failures FROM devices WHERE id = '${d.id}'`), '0');
  for (let i = 0; i < 4; i++) assert.equal((await unlock(sodium.randombytes_buf(32), d.id)).status, 401);
  assert.equal((await unlock(d.proof, d.id)).status, 200);
});

test('wrong tries sent all at once are counted one by one: exactly one answer forgets the device', async () => {
  const A = await registerAndLogin(srv.url, 'devrace');
  const d = await mark(A);
  const answers = await Promise.all(Array.from({ length: 12 }, () => unlock(sodium.randombytes_buf(32), d.id)));
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 401).length, 4, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 404).length, 8, statuses.join(','));
  assert.equal(answers.filter((r) => /wrong 5 times/.test(r.json.error.message)).length, 1);
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${d.id}'`), '0');
  assert.equal((await unlock(d.proof, d.id)).status, 404);
});

test('another account cannot list, forget or use a device id as its own', async () => {
  const A = await registerAndLogin(srv.url, 'deva');
  const B = await registerAndLogin(srv.url, 'devb');
  const d = await mark(A);
  const list = await B.c.get('/api/v1/me/devices');
  assert.deepEqual(list.json.devices, []);
  const del = await B.c.del(`/api/v1/me/devices/${d.id}`);
  assert.equal(del.status, 404);
  // B's own proof (B's PIN) against A's device is a wrong try, and opens nothing
  const bd = await mark(B);
  const r = await unlock(bd.proof, d.id, B.c);
  assert.equal(r.status, 401);
  assert.equal((await A.c.get('/api/v1/me/devices')).json.devices.length, 1);
  // the unlock answers with the device's own account, never the caller's
  const ok = await unlock(d.proof, d.id);
  assert.equal(ok.json.user.id, A.u.id);
  assert.notEqual(ok.json.device_value, bd.value);
});

test('sign-out forgets the device; lock keeps it; forget by id; a password change forgets the others', async () => {
  const A = await registerAndLogin(srv.url, 'devout');
  const d = await mark(A);
  assert.equal((await A.c.post('/api/v1/auth/logout')).status, 204);
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${d.id}'`), '0');
  assert.equal((await unlock(d.proof, d.id)).status, 404);

  const B = await registerAndLogin(srv.url, 'devfgt');
  const e = await mark(B);
  assert.equal((await B.c.post('/api/v1/auth/lock')).status, 204);
  const anon = new Client(srv.url);
  assert.equal((await anon.post('/api/v1/auth/device/forget', { device_id: e.id })).status, 204);
  assert.equal((await anon.post('/api/v1/auth/device/forget', { device_id: e.id })).status, 204, 'the same answer when gone');
  assert.equal((await unlock(e.proof, e.id)).status, 404);

  // sent with the device's own session (quick exit sends it beside a logout,
  // in either order): the device goes, that session stays for the logout
  const F = await registerAndLogin(srv.url, 'devqx');
  const f = await mark(F);
  assert.equal((await F.c.post('/api/v1/auth/device/forget', { device_id: f.id })).status, 204);
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${f.id}'`), '0');
  assert.equal((await mySession(F.c)).device, false);
  assert.equal((await F.c.post('/api/v1/auth/logout')).status, 204);

  // two browsers of C's marked; C changes the password in the first
  const C = await registerAndLogin(srv.url, 'devpw');
  const c1 = await mark(C);
  const C2 = new Client(srv.url);
  const l = await C2.post('/api/v1/auth/login', { email: C.u.email, auth_key: b64(C.u.auth_key) });
  C2.csrf = l.json.csrf_token;
  const c2 = await mark({ u: C.u, c: C2 });
  const newAuth = sodium.randombytes_buf(32);
  const pw = await C.c.post('/api/v1/me/password', {
    auth_key: b64(C.u.auth_key), new_kdf_salt: b64(sodium.randombytes_buf(16)), new_auth_key: b64(newAuth),
    new_wrapped_keys: b64(sodium.randombytes_buf(168)),
  });
  assert.equal(pw.status, 204, pw.text);
  const left = (await C.c.get('/api/v1/me/devices')).json.devices.map((x) => x.id);
  assert.deepEqual(left, [c1.id]);
  assert.equal((await unlock(c2.proof, c2.id)).status, 404);

  // forgetting one's own current device from settings keeps the session, as an ordinary one
  assert.equal((await C.c.del(`/api/v1/me/devices/${c1.id}`)).status, 204);
  const s = await mySession(C.c);
  assert.equal(s.device, false);
  assert.equal(secs(s.expires_at) - secs(s.created_at), 12 * 60 * 60);
});

test('ending a marked browser\'s session from another forgets the device: its PIN opens nothing', async () => {
  const A = await registerAndLogin(srv.url, 'devend');
  const Phone = new Client(srv.url);
  const l = await Phone.post('/api/v1/auth/login', { email: A.u.email, auth_key: b64(A.u.auth_key) });
  assert.equal(l.status, 200, l.text);
  Phone.csrf = l.json.csrf_token;
  const d = await mark({ u: A.u, c: Phone });
  const mine = await mark(A); // the ending browser is marked too, and stays so
  const phoneSession = (await mySession(Phone)).id;
  // the phone locked itself and unlocked with its PIN: a new session of the device
  assert.equal((await Phone.post('/api/v1/auth/lock')).status, 204);
  const again = await unlock(d.proof, d.id);
  assert.equal(again.status, 200, again.text);
  const unlocked = (await mySession(again.client)).id;
  assert.notEqual(unlocked, phoneSession);

  assert.equal((await A.c.del(`/api/v1/me/sessions/${unlocked}`)).status, 204);
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${d.id}'`), '0', 'the device is forgotten');
  assert.equal(srv.sql(`SELECT count(*) FROM sessions WHERE device_id = '${d.id}'`), '0');
  assert.equal((await unlock(d.proof, d.id)).status, 404, 'the right PIN opens nothing');
  assert.equal((await again.client.get('/api/v1/me')).status, 401, 'the phone is signed out');
  const left = (await A.c.get('/api/v1/me/devices')).json.devices.map((x) => x.id);
  assert.deepEqual(left, [mine.id], 'the ending browser keeps its own mark');
  assert.equal((await mySession(A.c)).device, true);

  // an ordinary session ends as before; a session not one's own is a 404 and ends nothing
  const B = await registerAndLogin(srv.url, 'devend-b');
  const b = await mark(B);
  assert.equal((await A.c.del(`/api/v1/me/sessions/${(await mySession(B.c)).id}`)).status, 404);
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${b.id}'`), '1');
});

test('the unlock is rate limited per client address', async () => {
  const s2 = await startServer({ env: { DYAD_LOGIN_FAILURES_PER_CLIENT: '3' } });
  try {
    const anon = new Client(s2.url);
    const id = 'v-000000000000000000000000';
    const tryOnce = () => anon.post('/api/v1/auth/device', { device_id: id, proof: b64(sodium.randombytes_buf(32)) });
    for (let i = 0; i < 3; i++) assert.equal((await tryOnce()).status, 404);
    // The third failure blocks this address for 1 s, the next for 2, then
    // 4…: whole seconds, so a slow machine can outlast the first waits. A
    // throttle must answer 429 well before the wait reaches 32 s.
    let r = await tryOnce();
    for (let i = 0; r.status === 404 && i < 5; i++) r = await tryOnce();
    assert.equal(r.status, 429, r.text);
    assert.equal(r.json.error.code, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  } finally {
    await s2.stop();
  }
});

test('erasing the account removes its devices', async () => {
  const A = await registerAndLogin(srv.url, 'deverase');
  const d = await mark(A);
  const r = await A.c.del('/api/v1/me', { auth_key: b64(A.u.auth_key) });
  assert.equal(r.status, 204, r.text);
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${d.id}'`), '0');
});

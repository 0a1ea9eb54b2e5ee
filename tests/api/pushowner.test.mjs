// Which browser a push subscription belongs to, and what ends it
// (docs/security.md#push-subscriptions-end-with-their-browser): made in a
// session, it belongs to that session and, once the browser is marked as
// one's own, to that device. Sign-out (and quick exit's forget + logout, in
// either order), ending its session from "Where you are signed in",
// forgetting the device (from it, from another browser, or by five wrong
// PINs) and a password change elsewhere remove it on the server; the idle
// lock and a PIN unlock keep it. The export lists the
// reminder settings and the subscriptions without their keys; erasure
// removes them all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { Client, registerAndLogin, b64, sodium } from '../lib/api.mjs';

let srv;
before(async () => {
  srv = await startServer({
    env: { DYAD_PUSH_ALLOW_HTTP_LOOPBACK: 'yes', DYAD_REGISTRATIONS_PER_CLIENT: '200', DYAD_LOGIN_FAILURES_PER_CLIENT: '1000' },
  });
});
after(async () => { if (srv) await srv.stop(); });

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// A browser's subscription (nothing listens there: nothing is sent here).
function subscription() {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint: `http://127.0.0.1:9/push/${crypto.randomBytes(8).toString('hex')}`,
    p256dh: b64url(ecdh.getPublicKey()),
    auth: b64url(crypto.randomBytes(16)),
  };
}

async function subscribe(c) {
  const sub = subscription();
  const r = await c.post('/api/v1/me/push', sub);
  assert.equal(r.status, 201, r.text);
  return sub;
}

const count = (sub) => Number(srv.sql(`SELECT count(*) FROM push_subscriptions WHERE endpoint = '${sub.endpoint}'`));

async function mark(A, proof = sodium.randombytes_buf(32)) {
  const r = await A.c.post('/api/v1/me/devices', { auth_key: b64(A.u.auth_key), proof: b64(proof) });
  assert.equal(r.status, 201, r.text);
  return { id: r.json.device.id, proof };
}

async function login(u) {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  assert.equal(r.status, 200, r.text);
  c.csrf = r.json.csrf_token;
  return c;
}

function unlock(proof, id, client = new Client(srv.url)) {
  return client.post('/api/v1/auth/device', { device_id: id, proof: b64(proof) }).then((r) => {
    if (r.status === 200) client.csrf = r.json.csrf_token;
    return { ...r, client };
  });
}

test('an ordinary browser: the lock keeps its subscription, sign-out removes it and only it', async () => {
  const A = await registerAndLogin(srv.url, 'po-plain');
  const mine = await subscribe(A.c);
  const list = (await A.c.get('/api/v1/me/push')).json.subscriptions;
  assert.equal(list.length, 1);
  assert.equal(list[0].endpoint, mine.endpoint);
  assert.equal(list[0].device_id, null);
  assert.equal(list[0].p256dh, undefined, 'no keys in the list');
  assert.equal(list[0].auth, undefined);
  // A's other browser, and someone else's
  const other = await subscribe(await login(A.u));
  const B = await registerAndLogin(srv.url, 'po-else');
  const hers = await subscribe(B.c);

  assert.equal((await A.c.post('/api/v1/auth/lock')).status, 204);
  assert.equal(count(mine), 1, 'the idle lock keeps it: a reminder may bring the person back');

  const again = await login(A.u);
  const re = await again.post('/api/v1/me/push', mine); // the browser hands it again: now of this session
  assert.equal(re.status, 201, re.text);
  assert.equal((await again.post('/api/v1/auth/logout')).status, 204);
  assert.equal(count(mine), 0, 'sign-out removes this browser’s subscription');
  assert.equal(count(other), 1, 'not another browser’s');
  assert.equal(count(hers), 1, 'not another person’s');
});

test('one’s own device: kept across the lock and PIN unlocks, removed when it is forgotten from settings', async () => {
  const A = await registerAndLogin(srv.url, 'po-dev');
  const sub = await subscribe(A.c); // before marking: it moves to the device
  const d = await mark(A);
  assert.equal(srv.sql(`SELECT device_id FROM push_subscriptions WHERE endpoint = '${sub.endpoint}'`), d.id);
  assert.equal((await A.c.post('/api/v1/auth/lock')).status, 204);
  const u1 = await unlock(d.proof, d.id);
  assert.equal(u1.status, 200, u1.text);
  const u2 = await unlock(d.proof, d.id); // another unlock ends the first session: still there
  assert.equal(u2.status, 200, u2.text);
  assert.equal(count(sub), 1);
  const list = (await u2.client.get('/api/v1/me/push')).json.subscriptions;
  assert.equal(list[0].device_id, d.id);
  // a second one made after marking belongs to the device at once
  const later = await subscribe(u2.client);
  assert.equal(srv.sql(`SELECT device_id FROM push_subscriptions WHERE endpoint = '${later.endpoint}'`), d.id);

  const elsewhere = await login(A.u);
  const kept = await subscribe(elsewhere);
  assert.equal((await elsewhere.del(`/api/v1/me/devices/${d.id}`)).status, 204);
  assert.equal(count(sub), 0, 'forgetting the device removes its subscriptions');
  assert.equal(count(later), 0);
  assert.equal(count(kept), 1, 'the browser that forgot it keeps its own');
});

test('five wrong PINs forget the device and its subscriptions', async () => {
  const A = await registerAndLogin(srv.url, 'po-pin');
  const d = await mark(A);
  const sub = await subscribe(A.c);
  const B = await registerAndLogin(srv.url, 'po-pin-b');
  const hers = await subscribe(B.c);
  for (let i = 1; i <= 4; i++) {
    assert.equal((await unlock(sodium.randombytes_buf(32), d.id)).status, 401);
    assert.equal(count(sub), 1, `still there after ${i} wrong`);
  }
  const fifth = await unlock(sodium.randombytes_buf(32), d.id);
  assert.equal(fifth.status, 404, fifth.text);
  assert.equal(count(sub), 0);
  assert.equal(count(hers), 1);
});

test('quick exit: forget and logout in either order remove the subscription', async () => {
  for (const order of [['forget', 'logout'], ['logout', 'forget']]) {
    const A = await registerAndLogin(srv.url, `po-qx-${order[0]}`);
    const before1 = await subscribe(A.c); // made before marking
    const d = await mark(A);
    const after1 = await subscribe(A.c); // made after
    for (const step of order) {
      const r = step === 'forget'
        ? await A.c.post('/api/v1/auth/device/forget', { device_id: d.id })
        : await A.c.post('/api/v1/auth/logout');
      assert.equal(r.status, 204, `${step}: ${r.text}`);
    }
    assert.equal(count(before1), 0, order.join(' then '));
    assert.equal(count(after1), 0, order.join(' then '));
  }
});

// The id of the session c is signed in with, as "Where you are signed in" lists it.
async function sessionId(c) {
  const r = await c.get('/api/v1/me/sessions');
  assert.equal(r.status, 200, r.text);
  return r.json.sessions.find((x) => x.current).id;
}

test('ending another session from “Where you are signed in” removes that browser’s subscriptions, in the same step', async () => {
  const A = await registerAndLogin(srv.url, 'po-end');
  const S1 = await login(A.u); // a second browser, ordinary
  const s1 = await sessionId(S1);
  const first = await subscribe(S1);
  const second = await subscribe(S1);
  const mine = await subscribe(A.c); // S2, the browser that ends S1, keeps its own
  const B = await registerAndLogin(srv.url, 'po-end-b');
  const hers = await subscribe(B.c);
  assert.equal(srv.sql(`SELECT count(*) FROM push_subscriptions WHERE session_id = '${s1}'`), '2');

  assert.equal((await B.c.del(`/api/v1/me/sessions/${s1}`)).status, 404, 'not hers to end');
  assert.equal(count(first), 1, 'a refused end removes nothing');

  assert.equal((await A.c.del(`/api/v1/me/sessions/${s1}`)).status, 204);
  assert.equal(srv.sql(`SELECT count(*) FROM sessions WHERE id = '${s1}'`), '0', 'the session ended');
  assert.equal(count(first), 0, 'its subscriptions went with it');
  assert.equal(count(second), 0);
  assert.equal(count(mine), 1, 'the ending browser keeps its own');
  assert.equal(count(hers), 1, 'not another person’s');
  assert.equal((await S1.get('/api/v1/me/push')).status, 401, 'the ended browser is signed out');
  assert.equal((await A.c.del(`/api/v1/me/sessions/${s1}`)).status, 404, 'once');

  // a browser marked as its owner's: what was made in that session or under
  // its device goes, and the device with it
  const S3 = await login(A.u);
  const before3 = await subscribe(S3); // moves to the device when marked
  const d = await mark({ u: A.u, c: S3 });
  const after3 = await subscribe(S3);
  const s3 = await sessionId(S3);
  assert.equal((await A.c.del(`/api/v1/me/sessions/${s3}`)).status, 204);
  assert.equal(count(before3), 0);
  assert.equal(count(after3), 0);
  assert.equal(count(mine), 1);
  assert.equal(srv.sql(`SELECT count(*) FROM devices WHERE id = '${d.id}'`), '0', 'the device is forgotten');

  // ending one's own session this way is a sign-out of it: its subscription goes too
  const own = await sessionId(A.c);
  assert.equal((await A.c.del(`/api/v1/me/sessions/${own}`)).status, 204);
  assert.equal(count(mine), 0);
});

test('a password change ends the other browsers’ subscriptions, not this one’s', async () => {
  const A = await registerAndLogin(srv.url, 'po-pw');
  const here = await subscribe(A.c);
  const B2 = await login(A.u);
  const there = await subscribe(B2);
  const B3 = await login(A.u);
  await mark({ u: A.u, c: B3 });
  const device = await subscribe(B3);
  const pw = await A.c.post('/api/v1/me/password', {
    auth_key: b64(A.u.auth_key), new_kdf_salt: b64(sodium.randombytes_buf(16)), new_auth_key: b64(sodium.randombytes_buf(32)),
    new_wrapped_keys: b64(sodium.randombytes_buf(168)),
  });
  assert.equal(pw.status, 204, pw.text);
  assert.equal(count(here), 1);
  assert.equal(count(there), 0);
  assert.equal(count(device), 0);
});

test('the export holds the reminder settings and the subscriptions without keys; erasure removes them', async () => {
  const A = await registerAndLogin(srv.url, 'po-export');
  let ex = await A.c.get('/api/v1/me/export');
  assert.equal(ex.status, 200, ex.text);
  assert.equal(ex.json.reminders, null, 'never asked');
  assert.deepEqual(ex.json.push_subscriptions, []);

  const put = await A.c.put('/api/v1/me/reminders', { enabled: true, days: ['tue', 'sat'], time: '19:30', zone: 'America/New_York', channels: ['email', 'push'] });
  assert.equal(put.status, 200, put.text);
  const sub = await subscribe(A.c);
  ex = await A.c.get('/api/v1/me/export');
  assert.equal(ex.status, 200, ex.text);
  const r = ex.json.reminders;
  assert.equal(r.enabled, true);
  assert.deepEqual(r.days, ['tue', 'sat']);
  assert.equal(r.time, '19:30');
  assert.equal(r.zone, 'America/New_York');
  assert.deepEqual(r.channels, ['email', 'push']);
  assert.equal(r.next_at, put.json.reminders.next_at);
  assert.equal(r.available, undefined, 'the server’s channels are not the person’s data');
  assert.equal(ex.json.push_subscriptions.length, 1);
  const p = ex.json.push_subscriptions[0];
  assert.deepEqual(Object.keys(p).sort(), ['created_at', 'device_id', 'endpoint', 'id', 'push_service']);
  assert.equal(p.endpoint, sub.endpoint);
  assert.equal(p.push_service, 'http://127.0.0.1:9');
  assert.ok(!ex.text.includes(sub.p256dh) && !ex.text.includes(sub.auth), 'neither key anywhere in the file');

  const del = await A.c.del('/api/v1/me', { auth_key: b64(A.u.auth_key) });
  assert.equal(del.status, 204, del.text);
  for (const table of ['reminders', 'reminder_sends', 'push_subscriptions']) {
    assert.equal(srv.sql(`SELECT count(*) FROM ${table} WHERE user_id = '${A.u.id}'`), '0', table);
  }
});

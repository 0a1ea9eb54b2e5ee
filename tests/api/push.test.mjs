// Web Push reminders, end to end against a push endpoint of the test's own:
// a plain-HTTP server on loopback (the server allows http://127.0.0.1 only
// with DYAD_PUSH_ALLOW_HTTP_LOOPBACK, a test setting). The test plays the
// browser: it makes the subscription's keys with node's crypto, registers
// them, has a reminder sent, and then opens the message itself — ECDH,
// HKDF and AES-128-GCM of RFC 8291 done with node's primitives, not dyad's
// code, in tests/lib/pushservice.mjs (the push service and the browser's
// half other tests use too) — and checks the VAPID JWT of RFC 8292 against
// the key the server serves. The text must be exactly the neutral sentence.
// The server runs with its sandbox on (the default), so libcurl's DNS and
// connect paths are exercised under seccomp.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { Client, registerAndLogin, b64 } from '../lib/api.mjs';
import { until } from '../lib/smtp.mjs';
import { startPushService, browserKeys, openMessage, b64url } from '../lib/pushservice.mjs';

const NEUTRAL = 'A moment for dyad, if you like.';
const fromB64url = (s) => Buffer.from(s, 'base64url');

// The push service of tests/lib/pushservice.mjs: it records each request in
// service.received and answers service.answer (201 unless a test sets it).
let service;
let srv;

before(async () => {
  service = await startPushService();
  srv = await startServer({ env: { DYAD_PUSH_ALLOW_HTTP_LOOPBACK: 'yes' } });
});
after(async () => {
  if (srv) await srv.stop();
  if (service) await service.stop();
});

// RFC 8292: "vapid t=JWT, k=KEY"; the JWT checked with the served key.
function checkVapid(header, servedKey, origin) {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(header);
  assert.ok(m, `Authorization: ${header}`);
  const [, jwt, k] = m;
  assert.equal(k, servedKey, 'k is the key the server serves');
  const [h, p, sig] = jwt.split('.');
  assert.deepEqual(JSON.parse(fromB64url(h)), { typ: 'JWT', alg: 'ES256' });
  const claims = JSON.parse(fromB64url(p));
  assert.equal(claims.aud, origin, 'aud is the push service origin');
  const now = Math.floor(Date.now() / 1000);
  assert.ok(claims.exp > now && claims.exp <= now + 24 * 3600, `exp within 24 hours: ${claims.exp - now}s`);
  const raw = fromB64url(servedKey);
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33, 65)) }, format: 'jwk' });
  const sigBytes = fromB64url(sig);
  assert.equal(sigBytes.length, 64, 'ES256 signature as r || s');
  assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, sigBytes), 'the JWT signature verifies');
  // and not under another message
  assert.ok(!crypto.verify('sha256', Buffer.from(`${h}.${p}x`), { key, dsaEncoding: 'ieee-p1363' }, sigBytes));
}

function subscription(keys, path = `/push/${crypto.randomBytes(6).toString('hex')}`) {
  return { endpoint: service.base + path, p256dh: b64url(keys.p256dh), auth: b64url(keys.auth) };
}

test('the VAPID public key is served, is a P-256 point, and is kept in a 0600 file beside the secret', async () => {
  const r = await new Client(srv.url).get('/api/v1/push/key');
  assert.equal(r.status, 200);
  const raw = fromB64url(r.json.public_key);
  assert.equal(raw.length, 65);
  assert.equal(raw[0], 4);
  const st = statSync(join(srv.dir, 'dyad.vapid'));
  assert.equal(st.mode & 0o777, 0o600);
});

test('a reminder arrives encrypted for the browser, VAPID-signed, saying only the neutral sentence', { timeout: 60000 }, async () => {
  const { c } = await registerAndLogin(srv.url, 'push');
  const served = (await c.get('/api/v1/push/key')).json.public_key;
  const keys = browserKeys();
  const sub = subscription(keys);
  const r = await c.post('/api/v1/me/push', sub);
  assert.equal(r.status, 201, r.text);
  const list = (await c.get('/api/v1/me/push')).json;
  assert.equal(list.public_key, served);
  assert.equal(list.subscriptions.length, 1);
  assert.equal(list.subscriptions[0].push_service, service.base);
  assert.equal(list.subscriptions[0].id, r.json.id);

  service.received.length = 0;
  service.answer = 201;
  const t = await c.post('/api/v1/me/push/test');
  assert.equal(t.status, 200, t.text);
  assert.deepEqual(t.json, { sent: 1, removed: 0, failed: 0 });
  assert.equal(service.received.length, 1);
  const m = service.received[0];
  assert.equal(m.method, 'POST');
  assert.equal(service.base + m.url, sub.endpoint);
  assert.equal(m.headers['content-encoding'], 'aes128gcm');
  assert.equal(m.headers.urgency, 'low');
  assert.match(m.headers.ttl, /^[1-9][0-9]*$/);
  checkVapid(m.headers.authorization, served, service.base);
  assert.equal(openMessage(m.body, keys), NEUTRAL, 'exactly the neutral text, nothing else');
  assert.ok(!m.body.includes(Buffer.from(NEUTRAL)), 'the text never travels in the clear');

  // a second message uses a fresh key and salt
  await c.post('/api/v1/me/push/test');
  assert.equal(service.received.length, 2);
  assert.notDeepEqual(service.received[1].body.subarray(0, 86), m.body.subarray(0, 86));
  assert.equal(openMessage(service.received[1].body, keys), NEUTRAL);
});

test('the same browser subscribing again is one subscription; removing it stops reminders', async () => {
  const { c } = await registerAndLogin(srv.url, 'again');
  const keys = browserKeys();
  const sub = subscription(keys);
  const a = await c.post('/api/v1/me/push', sub);
  const keys2 = browserKeys(); // the browser renewed its keys
  const b = await c.post('/api/v1/me/push', { ...sub, p256dh: b64url(keys2.p256dh), auth: b64url(keys2.auth) });
  assert.equal(b.status, 201);
  assert.equal(b.json.id, a.json.id);
  assert.equal((await c.get('/api/v1/me/push')).json.subscriptions.length, 1);
  service.received.length = 0;
  await c.post('/api/v1/me/push/test');
  assert.equal(openMessage(service.received[0].body, keys2), NEUTRAL, 'the new keys are used');

  const d = await c.del('/api/v1/me/push', { endpoint: sub.endpoint });
  assert.equal(d.status, 204);
  const again = await c.del('/api/v1/me/push', { endpoint: sub.endpoint });
  assert.equal(again.status, 404);
  assert.equal(again.json.error.code, 'not_found');
  service.received.length = 0;
  assert.deepEqual((await c.post('/api/v1/me/push/test')).json, { sent: 0, removed: 0, failed: 0 });
  assert.equal(service.received.length, 0);
});

test('a 404 or 410 from the push service removes the subscription; a 500 keeps it', async () => {
  const { c } = await registerAndLogin(srv.url, 'gone');
  await c.post('/api/v1/me/push', subscription(browserKeys()));
  service.answer = 500;
  assert.deepEqual((await c.post('/api/v1/me/push/test')).json, { sent: 0, removed: 0, failed: 1 });
  assert.equal((await c.get('/api/v1/me/push')).json.subscriptions.length, 1);
  for (const status of [410, 404]) {
    if (status === 404) await c.post('/api/v1/me/push', subscription(browserKeys()));
    service.answer = status;
    assert.deepEqual((await c.post('/api/v1/me/push/test')).json, { sent: 0, removed: 1, failed: 0 });
    assert.equal((await c.get('/api/v1/me/push')).json.subscriptions.length, 0);
  }
  service.answer = 201;
});

test('sending now is held back after five in a row (429 with Retry-After)', async () => {
  const { c } = await registerAndLogin(srv.url, 'often');
  await c.post('/api/v1/me/push', subscription(browserKeys()));
  service.answer = 201;
  service.received.length = 0;
  for (let i = 0; i < 5; i++) assert.equal((await c.post('/api/v1/me/push/test')).status, 200);
  const r = await c.post('/api/v1/me/push/test');
  assert.equal(r.status, 429);
  assert.equal(r.json.error.code, 'rate_limited');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  assert.equal(service.received.length, 5, 'nothing sent when held back');
});

test('bad subscriptions get 400 in the API error shape, and nothing is stored', async () => {
  const { c, u } = await registerAndLogin(srv.url, 'bad');
  const keys = browserKeys();
  const good = subscription(keys);
  const offCurve = Buffer.from(keys.p256dh);
  offCurve[64] ^= 1;
  const cases = [
    [{ ...good, endpoint: 'http://push.example.net/x' }, 'endpoint'],
    [{ ...good, endpoint: 'http://127.0.0.2:9/x' }, 'endpoint'],
    [{ ...good, endpoint: 'https://10.1.2.3/x' }, 'endpoint'],
    [{ ...good, endpoint: 'https://[::1]/x' }, 'endpoint'],
    [{ ...good, endpoint: 'https://localhost/x' }, 'endpoint'],
    [{ ...good, endpoint: 'https://user@push.example.net/x' }, 'endpoint'],
    [{ ...good, endpoint: 'ftp://push.example.net/x' }, 'endpoint'],
    [{ ...good, endpoint: `https://push.example.net/${'a'.repeat(1100)}` }, 'endpoint'],
    [{ ...good, endpoint: 'https://push.example.net/a b' }, 'endpoint'],
    [{ ...good, p256dh: b64url(keys.p256dh.subarray(0, 64)) }, 'p256dh'],
    [{ ...good, p256dh: b64url(offCurve) }, 'p256dh'],
    [{ ...good, p256dh: b64(keys.p256dh) }, 'p256dh'], // standard base64, not base64url
    [{ ...good, auth: b64url(crypto.randomBytes(15)) }, 'auth'],
    [{ ...good, auth: b64url(crypto.randomBytes(17)) }, 'auth'],
    [{ endpoint: good.endpoint, p256dh: good.p256dh }, 'auth'],
    [{ ...good, auth: 5 }, 'auth'],
  ];
  for (const [body, field] of cases) {
    const r = await c.post('/api/v1/me/push', body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 120)}: ${r.text}`);
    assert.equal(r.json.error.field, field, r.text);
    assert.ok(['invalid_field', 'missing_field'].includes(r.json.error.code), r.text);
    assert.equal(typeof r.json.error.message, 'string');
  }
  assert.equal(srv.sql(`SELECT count(*) FROM push_subscriptions WHERE user_id = '${u.id}'`), '0');
  // signed out: 401
  assert.equal((await new Client(srv.url).post('/api/v1/me/push', good)).status, 401);
});

test('at most 10 browsers per person; deleting the account removes its subscriptions', async () => {
  const { c, u } = await registerAndLogin(srv.url, 'many');
  for (let i = 0; i < 10; i++) assert.equal((await c.post('/api/v1/me/push', subscription(browserKeys()))).status, 201);
  const over = await c.post('/api/v1/me/push', subscription(browserKeys()));
  assert.equal(over.status, 409);
  assert.equal(over.json.error.code, 'conflict');
  assert.equal(srv.sql(`SELECT count(*) FROM push_subscriptions WHERE user_id = '${u.id}'`), '10');
  const del = await c.del('/api/v1/me', { auth_key: b64(u.auth_key) });
  assert.equal(del.status, 204, del.text);
  assert.equal(srv.sql(`SELECT count(*) FROM push_subscriptions WHERE user_id = '${u.id}'`), '0');
});

test('the VAPID key survives a restart; without the test setting http endpoints are refused', { timeout: 60000 }, async () => {
  const before1 = (await new Client(srv.url).get('/api/v1/push/key')).json.public_key;
  await srv.stop({ keep: true });
  srv = await startServer({ dir: srv.dir });
  const after1 = (await new Client(srv.url).get('/api/v1/push/key')).json.public_key;
  assert.equal(after1, before1);
  const { c } = await registerAndLogin(srv.url, 'prod');
  const r = await c.post('/api/v1/me/push', subscription(browserKeys()));
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'endpoint');
  assert.match(r.json.error.message, /https/);
});

// The scheduler's push channel: a reminder set for Monday 08:00 in Berlin
// with channels ["push"] reaches the browser's push service at that minute
// of a moved clock (DYAD_TEST_CLOCK_FILE, the test build only), not a
// second before, encrypted and signed as above, saying only the sentence.
test('a scheduled reminder on the push channel arrives at its minute, and not before', { timeout: 120000 }, async () => {
  const TOKEN = 'push-metrics-token-0123';
  const MON_0700Z = 1796626800; // Monday 2026-12-07 08:00 in Berlin (+01:00)
  const dir = mkdtempSync(join(tmpdir(), 'dyad-clock-'));
  const clock = join(dir, 'now');
  writeFileSync(clock, String(MON_0700Z - 3600));
  const s = await startServer({ env: { DYAD_PUSH_ALLOW_HTTP_LOOPBACK: 'yes', DYAD_TEST_CLOCK_FILE: clock, DYAD_METRICS_TOKEN: TOKEN } });
  const metric = async (name) => {
    const text = await (await fetch(`${s.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  const passedAt = (t) => until(async () => (await metric('dyad_reminders_last_pass_timestamp_seconds')) >= t, `a scheduler pass at ${t}`);
  try {
    const { c } = await registerAndLogin(s.url, 'sched');
    const served = (await c.get('/api/v1/push/key')).json.public_key;
    const settings = (await c.get('/api/v1/me/reminders')).json.reminders;
    assert.ok(settings.available.includes('push'), `push is a channel this server can send on: ${JSON.stringify(settings.available)}`);
    const keys = browserKeys();
    const sub = subscription(keys);
    assert.equal((await c.post('/api/v1/me/push', sub)).status, 201);
    const put = await c.put('/api/v1/me/reminders', { enabled: true, days: ['mon'], time: '08:00', zone: 'Europe/Berlin', channels: ['push'] });
    assert.equal(put.status, 200, put.text);
    service.received.length = 0;
    service.answer = 201;
    writeFileSync(clock, String(MON_0700Z - 1));
    await passedAt(MON_0700Z - 1);
    assert.equal(service.received.length, 0, 'nothing a second before 08:00');
    writeFileSync(clock, String(MON_0700Z));
    await until(() => service.received.length >= 1, 'the push at 08:00');
    const m = service.received[0];
    assert.equal(service.base + m.url, sub.endpoint);
    checkVapid(m.headers.authorization, served, service.base);
    assert.equal(openMessage(m.body, keys), NEUTRAL, 'exactly the neutral text');
    await until(async () => (await metric('dyad_reminders_total{channel="push",outcome="sent"}')) === 1, 'the sent push counted');
    writeFileSync(clock, String(MON_0700Z + 120));
    await passedAt(MON_0700Z + 120);
    assert.equal(service.received.length, 1, 'sent once');
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

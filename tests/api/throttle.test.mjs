// Throttling that cannot lock owners out, against the real binary. The
// server trusts 127.0.0.1 as its reverse proxy, so each test client chooses
// its address with X-Forwarded-For — as real visitors behind a proxy have
// different addresses. No test waits for a back-off to pass: a wait's
// expiry is made to happen by moving the stored expiry into the past (what
// the clock would do), so the attack "try again the moment the wait ends"
// runs in a second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, newUser, registerBody, b64, sodium } from '../lib/api.mjs';

let srv;
before(async () => {
  srv = await startServer({ args: ['--trusted-proxy', '127.0.0.1/32'], env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
});
after(async () => { if (srv) await srv.stop(); });

const sql = (q, s = srv) => s.sql(q);
const from = (ip, headers = {}) => ({ headers: { 'X-Forwarded-For': ip, ...headers } });
const wrong = () => b64(sodium.randombytes_buf(32));
// Every wait ends now: what the clock does when the stranger times a try
// to the moment the wait runs out.
const expireWaits = () => sql('UPDATE throttle SET blocked_until = 0');
// The clock stands still: a wait just started cannot run out before the
// next request, however slow the machine (a first wait can be 1 s).
const holdWaits = (s = srv) => sql('UPDATE throttle SET blocked_until = blocked_until + 3600 WHERE blocked_until > 0', s);

async function owner(tag) {
  const u = newUser(tag);
  const c = new Client(srv.url);
  assert.equal((await c.post('/api/v1/auth/register', registerBody(u), from('198.51.100.10'))).status, 201);
  return u;
}

async function signIn(u, ip) {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) }, from(ip));
  if (r.status === 200) c.csrf = r.json.csrf_token;
  return { c, r };
}

test('a stranger timed to each wait\'s expiry never delays the owner signing in from elsewhere', async () => {
  const u = await owner('owner');
  const stranger = new Client(srv.url);
  let retryAfter = 0;
  let tries = 0;
  for (let round = 0; round < 12; round++) {
    // the stranger tries until answered 429 ...
    for (;;) {
      const r = await stranger.post('/api/v1/auth/login', { email: u.email, auth_key: wrong() }, from('203.0.113.66'));
      tries++;
      if (r.status === 429) { retryAfter = Number(r.headers.get('retry-after')); break; }
      assert.equal(r.status, 401, r.text);
    }
    // ... and the owner, from their own address, signs in at once, every time
    const { r } = await signIn(u, '198.51.100.10');
    assert.equal(r.status, 200, `round ${round}: the owner was held back: ${r.text}`);
    expireWaits(); // the stranger's next try comes the moment the wait ends
  }
  // the stranger's waits grew to the 15-minute cap: the attack ran its course.
  // Retry-After counts from the request that set the wait, so a slow machine
  // reads a second or two less than 900; the wait before the cap was 512.
  assert.ok(retryAfter > 512 && retryAfter <= 900, `after ${tries} tries the wait is ${retryAfter}`);
  // the limit of keying by address, documented in docs/security.md: someone
  // sharing the stranger's address (the same NAT) waits with the stranger
  const again = await stranger.post('/api/v1/auth/login', { email: u.email, auth_key: wrong() }, from('203.0.113.66'));
  assert.equal(again.status, 401, 'after the expiry the stranger\'s try counts again');
  const shared = await signIn(u, '203.0.113.66');
  assert.equal(shared.r.status, 429, 'the owner behind the stranger\'s address waits');
});

test('a signed-in owner re-enters the password while a stranger hammers the account', async () => {
  const u = await owner('reauth');
  const { c } = await signIn(u, '198.51.100.10');
  const stranger = new Client(srv.url);
  for (let i = 0; i < 8; i++) await stranger.post('/api/v1/auth/login', { email: u.email, auth_key: wrong() }, from('203.0.113.67'));
  const last = await stranger.post('/api/v1/auth/login', { email: u.email, auth_key: wrong() }, from('203.0.113.67'));
  assert.equal(last.status, 429, 'the stranger is held back');
  const newKey = sodium.randombytes_buf(32);
  const body = { auth_key: b64(u.auth_key), new_kdf_salt: b64(sodium.randombytes_buf(16)), new_auth_key: b64(newKey), new_wrapped_keys: b64(sodium.randombytes_buf(168)) };
  const pw = await c.post('/api/v1/me/password', body, from('198.51.100.10'));
  assert.equal(pw.status, 204, `password change with the right password: ${pw.text}`);
  u.auth_key = newKey;
  const del = await c.del('/api/v1/me', { auth_key: b64(u.auth_key) }, from('198.51.100.10'));
  assert.equal(del.status, 204, `account deletion with the right password: ${del.text}`);
});

test('re-entering the password is throttled per session, and only that session', async () => {
  const u = await owner('session');
  const { c: a } = await signIn(u, '198.51.100.11');
  const { c: b } = await signIn(u, '198.51.100.11');
  const body = (key) => ({ auth_key: key, new_kdf_salt: b64(sodium.randombytes_buf(16)), new_auth_key: b64(sodium.randombytes_buf(32)), new_wrapped_keys: b64(sodium.randombytes_buf(168)) });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await a.post('/api/v1/me/password', body(wrong()), from('198.51.100.11'))).status);
  holdWaits();
  statuses.push((await a.post('/api/v1/me/password', body(wrong()), from('198.51.100.11'))).status);
  assert.deepEqual(statuses, [403, 403, 403, 403, 403, 429], 'five wrong tries, then a wait');
  const held = await a.post('/api/v1/me/password', body(b64(u.auth_key)), from('198.51.100.11'));
  assert.equal(held.status, 429, 'that session waits, even with the right password');
  assert.match(held.headers.get('retry-after'), /^[1-9][0-9]*$/);
  // the other session of the same person, and a sign-in, are untouched
  const other = await b.del('/api/v1/me', { auth_key: wrong() }, from('198.51.100.11'));
  assert.equal(other.status, 403, 'the other session is not held back');
  assert.equal((await signIn(u, '198.51.100.12')).r.status, 200, 'sign-in is not held back');
});

test('one address spraying many accounts is held back per address', async () => {
  const s = await startServer({ args: ['--trusted-proxy', '127.0.0.1'], env: { DYAD_LOGIN_FAILURES_PER_CLIENT: '3' } });
  try {
    const c = new Client(s.url);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await c.post('/api/v1/auth/login', { email: `spray${i}@example.org`, auth_key: wrong() }, from('203.0.113.70'))).status);
    holdWaits(s);
    statuses.push((await c.post('/api/v1/auth/login', { email: 'spray3@example.org', auth_key: wrong() }, from('203.0.113.70'))).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    const elsewhere = await c.post('/api/v1/auth/login', { email: 'spray9@example.org', auth_key: wrong() }, from('203.0.113.71'));
    assert.equal(elsewhere.status, 401, 'another address is not held back');
  } finally { await s.stop(); }
});

test('X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
  for (const args of [[], ['--trusted-proxy', '192.0.2.1/32']]) {
    const s = await startServer({ args, env: { DYAD_LOGIN_FAILURES_PER_CLIENT: '3' } });
    try {
      const c = new Client(s.url);
      const statuses = [];
      // a new forged address on every try: the peer (127.0.0.1) is counted
      for (let i = 0; i < 3; i++) statuses.push((await c.post('/api/v1/auth/login', { email: `rot${i}@example.org`, auth_key: wrong() }, from(`198.51.100.${100 + i}`))).status);
      holdWaits(s);
      statuses.push((await c.post('/api/v1/auth/login', { email: 'rot3@example.org', auth_key: wrong() }, from('198.51.100.103'))).status);
      assert.deepEqual(statuses, [401, 401, 401, 429], `with ${args.join(' ') || 'no trusted proxy'}`);
    } finally { await s.stop(); }
  }
});

test('a bad --trusted-proxy stops start-up with a message', async () => {
  await assert.rejects(startServer({ args: ['--trusted-proxy', '10.0.0.0/33'] }), /--trusted-proxy: '10.0.0.0\/33' is not addresses or CIDR ranges/);
  await assert.rejects(startServer({ env: { DYAD_TRUST_PROXY: 'proxy.example.org' } }), /DYAD_TRUST_PROXY: 'proxy.example.org' is not addresses or CIDR ranges/);
});

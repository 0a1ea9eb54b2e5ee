// Accounts and sessions against the real binary: registration, login,
// the fake salt, throttling, cookies, CSRF, timeouts, password change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backend } from '../lib/server.mjs';
import { Client, newUser, registerBody, registerAndLogin, b64, sodium } from '../lib/api.mjs';

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });

const sql = (q) => srv.sql(q);

test('register → 201 with the user; duplicate → 409 conflict', async () => {
  const c = new Client(srv.url);
  const u = newUser('reg');
  const r = await c.post('/api/v1/auth/register', registerBody(u));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.user.email, u.email);
  assert.equal(r.json.user.display_name, u.display_name);
  assert.match(r.json.user.id, /^u-[0-9a-f]{24}$/);
  const again = await c.post('/api/v1/auth/register', { ...registerBody(u), email: u.email.toUpperCase() });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'conflict');
  assert.equal(again.json.error.field, 'email');
});

test('the server stores a hash of the auth key, never the key', async () => {
  const { u } = await registerAndLogin(srv.url, 'hash');
  const row = sql(`SELECT auth_hash FROM users WHERE email = '${u.email}'`);
  assert.match(row, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.ok(!row.includes(b64(u.auth_key)));
  const hexOf = backend === 'sqlite' ? 'hex(auth_hash)' : "upper(encode(convert_to(auth_hash, 'UTF8'), 'hex'))";
  const hex = sql(`SELECT ${hexOf} FROM users WHERE email = '${u.email}'`);
  assert.ok(!hex.includes(sodium.to_hex(u.auth_key).toUpperCase()));
});

test('malformed base64 and wrong key lengths name the field', async () => {
  const c = new Client(srv.url);
  for (const [field, value] of [
    ['kdf_salt', b64(new Uint8Array(15))],
    ['auth_key', 'not base64!'],
    ['box_public_key', b64(new Uint8Array(33))],
    ['sign_public_key', ''],
    ['wrapped_keys', b64(new Uint8Array(100))],
    ['recovery_wrapped_keys', 'AAAA'],
  ]) {
    const body = { ...registerBody(newUser('bad')), [field]: value };
    const r = await c.post('/api/v1/auth/register', body);
    assert.equal(r.status, 400, field);
    assert.equal(r.json.error.code, 'invalid_field');
    assert.equal(r.json.error.field, field);
  }
  const r = await c.post('/api/v1/auth/register', { ...registerBody(newUser('bad')), email: 'not-an-address' });
  assert.equal(r.json.error.field, 'email');
  const n = await c.post('/api/v1/auth/register', { ...registerBody(newUser('bad')), display_name: '   ' });
  assert.equal(n.json.error.field, 'display_name');
  assert.equal(sql("SELECT count(*) FROM users WHERE email LIKE 'bad-%'"), '0', 'nothing half-written');
});

test('kdf: the real salt for an account, a stable fake one otherwise', async () => {
  const c = new Client(srv.url);
  const u = newUser('kdf');
  await c.post('/api/v1/auth/register', registerBody(u));
  const real = await c.get(`/api/v1/auth/kdf?email=${encodeURIComponent(u.email)}`);
  assert.equal(real.status, 200);
  assert.equal(real.json.kdf_salt, b64(u.kdf_salt));
  assert.equal(real.json.opslimit, 3);
  assert.equal(real.json.memlimit, 67108864);
  assert.equal(real.json.alg, 'argon2id13');
  const f1 = await c.get('/api/v1/auth/kdf?email=nobody-here@example.org');
  const f2 = await c.get('/api/v1/auth/kdf?email=NOBODY-here@example.org');
  const f3 = await c.get('/api/v1/auth/kdf?email=someone-else@example.org');
  assert.equal(f1.status, 200);
  assert.equal(f1.json.kdf_salt, f2.json.kdf_salt, 'deterministic');
  assert.notEqual(f1.json.kdf_salt, f3.json.kdf_salt, 'differs per address');
  assert.equal(sodium.from_base64(f1.json.kdf_salt, sodium.base64_variants.ORIGINAL).length, 16);
  assert.deepEqual(Object.keys(f1.json).sort(), Object.keys(real.json).sort());
  const miss = await c.get('/api/v1/auth/kdf');
  assert.equal(miss.status, 400);
  assert.equal(miss.json.error.field, 'email');
});

test('the fake salt survives a restart (server secret kept)', async () => {
  const s = await startServer();
  const a = await new Client(s.url).get('/api/v1/auth/kdf?email=ghost@example.org');
  await s.stop({ keep: true });
  const s2 = await startServer({ dir: s.dir });
  const b = await new Client(s2.url).get('/api/v1/auth/kdf?email=ghost@example.org');
  await s2.stop();
  assert.equal(a.json.kdf_salt, b.json.kdf_salt);
});

test('login: cookie attributes, CSRF token, wrapped keys back', async () => {
  const c = new Client(srv.url);
  const u = newUser('login');
  const body = registerBody(u);
  await c.post('/api/v1/auth/register', body);
  const r = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  assert.equal(r.status, 200, r.text);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^dyad_session=[A-Za-z0-9_-]{43}; /);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\//);
  assert.doesNotMatch(cookie, /Secure/, 'plain http: no Secure flag');
  assert.equal(typeof r.json.csrf_token, 'string');
  assert.equal(r.json.wrapped_keys, body.wrapped_keys);
  assert.equal(r.json.box_public_key, body.box_public_key);
  assert.equal(r.json.sign_public_key, body.sign_public_key);
  // the token is stored only hashed
  const token = cookie.split(';')[0].split('=')[1];
  assert.equal(sql(`SELECT count(*) FROM sessions WHERE token_hash = '${token}' OR csrf_token = '${token}'`), '0');
  c.csrf = r.json.csrf_token;
  const shell = await c.get('/safety', { headers: { Accept: 'text/html' } });
  assert.ok(shell.text.includes(`<meta name="dyad-csrf" content="${r.json.csrf_token}">`), 'server-rendered pages can end the session');
  assert.ok(!(await new Client(srv.url).get('/safety')).text.includes('dyad-csrf'), 'and only for a session');
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.user.email, u.email);
  assert.deepEqual(me.json.dyads, []);
  assert.equal(me.json.csrf_token, r.json.csrf_token);
});

test('behind TLS the cookie is __Host- and Secure, and HSTS is sent', async () => {
  const s = await startServer({ args: ['--public-url', 'https://dyad.example.org'] });
  try {
    const c = new Client(s.url);
    const u = newUser('tls');
    await c.post('/api/v1/auth/register', registerBody(u));
    const r = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
    assert.match(r.headers.get('set-cookie'), /^__Host-dyad_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Secure/);
    assert.match(r.headers.get('strict-transport-security'), /max-age=\d+/);
    const bad = await c.get('/healthz', { headers: { Origin: s.url } });
    assert.equal(bad.status, 403, 'Origin must be the public URL');
    const good = await c.get('/healthz', { headers: { Origin: 'https://dyad.example.org' } });
    assert.equal(good.status, 200);
  } finally { await s.stop(); }
});

test('a failed login looks the same whether or not the account exists', async () => {
  const c = new Client(srv.url);
  const u = newUser('same');
  await c.post('/api/v1/auth/register', registerBody(u));
  const wrong = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(sodium.randombytes_buf(32)) });
  const unknown = await c.post('/api/v1/auth/login', { email: 'absent-' + u.email, auth_key: b64(sodium.randombytes_buf(32)) });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.equal(wrong.text, unknown.text);
  assert.equal(wrong.json.error.code, 'unauthenticated');
  assert.equal(wrong.headers.get('set-cookie'), null);
});

test('failed logins back off per address, known or not, with Retry-After', async () => {
  const c = new Client(srv.url);
  for (const email of ['throttle-known@example.org', 'throttle-unknown@example.org']) {
    if (email.includes('known@')) {
      const u = { ...newUser('t'), email };
      await c.post('/api/v1/auth/register', registerBody(u));
    }
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      // the clock stands still before the 6th: a 4 s wait cannot run out
      // on a slow machine between two requests
      if (i === 5) sql('UPDATE throttle SET blocked_until = blocked_until + 3600 WHERE blocked_until > 0');
      const r = await c.post('/api/v1/auth/login', { email, auth_key: b64(sodium.randombytes_buf(32)) });
      statuses.push(r.status);
      if (r.status === 429) {
        assert.equal(r.json.error.code, 'rate_limited');
        assert.match(r.headers.get('retry-after'), /^[1-9][0-9]*$/);
      }
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429], email);
  }
  // keyed by a hash, never by the address itself
  assert.equal(sql("SELECT count(*) FROM throttle WHERE CAST(key_hash AS TEXT) LIKE '%throttle-%'"), '0');
  assert.equal(sql('SELECT min(length(key_hash)) FROM throttle'), '32');
});

test('the back-off ends: no permanent lockout', async () => {
  const c = new Client(srv.url);
  const u = newUser('lock');
  await c.post('/api/v1/auth/register', registerBody(u));
  for (let i = 0; i < 5; i++) await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(sodium.randombytes_buf(32)) });
  // the wait set by the 5th failure, in seconds (read before any can pass)
  const waits = sql('SELECT DISTINCT blocked_until - updated_at FROM throttle WHERE failures = 5 AND blocked_until - updated_at < 3600');
  assert.equal(waits, '4', 'the first wait is 4 s (docs/security.md)');
  sql('UPDATE throttle SET blocked_until = blocked_until + 3600 WHERE blocked_until > 0');
  const blocked = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  assert.equal(blocked.status, 429);
  assert.match(blocked.headers.get('retry-after'), /^[1-9][0-9]*$/);
  // what the clock does when the wait is over (no test waits for real time;
  // tests/unit/test_throttle.c checks the waits end on a simulated clock)
  sql('UPDATE throttle SET blocked_until = 0');
  const ok = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  assert.equal(ok.status, 200, 'the right password works once the wait is over');
});

test('registration is throttled per client address', async () => {
  const s = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '3' } });
  try {
    const c = new Client(s.url);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await c.post('/api/v1/auth/register', registerBody(newUser('r')))).status);
    assert.deepEqual(statuses, [201, 201, 201, 429]);
  } finally { await s.stop(); }
});

test('state changes need the CSRF token; GETs do not', async () => {
  const { c } = await registerAndLogin(srv.url, 'csrf');
  const token = c.csrf;
  c.csrf = null;
  const r = await c.post('/api/v1/auth/logout');
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'csrf');
  const wrong = await c.post('/api/v1/auth/logout', undefined, { headers: { 'X-CSRF-Token': token.slice(1) + 'x' } });
  assert.equal(wrong.status, 403);
  assert.equal((await c.get('/api/v1/me')).status, 200, 'still logged in');
  c.csrf = token;
  assert.equal((await c.post('/api/v1/auth/logout')).status, 204);
});

test('logout revokes the session on the server', async () => {
  const { c } = await registerAndLogin(srv.url, 'logout');
  const saved = c.cookie;
  assert.equal((await c.post('/api/v1/auth/logout')).status, 204);
  c.cookie = saved; // replay the old cookie
  const r = await c.get('/api/v1/me');
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthenticated');
});

test('idle and absolute timeouts end a session', async () => {
  const { c: idle, u: iu } = await registerAndLogin(srv.url, 'idle');
  sql(`UPDATE sessions SET last_seen_at = last_seen_at - 1801 WHERE user_id = '${iu.id}'`);
  assert.equal((await idle.get('/api/v1/me')).status, 401);
  assert.equal(sql(`SELECT count(*) FROM sessions WHERE user_id = '${iu.id}'`), '0', 'expired session removed');

  const { c: old, u: ou } = await registerAndLogin(srv.url, 'old');
  sql(`UPDATE sessions SET created_at = created_at - 43201 WHERE user_id = '${ou.id}'`);
  assert.equal((await old.get('/api/v1/me')).status, 401);

  const { c: fresh, u: fu } = await registerAndLogin(srv.url, 'fresh');
  sql(`UPDATE sessions SET last_seen_at = last_seen_at - 1700 WHERE user_id = '${fu.id}'`);
  assert.equal((await fresh.get('/api/v1/me')).status, 200, 'inside the idle window');
});

test('timeouts are configurable', async () => {
  const s = await startServer({ env: { DYAD_IDLE_TIMEOUT: '60' } });
  try {
    const { c, u } = await registerAndLogin(s.url, 'cfg');
    s.sql(`UPDATE sessions SET last_seen_at = last_seen_at - 61 WHERE user_id = '${u.id}'`);
    assert.equal((await c.get('/api/v1/me')).status, 401);
  } finally { await s.stop(); }
});

test('password change: old key refused, new key works, other sessions end', async () => {
  const { c, u } = await registerAndLogin(srv.url, 'pw');
  const other = new Client(srv.url);
  const l2 = await other.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  other.csrf = l2.json.csrf_token;
  assert.equal((await other.get('/api/v1/me')).status, 200);

  const newKey = sodium.randombytes_buf(32);
  const newSalt = sodium.randombytes_buf(16);
  const newWrapped = sodium.randombytes_buf(168);
  const wrongOld = await c.post('/api/v1/me/password', { auth_key: b64(sodium.randombytes_buf(32)), new_kdf_salt: b64(newSalt), new_auth_key: b64(newKey), new_wrapped_keys: b64(newWrapped) });
  assert.equal(wrongOld.status, 403);
  assert.equal(wrongOld.json.error.field, 'auth_key');
  const ok = await c.post('/api/v1/me/password', { auth_key: b64(u.auth_key), new_kdf_salt: b64(newSalt), new_auth_key: b64(newKey), new_wrapped_keys: b64(newWrapped) });
  assert.equal(ok.status, 204, ok.text);

  assert.equal((await c.get('/api/v1/me')).status, 200, 'this session continues');
  assert.equal((await other.get('/api/v1/me')).status, 401, 'the other session ended');
  const fresh = new Client(srv.url);
  assert.equal((await fresh.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) })).status, 401, 'old key refused');
  const nl = await fresh.post('/api/v1/auth/login', { email: u.email, auth_key: b64(newKey) });
  assert.equal(nl.status, 200, 'new key works');
  assert.equal(nl.json.wrapped_keys, b64(newWrapped));
  const kdf = await fresh.get(`/api/v1/auth/kdf?email=${encodeURIComponent(u.email)}`);
  assert.equal(kdf.json.kdf_salt, b64(newSalt));
});

test('behind a trusted proxy, throttling uses the forwarded client address', async () => {
  const s = await startServer({ args: ['--trusted-proxy', '127.0.0.1/32'], env: { DYAD_REGISTRATIONS_PER_CLIENT: '2' } });
  try {
    const c = new Client(s.url);
    const from = (ip) => ({ headers: { 'X-Forwarded-For': `203.0.113.9, ${ip}` } });
    const a = [];
    for (let i = 0; i < 3; i++) a.push((await c.post('/api/v1/auth/register', registerBody(newUser('p')), from('198.51.100.1'))).status);
    assert.deepEqual(a, [201, 201, 429]);
    assert.equal((await c.post('/api/v1/auth/register', registerBody(newUser('p')), from('198.51.100.2'))).status, 201, 'another client is not held back');
  } finally { await s.stop(); }
});

test('routes that need a session say so', async () => {
  const c = new Client(srv.url);
  for (const [m, p] of [['GET', '/api/v1/me'], ['POST', '/api/v1/auth/logout'], ['POST', '/api/v1/me/password'], ['POST', '/api/v1/dyads'], ['GET', '/api/v1/dyads/d-x']]) {
    const r = await c.req(m, p, m === 'GET' ? undefined : {});
    assert.equal(r.status, 401, `${m} ${p}`);
    assert.equal(r.json.error.code, 'unauthenticated');
  }
});

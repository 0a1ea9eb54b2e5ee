// The foundation from outside: the real binary on an ephemeral port with a
// fresh database. Health, error shapes, limits, headers, shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backend } from '../lib/server.mjs';
import { Client, rawRequest } from '../lib/api.mjs';

let srv;
let c;
before(async () => {
  srv = await startServer();
  c = new Client(srv.url);
});
after(async () => { if (srv) await srv.stop(); });

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

// Documents (pages, HTML files, the service worker) carry the whole set;
// every other answer (JSON, scripts, stylesheets, images) the small one,
// under which nothing can run if it is opened as a page.
const SMALL_CSP = "default-src 'none'; frame-ancestors 'none'";

function assertSecurityHeaders(h, path) {
  assert.equal(h.get('content-security-policy'), CSP, path);
  assert.equal(h.get('x-content-type-options'), 'nosniff');
  assert.equal(h.get('referrer-policy'), 'no-referrer');
  assert.equal(h.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(h.get('cross-origin-resource-policy'), 'same-origin');
  assert.equal(h.get('x-frame-options'), 'DENY');
  assert.match(h.get('permissions-policy'), /camera=\(\)/);
  assert.match(h.get('permissions-policy'), /geolocation=\(\)/);
  assert.equal(h.get('strict-transport-security'), null, 'no HSTS on plain http');
}

function assertSmallSecurityHeaders(h, path) {
  assert.equal(h.get('content-security-policy'), SMALL_CSP, path);
  assert.equal(h.get('x-content-type-options'), 'nosniff', path);
  assert.equal(h.get('cross-origin-resource-policy'), 'same-origin', path);
  for (const big of ['permissions-policy', 'cross-origin-opener-policy', 'x-frame-options', 'referrer-policy'])
    assert.equal(h.get(big), null, `${path}: ${big} is for documents`);
  assert.equal(h.get('strict-transport-security'), null, 'no HSTS on plain http');
}

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.json.error.code, code);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
}

test('healthz checks the database', async () => {
  const r = await c.get('/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.equal(r.json.database, 'ok');
  assert.ok(r.json.schema >= 1);
});

test('unknown path is a JSON 404', async () => {
  assertError(await c.get('/api/v1/nothing/here'), 404, 'not_found');
});

test('wrong method is a JSON 405', async () => {
  assertError(await c.del('/api/v1/auth/kdf'), 405, 'method_not_allowed');
  assertError(await c.req('PATCH', '/healthz'), 405, 'method_not_allowed');
});

test('malformed JSON is 400 bad_json', async () => {
  assertError(await c.post('/api/v1/auth/login', undefined, { raw: '{"email": ', headers: { 'Content-Type': 'application/json' } }), 400, 'bad_json');
  assertError(await c.post('/api/v1/auth/login', undefined, { raw: '[1,2]', headers: { 'Content-Type': 'application/json' } }), 400, 'bad_json');
  assertError(await c.post('/api/v1/auth/login', undefined, { raw: '{"email":"a@b.org","email":"c@d.org","auth_key":"x"}', headers: { 'Content-Type': 'application/json' } }), 400, 'bad_json');
});

test('a body that is not declared JSON is refused', async () => {
  assertError(await c.post('/api/v1/auth/login', undefined, { raw: '{}', headers: { 'Content-Type': 'text/plain' } }), 400, 'bad_json');
});

test('undeclared, missing and mistyped fields name the field', async () => {
  let r = await c.post('/api/v1/auth/login', { email: 'a@b.org', auth_key: 'x', admin: true });
  assertError(r, 400, 'invalid_field');
  assert.equal(r.json.error.field, 'admin');
  r = await c.post('/api/v1/auth/login', { email: 'a@b.org' });
  assertError(r, 400, 'missing_field');
  assert.equal(r.json.error.field, 'auth_key');
  r = await c.post('/api/v1/auth/login', { email: 5, auth_key: 'x' });
  assertError(r, 400, 'invalid_field');
  assert.equal(r.json.error.field, 'email');
});

test('an oversized body is 413 too_large, declared or streamed', async () => {
  const big = JSON.stringify({ email: 'x'.repeat(70 * 1024), auth_key: 'a' });
  assertError(await c.post('/api/v1/auth/login', undefined, { raw: big, headers: { 'Content-Type': 'application/json' } }), 413, 'too_large');
  // chunked: no Content-Length up front
  const chunk = 'y'.repeat(80 * 1024);
  const raw = `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
  const text = await rawRequest(srv.url, raw);
  assert.match(text, /^HTTP\/1\.1 413/);
  assert.match(text, /"too_large"/);
});

test('two different Content-Length headers are 400', async () => {
  const raw = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}';
  const text = await rawRequest(srv.url, raw);
  assert.match(text, /^HTTP\/1\.1 400/);
  assert.match(text, /content-security-policy/i);
});

test('security headers: the whole set on documents, the small set on everything else', async () => {
  for (const path of ['/', '/safety', '/static/offline.html', '/static/neutral.html', '/sw.js']) {
    const r = await c.get(path);
    assert.equal(r.status, 200, path);
    assertSecurityHeaders(r.headers, path);
  }
  // an HTML file's 304 too: its headers replace those of the cached copy
  const page = await c.get('/static/offline.html');
  const again = await c.get('/static/offline.html', { headers: { 'If-None-Match': page.headers.get('etag') } });
  assert.equal(again.status, 304);
  assertSecurityHeaders(again.headers, '/static/offline.html (304)');
  // an error a browser asks for as a page is a page
  const html404 = await c.get('/no/such/page', { headers: { Accept: 'text/html' } });
  assert.equal(html404.status, 404);
  assert.match(html404.headers.get('content-type'), /^text\/html/);
  assertSecurityHeaders(html404.headers, '/no/such/page as HTML');
  for (const path of ['/healthz', '/api/v1/missing', '/static/js/app.js', '/static/css/app.css', '/static/icon.svg', '/static/manifest.json', '/static/vendor/libsodium-wrappers.mjs']) {
    const r = await c.get(path);
    assertSmallSecurityHeaders(r.headers, path);
  }
});

test('static files have an ETag from their SHA-256; hashed names cache forever', async () => {
  const r = await c.get('/static/js/app.js');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  const etag = r.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}(-gz|-br)?"$/); // -gz, -br: the compressed copy fetch asked for
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  const again = await c.get('/static/js/app.js', { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  // the page references the content-hashed name with SRI
  const page = await c.get('/');
  const m = page.text.match(/<script type="module" src="(\/static\/js\/app\.[0-9a-f]{10}\.js)" integrity="(sha256-[A-Za-z0-9+/=]+)"/);
  assert.ok(m, 'page links the hashed script with integrity');
  const hashed = await c.get(m[1]);
  assert.equal(hashed.status, 200);
  assert.equal(hashed.text, r.text);
  assert.match(hashed.headers.get('cache-control'), /immutable/);
  const { createHash } = await import('node:crypto');
  assert.equal('sha256-' + createHash('sha256').update(hashed.text).digest('base64'), m[2]);
});

test('every page the client has exists as a shell', async () => {
  for (const [path, page] of [['/', 'home'], ['/join/abc', 'join'], ['/dyads/d-1', 'dyad'], ['/dyads/d-1/shares', 'shares'], ['/dyads/d-1/insights', 'insights'], ['/settings', 'settings'], ['/therapist', 'therapist'], ['/safety', 'safety']]) {
    const r = await c.get(path, { headers: { Accept: 'text/html' } });
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.ok(r.text.includes(`data-page="${page}"`), path);
    assert.ok(r.text.includes('id="quick-exit"'), `${path} has the quick exit`);
    assert.ok(r.text.includes('<title>dyad</title>'), 'neutral title');
  }
});

test('page parameters are escaped', async () => {
  const r = await c.get('/join/%22%3E%3Cscript%3E', { headers: { Accept: 'text/html' } });
  assert.equal(r.status, 200);
  assert.ok(!r.text.includes('"><script>'));
});

test('the safety page works logged out and lists the emergency number first', async () => {
  const r = await c.get('/safety');
  assert.equal(r.status, 200);
  const em = r.text.indexOf('class="emergency"');
  const list = r.text.indexOf('class="resources"');
  assert.ok(em > 0 && list > em);
  assert.match(r.text, /href="tel:112"/);
});

test('openapi.json lists every API route of the router', async () => {
  const r = await c.get('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi, '3.0.3');
  for (const [p, m] of [['/auth/kdf', 'get'], ['/auth/register', 'post'], ['/dyads/{id}/keys/{user_id}', 'put'], ['/me', 'get']]) {
    assert.ok(r.json.paths[p] && r.json.paths[p][m], `${m} ${p}`);
  }
  assert.deepEqual(r.json.paths['/auth/login'].post.requestBody.content['application/json'].schema.required, ['email', 'auth_key']);
});

test('metrics are off by default, and with a token only for its bearer', async () => {
  assert.equal((await c.get('/metrics')).status, 404, 'global counters would show when people are active');
  const s = await startServer({ env: { DYAD_METRICS_TOKEN: 'scrape-me-0123456789' } });
  try {
    const m = new Client(s.url);
    await m.get('/nothing');
    assert.equal((await m.get('/metrics')).status, 404);
    assert.equal((await m.get('/metrics', { headers: { Authorization: 'Bearer wrong' } })).status, 404);
    const r = await m.get('/metrics', { headers: { Authorization: 'Bearer scrape-me-0123456789' } });
    assert.equal(r.status, 200);
    assert.match(r.text, /dyad_requests_total\{class="4xx"\} [1-9]/);
  } finally { await s.stop(); }
});

test('a foreign Origin is refused everywhere', async () => {
  const r = await c.get('/api/v1/auth/kdf?email=a@b.org', { headers: { Origin: 'http://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'csrf');
  const ok = await c.get('/api/v1/auth/kdf?email=a@b.org', { headers: { Origin: srv.url } });
  assert.equal(ok.status, 200);
});

test('the log has one line per request and never a body or cookie', async () => {
  await c.post('/api/v1/auth/login', { email: 'secret-canary@example.org', auth_key: 'Y2FuYXJ5' }, { headers: { Cookie: 'dyad_session=cookie-canary' } });
  // the log is buffered (flushed at least once a second): wait for the line
  let logs = srv.logs();
  for (let i = 0; i < 400 && !/request POST \/api\/v1\/auth\/login 400 [0-9.]+ms/.test(logs); i++) {
    await new Promise((r) => setTimeout(r, 50));
    logs = srv.logs();
  }
  assert.match(logs, /request POST \/api\/v1\/auth\/login 400 [0-9.]+ms/);
  assert.ok(!logs.includes('secret-canary'));
  assert.ok(!logs.includes('cookie-canary'));
});

test('SIGTERM finishes cleanly and leaves a sound database', async () => {
  const s2 = await startServer();
  const c2 = new Client(s2.url);
  // a request in flight while the signal arrives still gets its answer
  const inflight = c2.post('/api/v1/auth/register', {
    email: 'term@example.org', display_name: 'T', kdf_salt: 'AAAAAAAAAAAAAAAAAAAAAA==',
    auth_key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    box_public_key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    sign_public_key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    wrapped_keys: Buffer.alloc(168).toString('base64'), recovery_wrapped_keys: Buffer.alloc(168).toString('base64'),
  });
  await new Promise((r) => setTimeout(r, 20));
  s2.proc.kill('SIGTERM');
  const r = await inflight;
  assert.equal(r.status, 201, r.text);
  const { code, signal } = await s2.exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.match(s2.logs(), /stopped cleanly/);
  if (backend === 'sqlite') assert.equal(s2.sql('PRAGMA integrity_check;'), 'ok');
  assert.equal(s2.sql('SELECT count(*) FROM users;'), '1');
  await s2.stop();
});

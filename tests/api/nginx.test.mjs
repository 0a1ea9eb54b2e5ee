// dyad behind nginx, configured with the very site file `make install`
// ships (dist/nginx-dyad.conf, the one docs/operators.md tells operators to
// copy): Debian's nginx started by the test in a temporary directory with
// its own nginx.conf, on loopback ports, TLS with a throwaway certificate,
// always stopped. Only what cannot run in a test is rewritten, and each
// rewrite must match or the test fails: the ports, the certificate paths,
// and the IPv6 listen lines.
//
// Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3)
// while nginx talks to dyad from 127.0.0.1, the only trusted proxy, so the
// test can tell a client's address from the proxy's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import http2 from 'node:http2';
import tls from 'node:tls';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/server.mjs';
import { newUser, registerBody, b64, sodium } from '../lib/api.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SITE = join(root, 'dist', 'nginx-dyad.conf');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) || 'nginx';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, ms = 30000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// A free loopback port (closed again; nginx binds it a moment later).
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Replaces `from` in text and fails when it is not there: the shipped file
// changing shape must break this test, not silently test something else.
function rewrite(text, from, to) {
  const n = text.split(from).length - 1;
  if (n === 0) throw new Error(`dist/nginx-dyad.conf no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

function siteForTest(site, { dyadPort, tlsPort, plainPort, cert, key }) {
  let s = site;
  s = rewrite(s, 'server 127.0.0.1:8080;', `server 127.0.0.1:${dyadPort};`);
  s = rewrite(s, 'listen 443 ssl http2;', `listen 127.0.0.1:${tlsPort} ssl http2;`);
  s = rewrite(s, 'listen [::]:443 ssl http2;', '');
  s = rewrite(s, 'listen 80;', `listen 127.0.0.1:${plainPort};`);
  s = rewrite(s, 'listen [::]:80;', '');
  s = rewrite(s, '/etc/letsencrypt/live/dyad.example.org/fullchain.pem', cert);
  s = rewrite(s, '/etc/letsencrypt/live/dyad.example.org/privkey.pem', key);
  return s;
}


// Debian's nginx in dir with its own nginx.conf around `site`, in the
// foreground (so the test owns it), up once `port` accepts connections.
async function startNginx(dir, site, port) {
  writeFileSync(join(dir, 'site.conf'), site);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  // nginx's own frame around the site, as Debian's /etc/nginx/nginx.conf is;
  // as root its workers run as root here so they can use the temp directory
  writeFileSync(join(dir, 'nginx.conf'), `
${process.getuid() === 0 ? 'user root root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 128; }
http {
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`);
  const conf = ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')];
  execFileSync(NGINX, ['-t', ...conf], { stdio: 'pipe' });
  const proc = spawn(NGINX, conf, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.output = '';
  proc.stdout.on('data', (d) => { proc.output += d; });
  proc.stderr.on('data', (d) => { proc.output += d; });
  const end = Date.now() + 30000;
  for (;;) {
    try {
      await new Promise((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(); });
        c.on('error', reject);
      });
      return proc;
    } catch (e) {
      if (proc.exitCode !== null || Date.now() > end) {
        await stopNginx(proc);
        throw new Error(`nginx did not start: ${e.message}\n${proc.output}`);
      }
      await sleep(50);
    }
  }
}

async function stopNginx(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.on('exit', r));
  proc.kill('SIGQUIT'); // graceful stop; the workers leave with the master
  await Promise.race([gone, sleep(10000)]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

function makeCert(dir) {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=dyad.example.org',
    '-addext', 'subjectAltName=DNS:dyad.example.org,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

let dir;
let srv;
let nginx;
let tlsPort;
let plainPort;
let ca;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dyad-nginx-'));
  const { cert, key } = makeCert(dir);
  ca = readFileSync(cert);
  tlsPort = await freePort();
  plainPort = await freePort();
  srv = await startServer({
    args: ['--trusted-proxy', '127.0.0.1/32', '--public-url', `https://dyad.example.org:${tlsPort}`],
    env: { DYAD_LOGIN_FAILURES_PER_CLIENT: '3' },
  });
  const dyadPort = Number(new URL(srv.url).port);
  const site = siteForTest(readFileSync(SITE, 'utf8'), { dyadPort, tlsPort, plainPort, cert, key });
  nginx = await startNginx(dir, site, tlsPort);
});

after(async () => {
  await stopNginx(nginx);
  if (srv) await srv.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// One client at a loopback address of its own, through nginx over TLS,
// keeping its connection open between requests.
function visitor(from, port = tlsPort, cacert = ca) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: cacert, localAddress: from, servername: 'dyad.example.org' });
  const v = {
    cookie: null,
    csrf: null,
    reused: [],
    request(method, path, { body, headers = {} } = {}) {
      const h = { Host: `dyad.example.org:${port}`, ...headers };
      if (body !== undefined) {
        h['Content-Type'] = 'application/json';
        h['Content-Length'] = Buffer.byteLength(body);
      }
      if (v.cookie) h.Cookie = v.cookie;
      if (v.csrf && method !== 'GET') h['X-CSRF-Token'] = v.csrf;
      return new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, method, path, headers: h, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => { text += d; });
          res.on('end', () => {
            let json = null;
            try { json = JSON.parse(text); } catch { /* not JSON */ }
            resolve({ status: res.statusCode, headers: res.headers, text, json });
          });
        });
        req.on('socket', () => v.reused.push(req.reusedSocket));
        req.on('error', reject);
        if (body !== undefined) req.write(body);
        req.end();
      });
    },
    close: () => agent.destroy(),
  };
  return v;
}

const wrong = () => b64(sodium.randombytes_buf(32));
const login = (v, email, key, headers) =>
  v.request('POST', '/api/v1/auth/login', { body: JSON.stringify({ email, auth_key: key }), headers });

test('nginx -t accepts the shipped site, and it serves dyad over TLS with dyad\'s headers', async () => {
  const v = visitor('127.0.0.2');
  try {
    const r = await v.request('GET', '/healthz');
    assert.equal(r.status, 200, nginx.output);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.headers['strict-transport-security'] || '', /max-age=\d+/, 'HSTS: dyad knows it is behind https');
    const page = await v.request('GET', '/', { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.headers['content-security-policy'] || '', /default-src/);
  } finally { v.close(); }
});

test('plain HTTP is sent to https, /metrics is closed to others, nothing is logged by nginx', async () => {
  const r = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: plainPort, path: '/login?x=1', headers: { Host: 'dyad.example.org' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    }).on('error', reject);
  });
  assert.equal(r.statusCode, 301);
  assert.equal(r.headers.location, 'https://dyad.example.org/login?x=1');
  // the site allows /metrics to 127.0.0.1 only; dyad itself has it off
  const v = visitor('127.0.0.2');
  try {
    assert.equal((await v.request('GET', '/metrics')).status, 403, 'nginx refuses another address');
  } finally { v.close(); }
  assert.ok(!existsSync(join(dir, 'logs', 'access.log')), 'access_log off: no file of paths');
});

test('a member signs up and in through nginx: Secure __Host- cookie, keep-alive both ways', async () => {
  const v = visitor('127.0.0.2');
  try {
    const u = newUser('px');
    const reg = await v.request('POST', '/api/v1/auth/register', { body: JSON.stringify(registerBody(u)) });
    assert.equal(reg.status, 201, reg.text);
    const l = await login(v, u.email, b64(u.auth_key));
    assert.equal(l.status, 200, l.text);
    const set = [].concat(l.headers['set-cookie'] || []).join('\n');
    assert.match(set, /^__Host-[^=]+=/m);
    assert.match(set, /; Secure/);
    v.cookie = set.split(';')[0];
    v.csrf = l.json.csrf_token;
    for (let i = 0; i < 8; i++) assert.equal((await v.request('GET', '/api/v1/me')).status, 200);
    // the browser's connection to nginx stays open ...
    assert.deepEqual(v.reused.slice(1), Array(v.reused.length - 1).fill(true), 'one TLS connection for every request');
    // ... and so do nginx's to dyad (upstream keepalive): the sockets with
    // dyad's port on one end, open or closed lately, come from one or two
    // nginx connections, not one per request
    const port = Number(new URL(srv.url).port).toString(16).toUpperCase().padStart(4, '0');
    const peers = new Set();
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!existsSync(f)) continue;
      for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
        const [, local, remote, st] = line.trim().split(/\s+/);
        if (!local || st === '0A') continue; // 0A: dyad's listening socket
        // either end: nginx's end lingers in TIME_WAIT when it closes first
        if (local.endsWith(`:${port}`)) peers.add(remote);
        else if (remote?.endsWith(`:${port}`)) peers.add(local);
      }
    }
    assert.ok(peers.size >= 1 && peers.size <= 2, `nginx reached dyad over ${peers.size} connections for 11 requests`);
  } finally { v.close(); }
});

test('X-Forwarded-For counts each visitor behind nginx, and cannot be forged through it', async () => {
  const a = visitor('127.0.0.2');
  const b = visitor('127.0.0.3');
  try {
    // a stranger at 127.0.0.2 forges a new address on every try; nginx
    // appends the one it saw, and dyad reads that one
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await login(a, `xff${i}@example.org`, wrong(), { 'X-Forwarded-For': `198.51.100.${i + 1}` })).status);
    }
    srv.sql('UPDATE throttle SET blocked_until = blocked_until + 3600 WHERE blocked_until > 0');
    statuses.push((await login(a, 'xff3@example.org', wrong(), { 'X-Forwarded-For': '198.51.100.9' })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429], 'the stranger is held back by their real address');
    // another visitor through the same nginx is not
    assert.equal((await login(b, 'xff9@example.org', wrong())).status, 401, 'the proxy\'s address is not the one counted');
    // the stranger's address, claimed straight to dyad (not a trusted
    // proxy), is ignored: that peer is counted as itself
    const d = await new Promise((resolve, reject) => {
      const body = JSON.stringify({ email: 'xff8@example.org', auth_key: wrong() });
      const u = new URL(srv.url);
      const req = http.request({
        host: '127.0.0.1', port: Number(u.port), localAddress: '127.0.0.3', method: 'POST', path: '/api/v1/auth/login',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Forwarded-For': '127.0.0.2' },
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(d, 401, 'a header from an untrusted peer names nobody');
  } finally { a.close(); b.close(); }
});

test('request bodies up to dyad\'s limit pass nginx whole; one byte more is refused by nginx', async () => {
  const v = visitor('127.0.0.3');
  const MAX = 64 * 1024; // dyad's limit, and client_max_body_size in the site
  const body = (n) => {
    const head = '{"email":"big@example.org","auth_key":"';
    const s = head + 'A'.repeat(n - head.length - 2) + '"}';
    assert.equal(s.length, n);
    return s;
  };
  try {
    for (let i = 0; i < 3; i++) {
      const atMax = await v.request('POST', '/api/v1/auth/login', { body: body(MAX) });
      assert.equal(atMax.status, 400, 'the largest body dyad takes reaches dyad whole');
      assert.equal(atMax.json?.error?.field, 'auth_key', 'dyad read the whole body and judged its fields');
    }
  } finally { v.close(); }
  // one byte more: nginx answers 413 from the declared length (the body is
  // not sent: nginx may close mid-upload), never a 502
  for (let i = 0; i < 3; i++) {
    const w = visitor('127.0.0.3');
    try {
      const over = await w.request('POST', '/api/v1/auth/login', { headers: { 'Content-Type': 'application/json', 'Content-Length': MAX + 1, Expect: '100-continue' } });
      assert.equal(over.status, 413);
      assert.doesNotMatch(over.text, /"error"/, 'that answer is nginx\'s: dyad never saw the request');
    } finally { w.close(); }
  }
});

// What libmicrohttpd would answer itself, without dyad's headers (a 505 for
// HTTP/2, its header block twice for a malformed Content-Length; see
// docs/security.md), never reaches a visitor behind the site: nginx speaks
// HTTP/2 to browsers and HTTP/1.1 to dyad, and refuses malformed framing
// itself.
test('behind the site, HTTP/2 reaches dyad as HTTP/1.1 and malformed framing stops at nginx', async () => {
  const session = http2.connect(`https://127.0.0.1:${tlsPort}`, { ca, servername: 'dyad.example.org', localAddress: '127.0.0.2' });
  try {
    const r = await new Promise((resolve, reject) => {
      const req = session.request({ ':path': '/healthz', ':authority': `dyad.example.org:${tlsPort}` });
      let headers;
      let text = '';
      req.on('response', (h) => { headers = h; });
      req.setEncoding('utf8');
      req.on('data', (d) => { text += d; });
      req.on('end', () => resolve({ headers, text }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(r.headers[':status'], 200, 'HTTP/2 from the browser is served, not 505');
    assert.equal(r.headers['x-content-type-options'], 'nosniff', 'with dyad\'s headers');
  } finally { session.close(); }
  const raw = await new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: tlsPort, ca, servername: 'dyad.example.org', localAddress: '127.0.0.2' }, () => {
      s.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: dyad.example.org\r\nContent-Length: 1x\r\n\r\n{}');
    });
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('end', () => resolve(data));
    s.on('error', (e) => (data ? resolve(data) : reject(e)));
    s.setTimeout(20000, () => { s.destroy(); resolve(data); });
  });
  assert.match(raw, /^HTTP\/1\.1 400 /, 'nginx refuses a malformed Content-Length');
  assert.equal(raw.match(/^HTTP\/1\.1 /gm).length, 1, 'one answer, one header block');
});

// docs/operations.md's site for several servers, taken from the page as it
// is: two dyad servers behind it, one stopped, and every request still
// answered by the other.
test('the load-balancer site in docs/operations.md spreads and fails over between two servers', async () => {
  const doc = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
  const blocks = [...doc.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, 'docs/operations.md has one nginx site');
  const own = mkdtempSync(join(tmpdir(), 'dyad-nginx-lb-'));
  const servers = [];
  let proc;
  try {
    const { cert, key } = makeCert(own);
    const port = await freePort();
    servers.push(await startServer(), await startServer());
    let site = blocks[0];
    site = rewrite(site, 'server 10.0.0.11:8080', `server 127.0.0.1:${new URL(servers[0].url).port}`);
    site = rewrite(site, 'server 10.0.0.12:8080', `server 127.0.0.1:${new URL(servers[1].url).port}`);
    site = rewrite(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`);
    site = rewrite(site, '/etc/letsencrypt/live/dyad.example.org/fullchain.pem', cert);
    site = rewrite(site, '/etc/letsencrypt/live/dyad.example.org/privkey.pem', key);
    proc = await startNginx(own, site, port);
    const v = visitor('127.0.0.2', port, readFileSync(cert));
    try {
      for (let i = 0; i < 4; i++) assert.equal((await v.request('GET', '/healthz')).status, 200, proc.output);
      assert.equal((await v.request('GET', '/metrics')).status, 403);
      // both servers answered (round robin), each a request it logged
      for (const one of servers) await until('a request logged by each server', () => /GET \/healthz 200/.test(one.logs()));
      await servers[0].stop();
      const after = [];
      for (let i = 0; i < 6; i++) after.push((await v.request('GET', '/healthz')).status);
      assert.deepEqual(after, Array(6).fill(200), 'the stopped server\'s share goes to the other');
    } finally { v.close(); }
  } finally {
    await stopNginx(proc);
    for (const x of servers) await x.stop();
    rmSync(own, { recursive: true, force: true });
  }
});

// The server's life as systemd and logrotate see it: the log in a file
// that SIGHUP reopens after a rotation, the crisis resources reread on
// SIGHUP (a malformed new file reported and the old list kept), SIGTERM
// stopping cleanly, and sd_notify telling systemd (Type=notify) when dyad
// is ready, reloading and stopping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { Client, newUser, registerBody } from '../lib/api.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const resources = (number) => JSON.stringify({
  emergency: { label: 'Call now.', number },
  resources: [{ name: 'A helpline', phone: '0800 000 000' }],
});

test('SIGHUP reopens the log file and rereads the crisis resources', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-life-'));
  const log = join(dir, 'dyad.log');
  const res = join(dir, 'resources.json');
  writeFileSync(res, resources('111-first'));
  const srv = await startServer({ dir, env: { DYAD_LOG_FILE: log, DYAD_RESOURCES: res } });
  try {
    const c = new Client(srv.url);
    let page = await c.get('/safety', { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('111-first'));
    await until('the request line in the log', () => readFileSync(log, 'utf8').includes('GET /safety 200'));
    assert.ok(!srv.logs().includes('GET /safety'), 'the log goes to the file, not standard error');

    // logrotate moves the file away, then signals
    renameSync(log, `${log}.1`);
    writeFileSync(res, resources('222-second'));
    srv.proc.kill('SIGHUP');
    await until('a new log file', () => existsSync(log) && readFileSync(log, 'utf8').includes('SIGHUP'));
    assert.match(readFileSync(log, 'utf8'), /SIGHUP: log reopened; resources reread/);
    page = await c.get('/safety', { headers: { Accept: 'text/html' } });
    assert.ok(page.text.includes('222-second'), 'the new resources are served');
    assert.ok(!page.text.includes('111-first'));
    await until('the request in the new log', () => readFileSync(log, 'utf8').includes('GET /safety 200'));
    assert.ok(!readFileSync(`${log}.1`, 'utf8').includes('SIGHUP'), 'nothing more goes to the rotated file');

    // a malformed file: reported, the old list kept, the server still serves
    writeFileSync(res, '{"emergency": ');
    srv.proc.kill('SIGHUP');
    await until('the reload report', () => /resources kept/.test(readFileSync(log, 'utf8')));
    page = await c.get('/safety', { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('222-second'));
  } finally {
    await srv.stop();
  }
});

test('SIGTERM stops the server cleanly within the configured time', async () => {
  const srv = await startServer({ env: { DYAD_SHUTDOWN_TIMEOUT: '30' } });
  const c = new Client(srv.url);
  assert.equal((await c.get('/healthz')).status, 200);
  srv.proc.kill('SIGTERM');
  const { code, signal } = await srv.exited;
  assert.equal(code, 0);
  assert.equal(signal, null);
  // the process has exited; its last lines may still be in the pipe
  await until('the stop lines', () => /stopped cleanly/.test(srv.logs()));
  assert.match(srv.logs(), /SIGTERM received, finishing requests \(up to 30 s\)/);
  await srv.stop();
});

// A request held open by its own client: the headers with `Expect:
// 100-continue` and half the body. dyad's "100 Continue" says the request
// has begun (dyad counts it in flight from its headers); the rest of the
// body is sent when the test says. → {send rest, answer, closed}
async function slowRegistration(srv) {
  const body = JSON.stringify(registerBody(newUser('drain')));
  const sock = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
  let data = '';
  const closed = new Promise((resolve) => sock.on('close', () => resolve(data)));
  sock.on('data', (d) => { data += d; });
  sock.on('error', () => {});
  sock.write(`POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
  await until('100 Continue', () => data.startsWith('HTTP/1.1 100'));
  const half = body.length >> 1;
  sock.write(body.slice(0, half));
  return {
    rest: () => sock.write(body.slice(half)),
    answer: () => until('the answer', () => /\r\n\r\n[\s\S]*HTTP\/1\.1 \d{3} [\s\S]*\r\n\r\n\{/.test(data)).then(() => data),
    closed,
    destroy: () => sock.destroy(),
  };
}

// Resolves once a new connection to the port is refused (not queued).
async function refused(port) {
  await until('new connections refused', () => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve(false); });
    c.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  }));
}

test('SIGTERM: a request in flight is answered while new connections are refused, then dyad exits 0', async () => {
  const srv = await startServer({ env: { DYAD_SHUTDOWN_TIMEOUT: '120' } });
  const slow = await slowRegistration(srv);
  try {
    srv.proc.kill('SIGTERM');
    await refused(Number(new URL(srv.url).port));
    assert.equal(srv.proc.exitCode, null, 'dyad waits for the request in flight');
    slow.rest();
    const answer = await slow.answer();
    assert.match(answer, /HTTP\/1\.1 201 /, 'the request begun before SIGTERM is answered in full');
    assert.match(answer, /"user"/);
    const { code, signal } = await srv.exited;
    assert.equal(code, 0);
    assert.equal(signal, null);
    await until('the stop lines', () => /stopped cleanly/.test(srv.logs()));
  } finally {
    slow.destroy();
    await srv.stop();
  }
});

test('SIGTERM: a request longer than shutdown_timeout is cut, and dyad still exits 0', async () => {
  const srv = await startServer({ env: { DYAD_SHUTDOWN_TIMEOUT: '1' } });
  const slow = await slowRegistration(srv);
  try {
    const t0 = Date.now();
    srv.proc.kill('SIGTERM');
    const { code, signal } = await srv.exited; // the rest of the body never comes
    const waited = Date.now() - t0;
    assert.equal(code, 0);
    assert.equal(signal, null);
    assert.ok(waited >= 900, `dyad gave the request its second (${waited} ms)`);
    const data = await slow.closed;
    assert.doesNotMatch(data, /HTTP\/1\.1 [2-5]\d\d /, 'the cut request has no answer: its connection is closed');
    await until('the stop lines', () => /stopped cleanly/.test(srv.logs()));
    assert.match(srv.logs(), /1 request still running after 1 s cut/);
  } finally {
    slow.destroy();
    await srv.stop();
  }
});

// A stand-in for systemd's notification socket: a unix datagram socket
// (python3, since node has none) that prints each message it receives.
function notifySocket(dir) {
  const path = join(dir, 'notify.sock');
  const py = spawn('python3', ['-u', '-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    m = s.recv(4096).decode()
    print(m.replace("\\n", "|"), flush=True)
`, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  py.stdout.on('data', (d) => { out += d; });
  return { path, proc: py, messages: () => out.split('\n').filter((l) => l && l !== 'bound'), bound: () => out.startsWith('bound') };
}

test('systemd is told when dyad is ready, reloading and stopping (sd_notify)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-notify-'));
  const n = notifySocket(dir);
  try {
    await until('the notify socket', () => n.bound());
    const srv = await startServer({ dir, env: { NOTIFY_SOCKET: n.path } });
    await until('READY=1', () => n.messages().some((m) => m.includes('READY=1')));
    const ready = n.messages().find((m) => m.includes('READY=1'));
    assert.match(ready, /STATUS=serving on http:\/\/127\.0\.0\.1:\d+/);
    // ready means serving: the first request after it succeeds
    assert.equal((await new Client(srv.url).get('/healthz')).status, 200);
    srv.proc.kill('SIGHUP');
    await until('RELOADING=1 then READY=1', () => {
      const m = n.messages();
      const r = m.findIndex((x) => x.includes('RELOADING=1'));
      return r >= 0 && m.slice(r + 1).some((x) => x.includes('READY=1'));
    });
    srv.proc.kill('SIGTERM');
    await until('STOPPING=1', () => n.messages().some((m) => m.includes('STOPPING=1')));
    assert.equal((await srv.exited).code, 0);
    await srv.stop({ keep: true });
  } finally {
    n.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Start-up under traffic: requests carrying a session cookie arrive from the
// first instant the process runs, before it has said it is listening. The
// server binds, configures the application completely (public URL, cookie
// name), and only then starts its workers, so no request can see a half-set
// application. Each start-up must serve those requests and stop cleanly on
// SIGTERM; a crash (the old strlen(NULL) on the cookie name) fails the test.
//
// 32 worker threads make the old window wide: libmicrohttpd listens first
// and then creates its pool one thread at a time, and the first workers
// were already answering while start-up went on. With the old order
// (http_server_start before app_set_public_url) this test saw a SIGSEGV
// within the 50 start-ups in 5 runs out of 5 (at start 9, 24, 42, 26, 36).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { DYAD_BIN, startServer } from '../lib/server.mjs';

const STARTS = Number(process.env.DYAD_STARTUP_RUNS || 50);
const ANSWERS_WANTED = 24; // answers seen on each start before stopping it
const LOOPS = 16; // connections tried at once
const COOKIE = `dyad_session=${'A'.repeat(43)}`;
const REQUEST = `GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${COOKIE}\r\nConnection: close\r\n\r\n`;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// One request on a fresh connection: resolves with the status line, or null
// when the connection was refused or cut before an answer.
function fire(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(REQUEST));
    sock.on('data', (d) => { got += d; });
    sock.on('error', () => resolve(null));
    sock.on('close', () => resolve(got ? got.split('\r\n')[0] : null));
  });
}

async function oneStart(i) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dyad-startup-'));
  const proc = spawn(DYAD_BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--db', `sqlite:${join(dir, 'dyad.db')}`], {
    cwd: dir,
    env: { ...process.env, DYAD_SECRET_FILE: join(dir, 'dyad.secret'), DYAD_THREADS: '32' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  let answers = [];
  exited.then(() => { done = true; });
  // LOOPS loops of raw connects from the moment of spawn: the first ones are
  // refused (nothing bound yet), then they queue in the listen backlog and
  // are served as soon as the workers start.
  const loops = Array.from({ length: LOOPS }, async () => {
    while (!done && answers.length < ANSWERS_WANTED) {
      const line = await fire(port);
      if (line) answers.push(line);
      else await new Promise((r) => setImmediate(r));
    }
  });
  const deadline = setTimeout(() => { done = true; }, 30000);
  await Promise.all(loops);
  clearTimeout(deadline);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  const r = await exited;
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.signal, null, `start ${i}: dyad died of ${r.signal}\n${err}`);
  assert.equal(r.code, 0, `start ${i}: dyad exited ${r.code}\n${err}`);
  assert.ok(answers.length >= ANSWERS_WANTED, `start ${i}: only ${answers.length} answers\n${err}`);
  for (const a of answers) assert.equal(a, 'HTTP/1.1 401 Unauthorized', `start ${i}`);
}

test(`${STARTS} start-ups with cookie-carrying requests from the first instant: no crash`, { timeout: 600000 }, async () => {
  for (let i = 0; i < STARTS; i++) await oneStart(i);
});

// The stop signals go to the main thread, which waits for them with
// sigwait. A thread that left SIGTERM unblocked could be handed it (the
// kernel picks any thread that does not block it), and its default action
// would end the process without draining: the log flusher, started before
// the signals were blocked, did exactly that when SIGTERM came while the
// main thread was still finishing start-up (start 29 of a CI run).
// Read every thread's blocked set from /proc: all but the main thread
// (unblocked inside sigwait) must block SIGHUP, SIGINT and SIGTERM.
test('every thread but the main one blocks the stop signals', async () => {
  const srv = await startServer({ env: { DYAD_THREADS: '4' } });
  try {
    const pid = srv.proc.pid;
    const tids = readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => t !== pid);
    assert.ok(tids.length >= 5, `worker threads and the log flusher: ${tids.length}`);
    const want = (1n << 0n) | (1n << 1n) | (1n << 14n); // SIGHUP 1, SIGINT 2, SIGTERM 15
    for (const tid of tids) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const name = status.match(/^Name:\s*(.*)$/m)[1];
      const blocked = BigInt(`0x${status.match(/^SigBlk:\s*([0-9a-f]+)$/m)[1]}`);
      assert.equal(blocked & want, want, `thread ${tid} (${name}) leaves a stop signal unblocked`);
    }
  } finally {
    const r = await srv.stop();
    assert.equal(r.signal, null);
  }
});

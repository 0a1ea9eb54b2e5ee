// The log an operator reads, against the real binary: every byte escaped
// (no raw control byte or invalid UTF-8 reaches stderr, whatever a client
// sends), plain or JSON lines, a level, request lines that can be turned
// off. The log is buffered (flushed at least once a second), so each test
// waits for the line it expects, up to a generous limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../lib/server.mjs';
import { Client } from '../lib/api.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(srv, re, what) {
  for (let i = 0; i < 400; i++) {
    if (re.test(srv.logs())) return srv.logs();
    await sleep(50);
  }
  assert.fail(`${what}: not in the log:\n${srv.logs()}`);
}

function rawSend(url, bytes) {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), '127.0.0.1', () => s.write(bytes));
    s.on('data', () => {});
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    setTimeout(() => s.destroy(), 5000);
  });
}

// Only printable ASCII and line ends: no escape, BEL, DEL or 8-bit byte.
function assertClean(buf, what) {
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    assert.ok(b === 0x0a || (b >= 0x20 && b < 0x7f), `${what}: raw byte 0x${b.toString(16)} at ${i}`);
  }
}

const HOSTILE = [
  'G\x1b[31mET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', // a terminal escape in the method
  'GE\x07T /healthz HTTP/1.1\r\nHost: x\r\n\r\n', // BEL
  `${'A'.repeat(10000)} /healthz HTTP/1.1\r\nHost: x\r\n\r\n`, // 10 KB method
  'G\xffET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', // an 8-bit byte
  'GET /healthz\x1b HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: \x1b[2J\r\n\r\n', // the library's own error, logged
];

test('plain lines: hostile bytes are escaped, request lines have a fixed shape', async () => {
  const srv = await startServer();
  try {
    for (const h of HOSTILE) await rawSend(srv.url, Buffer.from(h, 'latin1'));
    await new Client(srv.url).get('/healthz');
    const logs = await waitFor(srv, /request GET \/healthz 200 /, 'the healthz line');
    await waitFor(srv, /request G\\x1b\[31mET - 400 /, 'the escaped method');
    assert.match(logs, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ info start listening on /m);
    assert.ok(!logs.includes('A'.repeat(100)), 'a long method is cut short');
  } finally {
    await srv.stop();
  }
  assertClean(Buffer.from(srv.logs(), 'latin1'), 'plain');
});

test('JSON lines: every line is JSON; --log-requests no leaves the events', async () => {
  const srv = await startServer({ args: ['--log-format', 'json'] });
  let lines;
  try {
    for (const h of HOSTILE) await rawSend(srv.url, Buffer.from(h, 'latin1'));
    await new Client(srv.url).get('/healthz');
    await waitFor(srv, /"route":"\/healthz","status":200/, 'the healthz line');
  } finally {
    await srv.stop();
  }
  const err = srv.logs().split('\n').filter((l) => l.startsWith('{'));
  lines = err.map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.event === 'start' && l.level === 'info'));
  const req = lines.find((l) => l.event === 'request' && l.route === '/healthz');
  assert.deepEqual(Object.keys(req), ['time', 'level', 'event', 'method', 'route', 'status', 'ms']);
  assert.ok(lines.some((l) => l.event === 'request' && l.method === 'G\\x1b[31mET'), 'escaped inside JSON');
  assert.ok(lines.some((l) => l.event === 'http' && l.level === 'warn'), "the library's own messages are lines too");
  assert.ok(lines.some((l) => l.event === 'stop' && /stopped cleanly/.test(l.message)));
  assertClean(Buffer.from(srv.logs(), 'latin1'), 'json');

  const quiet = await startServer({ env: { DYAD_LOG_REQUESTS: 'no', DYAD_LOG_FORMAT: 'json' } });
  try {
    await new Client(quiet.url).get('/healthz');
  } finally {
    await quiet.stop();
  }
  const q = quiet.logs().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  assert.ok(q.some((l) => l.event === 'start'));
  assert.ok(!q.some((l) => l.event === 'request'), 'no request lines');
});

test('--log-level warn: no info lines, warnings still', async () => {
  const srv = await startServer({ args: ['--log-level', 'warn'] });
  try {
    await new Client(srv.url).get('/healthz');
    await rawSend(srv.url, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n');
    await waitFor(srv, / warn http /, 'a warning');
  } finally {
    await srv.stop();
  }
  assert.ok(!/ info /.test(srv.logs()), srv.logs());
});

test('bad log settings stop start-up with a message', async () => {
  await assert.rejects(startServer({ args: ['--log-format', 'xml'] }), /--log-format: 'xml' is not one of plain, json/);
  await assert.rejects(startServer({ env: { DYAD_LOG_LEVEL: 'loud' } }), /DYAD_LOG_LEVEL: 'loud' is not one of error, warn, info, debug/);
  await assert.rejects(startServer({ args: ['--log-requests', 'maybe'] }), /--log-requests: 'maybe' is not yes or no/);
});

// Connection limits that fit a proxy, against the real binary: over the
// total limit a request is answered 503 with the error JSON (not dropped);
// over the per-address cap 429; a trusted proxy's address has no
// per-address cap. Small limits stand in for the defaults (1024 and 128).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../lib/server.mjs';

// Opens a connection and keeps it open (it sends nothing yet).
function idle(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

// One request on a new connection; the status and the body.
function ask(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('error', () => resolve({ status: 0, text: got }));
    s.on('close', () => {
      const m = got.match(/^HTTP\/1\.1 (\d{3})/);
      resolve({ status: m ? Number(m[1]) : 0, text: got, body: got.slice(got.indexOf('\r\n\r\n') + 4) });
    });
  });
}

// Waits until the server has counted the idle connections (it counts them
// as it accepts them): a request fired right away may race the accept.
async function settle(port, expect) {
  for (let i = 0; i < 200; i++) {
    const r = await ask(port);
    if (r.status === expect) return r;
    await new Promise((res) => setTimeout(res, 25));
  }
  return ask(port);
}

test('over the total connection limit: a clear 503, not a dropped connection', async () => {
  const srv = await startServer({ args: ['--max-connections', '4', '--max-connections-per-address', '0', '--header-timeout', '60'] });
  const port = Number(new URL(srv.url).port);
  const held = [];
  try {
    for (let i = 0; i < 4; i++) held.push(await idle(port));
    const r = await settle(port, 503);
    assert.equal(r.status, 503, r.text);
    assert.match(r.text, /\r\nRetry-After: 5\r\n/);
    assert.match(r.text, /\r\nConnection: close\r\n/);
    assert.match(r.text, /Content-Security-Policy: /);
    assert.equal(JSON.parse(r.body).error.code, 'unavailable');
    for (const s of held.splice(0)) s.destroy();
    const ok = await settle(port, 200);
    assert.equal(ok.status, 200, 'served again once connections close');
  } finally {
    for (const s of held) s.destroy();
    await srv.stop();
  }
});

test('over the per-address cap: 429; a trusted proxy has no per-address cap', async () => {
  const capped = await startServer({ args: ['--max-connections-per-address', '3', '--header-timeout', '60'] });
  const open = await startServer({ args: ['--max-connections-per-address', '3', '--trusted-proxy', '127.0.0.1', '--header-timeout', '60'] });
  const held = [];
  try {
    const pc = Number(new URL(capped.url).port);
    const po = Number(new URL(open.url).port);
    for (let i = 0; i < 3; i++) held.push(await idle(pc), await idle(po));
    const r = await settle(pc, 429);
    assert.equal(r.status, 429, r.text);
    assert.equal(JSON.parse(r.body).error.code, 'rate_limited');
    assert.match(r.text, /\r\nConnection: close\r\n/);
    // 40 connections at once through the "proxy" address: none refused
    for (let i = 0; i < 40; i++) held.push(await idle(po));
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(po)));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], 'every request through the proxy is served');
  } finally {
    for (const s of held) s.destroy();
    await capped.stop();
    await open.stop();
  }
});

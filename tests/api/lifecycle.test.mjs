// The server's life as systemd and logrotate see it: the log in a file
// that SIGHUP reopens after a rotation, the crisis resources reread on
// SIGHUP (a malformed new file reported and the old list kept), and SIGTERM
// stopping cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { Client } from '../lib/api.mjs';

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
  assert.match(srv.logs(), /SIGTERM received, finishing requests \(up to 30 s\)/);
  assert.match(srv.logs(), /stopped cleanly/);
  await srv.stop();
});

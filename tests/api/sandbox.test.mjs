// The sandbox dyad serve puts itself in after start-up (src/cli/sandbox.c).
// The rest of the suite runs with it on (it is the default), so every
// request path there is a system call path checked here. This file shows
// that it bites: test-only probes (DYAD_TEST_SANDBOX, compiled into the
// ASan build only) make forbidden calls from the serving process — mount
// and execve are stopped with SIGSYS and a log line naming the call, and a
// write outside the database directory is refused by Landlock — and that
// `sandbox = no` turns it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { Client } from '../lib/api.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, check, ms = 30000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('the server says it is sandboxed, serves, and stops (LeakSanitizer included)', { timeout: 120000 }, async () => {
  const s = await startServer();
  try {
    await until('the sandbox line', () => /sandbox: no new privileges, system call allowlist, (Landlock|no Landlock)/.test(s.logs()));
    assert.equal((await new Client(s.url).get('/healthz')).status, 200);
    const { code } = await s.stop({ keep: true });
    assert.equal(code, 0, 'a sandboxed server still stops cleanly (and LeakSanitizer runs at exit)');
  } finally { await s.stop(); }
});

for (const probe of ['mount', 'execve']) {
  test(`a forbidden system call (${probe}) kills the process and names itself`, async () => {
    const s = await startServer({ env: { DYAD_TEST_SANDBOX: probe } });
    try {
      const { code, signal } = await s.exited;
      assert.equal(signal, 'SIGSYS', `exit ${code} ${signal}:\n${s.logs()}`);
      assert.match(s.logs(), new RegExp(`dyad: sandbox: forbidden system call ${probe} \\(\\d+\\); stopping`));
      assert.ok(!s.logs().includes(`${probe} returned`), 'the call never returned');
    } finally { await s.stop(); }
  });
}

test('Landlock: nothing is writable outside the database directory', async (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'dyad-outside-'));
  const target = join(outside, 'should-not-exist');
  const s = await startServer({ env: { DYAD_TEST_SANDBOX: `write:${target}` } });
  try {
    await until('the sandbox line', () => /sandbox: no new privileges/.test(s.logs()));
    if (/no Landlock in this kernel/.test(s.logs())) { t.skip('this kernel has no Landlock'); return; }
    await until('the probe', () => /test probe: writing/.test(s.logs()));
    assert.match(s.logs(), /test probe: writing .*should-not-exist: Permission denied/);
    assert.ok(!existsSync(target));
    // and the database directory is writable: a registration is stored
    const c = new Client(s.url);
    assert.equal((await c.get('/healthz')).status, 200);
  } finally {
    await s.stop();
  }
  // the same probe without the sandbox writes the file
  const s2 = await startServer({ args: ['--sandbox', 'no'], env: { DYAD_TEST_SANDBOX: `write:${target}` } });
  try {
    await until('the probe', () => /test probe: writing/.test(s2.logs()));
    await until('the warning', () => /the sandbox is off/.test(s2.logs()));
    assert.match(s2.logs(), /writing .*: allowed/);
    assert.ok(existsSync(target));
  } finally { await s2.stop(); rmSync(outside, { recursive: true, force: true }); }
});

test('sandbox = no: the same probe is not stopped', async () => {
  const s = await startServer({ env: { DYAD_SANDBOX: 'no', DYAD_TEST_SANDBOX: 'mount' } });
  try {
    await until('the probe to return', () => /test probe: mount returned/.test(s.logs()));
    assert.equal(s.proc.exitCode, null, 'still running');
    assert.equal((await new Client(s.url).get('/healthz')).status, 200);
  } finally { await s.stop(); }
});

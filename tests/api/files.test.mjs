// File modes: under umask 022 (where files are usually 0644), everything
// dyad creates — the database with its WAL and SHM files, the server
// secret, a backup — is 0600, readable by the dyad user alone. A database
// left readable by others from before is named in a warning at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DYAD_BIN } from '../lib/server.mjs';

const mode = (p) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');

// dyad under `umask 022`, as a shell would start it.
function dyad(dir, args) {
  return spawn('/bin/sh', ['-c', 'umask 022; exec "$0" "$@"', DYAD_BIN, ...args], {
    cwd: dir,
    env: { ...process.env, DYAD_SECRET_FILE: join(dir, 'dyad.secret') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function run(dir, args) {
  return new Promise((resolve) => {
    const p = dyad(dir, args);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
}

test('under umask 022 the database, WAL, SHM, secret and backup are 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-files-'));
  let srv = null;
  try {
    assert.equal(execFileSync('/bin/sh', ['-c', 'umask 022; touch probe; stat -c %a probe'], { cwd: dir }).toString().trim(), '644', 'the umask is in effect');
    const db = join(dir, 'dyad.db');
    srv = dyad(dir, ['serve', '--listen', '127.0.0.1:0', '--db', `sqlite:${db}`]);
    let out = '';
    srv.stderr.on('data', (d) => { out += d; });
    const url = await new Promise((resolve, reject) => {
      srv.stdout.on('data', (d) => { const m = String(d).match(/listening on (http:\/\/[^ ]+)/); if (m) resolve(m[1]); });
      srv.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
    });
    srv.removeAllListeners('exit');
    const exited = new Promise((r) => srv.on('exit', r));
    // a write, so the WAL has content while it runs
    const r = await fetch(`${url}/api/v1/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 400);
    for (const f of ['dyad.db', 'dyad.db-wal', 'dyad.db-shm', 'dyad.secret']) assert.equal(mode(join(dir, f)), '0600', f);
    const backup = await run(dir, ['backup', join(dir, 'copy.db'), '--db', `sqlite:${db}`]);
    assert.equal(backup.code, 0, backup.out);
    assert.equal(mode(join(dir, 'copy.db')), '0600', 'the backup');
    srv.kill('SIGTERM');
    await exited;
    srv = null;
  } finally {
    if (srv) srv.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database readable by others is named in a warning at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-files-'));
  try {
    const db = join(dir, 'dyad.db');
    assert.equal((await run(dir, ['migrate', '--db', `sqlite:${db}`])).code, 0);
    chmodSync(db, 0o644);
    const srv = dyad(dir, ['serve', '--listen', '127.0.0.1:0', '--db', `sqlite:${db}`]);
    const exited = new Promise((r) => srv.on('exit', r));
    let err = '';
    srv.stderr.on('data', (d) => { err += d; });
    try {
      await new Promise((resolve) => { srv.stdout.on('data', (d) => { if (/listening/.test(d)) resolve(); }); exited.then(resolve); });
      for (let i = 0; i < 100 && !/readable or writable by others/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      srv.kill('SIGTERM');
      await exited;
    }
    assert.match(err, /warn start .*dyad\.db is readable or writable by others \(mode 0644\); chmod 600 it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

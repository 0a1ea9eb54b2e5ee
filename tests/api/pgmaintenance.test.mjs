// dyad migrate and dyad copy-db on PostgreSQL are bounded by the
// maintenance_timeout setting, not by statement_timeout (which bounds a
// request's statements): an operator's migration or copy may rightly run
// longer than any request. By default nothing cuts them, not even a
// statement_timeout the database itself sets. Each test holds a lock in
// another session, so the command waits: with --maintenance-timeout 1 it is
// cancelled and fails saying so, while the same command with the default,
// started first under statement_timeout = 1, is still waiting at that
// moment and succeeds once the lock is gone. Runs where PostgreSQL is (make
// test-pg: DYAD_TEST_PG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DYAD_BIN } from '../lib/server.mjs';
import { holdLock } from '../lib/postgres.mjs';
import { until } from '../lib/smtp.mjs';

const PG = process.env.DYAD_TEST_PG;
const skip = !PG && 'needs PostgreSQL (make test-pg)';
const psql = (db, q) => execFileSync('psql', [`${PG} dbname=${db}`, '-XAtq', '-v', 'ON_ERROR_STOP=1'], { input: q }).toString().trim();

// dyad with these arguments; resolves to its exit status and output.
function run(args, env = {}) {
  const p = spawn(DYAD_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => { stdout += d; });
  p.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => p.on('close', (status) => resolve({ status, stdout, stderr })));
}

// Sessions of database db waiting for a lock (the held one).
const waiting = (db) => Number(psql('postgres', `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND wait_event_type = 'Lock'`));

test('dyad migrate: maintenance_timeout cancels it; by default it waits, whatever statement_timeout and the database say',
  { skip, timeout: 300000 }, async () => {
    const db = `dyad_maint_m_${process.pid}`;
    const url = `postgres:${PG} dbname=${db}`;
    psql('postgres', `CREATE DATABASE ${db}`);
    let lock;
    try {
      const first = await run(['migrate', '--db', url]);
      assert.equal(first.status, 0, first.stderr);
      // the database's own limit, which every new session starts with
      psql('postgres', `ALTER DATABASE ${db} SET statement_timeout = '1s'`);
      lock = await holdLock(PG, db, 'dyad_schema');
      const patient = run(['migrate', '--db', url], { DYAD_STATEMENT_TIMEOUT: '1' });
      await until(() => waiting(db) === 1, 'the default migrate waiting for the lock');
      const cut = await run(['migrate', '--db', url, '--maintenance-timeout', '1']);
      assert.equal(cut.status, 1, cut.stderr);
      assert.match(cut.stderr, /canceling statement due to statement timeout/);
      assert.doesNotMatch(cut.stdout, /schema at version/);
      assert.equal(waiting(db), 1, 'the default migrate is still waiting: no limit, not statement_timeout nor the database\'s 1 s');
      await lock.release();
      const done = await patient;
      assert.equal(done.status, 0, done.stderr);
      assert.match(done.stdout, /schema at version \d+/);
    } finally {
      if (lock) await lock.release();
      psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }
  });

test('dyad copy-db: maintenance_timeout cancels it; by default it outlasts statement_timeout',
  { skip, timeout: 300000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dyad-maint-'));
    const source = `sqlite:${join(dir, 'source.db')}`;
    const db = `dyad_maint_c_${process.pid}`;
    const target = `postgres:${PG} dbname=${db}`;
    psql('postgres', `CREATE DATABASE ${db}`);
    let lock;
    try {
      for (const url of [source, target]) {
        const m = await run(['migrate', '--db', url]);
        assert.equal(m.status, 0, m.stderr);
      }
      // the copy checks that the target is empty, table by table: it waits at users
      lock = await holdLock(PG, db, 'users');
      const patient = run(['copy-db', source, target], { DYAD_STATEMENT_TIMEOUT: '1' });
      await until(() => waiting(db) === 1, 'the default copy waiting for the lock');
      const cut = await run(['copy-db', source, target, '--maintenance-timeout', '1']);
      assert.equal(cut.status, 1, cut.stderr);
      assert.match(cut.stderr, /canceling statement due to statement timeout/);
      assert.doesNotMatch(cut.stdout, /every table's row count and digest match/);
      assert.equal(waiting(db), 1, 'the default copy is still waiting, past statement_timeout = 1');
      await lock.release();
      const done = await patient;
      assert.equal(done.status, 0, done.stderr);
      assert.match(done.stdout, /every table's row count and digest match/);
    } finally {
      if (lock) await lock.release();
      psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    }
  });

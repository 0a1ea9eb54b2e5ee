// Starts the real dyad binary on an ephemeral port with a fresh database,
// for the API and browser tests. DYAD_BIN names the binary (make sets it to
// the ASan build); each server gets its own temporary directory.
//
// The database is SQLite in that directory, or, with DYAD_TEST_DB=postgres
// and DYAD_TEST_PG set (libpq conninfo without dbname, as
// scripts/with-postgres.sh gives), a PostgreSQL database created for the
// server and dropped when it stops. A server started again on the same
// directory finds the same database. srv.sql(q) runs SQL on it either way
// (sqlite3 or psql, rows as "a|b" lines).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DYAD_BIN = resolve(process.env.DYAD_BIN || join(root, 'build', 'asan', 'dyad'));

const PG = process.env.DYAD_TEST_DB === 'postgres' ? process.env.DYAD_TEST_PG : null;
if (process.env.DYAD_TEST_DB === 'postgres' && !PG) throw new Error('DYAD_TEST_DB=postgres needs DYAD_TEST_PG');
export const backend = PG ? 'postgres' : 'sqlite';
let databases = 0;

function psql(dbname, q) {
  return execFileSync('psql', [`${PG} dbname=${dbname}`, '-XAtq', '-v', 'ON_ERROR_STOP=1'], { input: q })
    .toString().trim();
}

// The server keeps computed insights keyed by dyads.data_version, which the
// store moves forward in the same transaction as every write insights read
// (src/web/insights_cache.h). A test that writes such rows itself, around
// the store, moves it too, as the store would.
const INSIGHTS_ROWS = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(checkins|shares|responses|comfort|therapist_links|therapist_consents)\b/i;
function asStore(q) {
  return INSIGHTS_ROWS.test(q) ? `${q}\n;\nUPDATE dyads SET data_version = data_version + 1;\n` : q;
}

// The server's database: a URL for --db, and how to run SQL on it.
function database(dir, kind) {
  const dbPath = join(dir, 'dyad.db');
  if (!PG || kind === 'sqlite') {
    return { dbPath, url: `sqlite:${dbPath}`, sql: (q) => execFileSync('sqlite3', [dbPath], { input: asStore(q) }).toString().trim(), drop() {} };
  }
  const file = join(dir, 'pg-dbname');
  let name;
  if (existsSync(file)) {
    name = readFileSync(file, 'utf8').trim();
  } else {
    name = `dyad_test_${process.pid}_${++databases}_${Date.now() % 100000}`;
    psql('postgres', `CREATE DATABASE ${name}`);
    writeFileSync(file, name);
  }
  return {
    dbPath,
    url: `postgres:${PG} dbname=${name}`,
    sql: (q) => psql(name, asStore(q)),
    drop: () => psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

// db: 'sqlite' keeps this server on SQLite whatever the suite runs on; a
// '--db URL' in args names a database of the test's own instead.
export async function startServer({ args = [], env = {}, dir, db: kind } = {}) {
  dir = dir || mkdtempSync(join(tmpdir(), 'dyad-test-'));
  const own = args.includes('--db');
  const db = own ? { dbPath: null, url: null, sql: () => { throw new Error('the test named its own --db'); }, drop() {} } : database(dir, kind);
  const dbPath = db.dbPath;
  const proc = spawn(DYAD_BIN, ['serve', '--listen', '127.0.0.1:0', ...(own ? [] : ['--db', db.url]), ...args], {
    cwd: dir,
    // DYAD_CONFIG: no configuration file of the machine's own leaks into a test
    env: { ...process.env, DYAD_CONFIG: '/dev/null', DYAD_SECRET_FILE: join(dir, 'dyad.secret'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dyad did not start:\n${out}\n${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dyad exited ${code}:\n${out}\n${err}`)); });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    url,
    dir,
    dbPath,
    dbUrl: db.url,
    sql: db.sql,
    proc,
    exited,
    logs: () => out + err,
    async stop({ keep = false } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const r = await exited;
      if (!keep) {
        db.drop();
        rmSync(dir, { recursive: true, force: true });
      }
      return r;
    },
  };
}

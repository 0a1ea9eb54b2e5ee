// A PostgreSQL cluster of a test's own, for tests that stop and start the
// database under a running dyad (the suite's shared cluster from
// scripts/with-postgres.sh stays untouched). initdb and pg_ctl in a
// temporary directory, a unix socket there and no TCP; as root, run as the
// `postgres` user. stop()/start() keep the data; destroy() removes it all.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function pgBin() {
  if (process.env.DYAD_TEST_PG_BIN) return process.env.DYAD_TEST_PG_BIN;
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  return join('/usr/lib/postgresql', versions[versions.length - 1], 'bin');
}

// A cluster of its own: a new one (initdb), or with `standbyOf` a streaming
// standby of another cluster made with pg_basebackup, named `name` (its
// application_name, for synchronous_standby_names). `conf` adds -c settings.
export function cluster({ port = 5432, conf = [], standbyOf = null, name = 'dyad' } = {}) {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'dyad-pgc-'));
  const asRoot = process.getuid() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (tool, args) => execFileSync(asRoot ? 'runuser' : join(bin, tool), asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const data = join(dir, 'data');
  // -c fast: a spread checkpoint first would take minutes
  if (standbyOf) run('pg_basebackup', ['-h', standbyOf.dir, '-p', String(standbyOf.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '-c', 'fast']);
  else run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const opts = [`-c listen_addresses='' -k ${dir} -p ${port} -c fsync=off -c cluster_name=${name}`, ...conf.map((x) => `-c ${x}`)].join(' ');
  const conninfo = `host=${dir} port=${port} user=postgres`;
  const c = {
    dir,
    port,
    conninfo,
    url: (db) => `postgres:${conninfo} dbname=${db}`,
    start() { run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', opts, 'start']); },
    stop(mode = 'fast') { run('pg_ctl', ['-D', data, '-w', '-t', '60', '-m', mode, 'stop']); },
    promote() { run('pg_ctl', ['-D', data, '-w', '-t', '60', 'promote']); },
    // SIGKILL to the postmaster and every process it started: a machine gone
    kill() {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const children = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
        try { return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid; } catch { return false; }
      }).map(Number);
      for (const p of [pid, ...children]) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    },
    psql(db, q) { return execFileSync('psql', [`${conninfo} dbname=${db}`, '-XAtq', '-v', 'ON_ERROR_STOP=1'], { input: q }).toString().trim(); },
    destroy() {
      try { c.stop('immediate'); } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  c.start();
  return c;
}

// pgbouncer in transaction mode in front of cluster c, on a unix socket in
// c's directory (port 6432), with a pool smaller than its clients so server
// connections really are shared between them. stop() ends it.
export function bouncer(c, db, { poolSize = 3 } = {}) {
  const ini = join(c.dir, 'pgbouncer.ini');
  const users = join(c.dir, 'userlist.txt');
  writeFileSync(users, '"postgres" ""\n');
  writeFileSync(ini, [
    '[databases]',
    `${db} = host=${c.dir} port=5432 dbname=${db} user=postgres`,
    '[pgbouncer]',
    `unix_socket_dir = ${c.dir}`,
    'listen_port = 6432',
    'auth_type = trust',
    `auth_file = ${users}`,
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 400',
    `logfile = ${join(c.dir, 'pgbouncer.log')}`,
    `pidfile = ${join(c.dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n'));
  const asRoot = process.getuid() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const f of [ini, users]) chownSync(f, uid, gid);
  }
  const cmd = asRoot ? ['runuser', ['-u', 'postgres', '--', 'pgbouncer', '-d', ini]] : ['pgbouncer', ['-d', ini]];
  execFileSync(cmd[0], cmd[1], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pidFile = join(c.dir, 'pgbouncer.pid');
  for (let i = 0; i < 100 && !existsSync(join(c.dir, '.s.PGSQL.6432')); i++) execFileSync('sleep', ['0.1']);
  return {
    url: `postgres:host=${c.dir} port=6432 user=postgres dbname=${db}`,
    stop() {
      if (!existsSync(pidFile)) return;
      try { process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM'); } catch { /* gone */ }
    },
  };
}

// Another session (psql on libpq conninfo) holds LOCK TABLE on `table` of
// database db, in ACCESS EXCLUSIVE mode, until release() is called.
export async function holdLock(conninfo, db, table) {
  const psql = spawn('psql', [`${conninfo} dbname=${db}`, '-XAtq', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise((resolve) => psql.on('exit', resolve));
  await new Promise((resolve, reject) => {
    psql.stdout.on('data', (d) => { out += d; if (out.includes('locked')) resolve(); });
    psql.on('exit', (code) => reject(new Error(`psql exited ${code} before taking the lock`)));
    psql.stdin.write(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n`);
  });
  return {
    async release() {
      if (psql.exitCode === null) psql.stdin.end('ROLLBACK;\n');
      await exited;
    },
  };
}

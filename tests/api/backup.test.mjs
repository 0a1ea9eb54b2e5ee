// Backups that restore. Four people write shares as fast as the server
// takes them; `dyad backup` runs meanwhile as its own process; the writes
// go on while it copies. The backup is restored into a new directory with
// `dyad restore`, a new server starts on it, and every share whose 201 had
// arrived before the backup began is there — in the file, and through the
// API with the sessions the backup carried. Restore refuses a database a
// server is using, a damaged backup and a schema newer than the binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, DYAD_BIN, backend } from '../lib/server.mjs';

// dyad backup and restore copy SQLite files; PostgreSQL has its own tools
const sqliteOnly = { skip: backend !== 'sqlite' && 'SQLite only' };
import { Client, pairDyad, b64, sodium } from '../lib/api.mjs';

const ENV = { DYAD_REGISTRATIONS_PER_CLIENT: '200' };
const sql = (db, q) => execFileSync('sqlite3', [db, q]).toString().trim();
const entryId = () => sodium.to_base64(sodium.randombytes_buf(16), sodium.base64_variants.URLSAFE_NO_PADDING);
const sealed = (blocks) => b64(sodium.randombytes_buf(40 + 64 * blocks));
const env = () => ({ ...process.env, DYAD_CONFIG: '/dev/null' });

function dyad(args) {
  const r = spawnSync(DYAD_BIN, args, { env: env(), encoding: 'utf8', timeout: 120000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

// One person's shares, one at a time, until stop.now; acked gets each id
// whose 201 has arrived.
async function writer(c, dyadId, acked, stop) {
  while (!stop.now) {
    const id = entryId();
    const r = await c.post(`/api/v1/dyads/${dyadId}/shares`, { id, topic: 'everyday', depth: 1, body: sealed(1 + Math.floor(Math.random() * 40)) });
    if (r.status !== 201) throw new Error(`share answered ${r.status}: ${r.text}`);
    acked.push(id);
  }
}

test('a backup taken under write load restores with every acknowledged write', sqliteOnly, async () => {
  const a = await startServer({ env: ENV });
  const out = mkdtempSync(join(tmpdir(), 'dyad-backup-'));
  let b;
  try {
    const pairs = [await pairDyad(a.url), await pairDyad(a.url)];
    const people = pairs.flatMap((p) => [{ c: p.a.c, id: p.id }, { c: p.b.c, id: p.id }]);
    const acked = [];
    const stop = { now: false };
    const writers = people.map((p) => writer(p.c, p.id, acked, stop));
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 20));

    // what was acknowledged before the backup began
    const before = new Set(acked);
    const file = join(out, 'dyad-backup.db');
    const backup = await new Promise((resolve) => {
      execFile(DYAD_BIN, ['backup', file, '--db', `sqlite:${a.dbPath}`], { env: env() }, (err, stdout, stderr) => resolve({ err, stdout, stderr }));
    });
    const during = acked.length - before.size;
    // a little more load after the backup ended, which must not be in it
    const afterStart = acked.length;
    while (acked.length < afterStart + 8) await new Promise((r) => setTimeout(r, 20));
    stop.now = true;
    await Promise.all(writers);
    assert.equal(backup.err, null, backup.stderr);
    assert.match(backup.stdout, /backup written to/);
    // the writers were not held up for the whole copy (the backup ran under load)
    assert.ok(acked.length > before.size, `writes went on: ${before.size} before, ${during} during`);
    console.log(`# ${before.size} shares acknowledged before the backup began, ${during} while it ran`);
    // a second backup to the same file is refused rather than overwriting
    assert.equal(dyad(['backup', file, '--db', `sqlite:${a.dbPath}`]).status, 1);

    // restore into a new place, start a server there
    const dir = mkdtempSync(join(tmpdir(), 'dyad-restored-'));
    copyFileSync(join(a.dir, 'dyad.secret'), join(dir, 'dyad.secret'));
    const restored = join(dir, 'dyad.db');
    const r = dyad(['restore', file, '--db', `sqlite:${restored}`]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /restored .* \(schema version \d+\)/);
    b = await startServer({ env: ENV, dir });
    const ids = new Set(sql(restored, 'SELECT id FROM shares').split('\n'));
    const missing = [...before].filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${before.size} acknowledged shares missing`);
    // nothing that was never written
    const all = new Set(acked);
    assert.deepEqual([...ids].filter((id) => !all.has(id)), []);
    assert.equal(sql(restored, 'PRAGMA integrity_check'), 'ok');
    // the restored server serves them to the same sessions
    const p = people[0];
    const again = new Client(b.url);
    again.cookie = p.c.cookie;
    again.csrf = p.c.csrf;
    const list = await again.get(`/api/v1/dyads/${p.id}/shares?limit=50`);
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.shares.length > 0);
    for (const s of list.json.shares) assert.ok(all.has(s.id));

    // refused while that server uses the database, and nothing changed
    const busy = dyad(['restore', file, '--db', `sqlite:${restored}`]);
    assert.equal(busy.status, 1);
    assert.match(busy.err, /a dyad server is using .*; stop it before restoring/);
    await b.stop({ keep: true });
    b = null;

    // restoring over an existing database replaces it: the later writes go
    await a.stop({ keep: true });
    const inBackup = Number(sql(restored, 'SELECT count(*) FROM shares'));
    assert.ok(Number(sql(a.dbPath, 'SELECT count(*) FROM shares')) > inBackup, 'the live database has the later writes');
    const over = dyad(['restore', file, '--db', `sqlite:${a.dbPath}`]);
    assert.equal(over.status, 0, over.err);
    assert.equal(Number(sql(a.dbPath, 'SELECT count(*) FROM shares')), inBackup);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    if (b) await b.stop();
    await a.stop();
    rmSync(out, { recursive: true, force: true });
  }
});

test('restore refuses a damaged backup and a schema newer than the binary', sqliteOnly, async () => {
  const a = await startServer({ env: ENV });
  const out = mkdtempSync(join(tmpdir(), 'dyad-backup-'));
  try {
    await pairDyad(a.url);
    const file = join(out, 'good.db');
    assert.equal(dyad(['backup', file, '--db', `sqlite:${a.dbPath}`]).status, 0);
    const target = join(out, 'target.db');
    assert.equal(dyad(['restore', file, '--db', `sqlite:${target}`]).status, 0);
    const users = sql(target, 'SELECT count(*) FROM users');

    // a newer schema
    const newer = join(out, 'newer.db');
    copyFileSync(file, newer);
    sql(newer, 'PRAGMA user_version = 999');
    let r = dyad(['restore', newer, '--db', `sqlite:${target}`]);
    assert.equal(r.status, 1);
    assert.match(r.err, /schema version 999, newer than this dyad knows/);

    // damaged pages: overwrite the middle of the file
    const bytes = readFileSync(file);
    const damaged = join(out, 'damaged.db');
    const bad = Buffer.from(bytes);
    for (let i = 4096 + 100; i < bad.length - 100; i += 997) bad[i] ^= 0x5a;
    writeFileSync(damaged, bad);
    r = dyad(['restore', damaged, '--db', `sqlite:${target}`]);
    assert.equal(r.status, 1);
    assert.match(r.err, /damaged|not a dyad backup|malformed/);

    // not a database at all
    const text = join(out, 'notes.txt');
    writeFileSync(text, 'not a database\n'.repeat(100));
    r = dyad(['restore', text, '--db', `sqlite:${target}`]);
    assert.equal(r.status, 1);

    // a PostgreSQL URL is sent to the docs
    r = dyad(['restore', file, '--db', 'postgres://localhost/dyad']);
    assert.equal(r.status, 1);
    assert.match(r.err, /pg_restore/);

    // after all the refusals the target is as the good restore left it
    assert.equal(sql(target, 'SELECT count(*) FROM users'), users);
    assert.equal(sql(target, 'PRAGMA integrity_check'), 'ok');
  } finally {
    await a.stop();
    rmSync(out, { recursive: true, force: true });
  }
});

// dyad copy-db, the way from SQLite to PostgreSQL and back, on a generated
// dataset: a SQLite server is filled through the API (pairs, wraps, shares,
// responses, notes, comfort, a therapist with consent, homework, a private
// check-in, the audit) and with weeks of check-ins written as rows; the
// copy goes into an empty PostgreSQL database, a server on it reads the
// same answers through the API, and a copy back into a new SQLite file
// holds every row of the original, value for value. A non-empty target is
// refused. Runs where PostgreSQL is (make test-pg: DYAD_TEST_PG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, DYAD_BIN } from '../lib/server.mjs';
import { pairDyad, sodium } from '../lib/api.mjs';
import { makeTherapist } from '../lib/therapist.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const PG = process.env.DYAD_TEST_PG;
const cr = createCrypto(sodium);
const psql = (db, q) => execFileSync('psql', [`${PG} dbname=${db}`, '-XAtq', '-v', 'ON_ERROR_STOP=1'], { input: q }).toString().trim();
const sqlite = (file, q) => execFileSync('sqlite3', [file], { input: q }).toString();
const copyDb = (from, to) => spawnSync(DYAD_BIN, ['copy-db', from, to], { encoding: 'utf8' });
const today = new Date().toISOString().slice(0, 10);
const day0 = Math.floor(Date.now() / 86400000);

async function fill(srv) {
  const pairs = [];
  for (const kind of ['couple', 'friends', 'family']) {
    const p = await pairDyad(srv.url, kind, { wrap: true });
    pairs.push(p);
    for (const [who, other] of [[p.a, p.b], [p.b, p.a]]) {
      for (let i = 0; i < 3; i++) {
        const sid = cr.newEntryId();
        assert.equal((await who.c.post(`/api/v1/dyads/${p.id}/shares`, { id: sid, topic: 'joy', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: sid, authorId: who.u.id, kind: 'share' }, `share ${i}`) })).status, 201);
        const rid = cr.newEntryId();
        assert.equal((await other.c.post(`/api/v1/dyads/${p.id}/shares/${sid}/responses`, { id: rid, kind: 'with_you', body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: rid, authorId: other.u.id, kind: 'response' }, 'with you') })).status, 201);
      }
      await who.c.put(`/api/v1/dyads/${p.id}/checkins/${today}`, { closeness: 6, note: cr.encryptEntry(who.u.personal, { dyadId: p.id, entryId: today, authorId: who.u.id, kind: 'note' }, 'mine') });
      await who.c.put(`/api/v1/dyads/${p.id}/comfort`, { joy: 4, play: 2 });
    }
  }
  // weeks of check-ins as rows, NULLs and all
  const rows = [];
  for (const p of pairs) {
    for (let i = 1; i <= 40; i++) {
      for (const u of [p.a.u, p.b.u]) rows.push(`('${p.id}','${u.id}',${day0 - i},${i % 11},${(i * 3) % 11},${i % 2 ? 'NULL' : 5},6,7,${i % 10},NULL,${i},${i % 3 ? 'NULL' : 1},NULL,${i % 8},${1700000000 + i})`);
    }
  }
  srv.sql(`INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows.join(',')};`);
  // a therapist linked with both consents, homework, the audit
  const t = await makeTherapist(srv, 'copy');
  const p = pairs[0];
  for (const side of [p.a, p.b]) assert.equal((await side.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code })).status, 200);
  return pairs;
}

const tables = (file) => sqlite(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;").trim().split('\n');
const dump = (file, table) => sqlite(file, `.mode quote\nSELECT rowid, * FROM ${table} ORDER BY rowid;`);

test('copy-db: SQLite to an empty PostgreSQL and back, nothing lost or changed', { skip: !PG && 'needs PostgreSQL (make test-pg)', timeout: 300000 }, async () => {
  const srv = await startServer({ db: 'sqlite', env: { DYAD_REGISTRATIONS_PER_CLIENT: '100' } });
  let pgSrv;
  const pgDb = `dyad_copy_${process.pid}`;
  const back = join(srv.dir, 'back.db');
  try {
    const pairs = await fill(srv);
    const p = pairs[1];
    const before = (await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json;
    const insightsBefore = (await p.b.c.get(`/api/v1/dyads/${p.id}/insights?window=30`)).json;
    await srv.stop({ keep: true });

    psql('postgres', `CREATE DATABASE ${pgDb}`);
    const pgUrl = `postgres:${PG} dbname=${pgDb}`;
    const up = copyDb(`sqlite:${srv.dbPath}`, pgUrl);
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /every table's row count and digest match/);
    assert.match(up.stdout, /checkins\s+246 rows/); // 3 pairs × 2 × 40, and today's 6

    // a second copy into the now full database is refused, and changes nothing
    const again = copyDb(`sqlite:${srv.dbPath}`, pgUrl);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /not empty/);
    assert.equal(psql(pgDb, 'SELECT count(*) FROM checkins'), '246');

    // a server on the copy answers as the original did, and takes new writes
    pgSrv = await startServer({ args: ['--db', pgUrl] });
    p.a.c.base = pgSrv.url;
    p.b.c.base = pgSrv.url;
    const login = async (who) => {
      const r = await who.c.post('/api/v1/auth/login', { email: who.u.email, auth_key: Buffer.from(who.u.auth_key).toString('base64') });
      assert.equal(r.status, 200, r.text);
      who.c.csrf = r.json.csrf_token;
    };
    await login(p.a);
    await login(p.b);
    assert.deepEqual((await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json, before);
    assert.deepEqual((await p.b.c.get(`/api/v1/dyads/${p.id}/insights?window=30`)).json, insightsBefore);
    const sid = cr.newEntryId();
    assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id: sid, topic: 'joy', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: sid, authorId: p.a.u.id, kind: 'share' }, 'after the move') })).status, 201);
    await pgSrv.stop();
    pgSrv = null;

    // and back into a new SQLite file: every row of the original is there,
    // value for value (the new share and the logins' sessions besides)
    const down = copyDb(pgUrl, `sqlite:${back}`);
    assert.equal(down.status, 0, down.stderr);
    assert.deepEqual(tables(back), tables(srv.dbPath));
    for (const t of tables(srv.dbPath)) {
      const orig = dump(srv.dbPath, t);
      const round = dump(back, t);
      if (['shares', 'sessions', 'known_browsers', 'notices', 'audit'].includes(t)) {
        for (const line of orig.split('\n')) assert.ok(round.includes(line), `${t}: ${line} lost`);
      } else if (t === 'dyads') {
        // the new share moved its dyad's data_version (the last column, the
        // insights cache's key) forward; every other value is the same
        const cut = (d) => d.split('\n').map((l) => l.replace(/,\d+$/, '')).join('\n');
        assert.equal(cut(round), cut(orig), 'dyads changed on the way');
      } else {
        assert.equal(round, orig, `${t} changed on the way`);
      }
    }
    assert.equal(sqlite(back, `SELECT count(*) FROM shares WHERE id = '${sid}';`).trim(), '1');
    assert.equal(sqlite(back, 'PRAGMA integrity_check;').trim(), 'ok');
    assert.equal(sqlite(back, 'PRAGMA foreign_key_check;').trim(), '');
  } finally {
    if (pgSrv) await pgSrv.stop();
    psql('postgres', `DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
    await srv.stop();
  }
});

test('copy-db from a running SQLite server that keeps taking writes: one consistent snapshot, the server undisturbed',
  { skip: !PG && 'needs PostgreSQL (make test-pg)', timeout: 300000 }, async () => {
    const srv = await startServer({ db: 'sqlite' });
    const pgDb = `dyad_live_${process.pid}`;
    try {
      const p = await pairDyad(srv.url, 'friends', { wrap: true });
      const share = (text) => {
        const id = cr.newEntryId();
        return p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id, topic: 'joy', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: p.a.u.id, kind: 'share' }, text) });
      };
      for (let i = 0; i < 5; i++) assert.equal((await share(`before ${i}`)).status, 201);
      psql('postgres', `CREATE DATABASE ${pgDb}`);
      // writes go on, one after another, for as long as the copy runs
      let copying = true;
      const statuses = [];
      const writer = (async () => {
        for (let i = 0; copying || statuses.length < 3; i++) statuses.push((await share(`during ${i}`)).status);
      })();
      const copy = spawn(DYAD_BIN, ['copy-db', `sqlite:${srv.dbPath}`, `postgres:${PG} dbname=${pgDb}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      copy.stdout.on('data', (d) => { out += d; });
      copy.stderr.on('data', (d) => { err += d; });
      const status = await new Promise((resolve) => copy.on('close', resolve));
      copying = false;
      await writer;
      assert.equal(status, 0, err);
      assert.match(out, /every table's row count and digest match/);
      assert.ok(statuses.every((s) => s === 201), `every write during the copy was taken: ${statuses.join(' ')}`);
      // the copy is the source at one moment: its shares are a prefix of the source's, none half-copied
      const source = sqlite(srv.dbPath, 'SELECT id FROM shares ORDER BY rowid;').trim().split('\n');
      const copied = psql(pgDb, 'SELECT id FROM shares ORDER BY rowid').split('\n');
      assert.ok(copied.length >= 5 && copied.length <= source.length, `${copied.length} of ${source.length}`);
      assert.deepEqual(copied, source.slice(0, copied.length));
      assert.equal(psql(pgDb, 'SELECT count(*) FROM dyad_members'), '2');
    } finally {
      psql('postgres', `DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
      await srv.stop();
    }
  });

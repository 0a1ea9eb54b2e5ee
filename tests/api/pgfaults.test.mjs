// PostgreSQL stopped under a running dyad, then started again: requests
// answer 503 with the error code `unavailable` (never a crash, never a
// half-written record), /healthz says the database is unreachable, and
// when the database is back the same process serves again without a
// restart. A statement that runs longer than statement_timeout (here a
// read and a write held behind another session's lock) is cancelled and
// answered 503 `unavailable` too — not a hang, not a 500 — and the next
// request is served. The tests run their own cluster (tests/lib/postgres.mjs), so the
// suite's shared one is never stopped. Runs where PostgreSQL is installed
// and the suite runs on it (make test-pg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backend } from '../lib/server.mjs';
import { pairDyad, sodium, Client } from '../lib/api.mjs';
import { join } from 'node:path';
import { cluster, holdLock } from '../lib/postgres.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);

function shareBody(p, who, text) {
  const id = cr.newEntryId();
  return { id, topic: 'joy', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'share' }, text) };
}

async function healthz(url) {
  const r = await fetch(`${url}/healthz`);
  return { status: r.status, json: await r.json() };
}

test('PostgreSQL stops: 503 unavailable and nothing half-written; it starts: service resumes without a restart',
  { skip: backend !== 'postgres' && 'the suite runs on SQLite', timeout: 300000 }, async () => {
    const pg = cluster();
    let srv;
    try {
      pg.psql('postgres', 'CREATE DATABASE dyad');
      srv = await startServer({ args: ['--db', pg.url('dyad')] });
      const p = await pairDyad(srv.url, 'friends', { wrap: true });
      const first = shareBody(p, p.a, 'before the outage');
      assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, first)).status, 201);
      assert.equal((await healthz(srv.url)).status, 200);

      pg.stop('fast');
      const h = await healthz(srv.url);
      assert.equal(h.status, 503);
      assert.deepEqual(h.json, { status: 'unavailable', database: 'unreachable' });
      const lost = shareBody(p, p.a, 'during the outage');
      const w = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, lost);
      assert.equal(w.status, 503, w.text);
      assert.equal(w.json.error.code, 'unavailable');
      const r = await p.b.c.get(`/api/v1/dyads/${p.id}/shares`);
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, 'unavailable');
      const ci = await p.b.c.put(`/api/v1/dyads/${p.id}/checkins/${new Date().toISOString().slice(0, 10)}`, { closeness: 4 });
      assert.equal(ci.status, 503);
      assert.equal(srv.proc.exitCode, null, 'the server is still running');

      pg.start();
      // the next request reconnects; no restart
      assert.equal((await healthz(srv.url)).status, 200);
      const after = shareBody(p, p.b, 'after the outage');
      assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares`, after)).status, 201);
      const list = await p.a.c.get(`/api/v1/dyads/${p.id}/shares`);
      assert.equal(list.status, 200);
      const ids = list.json.shares.map((s) => s.id);
      assert.deepEqual(ids.sort(), [first.id, after.id].sort(), 'the write answered 503 left nothing behind');
      assert.equal(pg.psql('dyad', `SELECT count(*) FROM shares WHERE id = '${lost.id}'`), '0');
      assert.equal(pg.psql('dyad', `SELECT count(*) FROM checkins WHERE dyad_id = '${p.id}'`), '0');
      assert.equal(srv.proc.exitCode, null);
    } finally {
      if (srv) await srv.stop();
      pg.destroy();
    }
  });

test('statement_timeout is a setting: a statement past it answers 503 unavailable, and the next request is served',
  { skip: backend !== 'postgres' && 'the suite runs on SQLite', timeout: 300000 }, async () => {
    const pg = cluster();
    let srv;
    let patient;
    let lock;
    try {
      pg.psql('postgres', 'CREATE DATABASE dyad');
      srv = await startServer({ args: ['--db', pg.url('dyad'), '--statement-timeout', '1'] });
      // a second server on the same database that lets a statement run an hour
      patient = await startServer({ args: ['--db', pg.url('dyad'), '--statement-timeout', '3600'], env: { DYAD_SECRET_FILE: join(srv.dir, 'dyad.secret') } });
      const p = await pairDyad(srv.url, 'friends', { wrap: true });
      const first = shareBody(p, p.a, 'before the lock');
      assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, first)).status, 201);
      const slow = new Client(patient.url);
      slow.cookie = p.b.c.cookie;

      lock = await holdLock(pg.conninfo, 'dyad', 'shares');
      // the same read on both servers waits for the lock; the patient one first
      let patientDone = false;
      const waiting = slow.get(`/api/v1/dyads/${p.id}/shares`).then((x) => { patientDone = true; return x; });
      const r = await p.b.c.get(`/api/v1/dyads/${p.id}/shares`);
      assert.equal(r.status, 503, r.text);
      assert.equal(patientDone, false, 'with statement_timeout = 3600 the same read is still waiting: the setting decides');
      assert.ok(r.json.error.message.length > 0, 'the error JSON has its message');
      assert.equal(r.json.error.code, 'unavailable');
      // a write that waits for it: cancelled too, nothing half-written
      const held = shareBody(p, p.a, 'while the table is locked');
      const w = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, held);
      assert.equal(w.status, 503, w.text);
      assert.equal(w.json.error.code, 'unavailable');
      assert.match(srv.logs(), /canceling statement due to statement timeout/);
      // what does not touch the locked table is served meanwhile
      assert.equal((await p.a.c.get('/api/v1/me')).status, 200);
      assert.equal(srv.proc.exitCode, null, 'the server is still running');

      await lock.release();
      const late = await waiting;
      assert.equal(late.status, 200, 'the patient read is answered once the lock is gone');
      const list = await p.b.c.get(`/api/v1/dyads/${p.id}/shares`);
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.shares.map((s) => s.id), [first.id], 'the cancelled write left nothing behind');
      assert.equal(pg.psql('dyad', `SELECT count(*) FROM shares WHERE id = '${held.id}'`), '0');
      assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, shareBody(p, p.a, 'after the lock'))).status, 201);
    } finally {
      if (lock) await lock.release();
      if (patient) await patient.stop();
      if (srv) await srv.stop();
      pg.destroy();
    }
  });

// PostgreSQL stopped under a running dyad, then started again: requests
// answer 503 with the error code `unavailable` (never a crash, never a
// half-written record), /healthz says the database is unreachable, and
// when the database is back the same process serves again without a
// restart. The test runs its own cluster (tests/lib/postgres.mjs), so the
// suite's shared one is never stopped. Runs where PostgreSQL is installed
// and the suite runs on it (make test-pg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backend } from '../lib/server.mjs';
import { pairDyad, sodium } from '../lib/api.mjs';
import { cluster } from '../lib/postgres.mjs';
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

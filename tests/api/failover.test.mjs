// Failover that loses nothing: a primary with a synchronous streaming
// standby (pg_basebackup; synchronous_standby_names and
// synchronous_commit = remote_apply), two dyad servers given both hosts
// with target_session_attrs=read-write. Writers share concurrently through
// both servers; the primary and all its processes are SIGKILLed; the
// standby is promoted. Every share that was answered 201 must be on the new
// primary, and both servers must carry on without a restart. The negative
// control runs the same with an asynchronous standby that falls behind
// (stopped while the primary keeps acknowledging): the check must find the
// loss — so it can. PostgreSQL runs only (make test-pg); the clusters are
// the test's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, backend } from '../lib/server.mjs';
import { pairDyad, sodium } from '../lib/api.mjs';
import { cluster } from '../lib/postgres.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function scenario({ sync }) {
  const primary = cluster({ port: 5432, name: 'primary' });
  let standby;
  const servers = [];
  try {
    primary.psql('postgres', 'CREATE DATABASE dyad');
    standby = cluster({ port: 5433, name: 'standby1', standbyOf: primary });
    // synchronous once the standby exists (a commit would wait for it)
    if (sync) primary.psql('postgres', "ALTER SYSTEM SET synchronous_standby_names = 'standby1'; ALTER SYSTEM SET synchronous_commit = 'remote_apply'; SELECT pg_reload_conf();");
    await until('the standby streaming', () => primary.psql('postgres', "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'") === (sync ? 'sync' : 'async'));

    const shared = mkdtempSync(join(tmpdir(), 'dyad-failover-'));
    writeFileSync(join(shared, 'dyad.secret'), Buffer.from(sodium.randombytes_buf(32)), { mode: 0o600 });
    const url = `postgres:host=${primary.dir},${standby.dir} port=5432,5433 user=postgres dbname=dyad target_session_attrs=read-write`;
    const env = { DYAD_SECRET_FILE: join(shared, 'dyad.secret'), DYAD_REGISTRATIONS_PER_CLIENT: '100' };
    for (let i = 0; i < 2; i++) servers.push(await startServer({ args: ['--db', url], env }));

    // four pairs; each member writes through one of the two servers
    const writers = [];
    for (let i = 0; i < 4; i++) {
      const p = await pairDyad(servers[i % 2].url, 'friends', { wrap: true });
      for (const [k, who] of [p.a, p.b].entries()) {
        who.c.base = servers[(i + k) % 2].url;
        writers.push({ p, who, acked: [], afterPromotion: 0 });
      }
    }
    let stop = false;
    let promoted = false;
    const write = async (w) => {
      while (!stop) {
        const id = cr.newEntryId();
        const body = { id, topic: 'joy', depth: 1, body: cr.encryptEntry(w.p.K, { dyadId: w.p.id, entryId: id, authorId: w.who.u.id, kind: 'share' }, 'x') };
        let r;
        try { r = await w.who.c.post(`/api/v1/dyads/${w.p.id}/shares`, body); } catch { r = null; }
        if (r && r.status === 201) {
          w.acked.push(id);
          if (promoted) w.afterPromotion++;
        } else if (r && r.status !== 503) {
          throw new Error(`a write answered ${r.status}: ${r.text}`);
        } else {
          await sleep(50);
        }
      }
    };
    const load = Promise.all(writers.map(write));
    const total = () => writers.reduce((n, w) => n + w.acked.length, 0);

    await until('writes before the failure', () => total() >= 40);
    if (!sync) {
      // the asynchronous standby falls behind: the primary acknowledges on
      standby.stop('fast');
      const at = total();
      await until('writes the standby never saw', () => total() >= at + 40);
    }
    primary.kill();
    if (!sync) standby.start();
    standby.promote();
    promoted = true;
    await until('both servers writing again', () => writers.every((w) => w.afterPromotion > 0) || (!sync && writers.some((w) => w.afterPromotion > 0)), 120000);
    stop = true;
    await load;

    const present = new Set(standby.psql('dyad', 'SELECT id FROM shares').split('\n'));
    const acked = writers.flatMap((w) => w.acked);
    const missing = acked.filter((id) => !present.has(id));
    for (const s of servers) assert.equal(s.proc.exitCode, null, 'no server restarted or crashed');
    return { acked: acked.length, missing: missing.length };
  } finally {
    for (const s of servers) await s.stop();
    if (standby) standby.destroy();
    primary.destroy();
  }
}

test('a synchronous standby promoted after the primary is killed has every acknowledged write',
  { skip: backend !== 'postgres' && 'the suite runs on SQLite', timeout: 400000 }, async () => {
    const { acked, missing } = await scenario({ sync: true });
    assert.ok(acked >= 40, `${acked} writes acknowledged`);
    assert.equal(missing, 0, `${missing} of ${acked} acknowledged writes lost`);
  });

test('negative control: an asynchronous standby that fell behind loses acknowledged writes, and the check sees it',
  { skip: backend !== 'postgres' && 'the suite runs on SQLite', timeout: 400000 }, async () => {
    const { acked, missing } = await scenario({ sync: false });
    assert.ok(missing >= 40, `only ${missing} of ${acked} acknowledged writes missing`);
  });

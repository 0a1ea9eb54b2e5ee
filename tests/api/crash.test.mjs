// Crash consistency against the real binary: a concurrent write load
// (check-in PUTs and share POSTs from six people in three dyads at once),
// SIGKILL at a random moment, restart on the same directory — over and over.
// The server runs eight worker threads, so the ten writers' requests share
// commits (group commit: several requests in one transaction and one fsync);
// /metrics, read just before each kill, shows how many were grouped.
// After each restart every write that got a 2xx answer is there (check-ins
// read back through the API, shares read with the sqlite3 CLI), a write that
// was in flight at the kill is there whole or not at all, nothing else
// appears, and PRAGMA integrity_check says ok.
//
// The clients keep the record: a request counts as acknowledged only once
// its 2xx answer has arrived. A request cut off by the kill (ECONNRESET,
// "fetch failed") is in flight: it may or may not have been committed.
// Each person sends one request at a time, so a check-in day has at most
// one write in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, backend } from '../lib/server.mjs';
import { pairDyad, b64, sodium } from '../lib/api.mjs';

const CYCLES = 20;
const DYADS = 5; // ten people writing at once
const TOKEN = 'crash-test-metrics-token';
const ENV = { DYAD_REGISTRATIONS_PER_CLIENT: '200', DYAD_THREADS: '8', DYAD_METRICS_TOKEN: TOKEN };
const DAYS = 8; // check-ins on today and the 7 days before (the server allows -7 … +1)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sql = (db, q) => execFileSync('sqlite3', [db, q]).toString().trim();
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const entryId = () => sodium.to_base64(sodium.randombytes_buf(16), sodium.base64_variants.URLSAFE_NO_PADDING);
// Ciphertext-shaped bytes (nonce 24 + tag 16 + padded text): the server
// checks the shape, never the contents, so random bytes make unique markers.
const sealed = (blocks) => b64(sodium.randombytes_buf(40 + 64 * blocks));

// One person's writes, one at a time, until stop.now; the record of what
// was acknowledged and what was in flight goes to w.
async function load(w, stop, stats) {
  while (!stop.now) {
    if (Math.random() < 0.5) {
      const date = day(-Math.floor(Math.random() * DAYS));
      const note = sealed(1 + Math.floor(Math.random() * 8));
      const slot = w.checkins.get(date) || { acked: null, inflight: [] };
      w.checkins.set(date, slot);
      slot.inflight.push(note);
      try {
        const r = await w.c.put(`/api/v1/dyads/${w.dyad}/checkins/${date}`, { closeness: Math.floor(Math.random() * 11), note });
        if (r.status !== 200) throw new Error(`check-in answered ${r.status}: ${r.text}`);
        slot.acked = note;
        slot.inflight = slot.inflight.filter((x) => x !== note);
        stats.acked++;
      } catch (e) {
        if (!stop.now) throw e; // only the kill may cut a request off
        stats.cut++;
        return;
      }
    } else {
      const id = entryId();
      w.sharesInflight.add(id);
      try {
        const r = await w.c.post(`/api/v1/dyads/${w.dyad}/shares`, { id, topic: 'everyday', depth: 1, body: sealed(1 + Math.floor(Math.random() * 120)) });
        if (r.status !== 201) throw new Error(`share answered ${r.status}: ${r.text}`);
        w.sharesInflight.delete(id);
        w.shares.add(id);
        stats.acked++;
      } catch (e) {
        if (!stop.now) throw e;
        stats.cut++;
        return;
      }
    }
  }
}

// Store calls committed in groups of two or more since the server started
// (dyad_db_commit_writes: all calls minus the commits of one).
async function groupedWrites(srv) {
  const r = await fetch(`${srv.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const text = await r.text();
  const num = (re) => Number((text.match(re) || [])[1] || 0);
  return num(/^dyad_db_commit_writes_sum (\S+)$/m) - num(/^dyad_db_commit_writes_bucket\{le="1"\} (\S+)$/m);
}

// Every acknowledged write is there; an in-flight one whole or absent; the
// record then takes what is there as the new truth.
async function verify(srv, writers, cycle) {
  const integrity = sql(srv.dbPath, 'PRAGMA integrity_check');
  assert.equal(integrity, 'ok', `cycle ${cycle}: integrity_check`);
  assert.equal(sql(srv.dbPath, 'PRAGMA foreign_key_check'), '', `cycle ${cycle}: foreign_key_check`);
  const shareIds = new Set(sql(srv.dbPath, 'SELECT id FROM shares').split('\n').filter(Boolean));
  let keptInflight = 0;
  for (const w of writers) {
    w.c.base = srv.url;
    const g = await w.c.get(`/api/v1/dyads/${w.dyad}/checkins?from=${day(-DAYS)}&to=${day(1)}`);
    assert.equal(g.status, 200, `cycle ${cycle}: read back check-ins: ${g.text}`);
    const mine = new Map(g.json.checkins.filter((x) => x.user_id === w.u.id).map((x) => [x.date, x.note]));
    for (const [date, slot] of w.checkins) {
      const got = mine.get(date) ?? null;
      const allowed = [slot.acked, ...slot.inflight];
      assert.ok(allowed.includes(got),
        `cycle ${cycle}: check-in ${w.u.id} ${date}: found ${got ? 'another note' : 'nothing'}, acknowledged ${slot.acked ? 'a note' : 'nothing'}`);
      if (got !== slot.acked) keptInflight++;
      slot.acked = got;
      slot.inflight = [];
    }
    for (const date of mine.keys()) assert.ok(w.checkins.has(date), `cycle ${cycle}: a check-in nobody wrote (${date})`);
    for (const id of w.shares) assert.ok(shareIds.has(id), `cycle ${cycle}: acknowledged share ${id} is gone`);
    for (const id of w.sharesInflight) {
      if (shareIds.has(id)) { w.shares.add(id); keptInflight++; }
    }
    w.sharesInflight.clear();
  }
  const known = new Set(writers.flatMap((w) => [...w.shares]));
  for (const id of shareIds) assert.ok(known.has(id), `cycle ${cycle}: a share nobody wrote (${id})`);
  return keptInflight;
}

test(`SIGKILL under a write load, ${CYCLES} times: every acknowledged write survives`, { timeout: 180000, skip: backend !== 'sqlite' && 'SQLite files only' }, async () => {
  const t0 = Date.now();
  let srv = await startServer({ env: ENV });
  const dir = srv.dir;
  try {
    const writers = [];
    for (let i = 0; i < DYADS; i++) {
      const p = await pairDyad(srv.url, 'friends');
      for (const who of [p.a, p.b]) writers.push({ c: who.c, u: who.u, dyad: p.id, checkins: new Map(), shares: new Set(), sharesInflight: new Set() });
    }
    const stats = { acked: 0, cut: 0, keptInflight: 0, grouped: 0 };
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const stop = { now: false };
      const loops = writers.map((w) => load(w, stop, stats));
      await sleep(150 + Math.random() * 750);
      stats.grouped += await groupedWrites(srv);
      stop.now = true; // set first: a failure from here on is the kill's doing
      srv.proc.kill('SIGKILL');
      const how = await srv.exited;
      assert.equal(how.signal, 'SIGKILL', `cycle ${cycle}: the server was already gone:\n${srv.logs()}`);
      await Promise.all(loops);
      srv = await startServer({ dir, env: ENV });
      stats.keptInflight += await verify(srv, writers, cycle);
    }
    const shares = writers.reduce((n, w) => n + w.shares.size, 0);
    assert.ok(stats.acked > CYCLES * 10, `the load was too light to prove anything (${stats.acked} writes)`);
    assert.ok(stats.grouped > 0, 'no write shared a commit: the grouped path was not exercised');
    console.log(`${CYCLES} kills in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${stats.acked} acknowledged writes, ` +
      `${stats.cut} cut off by the kill (${stats.keptInflight} of those committed anyway), ${shares} shares kept; ` +
      `${stats.grouped} writes committed in groups of two or more`);
  } finally {
    await srv.stop();
  }
});

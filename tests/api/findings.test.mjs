// Every finding code, end to end through the real server: for each code a
// dyad (with a therapist linked by both members' consent) builds a history
// through the API that triggers it, and the code must appear for exactly
// the viewers who should see it — its subject, the other member, the
// therapist — and for no other, about the right subject.
//
// The codes are read from the engine itself (the names in
// insights_code_name, src/core/insights.c), so a new code without a case
// here fails the first test.
//
// Histories go in through the API (PUT check-ins, POST shares and
// responses, PUT settings and comfort), which takes check-ins up to 7 days
// back: a longer history is written 8 days at a time, and the rows already
// written are moved 8 days further back in the database between batches.
// That move (and dating a share or response a few days back) is the one
// thing done in SQL: the API cannot make time pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/server.mjs';
import { sodium } from '../lib/api.mjs';
import { linkedPair } from '../lib/therapist.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The engine's list of codes: the names array of insights_code_name.
function engineCodes() {
  const src = readFileSync(join(root, 'src/core/insights.c'), 'utf8');
  const fn = src.slice(src.indexOf('const char *insights_code_name(int c)'));
  const list = fn.slice(fn.indexOf('{', fn.indexOf('names[')) + 1, fn.indexOf('};'));
  const codes = [...list.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 12, `codes read from insights.c: ${codes}`);
  return codes;
}

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '400' } }); });
after(async () => { if (srv) await srv.stop(); });

const ALL = ['closeness', 'closeness_wanted', 'opened_up', 'understood', 'safety', 'affection', 'sexual', 'emotions', 'wordless'];
const today = Math.floor(Date.now() / 86400000);
const date = (day) => new Date(day * 86400000).toISOString().slice(0, 10);

// Check-ins for `days` days ending today: series[i] = { who, gen(i) → the
// check-in for day i (0 the oldest; null: none that day), show }.
async function history(p, days, series) {
  const BATCH = 8; // the API takes today and the 7 days before it
  for (let start = 0; start < days; start += BATCH) {
    const len = Math.min(BATCH, days - start);
    // in two steps, through days far from any row: PostgreSQL checks the
    // key row by row, and a row moved onto one not yet moved would collide
    if (start > 0) {
      srv.sql(`UPDATE checkins SET day = day - 1000000 WHERE dyad_id = '${p.id}'`);
      srv.sql(`UPDATE checkins SET day = day + ${1000000 - len} WHERE dyad_id = '${p.id}'`);
    }
    for (let j = 0; j < len; j++) {
      const i = start + j;
      for (const s of series) {
        const v = s.gen(i);
        if (!v) continue;
        const body = { ...v, show_partner: s.show ?? ALL.filter((k) => k !== 'sexual' || 'sexual' in v) };
        const r = await s.who.c.put(`/api/v1/dyads/${p.id}/checkins/${date(today - (len - 1 - j))}`, body);
        assert.equal(r.status, 200, `check-in ${i}: ${r.text}`);
      }
    }
  }
}

// A share by `who`, dated `daysAgo` days back.
async function share(p, who, daysAgo, topic = 'fear') {
  const id = cr.newEntryId();
  const body = cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'share' }, 'words');
  const r = await who.c.post(`/api/v1/dyads/${p.id}/shares`, { id, topic, depth: 2, body });
  assert.equal(r.status, 201, r.text);
  if (daysAgo) srv.sql(`UPDATE shares SET created_at = created_at - ${daysAgo * 86400} WHERE id = '${id}'`);
  return id;
}

const series = (n, f) => (i) => (i < n ? f(i) : null);

// Each code: the dyad's history that triggers it, whose subject it is ('a',
// 'b' or 'dyad') and who must see it. Everyone else must not.
const CASES = {
  sex_without_closeness: {
    // A marks sexual connection on days of low closeness; A shows the other
    // member everything and lets the therapist see sexual scores: the rule,
    // not a mask, keeps it from the other member.
    async build(p) {
      await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: true, therapist_sees_sexual: true });
      await history(p, 14, [
        { who: p.a, gen: series(14, (i) => ({ closeness: 3, sexual: i % 3 ? 6 : 0 })) },
        { who: p.b, gen: series(14, () => ({ closeness: 6 })) },
      ]);
    },
    subject: 'a', seenBy: ['a', 't'],
  },
  need_gap: {
    async build(p) {
      await history(p, 10, [{ who: p.a, gen: series(10, () => ({ closeness: 3, closeness_wanted: 8 })) }]);
    },
    subject: 'a', seenBy: ['a', 'b', 't'],
  },
  closeness_falling: {
    async build(p) {
      await history(p, 20, [{ who: p.a, gen: series(20, (i) => ({ closeness: 9 - Math.floor(i * 7 / 19) })) }]);
    },
    subject: 'a', seenBy: ['a', 'b', 't'],
  },
  closeness_rising: {
    async build(p) {
      await history(p, 20, [{ who: p.b, gen: series(20, (i) => ({ closeness: 2 + Math.floor(i * 7 / 19) })) }]);
    },
    subject: 'b', seenBy: ['a', 'b', 't'],
  },
  drifting_apart: {
    async build(p) {
      await history(p, 20, [
        { who: p.a, gen: series(20, () => ({ closeness: 6 })) },
        { who: p.b, gen: series(20, (i) => ({ closeness: 6 - Math.floor(i * 5 / 19) })) },
      ]);
    },
    subject: 'dyad', seenBy: ['a', 'b', 't'],
  },
  one_sided_sharing: {
    async build(p) {
      for (let i = 0; i < 6; i++) await share(p, p.a, 0);
    },
    subject: 'dyad', seenBy: ['a', 'b', 't'],
  },
  unanswered_shares: {
    // about the listener (B): to B and the therapist, never to the author
    async build(p) {
      for (let i = 0; i < 4; i++) await share(p, p.a, 4 + i);
    },
    subject: 'b', seenBy: ['b', 't'],
  },
  own_shares_unanswered: {
    // the same history, the author's side: to the author alone
    async build(p) {
      for (let i = 0; i < 4; i++) await share(p, p.a, 4 + i);
    },
    subject: 'a', seenBy: ['a'],
  },
  comfort_gap: {
    async build(p) {
      for (const [who, level] of [[p.a, 5], [p.b, 2]]) {
        assert.equal((await who.c.put(`/api/v1/dyads/${p.id}/comfort`, { joy: level })).status, 200);
        assert.equal((await who.c.put(`/api/v1/dyads/${p.id}/settings`, { show_comfort: true })).status, 200);
      }
    },
    subject: 'dyad', seenBy: ['a', 'b', 't'],
  },
  open_not_understood: {
    async build(p) {
      await history(p, 10, [{ who: p.a, gen: series(10, () => ({ opened_up: 8, understood: 2 })) }]);
    },
    subject: 'a', seenBy: ['a', 'b', 't'],
  },
  understood_not_open: {
    async build(p) {
      await history(p, 10, [{ who: p.b, gen: series(10, () => ({ opened_up: 1, understood: 8 })) }]);
    },
    subject: 'b', seenBy: ['a', 'b', 't'],
  },
  low_safety: {
    // A shows safety to everyone who could see it: the rule keeps it A's alone
    async build(p) {
      await history(p, 10, [{ who: p.a, gen: series(10, (i) => ({ closeness: 5, safety: i % 4 === 0 ? 6 : 2 })) }]);
    },
    subject: 'a', seenBy: ['a'],
  },
};

test('every finding code of the engine has an end-to-end case here', () => {
  const codes = engineCodes();
  assert.deepEqual(Object.keys(CASES).filter((c) => !codes.includes(c)), [], 'cases for codes the engine does not have');
  assert.deepEqual(codes.filter((c) => !(c in CASES)), [], 'codes without a case');
});

for (const code of engineCodes()) {
  const cs = CASES[code];
  test(`${code}: seen by ${cs ? cs.seenBy.join(', ') : '?'} and by no other`, { skip: !cs && 'no case (the test above fails)' }, async () => {
    const p = await linkedPair(srv, 'couple');
    await cs.build(p);
    const views = {
      a: await p.a.c.get(`/api/v1/dyads/${p.id}/insights`),
      b: await p.b.c.get(`/api/v1/dyads/${p.id}/insights`),
      t: await p.t.c.get(`/api/v1/therapist/dyads/${p.id}`),
    };
    const subject = cs.subject === 'dyad' ? 'dyad' : p[cs.subject].u.id;
    for (const [viewer, res] of Object.entries(views)) {
      assert.equal(res.status, 200, `${viewer}: ${res.text}`);
      const found = res.json.findings.filter((f) => f.code === code);
      if (cs.seenBy.includes(viewer)) {
        assert.equal(found.length, 1, `${code} for ${viewer}: ${JSON.stringify(res.json.findings.map((f) => f.code))}`);
        assert.equal(found[0].subject, subject, `${code} is about ${cs.subject}`);
        assert.ok(found[0].explanation.length > 20);
      } else {
        assert.deepEqual(found, [], `${code} must not reach ${viewer}`);
      }
    }
  });
}

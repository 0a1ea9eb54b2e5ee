// Measures on a schedule, side by side: a linked therapist asks a dyad to
// answer the weekly check; each member answers when it is due and chooses
// whether the other may see it; over six weeks (the schedule moved back a
// week at a time in the database, the answers given through the API) the
// therapist sees both lines with the cut-off, the gap and reliable change
// on one chart, and the caseload flags the member whose score crossed the
// cut-off and worsened reliably — without opening the dyad.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { registerAndLogin } from '../lib/api.mjs';
import { linkedPair } from '../lib/therapist.mjs';

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } }); });
after(async () => { if (srv) await srv.stop(); });
const sql = (q) => srv.sql(q); // SQLite or PostgreSQL, as the suite runs

// Answers to the weekly check (felt_close, felt_heard, held_back reversed,
// warmth, satisfied_time, satisfied_overall; each 0–4) adding up to total.
function weekly(total) {
  const v = [0, 0, 0, 0, 0, 0];
  for (let i = 0; total > 0; i = (i + 1) % 6) if (v[i] < 4) { v[i]++; total--; }
  return { felt_close: v[0], felt_heard: v[1], held_back: 4 - v[2], warmth: v[3], satisfied_time: v[4], satisfied_overall: v[5] };
}

test('assigning: only a measure each member answers, with a sane interval', async () => {
  const p = await linkedPair(srv, 'friends');
  const url = `/api/v1/therapist/dyads/${p.id}/measures`;
  for (const [body, field] of [[{ questionnaire: 'safety-check-1' }, 'questionnaire'], [{ questionnaire: 'nope' }, 'questionnaire'], [{ questionnaire: 'dyad-weekly-1', every_days: 0 }, 'every_days'], [{ questionnaire: 'dyad-weekly-1', every_days: 92 }, 'every_days']]) {
    const r = await p.t.c.post(url, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.field, field);
  }
  const r = await p.t.c.post(url, { questionnaire: 'dyad-session-1', every_days: 14 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.measure.every_days, 14);
  const other = await linkedPair(srv);
  assert.equal((await other.t.c.post(url, { questionnaire: 'dyad-weekly-1' })).status, 403, 'not their dyad');
  const mine = (await p.a.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures;
  assert.equal(mine.length, 1);
  assert.equal(mine[0].questionnaire.title, 'How was our session?');
  assert.equal(mine[0].due, true);
});

test('answering: scored by the server; the partner sees an answer only if its author chose to show it', async () => {
  const p = await linkedPair(srv);
  const mid = (await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/measures`, { questionnaire: 'dyad-weekly-1' })).json.measure.id;
  const url = `/api/v1/dyads/${p.id}/measures/${mid}/answers`;
  // bad input
  for (const answers of [{}, { nope: 1 }, { felt_close: 5 }, { felt_close: -1 }, { felt_close: 'a' }, { felt_close: null }]) {
    const r = await p.a.c.put(url, { answers });
    assert.equal(r.status, 400, JSON.stringify(answers));
    assert.equal(r.json.error.field, 'answers');
  }
  assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/measures/m-nope/answers`, { answers: { felt_close: 1 } })).status, 404);
  const stranger = await registerAndLogin(srv.url, 's');
  assert.equal((await stranger.c.put(url, { answers: { felt_close: 1 } })).status, 404);
  // A leaves satisfied_overall out; held_back is reversed (4 − 1 = 3)
  const a = await p.a.c.put(url, { answers: { felt_close: 3, felt_heard: 2, held_back: 1, warmth: 3, satisfied_time: 2, satisfied_overall: null } });
  assert.equal(a.status, 200, a.text);
  // (3 + 2 + 3 + 3 + 2) × 6 / 5 = 15.6; closeness 3 + 2 + 3 + 3 = 11; the
  // satisfaction mean allows no missing item: not computed
  assert.ok(Math.abs(a.json.answer.scores.total - 15.6) < 1e-9, JSON.stringify(a.json));
  assert.equal(a.json.answer.scores.closeness, 11);
  assert.equal(a.json.answer.scores.satisfaction, null);
  assert.equal(a.json.answer.show_partner, false);
  const b = await p.b.c.put(url, { answers: weekly(20), show_partner: true });
  assert.equal(b.status, 200);
  assert.equal(b.json.answer.scores.total, 20);
  const seenByA = (await p.a.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures[0];
  assert.equal(seenByA.due, false, 'answered this week');
  const aMe = seenByA.members.find((m) => m.me);
  const aOther = seenByA.members.find((m) => !m.me);
  assert.equal(aMe.answers.length, 1);
  assert.equal(aMe.answers[0].answers.held_back, 1);
  assert.equal(aOther.answers.length, 1, 'B chose to show');
  assert.equal(aOther.answers[0].scores.total, 20);
  const seenByB = (await p.b.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures[0];
  assert.deepEqual(seenByB.members.find((m) => !m.me).answers, [], 'A did not choose to show');
  assert.ok(!JSON.stringify(seenByB).includes('15.6'), 'nothing of A\'s score leaks to B');
  // the therapist sees both
  const t = (await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/measures`)).json.measures[0];
  assert.deepEqual(t.members.map((m) => m.answers.length), [1, 1]);
  // A changes their mind: answering again this week replaces it, now shown
  await p.a.c.put(url, { answers: weekly(14), show_partner: true });
  const again = (await p.b.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures[0].members.find((m) => !m.me).answers;
  assert.equal(again.length, 1);
  assert.equal(again[0].scores.total, 14);
  // the therapist's read is audited; ending the measure closes it
  assert.ok((await p.a.c.get(`/api/v1/dyads/${p.id}/audit`)).json.audit.some((e) => e.action === 'view_measures'));
  assert.equal((await p.t.c.del(`/api/v1/therapist/dyads/${p.id}/measures/${mid}`)).status, 204);
  assert.equal((await p.t.c.del(`/api/v1/therapist/dyads/${p.id}/measures/${mid}`)).status, 404);
  assert.equal((await p.a.c.put(url, { answers: weekly(10) })).status, 404, 'an ended measure takes no answers');
  assert.equal((await p.a.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures[0].due, false);
  // revoking the link hides the measures from the members too
  await p.b.c.del(`/api/v1/dyads/${p.id}/therapist`);
  assert.deepEqual((await p.a.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures, []);
});

test('six weeks side by side: both lines, the cut-off, the gap, reliable change, and the caseload flag', async () => {
  const p = await linkedPair(srv);
  const calm = await linkedPair(srv); // another dyad of a different therapist: never in p's caseload
  const mid = (await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/measures`, { questionnaire: 'dyad-weekly-1' })).json.measure.id;
  const A = [18, 17, 15, 12, 10, 9]; // crosses below 12, falls 6+ from 18: reliable worsening
  const B = [14, 14, 15, 15, 16, 16];
  const today = Math.floor(Date.now() / 86400000);
  const day = (d) => new Date(d * 86400000).toISOString().slice(0, 10);
  for (let w = 0; w < 6; w++) {
    sql(`UPDATE measures SET starts_on = '${day(today - 7 * w)}' WHERE id = '${mid}';`);
    const due = (await p.a.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures[0];
    assert.equal(due.period, w);
    assert.equal(due.due, true, `due in week ${w}`);
    assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/measures/${mid}/answers`, { answers: weekly(A[w]) })).status, 200);
    assert.equal((await p.b.c.put(`/api/v1/dyads/${p.id}/measures/${mid}/answers`, { answers: weekly(B[w]) })).status, 200);
  }
  const t = (await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/measures`)).json.measures[0];
  const ma = t.members.find((m) => m.user_id === p.a.u.id);
  const mb = t.members.find((m) => m.user_id === p.b.u.id);
  assert.deepEqual(ma.answers.map((x) => x.scores.total), A);
  assert.deepEqual(mb.answers.map((x) => x.scores.total), B);
  assert.deepEqual(ma.answers.map((x) => x.past_cutoff.total ?? null), [null, null, null, null, 'Low this week', 'Low this week']);
  assert.deepEqual(ma.answers.map((x) => x.reliable_change.total ?? null), [null, 0, 0, -1, -1, -1]);
  assert.deepEqual(mb.answers.map((x) => x.reliable_change.total ?? null), [null, 0, 0, 0, 0, 0]);
  // the chart: both lines, the cut-off, a gap bar where they differ (5 weeks), reliable worsening ×3
  const svg = t.chart;
  assert.match(svg, /^<svg /);
  assert.match(svg, /class="member1"/);
  assert.match(svg, /class="member2"/);
  assert.match(svg, /<g class="cutoff">/);
  assert.equal((svg.match(/class="gap"/g) || []).length, 5);
  assert.equal((svg.match(/class="reliable-worse"/g) || []).length, 3);
  assert.match(svg, /Latest gap between them: 7\.0 points/);
  // the caseload flags A, without the therapist opening the dyad
  const cases = (await p.t.c.get('/api/v1/therapist/caseload')).json.dyads;
  const flags = cases.find((d) => d.id === p.id).flags;
  const kinds = flags.map((f) => `${f.kind}:${f.user_id === p.a.u.id ? 'A' : 'B'}`).sort();
  assert.deepEqual(kinds, ['cutoff:A', 'worsening:A']);
  assert.equal(flags.find((f) => f.kind === 'cutoff').value, 9);
  const calmCases = (await calm.t.c.get('/api/v1/therapist/caseload')).json.dyads;
  assert.deepEqual(calmCases.find((d) => d.id === calm.id).flags, []);
});

test('homework followed: shown and answered, for the therapist about both, for each member about themselves only', async () => {
  const { sodium } = await import('../lib/api.mjs');
  const { createCrypto } = await import('../../web/js/crypto.js');
  const cr = createCrypto(sodium);
  const p = await linkedPair(srv);
  const made = await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/assignments`, { topic: 'joy', depth: 1, days: 7 });
  assert.equal(made.status, 201, made.text);
  const hid = made.json.assignment.id;
  const before = (await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/assignments`)).json.assignments;
  assert.deepEqual(before[0].members.map((m) => [m.opened_at, m.answered]), [[null, false], [null, false]]);
  // A's dyad page shows the homework (the suggested prompt follows it), then A shares on its topic
  const np = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt`);
  assert.equal(np.json.homework.id, hid);
  const S = cr.newEntryId();
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id: S, topic: 'joy', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: S, authorId: p.a.u.id, kind: 'share' }, 'x') })).status, 201);
  const S2 = cr.newEntryId();
  await p.b.c.post(`/api/v1/dyads/${p.id}/shares`, { id: S2, topic: 'fear', depth: 1, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: S2, authorId: p.b.u.id, kind: 'share' }, 'y') });
  const t = (await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/assignments`)).json.assignments[0];
  assert.equal(t.topic, 'joy');
  const ta = t.members.find((m) => m.user_id === p.a.u.id);
  const tb = t.members.find((m) => m.user_id === p.b.u.id);
  assert.ok(ta.opened_at, 'A was shown it');
  assert.equal(ta.answered, true);
  assert.equal(ta.shares, 1);
  assert.equal(tb.opened_at, null, 'B has not opened their page');
  assert.equal(tb.answered, false, 'a share on another topic does not count');
  // each member sees about themselves only
  const mineA = (await p.a.c.get(`/api/v1/dyads/${p.id}/homework`)).json.homework;
  assert.deepEqual(mineA[0].members.map((m) => m.user_id), [p.a.u.id]);
  assert.equal(mineA[0].members[0].answered, true);
  const mineB = (await p.b.c.get(`/api/v1/dyads/${p.id}/homework`)).json.homework;
  assert.deepEqual(mineB[0].members.map((m) => m.user_id), [p.b.u.id]);
  assert.ok(!JSON.stringify(mineB).includes(p.a.u.id), 'nothing of A in what B sees');
  assert.ok((await p.a.c.get(`/api/v1/dyads/${p.id}/audit`)).json.audit.some((e) => e.action === 'view_homework'));
});

test('one\'s own measure answers are in GET /me/export, scored, even after the link ends; the other\'s never', async () => {
  const p = await linkedPair(srv);
  const mid = (await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/measures`, { questionnaire: 'dyad-weekly-1' })).json.measure.id;
  const url = `/api/v1/dyads/${p.id}/measures/${mid}/answers`;
  const mine = { felt_close: 3, felt_heard: 2, held_back: 1, warmth: 3, satisfied_time: 2, satisfied_overall: null };
  assert.equal((await p.a.c.put(url, { answers: mine })).status, 200);
  assert.equal((await p.b.c.put(url, { answers: weekly(20), show_partner: true })).status, 200, 'shown to A, still not A\'s data');
  // the member ends the link: the measure no longer shows, the answers are
  // still the member's own
  assert.equal((await p.a.c.del(`/api/v1/dyads/${p.id}/therapist`)).status, 204);
  assert.deepEqual((await p.a.c.get(`/api/v1/dyads/${p.id}/measures`)).json.measures, []);
  for (const [who, expect] of [[p.a, 1], [p.b, 1]]) {
    const r = await who.c.get('/api/v1/me/export');
    assert.equal(r.status, 200);
    const d = r.json.dyads.find((x) => x.id === p.id);
    assert.equal(d.measures.length, expect);
  }
  const d = (await p.a.c.get('/api/v1/me/export')).json.dyads.find((x) => x.id === p.id);
  const [row] = d.measures;
  assert.deepEqual(Object.keys(row).sort(), ['answered_at', 'answers', 'day', 'measure_id', 'period', 'questionnaire_id', 'scores', 'show_partner']);
  assert.equal(row.measure_id, mid);
  assert.equal(row.questionnaire_id, 'dyad-weekly-1');
  assert.equal(row.period, 0);
  assert.deepEqual(row.answers, mine, 'the choices as given, by item');
  // (3 + 2 + 3 + 3 + 2) × 6 / 5 = 15.6, closeness 3 + 2 + 3 + 3 = 11, the
  // satisfaction mean needs every item
  assert.ok(Math.abs(row.scores.total - 15.6) < 1e-9, JSON.stringify(row));
  assert.equal(row.scores.closeness, 11);
  assert.equal(row.scores.satisfaction, null);
  assert.equal(row.show_partner, false);
  const bd = (await p.b.c.get('/api/v1/me/export')).json.dyads.find((x) => x.id === p.id);
  assert.equal(bd.measures[0].scores.total, 20, 'B\'s own answer in B\'s export');
  assert.equal(bd.measures[0].show_partner, true);
});

// Insights from outside: a generated month of check-ins written straight
// into the store, then what each partner is shown — the pattern named for
// the person it is about, and a hidden sexual score leaking nowhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, registerAndLogin, pairDyad } from '../lib/api.mjs';

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });
const sql = (q) => srv.sql(q);

const pair = (kind = 'couple') => pairDyad(srv.url, kind);

const today = Math.floor(Date.now() / 86400000);
const SHOW = { closeness: 1, closeness_wanted: 2, affection: 32, sexual: 64 };

// Writes `days` check-ins for user, day i = today - days + 1 + i, from gen(i).
function month(dyadId, userId, days, gen, showMask) {
  const rows = [];
  for (let i = 0; i < days; i++) {
    const v = gen(i);
    const sx = v.sexual === undefined ? 'NULL' : v.sexual;
    rows.push(`('${dyadId}','${userId}',${today - days + 1 + i},${v.closeness},${v.wanted ?? 'NULL'},5,6,7,${v.affection ?? 5},${sx},0,0,NULL,${showMask},0)`);
  }
  sql(`INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows.join(',')};`);
}

test('sex standing in for closeness is named for its subject, with numbers, as a question', async () => {
  const p = await pair();
  await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: true });
  await p.b.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: true });
  // A: low closeness, frequent sexual connection, mostly on the lowest days; shows closeness only
  month(p.id, p.a.u.id, 28, (i) => ({ closeness: i % 2 ? 2 : 3, wanted: 6, sexual: i % 3 === 0 ? 0 : 7 }), SHOW.closeness);
  // B: close, affectionate, no sex; shows everything
  month(p.id, p.b.u.id, 28, () => ({ closeness: 8, wanted: 8, affection: 8, sexual: 0 }), 0x1ff);

  const mine = await p.a.c.get(`/api/v1/dyads/${p.id}/insights?window=28`);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.window, 28);
  const ma = mine.json.members.find((m) => m.user_id === p.a.u.id);
  const mb = mine.json.members.find((m) => m.user_id === p.b.u.id);
  assert.equal(ma.quadrant, 'sexual_only');
  assert.ok(Math.abs(ma.closeness_mean - 2.5) < 0.01, `closeness mean ${ma.closeness_mean}`);
  assert.ok(ma.sexual_mean > 4);
  assert.equal(mb.quadrant, 'emotional_only');
  const f = mine.json.findings.find((x) => x.code === 'sex_without_closeness');
  assert.ok(f, JSON.stringify(mine.json.findings));
  assert.equal(f.subject, p.a.u.id);
  assert.match(f.explanation, /\?/, 'phrased as a question');
  assert.ok(Object.keys(f.numbers).length > 0);
  const gap = mine.json.findings.find((x) => x.code === 'need_gap' && x.subject === p.a.u.id);
  assert.ok(gap, 'wanting more closeness than one feels');

  const theirs = await p.b.c.get(`/api/v1/dyads/${p.id}/insights?window=28`);
  assert.equal(theirs.status, 200);
  const ta = theirs.json.members.find((m) => m.user_id === p.a.u.id);
  assert.equal(ta.quadrant, 'hidden', 'B may not see A\'s sexual scores');
  assert.equal(ta.sexual_mean, undefined);
  assert.equal(ta.sexual_rate, undefined);
  assert.ok(Math.abs(ta.closeness_mean - 2.5) < 0.01, 'A shows closeness');
  assert.equal(ta.closeness_wanted_mean, undefined, 'not shown, not given');
  assert.ok(!theirs.json.findings.some((x) => x.code === 'sex_without_closeness'), 'only for its subject');
  assert.ok(!theirs.json.findings.some((x) => x.subject === p.a.u.id && x.code === 'need_gap'), 'built on an item B may not see');
  // and nothing in the partner's check-ins either
  const rows = await p.b.c.get(`/api/v1/dyads/${p.id}/checkins?from=${new Date((today - 27) * 86400000).toISOString().slice(0, 10)}`);
  const aRows = rows.json.checkins.filter((r) => r.user_id === p.a.u.id);
  assert.equal(aRows.length, 28);
  for (const r of aRows) assert.deepEqual(Object.keys(r).sort(), ['closeness', 'date', 'user_id']);
});

test('the insights page renders charts and words on the server, as the viewer may see them', async () => {
  const p = await pair();
  await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: true });
  month(p.id, p.a.u.id, 28, (i) => ({ closeness: i % 2 ? 2 : 3, wanted: 6, sexual: i % 3 === 0 ? 0 : 7 }), SHOW.closeness);
  month(p.id, p.b.u.id, 28, () => ({ closeness: 8, wanted: 8, affection: 8 }), 0x1ff);
  const mine = await p.a.c.get(`/dyads/${p.id}/insights`, { headers: { Accept: 'text/html' } });
  assert.equal(mine.status, 200);
  assert.match(mine.headers.get('content-type'), /^text\/html/);
  assert.match(mine.text, /<svg[^>]* role="img"/);
  assert.match(mine.text, /<title id="series-title">/);
  assert.match(mine.text, /<table class="means">/);
  assert.match(mine.text, /Sexual connection/);
  assert.match(mine.text, /class="finding /, 'the finding about A is shown to A');
  const theirs = await p.b.c.get(`/dyads/${p.id}/insights?window=28`, { headers: { Accept: 'text/html' } });
  assert.equal(theirs.status, 200);
  assert.match(theirs.text, /not shown to you/, 'A\'s quadrant is hidden from B');
  const aRow = theirs.text.match(/<tr><th scope="row">[^<]*<\/th>(.*?)<\/tr>/)[1];
  const sexualCell = aRow.split('<td>')[4];
  assert.match(sexualCell, /^—/, 'no sexual mean of A for B');
  assert.ok(!/sex_without_closeness|sexual connection on days/i.test(theirs.text.split('Worth noticing')[1]), 'the substitute finding only for its subject');
  const out = await new Client(srv.url).get(`/dyads/${p.id}/insights`, { headers: { Accept: 'text/html' } });
  assert.equal(out.status, 200);
  assert.match(out.text, /log in/);
  assert.ok(!out.text.includes('<svg'));
  const bad = await p.a.c.get(`/dyads/${p.id}/insights?window=400`, { headers: { Accept: 'text/html' } });
  assert.equal(bad.status, 400);
});

test('closeness warming up is named; fewer than 7 check-ins is insufficient data', async () => {
  const p = await pair('friends');
  month(p.id, p.a.u.id, 28, (i) => ({ closeness: Math.min(10, 2 + Math.floor(i / 4)) }), 0x1ff);
  month(p.id, p.b.u.id, 6, () => ({ closeness: 6 }), 0x1ff);
  const r = await p.b.c.get(`/api/v1/dyads/${p.id}/insights`);
  assert.equal(r.status, 200);
  const ma = r.json.members.find((m) => m.user_id === p.a.u.id);
  const mb = r.json.members.find((m) => m.user_id === p.b.u.id);
  assert.ok(ma.closeness_trend > 0.1, `trend ${ma.closeness_trend}`);
  assert.equal(ma.quadrant, 'not_tracked', 'friends do not track sex');
  assert.equal(mb.quadrant, 'insufficient_data');
  const rising = r.json.findings.find((x) => x.code === 'closeness_rising');
  assert.ok(rising);
  assert.equal(rising.subject, p.a.u.id);
});

test('the window is 7 to 365 days', async () => {
  const p = await pair();
  for (const w of ['6', '366', 'abc', '', '28.5']) {
    const r = await p.a.c.get(`/api/v1/dyads/${p.id}/insights?window=${w}`);
    assert.equal(r.status, 400, w);
    assert.equal(r.json.error.field, 'window');
  }
  for (const w of ['7', '365']) assert.equal((await p.a.c.get(`/api/v1/dyads/${p.id}/insights?window=${w}`)).status, 200);
  const x = await registerAndLogin(srv.url, 'x');
  assert.equal((await x.c.get(`/api/v1/dyads/${p.id}/insights`)).status, 404);
});

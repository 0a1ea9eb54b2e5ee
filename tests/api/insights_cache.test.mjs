// Insights kept in memory (src/web/insights_cache.c) answer exactly what a
// fresh computation would, to the one viewer they were computed for: a
// member's own view never reaches the other member or a therapist, a
// change through the store is seen at once, and a second server over the
// same database — which shares no memory with the first — agrees byte for
// byte and sees the first one's writes (the key holds the dyad's
// data_version, read from the database on every request).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, pairDyad } from '../lib/api.mjs';
import { makeTherapist } from '../lib/therapist.mjs';

let srv;
let srv2;
before(async () => {
  srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
  // the same directory: the same database and server secret
  srv2 = await startServer({ dir: srv.dir, env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
});
after(async () => {
  if (srv2) await srv2.stop({ keep: true });
  if (srv) await srv.stop();
});

const today = Math.floor(Date.now() / 86400000);
const iso = (d) => new Date(d * 86400000).toISOString().slice(0, 10);

// Four weeks of check-ins, the last 8 days left for the API to write.
function history(dyadId, userId, gen, showMask) {
  const rows = [];
  for (let i = 8; i < 36; i++) {
    const v = gen(i);
    rows.push(`('${dyadId}','${userId}',${today - i},${v.closeness},${v.wanted},5,6,7,${v.affection},${v.sexual},0,0,NULL,${showMask},0)`);
  }
  srv.sql(`INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,sexual,emotions,wordless,note,show_mask,updated_at) VALUES ${rows.join(',')};`);
}

// The same person on the other server (same secret: the cookie holds).
const on = (server, c) => Object.assign(new Client(server.url), { cookie: c.cookie, csrf: c.csrf });
const member = (j, id) => j.members.find((m) => m.user_id === id);

async function couple() {
  const p = await pairDyad(srv.url, 'couple');
  for (const x of [p.a, p.b]) assert.equal((await x.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: true })).status, 200);
  // A shows the other member closeness only; B shows everything
  history(p.id, p.a.u.id, (i) => ({ closeness: 2 + (i % 3), wanted: 8, affection: 6, sexual: i % 2 ? 7 : 0 }), 1);
  history(p.id, p.b.u.id, () => ({ closeness: 8, wanted: 8, affection: 8, sexual: 0 }), 0x1ff);
  return p;
}

test('one member\'s own view never answers the other member, whoever asks first', async () => {
  const p = await couple();
  const path = `/api/v1/dyads/${p.id}/insights?window=28`;
  for (const order of [['a', 'b'], ['b', 'a']]) {
    // a new window for the second order: a slot of its own, computed afresh
    const w = order[0] === 'a' ? 28 : 30;
    const q = path.replace('window=28', `window=${w}`);
    const got = {};
    for (const who of order) got[who] = await p[who].c.get(q);
    for (const who of order) assert.equal(got[who].status, 200, got[who].text);
    const own = member(got.a.json, p.a.u.id);
    assert.ok(own.sexual_mean > 0, 'A sees A\'s own sexual scores');
    assert.ok(own.closeness_wanted_mean > 0, 'and A\'s own closeness wanted');
    const seen = member(got.b.json, p.a.u.id);
    assert.equal(seen.sexual_mean, undefined, `B is not shown A's sexual scores (${order})`);
    assert.equal(seen.closeness_wanted_mean, undefined, 'nor what A wants');
    assert.equal(seen.quadrant, 'hidden');
    assert.ok(seen.closeness_mean > 0, 'A shows closeness');
    assert.notEqual(got.a.text, got.b.text);
    // asked again (from memory): the very same bytes, each to their own
    for (const who of order) assert.equal((await p[who].c.get(q)).text, got[who].text, `${who} again`);
    // a server that has computed nothing yet agrees byte for byte
    for (const who of order) assert.equal((await on(srv2, p[who].c).get(q)).text, got[who].text, `${who} on the other server`);
  }
  // the pages, likewise: B's page never carries A's hidden means
  const pa = await p.a.c.get(`/dyads/${p.id}/insights`, { headers: { Accept: 'text/html' } });
  const pb = await p.b.c.get(`/dyads/${p.id}/insights`, { headers: { Accept: 'text/html' } });
  assert.equal(pa.status, 200);
  assert.equal(pb.status, 200);
  assert.notEqual(pa.text, pb.text);
  const pb2 = await on(srv2, p.b.c).get(`/dyads/${p.id}/insights`, { headers: { Accept: 'text/html' } });
  const main = (t) => t.slice(t.indexOf('<main'), t.indexOf('</main>'));
  assert.equal(main(pb2.text), main(pb.text), 'the page from memory is the page computed afresh');
  assert.equal(main((await p.b.c.get(`/dyads/${p.id}/insights`, { headers: { Accept: 'text/html' } })).text), main(pb.text));
});

test('a therapist is answered from the therapist\'s view, never a member\'s kept one', async () => {
  const p = await couple();
  const t = await makeTherapist(srv);
  for (const x of [p.a, p.b]) {
    const l = await x.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code });
    assert.equal(l.status, 200, l.text);
  }
  const mine = await p.a.c.get(`/api/v1/dyads/${p.id}/insights`);
  assert.ok(member(mine.json, p.a.u.id).sexual_mean > 0);
  const th = await t.c.get(`/api/v1/therapist/dyads/${p.id}`);
  assert.equal(th.status, 200, th.text);
  const ta = th.json.members.find((m) => m.user_id === p.a.u.id);
  assert.equal(ta.sexual_mean, undefined, 'A has not allowed the therapist sexual scores');
  assert.ok(ta.closeness_wanted_mean > 0, 'a therapist sees every other item');
});

test('a change through the store is seen at once, on this server and the other', async () => {
  const p = await couple();
  const path = `/api/v1/dyads/${p.id}/insights?window=14`;
  const before = await p.b.c.get(path);
  const c0 = member(before.json, p.a.u.id).closeness_mean;
  // A writes today's check-in on the other server, showing B closeness
  const w = await on(srv2, p.a.c).put(`/api/v1/dyads/${p.id}/checkins/${iso(today)}`, { closeness: 10, closeness_wanted: 10, sexual: 9, show_partner: ['closeness'] });
  assert.equal(w.status, 200, w.text);
  const after1 = await p.b.c.get(path);
  const c1 = member(after1.json, p.a.u.id).closeness_mean;
  assert.ok(c1 > c0, `B sees A's new closeness at once (${c0} → ${c1})`);
  assert.equal(member(after1.json, p.a.u.id).sexual_mean, undefined);
  // A takes closeness back for that day: B's answer changes again
  const w2 = await p.a.c.put(`/api/v1/dyads/${p.id}/checkins/${iso(today)}`, { closeness: 10, closeness_wanted: 10, sexual: 9, show_partner: [] });
  assert.equal(w2.status, 200, w2.text);
  const after2 = await on(srv2, p.b.c).get(path);
  assert.equal(member(after2.json, p.a.u.id).closeness_mean, c0, 'the day no longer counts for B');
  assert.equal((await p.b.c.get(path)).text, after2.text, 'both servers agree');
  // a setting (not a check-in) changes the answer too: A stops tracking sex
  assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { track_sexual: false })).status, 200);
  const own = await p.a.c.get(path);
  assert.equal(member(own.json, p.a.u.id).sexual_mean, undefined, 'not tracked any more: no sexual mean');
  assert.equal(member(own.json, p.a.u.id).quadrant, 'not_tracked');
});

// Research exports with their own consent: a linked therapist asks; each
// member consents for themselves, apart from consent to therapy, and may
// withdraw; only with both consents does the export answer — CSV in the
// long, pairwise and dyad-wide layouts with a codebook, pseudonymous ids,
// no words, and an item a member hid from the other only if that member's
// research consent includes hidden items.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { linkedPair } from '../lib/therapist.mjs';

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } }); });
after(async () => { if (srv) await srv.stop(); });

const day = (off) => new Date(Date.now() + off * 86400000).toISOString().slice(0, 10);
const parse = (csv) => {
  const [head, ...rows] = csv.trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
};

test('research: asked, consented by one, by both, withdrawn — the export answers only with both', async () => {
  const p = await linkedPair(srv);
  const exp = (q = '') => p.t.c.get(`/api/v1/therapist/dyads/${p.id}/research/export${q}`);
  // check-ins over three days: A hides "understood" from B; B hides "safety"
  for (const [off, a, b] of [[-2, 6, 4], [-1, 7, 5], [0, 8, 6]]) {
    assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/checkins/${day(off)}`, { closeness: a, understood: a - 1, safety: 9, show_partner: ['closeness', 'safety'] })).status, 200);
    assert.equal((await p.b.c.put(`/api/v1/dyads/${p.id}/checkins/${day(off)}`, { closeness: b, understood: b + 1, safety: 3, show_partner: ['closeness', 'understood'] })).status, 200);
  }
  assert.equal((await exp()).status, 403, 'nothing asked, nothing exported');
  assert.deepEqual((await p.a.c.get(`/api/v1/dyads/${p.id}/research`)).json, { research: null });
  assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/research/consent`, {})).status, 404, 'nothing to consent to yet');
  const bad = await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/research`, { study: '' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'study');
  assert.equal((await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/research`, { study: 'Closeness in daily life; University of Example; anonymous analysis only.' })).status, 201);
  // one consent: no export
  const one = await p.a.c.put(`/api/v1/dyads/${p.id}/research/consent`, {});
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.research.active, false);
  assert.equal(one.json.research.consents.length, 1);
  assert.equal((await exp()).status, 403, 'one consent is not enough');
  // B sees the request and only their own (absent) consent
  const seenByB = (await p.b.c.get(`/api/v1/dyads/${p.id}/research`)).json.research;
  assert.match(seenByB.study, /University of Example/);
  assert.deepEqual(seenByB.consents, []);
  // both: B includes hidden items, A does not
  const both = await p.b.c.put(`/api/v1/dyads/${p.id}/research/consent`, { include_hidden: true });
  assert.equal(both.json.research.active, true);
  const long = await exp('?layout=long');
  assert.equal(long.status, 200, long.text);
  assert.match(long.headers.get('content-type'), /^text\/csv/);
  const rows = parse(long.text);
  assert.equal(rows.length, 6, 'a row per person per day');
  for (const id of [p.id, p.a.u.id, p.b.u.id]) assert.ok(!long.text.includes(id), 'pseudonymous ids only');
  const persons = [...new Set(rows.map((r) => r.person))];
  assert.equal(persons.length, 2);
  assert.deepEqual(rows.filter((r) => r.member === '1').map((r) => [r.day, r.closeness, r.understood, r.safety]),
    [['0', '6', 'NA', '9'], ['1', '7', 'NA', '9'], ['2', '8', 'NA', '9']], 'A hid understood and did not include hidden items');
  assert.deepEqual(rows.filter((r) => r.member === '2').map((r) => [r.closeness, r.understood, r.safety]),
    [['4', '5', '3'], ['5', '6', '3'], ['6', '7', '3']], 'B hid safety but included hidden items');
  const pw = parse((await exp('?layout=pairwise')).text);
  const a0 = pw.find((r) => r.member === '1' && r.day === '0');
  assert.equal(a0.closeness_p, '4');
  assert.equal(a0.understood_p, '5');
  const dw = parse((await exp('?layout=dyadwide')).text);
  assert.equal(dw.length, 3);
  assert.equal(dw[2].closeness_1, '8');
  assert.equal(dw[2].closeness_2, '6');
  const book = await exp('?layout=pairwise&codebook=1');
  assert.equal(book.status, 200);
  assert.match(book.text, /^variable,type,meaning\n/);
  assert.match(book.text, /\nunderstood_p,/);
  assert.equal((await exp('?layout=wide')).status, 400);
  // A withdraws: the export stops at once; withdrawing twice is a 404
  assert.equal((await p.a.c.del(`/api/v1/dyads/${p.id}/research/consent`)).status, 204);
  assert.equal((await exp()).status, 403, 'withdrawn');
  assert.equal((await p.a.c.del(`/api/v1/dyads/${p.id}/research/consent`)).status, 404);
  // research consent is apart from therapy: the link is untouched
  assert.equal((await p.t.c.get(`/api/v1/therapist/dyads/${p.id}`)).status, 200);
  // a new request needs both consents again
  await p.a.c.put(`/api/v1/dyads/${p.id}/research/consent`, {});
  assert.equal((await exp()).status, 200);
  await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/research`, { study: 'A second study.' });
  assert.equal((await exp()).status, 403, 'a new study, new consents');
  const audit = (await p.b.c.get(`/api/v1/dyads/${p.id}/audit`)).json.audit.map((e) => e.action);
  for (const a of ['research_request', 'research_consent', 'research_revoke', 'research_export']) assert.ok(audit.includes(a), a);
});

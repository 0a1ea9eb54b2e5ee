// The prompt library, comfort and the next prompt, against the real binary:
// depth never beyond the lower comfort nor more than one past trust; trust
// rises only after reciprocated, answered sharing spread over days.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, sodium, pairDyad } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });
const sql = (q) => srv.sql(q);

const pair = (kind = 'couple') => pairDyad(srv.url, kind);

test('the library: over 1,000 prompts, filtered by kind, topic and depth', async () => {
  const c = new Client(srv.url);
  const all = await c.get('/api/v1/prompts');
  assert.equal(all.status, 200);
  assert.ok(all.json.prompts.length >= 1000, `${all.json.prompts.length} prompts`);
  const f = await c.get('/api/v1/prompts?kind=friends&topic=fear&depth=2');
  assert.ok(f.json.prompts.length >= 3);
  for (const p of f.json.prompts) {
    assert.equal(p.topic, 'fear');
    assert.equal(p.depth, 2);
    assert.ok(p.kinds.includes('friends'));
    assert.ok(p.text.length > 10);
  }
  assert.equal((await c.get('/api/v1/prompts?kind=friends&topic=desire')).json.prompts.length, 0, 'desire is for couples');
  for (const q of ['kind=lovers', 'topic=gossip', 'depth=6', 'depth=x']) assert.equal((await c.get(`/api/v1/prompts?${q}`)).status, 400, q);
});

test('comfort: one\'s own levels and history, never the partner\'s', async () => {
  const p = await pair();
  let r = await p.a.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 2, desire: 1 });
  assert.equal(r.status, 200, r.text);
  r = await p.a.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 4 });
  assert.equal(r.json.comfort.fear, 4);
  assert.equal(r.json.comfort.desire, 1);
  assert.equal(r.json.comfort.joy, null, 'never set');
  assert.deepEqual(r.json.history.map((h) => [h.topic, h.level]), [['fear', 2], ['desire', 1], ['fear', 4]]);
  const theirs = await p.b.c.get(`/api/v1/dyads/${p.id}/comfort`);
  assert.equal(theirs.json.comfort.fear, null, 'B sees only B\'s own');
  assert.deepEqual(theirs.json.history, []);
  for (const [body, field] of [[{ fear: 6 }, 'fear'], [{ fear: -1 }, 'fear'], [{ gossip: 2 }, 'gossip'], [{ fear: '2' }, 'fear']]) {
    const bad = await p.a.c.put(`/api/v1/dyads/${p.id}/comfort`, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.json.error.field, field);
  }
  const f = await pair('family');
  assert.equal((await f.a.c.put(`/api/v1/dyads/${f.id}/comfort`, { desire: 2 })).json.error.field, 'desire');
});

test('a new couple starts light: no deeper than one past trust', async () => {
  const p = await pair();
  const r = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=hope`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.trust, 1);
  assert.equal(r.json.depth, 2);
  assert.equal(r.json.prompt.topic, 'hope');
  assert.ok(r.json.prompt.depth <= 2);
  assert.ok(r.json.prompt.kinds.includes('couple'));
  assert.equal(typeof r.json.reason, 'string');
  assert.ok(r.json.reason.length > 20);
  const any = await p.b.c.get(`/api/v1/dyads/${p.id}/next-prompt`);
  assert.ok(any.json.prompt.depth <= 2);
  assert.equal((await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=gossip`)).status, 400);
});

test('next-prompt follows the lower comfort, and changes when comfort changes', async () => {
  const p = await pair();
  await p.a.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 5 });
  await p.b.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 1 });
  for (const side of [p.a, p.b]) {
    const r = await side.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=fear`);
    assert.equal(r.json.depth, 1, 'the lower comfort wins for both');
    assert.equal(r.json.prompt.depth, 1);
    assert.equal(r.json.reason_code, 'comfort');
    assert.ok(!/partner|\bB\b|their comfort/i.test(r.json.reason), 'the reason does not say whose comfort is lower');
  }
  await p.b.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 4 });
  const r = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=fear`);
  assert.equal(r.json.depth, 2, 'now trust is the limit');
  assert.equal(r.json.reason_code, 'trust');
  await p.a.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 0 });
  const aside = await p.b.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=fear`);
  assert.equal(aside.json.prompt, null);
  assert.equal(aside.json.reason_code, 'topic_set_aside');
});

test('trust rises after reciprocated, answered sharing over a week — and only then', async () => {
  const p = await pair();
  const now = Math.floor(Date.now() / 1000);
  const shares = [];
  async function exchange(author, listener, daysAgo) {
    const id = cr.newEntryId();
    const body = cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: author.u.id, kind: 'share' }, 'x');
    assert.equal((await author.c.post(`/api/v1/dyads/${p.id}/shares`, { id, topic: 'everyday', depth: 1, body })).status, 201);
    const rid = cr.newEntryId();
    assert.equal((await listener.c.post(`/api/v1/dyads/${p.id}/shares/${id}/responses`, { id: rid, kind: 'understood', body: null })).status, 201);
    const t = now - daysAgo * 86400;
    sql(`UPDATE shares SET created_at = ${t} WHERE id = '${id}'; UPDATE responses SET created_at = ${t + 3600} WHERE id = '${rid}'`);
    shares.push(id);
  }
  // three answered shares each way, but all within four days: not yet
  for (const d of [4, 3, 2]) { await exchange(p.a, p.b, d); await exchange(p.b, p.a, d); }
  assert.equal((await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=joy`)).json.trust, 1);
  // spread over a week: trust 2, and depth 3 (comfort default 3)
  sql(`UPDATE shares SET created_at = created_at - 5 * 86400 WHERE id IN ('${shares[0]}', '${shares[1]}')`);
  sql(`UPDATE responses SET created_at = created_at - 5 * 86400 WHERE share_id IN ('${shares[0]}', '${shares[1]}')`);
  const r = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=joy`);
  assert.equal(r.json.trust, 2);
  assert.equal(r.json.depth, 3);
  assert.ok(r.json.prompt.depth <= 3);
});

test('answered prompts are not offered again; passing leaves no trace', async () => {
  const p = await pair();
  const first = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=gratitude`);
  const again = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=gratitude`);
  assert.equal(first.json.prompt.id, again.json.prompt.id, 'stable for the day: looking is not answering');
  assert.equal(sql(`SELECT count(*) FROM shares WHERE dyad_id = '${p.id}'`), '0');
  const pr = first.json.prompt;
  const id = cr.newEntryId();
  const body = cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: p.a.u.id, kind: 'share' }, 'answer');
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id, topic: pr.topic, depth: pr.depth, prompt_id: pr.id, body })).status, 201);
  const next = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=gratitude`);
  assert.notEqual(next.json.prompt.id, pr.id);
});

test('offers are remembered: nothing offered on an earlier day comes back while others remain', async () => {
  const p = await pair();
  const today = Math.floor(Date.now() / 86400000);
  const offers = () => sql(`SELECT prompt_id || ':' || day FROM prompt_offers WHERE dyad_id = '${p.id}' ORDER BY day, prompt_id`);
  const first = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=joy`);
  assert.equal(first.status, 200, first.text);
  const pr = first.json.prompt;
  assert.equal(first.json.pick_reason_code, 'fresh');
  assert.match(first.json.reason, /not been offered in the last 180 days/);
  assert.equal(first.json.allowed_depth, pr.depth);
  assert.equal(offers(), `${pr.id}:${today}`, 'recorded once, for the dyad, with no member and no words');
  // The other member, the same day: the same prompt, still one offer.
  assert.equal((await p.b.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=joy`)).json.prompt.id, pr.id);
  assert.equal(offers(), `${pr.id}:${today}`);
  // peek=1 only looks (the guided conversation asks every topic's depth).
  const peek = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=fear&peek=1`);
  assert.equal(peek.status, 200);
  assert.ok(peek.json.prompt);
  assert.equal(offers(), `${pr.id}:${today}`);
  const bad = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?peek=yes`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'peek');

  // Yesterday's offer and every other joy prompt at this depth offered ten
  // days ago, but one: that one is today's.
  const pool = (await p.a.c.get(`/api/v1/prompts?kind=couple&topic=joy&depth=${pr.depth}`)).json.prompts;
  const keep = pool.find((x) => x.id !== pr.id);
  sql(`UPDATE prompt_offers SET day = ${today - 1} WHERE dyad_id = '${p.id}'`);
  for (const x of pool) if (x.id !== pr.id && x.id !== keep.id) sql(`INSERT INTO prompt_offers VALUES ('${p.id}', '${x.id}', ${today - 10})`);
  const next = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=joy`);
  assert.equal(next.json.prompt.id, keep.id);
  assert.equal(next.json.pick_reason_code, 'fresh');
  assert.match(next.json.reason, /the one joy prompt at depth \d left/);
  // With that one offered too, a lighter joy prompt no one has seen.
  sql(`UPDATE prompt_offers SET day = ${today - 1} WHERE dyad_id = '${p.id}'`);
  const lighter = await p.a.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=joy`);
  assert.equal(lighter.json.pick_reason_code, 'lighter');
  assert.equal(lighter.json.prompt.topic, 'joy');
  assert.ok(lighter.json.prompt.depth < pr.depth);
  assert.equal(lighter.json.allowed_depth, pr.depth);
  assert.match(lighter.json.reason, /every joy prompt at depth \d in the last 180 days, so this is a lighter one/);
  assert.ok(!pool.some((x) => x.id === lighter.json.prompt.id));
});

test('family members are offered only prompts for anyone until their role is known', async () => {
  const f = await pair('family');
  for (const t of ['joy', 'fear', 'anger', 'sorrow']) {
    const r = await f.a.c.get(`/api/v1/dyads/${f.id}/next-prompt?topic=${t}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.prompt.for, undefined, r.json.prompt.id);
  }
  const listed = (await f.a.c.get('/api/v1/prompts?kind=family')).json.prompts;
  assert.ok(listed.some((x) => x.for === 'parent') && listed.some((x) => x.for === 'grandchild'), 'the library lists each side');
  assert.ok(listed.some((x) => x.support === true));
});

test('a guided conversation\'s record counts for both, as answered — never as waiting', async () => {
  const p = await pair();
  const prompts = (await p.a.c.get('/api/v1/prompts?kind=couple&topic=everyday&depth=1')).json.prompts;
  const now = Math.floor(Date.now() / 1000);
  const ids = [];
  for (const [i, daysAgo] of [8, 4, 1].entries()) {
    const id = cr.newEntryId();
    const body = cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: p.a.u.id, kind: 'share' }, 'Talked through together in a guided conversation');
    const r = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id, topic: 'everyday', depth: 1, prompt_id: prompts[i].id, together: true, body });
    assert.equal(r.status, 201, r.text);
    sql(`UPDATE shares SET created_at = ${now - daysAgo * 86400} WHERE id = '${id}'`);
    ids.push(id);
  }
  const list = (await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares;
  for (const s of list) {
    assert.equal(s.together, true);
    assert.equal(s.waiting_for_you, undefined, 'the conversation was the response');
  }
  const r = await p.b.c.get(`/api/v1/dyads/${p.id}/next-prompt?topic=joy`);
  assert.equal(r.json.trust, 2, 'three answered exchanges each way over a week');
  const id = cr.newEntryId();
  const body = cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: p.a.u.id, kind: 'share' }, 'x');
  const bad = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { id, topic: 'everyday', depth: 1, together: true, body });
  assert.equal(bad.status, 400, 'together is for a prompt talked through');
  assert.equal(bad.json.error.field, 'together');
});

test('sex only by choice: desire opens when both turned tracking on and raised their comfort', async () => {
  const p = await pair();
  const base = `/api/v1/dyads/${p.id}`;
  const share = (who) => who.c.post(`${base}/shares`, {
    id: cr.newEntryId(), topic: 'desire', depth: 1, reveal: 'now', body: cr.b64(sodium.randombytes_buf(24 + 64 + 16)),
  });
  // a comfort for desire starts at 0, never the general default
  let r = await p.a.c.get(`${base}/comfort`);
  assert.equal(r.json.comfort.desire, 0);
  assert.equal(r.json.comfort.fear, null);
  assert.equal((await p.a.c.get(base)).json.dyad.desire_open, false);
  // raised by both, but nobody tracks: still not offered, and not accepted
  for (const who of [p.a, p.b]) assert.equal((await who.c.put(`${base}/comfort`, { desire: 3 })).status, 200);
  r = await p.a.c.get(`${base}/next-prompt?topic=desire`);
  assert.equal(r.status, 200);
  assert.equal(r.json.depth, 0);
  assert.equal(r.json.prompt, null);
  r = await share(p.a);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'topic');
  // one of them turns tracking on: still closed for both
  assert.equal((await p.a.c.put(`${base}/settings`, { track_sexual: true })).status, 200);
  assert.equal((await p.a.c.get(base)).json.dyad.desire_open, false);
  assert.equal((await share(p.a)).status, 400);
  // both: open
  assert.equal((await p.b.c.put(`${base}/settings`, { track_sexual: true })).status, 200);
  for (const who of [p.a, p.b]) assert.equal((await who.c.get(base)).json.dyad.desire_open, true);
  r = await p.a.c.get(`${base}/next-prompt?topic=desire`);
  assert.equal(r.json.topic, 'desire');
  assert.ok(r.json.depth >= 1, JSON.stringify(r.json));
  assert.equal(r.json.prompt.topic, 'desire');
  assert.equal((await share(p.a)).status, 201);
  // and the day's topic never lands on desire while it is closed
  assert.equal((await p.b.c.put(`${base}/settings`, { track_sexual: false })).status, 200);
  for (let i = 0; i < 5; i++) assert.notEqual((await p.a.c.get(`${base}/next-prompt`)).json.topic, 'desire');
});

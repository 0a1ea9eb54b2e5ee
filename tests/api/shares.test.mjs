// Shares and responses against the real binary: ciphertext in, ciphertext
// out; mutual reveal enforced by the server; unanswered shares surfaced to
// the listener only; bad input refused whole; and not one word on disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { startServer } from '../lib/server.mjs';
import { registerAndLogin, b64, sodium, pairDyad } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });

const sql = (q) => srv.sql(q);

const pair = (kind = 'couple') => pairDyad(srv.url, kind);

function share(p, who, text, extra = {}) {
  const id = cr.newEntryId();
  return { id, topic: 'fear', depth: 2, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'share' }, text), ...extra };
}

function response(p, who, kind, text) {
  const id = cr.newEntryId();
  return { id, kind, body: text == null ? null : cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'response' }, text) };
}

test('share a fear at depth 2; the partner reads it and answers "makes sense"', async () => {
  const p = await pair();
  const s = share(p, p.a, 'I am afraid I will let you down.');
  const r = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  assert.equal(r.status, 201, r.text);
  const list = await p.b.c.get(`/api/v1/dyads/${p.id}/shares`);
  assert.equal(list.status, 200);
  const got = list.json.shares[0];
  assert.equal(got.id, s.id);
  assert.equal(got.topic, 'fear');
  assert.equal(got.depth, 2);
  assert.equal(got.author_id, p.a.u.id);
  assert.equal(cr.decryptEntry(p.K, { dyadId: p.id, entryId: got.id, authorId: got.author_id, kind: 'share' }, got.body), 'I am afraid I will let you down.');
  const resp = response(p, p.b, 'makes_sense', 'That makes sense to me.');
  const rr = await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, resp);
  assert.equal(rr.status, 201, rr.text);
  const back = await p.a.c.get(`/api/v1/dyads/${p.id}/shares`);
  const x = back.json.shares[0].responses[0];
  assert.equal(x.kind, 'makes_sense');
  assert.equal(cr.decryptEntry(p.K, { dyadId: p.id, entryId: x.id, authorId: x.author_id, kind: 'response' }, x.body), 'That makes sense to me.');
  // words are optional
  const bare = await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, response(p, p.b, 'with_you', null));
  assert.equal(bare.status, 201);
});

test('a long share (20 000 characters) and a long response round-trip', async () => {
  const p = await pair();
  const long = 'é'.repeat(10000);
  const s = share(p, p.a, long);
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s)).status, 201);
  const resp = response(p, p.b, 'understood', 'ü'.repeat(5000));
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, resp)).status, 201);
  const got = (await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares[0];
  assert.equal(cr.decryptEntry(p.K, { dyadId: p.id, entryId: s.id, authorId: p.a.u.id, kind: 'share' }, got.body), long);
  assert.equal(got.responses[0].body, resp.body);
});

test('mutual reveal: withheld until one has answered the same prompt', async () => {
  const p = await pair();
  const promptId = (await p.a.c.get('/api/v1/prompts?kind=couple&topic=hope&depth=1')).json?.prompts?.[0]?.id || 'p-hope-1-001';
  const sa = share(p, p.a, 'My answer first.', { topic: 'hope', depth: 1, prompt_id: promptId, reveal: 'mutual' });
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, sa)).status, 201);
  let seen = (await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares[0];
  assert.equal(seen.body, null);
  assert.equal(seen.withheld, true);
  const early = await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${sa.id}/responses`, response(p, p.b, 'understood', null));
  assert.equal(early.status, 409, 'no responding to what one cannot see');
  // the author always sees their own
  assert.ok((await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares[0].body);
  const sb = share(p, p.b, 'And mine.', { topic: 'hope', depth: 1, prompt_id: promptId, reveal: 'mutual' });
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares`, sb)).status, 201);
  const both = (await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares;
  const fromA = both.find((x) => x.id === sa.id);
  assert.equal(fromA.withheld, undefined);
  assert.equal(cr.decryptEntry(p.K, { dyadId: p.id, entryId: sa.id, authorId: p.a.u.id, kind: 'share' }, fromA.body), 'My answer first.');
  const fromB = (await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares.find((x) => x.id === sb.id);
  assert.ok(fromB.body, 'A answered too, so B\'s answer shows');
});

test('an unanswered share is surfaced to the listener only, after two days', async () => {
  const p = await pair();
  const s = share(p, p.a, 'Something I kept to myself.');
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  assert.equal((await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares[0].waiting_for_you, undefined, 'not before two days');
  sql(`UPDATE shares SET created_at = created_at - 172800 WHERE id = '${s.id}'`);
  assert.equal((await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares[0].waiting_for_you, true);
  const authorView = await p.a.c.get(`/api/v1/dyads/${p.id}/shares`);
  assert.ok(!authorView.text.includes('waiting_for_you'), 'the author is not told');
  await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, response(p, p.b, 'with_you', null));
  assert.equal((await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares[0].waiting_for_you, undefined);
});

test('bad input: each refused with the field named, nothing half-written', async () => {
  const p = await pair('friends');
  const bad = [
    [{ topic: 'gossip' }, 'topic'], [{ topic: 'desire' }, 'topic'], [{ depth: 0 }, 'depth'], [{ depth: 6 }, 'depth'],
    [{ id: 'short' }, 'id'], [{ id: 'AAECAwQFBgcICQoLDA0ODw==' }, 'id'], [{ body: 'AAAA' }, 'body'],
    [{ body: b64(new Uint8Array(40 + 63)) }, 'body'], [{ prompt_id: 'p-none-9-999' }, 'prompt_id'],
    [{ reveal: 'later' }, 'reveal'], [{ reveal: 'mutual' }, 'reveal'], [{ extra: 1 }, 'extra'],
  ];
  for (const [override, field] of bad) {
    const r = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, { ...share(p, p.a, 'x'), ...override });
    assert.equal(r.status, 400, JSON.stringify(override));
    assert.equal(r.json.error.field, field, JSON.stringify(override));
  }
  assert.equal(sql(`SELECT count(*) FROM shares WHERE dyad_id = '${p.id}'`), '0');
  const huge = share(p, p.a, 'y'.repeat(30000));
  const r = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, huge);
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'too_large');
});

test('a reused id is 409, for shares and responses alike', async () => {
  const p = await pair();
  const s = share(p, p.a, 'once');
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s)).status, 201);
  const again = await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  assert.equal(again.status, 409);
  assert.equal(again.json.error.field, 'id');
  const resp = { ...response(p, p.b, 'understood', null), id: s.id };
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, resp)).status, 409);
});

test('responses: only the listener, only known kinds, only shares of this dyad', async () => {
  const p = await pair();
  const s = share(p, p.a, 'mine');
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, response(p, p.a, 'understood', null))).status, 403);
  const k = await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, { ...response(p, p.b, 'understood', null), kind: 'agree' });
  assert.equal(k.json.error.field, 'kind');
  const other = await pair();
  assert.equal((await other.b.c.post(`/api/v1/dyads/${other.id}/shares/${s.id}/responses`, response(other, other.b, 'understood', null))).status, 404);
  const x = await registerAndLogin(srv.url, 'x');
  assert.equal((await x.c.get(`/api/v1/dyads/${p.id}/shares`)).status, 404);
});

test('paging with before and limit', async () => {
  const p = await pair();
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const s = share(p, p.a, `n${i}`);
    ids.push(s.id);
    await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
    sql(`UPDATE shares SET created_at = created_at - ${(3 - i) * 60} WHERE id = '${s.id}'`);
  }
  const first = await p.b.c.get(`/api/v1/dyads/${p.id}/shares?limit=2`);
  assert.deepEqual(first.json.shares.map((s) => s.id), [ids[2], ids[1]]);
  const next = await p.b.c.get(`/api/v1/dyads/${p.id}/shares?limit=2&before=${encodeURIComponent(first.json.shares[1].created_at)}`);
  assert.deepEqual(next.json.shares.map((s) => s.id), [ids[0]]);
  for (const q of ['limit=0', 'limit=101', 'limit=x', 'before=yesterday', 'before_id=nope']) assert.equal((await p.b.c.get(`/api/v1/dyads/${p.id}/shares?${q}`)).status, 400, q);
  // shares made in the same second: the id cursor skips none
  const same = [];
  for (let i = 0; i < 5; i++) {
    const s = share(p, p.a, `same${i}`);
    same.push(s.id);
    await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  }
  sql(`UPDATE shares SET created_at = 1900000000 WHERE id IN (${same.map((x) => `'${x}'`).join(',')})`);
  const seen = [];
  let cursor = null;
  for (;;) {
    const page = await p.b.c.get(`/api/v1/dyads/${p.id}/shares?limit=2${cursor ? `&before_id=${cursor}` : ''}`);
    if (!page.json.shares.length) break;
    seen.push(...page.json.shares.map((s) => s.id));
    cursor = page.json.shares[page.json.shares.length - 1].id;
  }
  assert.equal(seen.length, 8);
  assert.equal(new Set(seen).size, 8, 'none twice, none skipped');
  assert.deepEqual(seen.slice(0, 5), [...same].reverse());
});

test('the database holds not one word of what was written', async () => {
  const p = await pair();
  const canaries = ['CANARY-share-7f3a', 'CANARY-response-91bc', 'CANARY-note-55d0'];
  const s = share(p, p.a, canaries[0]);
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, response(p, p.b, 'understood', canaries[1]));
  const day = new Date().toISOString().slice(0, 10);
  await p.a.c.put(`/api/v1/dyads/${p.id}/checkins/${day}`, { closeness: 5, note: cr.encryptEntry(p.a.u.personal, { dyadId: p.id, entryId: day, authorId: p.a.u.id, kind: 'note' }, canaries[2]) });
  for (const f of [srv.dbPath, srv.dbPath + '-wal']) {
    if (!existsSync(f)) continue;
    const bytes = readFileSync(f);
    for (const c of canaries) assert.equal(bytes.indexOf(c), -1, `${c} in ${f}`);
  }
  for (const c of canaries) assert.ok(!srv.logs().includes(c));
});

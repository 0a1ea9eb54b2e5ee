// For the one who takes the risk, against the real binary: an author takes
// back their own share or response at any time (only the author: 403 for
// the other member, 404 outside the dyad), the other member's view and a
// linked therapist's counts follow, and nothing of the deleted entry stays
// readable in the database; "can we talk about this in person?" is a
// response kind of its own, with or without words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { startServer, backend } from '../lib/server.mjs';
import { registerAndLogin, sodium, unb64, pairDyad } from '../lib/api.mjs';
import { linkedPair } from '../lib/therapist.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });

function share(p, who, text, extra = {}) {
  const id = cr.newEntryId();
  return { id, topic: 'fear', depth: 3, body: cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'share' }, text), ...extra };
}

function response(p, who, kind, text) {
  const id = cr.newEntryId();
  return { id, kind, body: text == null ? null : cr.encryptEntry(p.K, { dyadId: p.id, entryId: id, authorId: who.u.id, kind: 'response' }, text) };
}

// The ciphertext's bytes: what a reader of the database file would find.
const sealed = (entry) => Buffer.from(unb64(entry.body)).subarray(24, 88);

// No copy of the bytes in the SQLite file or its WAL (PostgreSQL: no row).
function assertGone(bytesList, table, id) {
  if (backend === 'sqlite') {
    for (const f of [srv.dbPath, srv.dbPath + '-wal']) {
      if (!existsSync(f)) continue;
      const disk = readFileSync(f);
      for (const b of bytesList) assert.equal(disk.indexOf(b), -1, `a deleted entry's bytes are still in ${f}`);
    }
  }
  assert.equal(srv.sql(`SELECT count(*) FROM ${table} WHERE id = '${id}'`), '0');
}

function assertPresent(bytes) {
  if (backend !== 'sqlite') return;
  const files = [srv.dbPath, srv.dbPath + '-wal'].filter(existsSync);
  assert.ok(files.some((f) => readFileSync(f).indexOf(bytes) !== -1), 'the test can see a live entry on disk');
}

test('in_person: "can we talk about this in person?", with or without words', async () => {
  const p = await pairDyad(srv.url);
  const s = share(p, p.a, 'Something hard.');
  assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s)).status, 201);
  const bare = response(p, p.b, 'in_person', null);
  const r1 = await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, bare);
  assert.equal(r1.status, 201, r1.text);
  const worded = response(p, p.b, 'in_person', 'Tonight, after dinner?');
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, worded)).status, 201);
  const seen = (await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares[0].responses;
  assert.deepEqual(seen.map((x) => [x.kind, x.body === null]), [['in_person', true], ['in_person', false]]);
  assert.equal(cr.decryptEntry(p.K, { dyadId: p.id, entryId: worded.id, authorId: p.b.u.id, kind: 'response' }, seen[1].body), 'Tonight, after dinner?');
  // an unknown kind names the field and the kinds
  const bad = await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, { ...response(p, p.b, 'in_person', null), kind: 'in person' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'kind');
  assert.match(bad.json.error.message, /in_person/);
  // the export names it too
  const ex = await p.b.c.get('/api/v1/me/export');
  assert.equal(ex.status, 200);
  assert.ok(ex.json.dyads.flatMap((d) => d.responses || []).some((x) => x.kind === 'in_person') ||
    JSON.stringify(ex.json).includes('"in_person"'), 'export carries the kind');
});

test('an author deletes their own response; the other member may not; nothing of it stays', async () => {
  const p = await pairDyad(srv.url);
  const s = share(p, p.a, 'A worry.');
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  const x = response(p, p.b, 'makes_sense', 'That makes sense, and I am here.');
  assert.equal((await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, x)).status, 201);
  assertPresent(sealed(x));
  const path = `/api/v1/dyads/${p.id}/shares/${s.id}/responses/${x.id}`;
  // not the share's author, not an outsider, not through another share
  const mine = await p.a.c.del(path);
  assert.equal(mine.status, 403, mine.text);
  assert.equal(mine.json.error.code, 'forbidden');
  const outsider = await registerAndLogin(srv.url, 'x');
  assert.equal((await outsider.c.del(path)).status, 404);
  const s2 = share(p, p.a, 'Another.');
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s2);
  assert.equal((await p.b.c.del(`/api/v1/dyads/${p.id}/shares/${s2.id}/responses/${x.id}`)).status, 404);
  assert.equal((await p.b.c.del(`/api/v1/dyads/${p.id}/shares/${s.id}/responses/nope`)).status, 404);
  assert.equal((await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares.find((y) => y.id === s.id).responses.length, 1, 'still there');
  // the author may
  const del = await p.b.c.del(path);
  assert.equal(del.status, 204, del.text);
  const after = (await p.a.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares.find((y) => y.id === s.id);
  assert.deepEqual(after.responses, [], 'the other member\'s view follows');
  assertGone([sealed(x)], 'responses', x.id);
  assert.equal((await p.b.c.del(path)).status, 404, 'once');
});

test('an author deletes their own share, with its responses and re-shares; the therapist counts follow', async () => {
  const p = await linkedPair(srv);
  const keep = share(p, p.a, 'This one stays.');
  const s = share(p, p.a, 'This one I take back.');
  for (const x of [keep, s]) assert.equal((await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, x)).status, 201);
  const x = response(p, p.b, 'with_you', 'With you.');
  await p.b.c.post(`/api/v1/dyads/${p.id}/shares/${s.id}/responses`, x);
  // a sealed re-share of the share to the therapist, by its author
  const re = await p.a.c.post(`/api/v1/dyads/${p.id}/reshares`, { entry_id: s.id, entry_kind: 'share', sealed: cr.sealToKey('This one I take back.', p.t.u.box.publicKey) });
  assert.equal(re.status, 201, re.text);
  const count = async () => (await p.t.c.get(`/api/v1/therapist/dyads/${p.id}`)).json.shares.find((y) => y.author_id === p.a.u.id).written;
  assert.equal(await count(), 2);
  assertPresent(sealed(s));

  const path = `/api/v1/dyads/${p.id}/shares/${s.id}`;
  const theirs = await p.b.c.del(path);
  assert.equal(theirs.status, 403, 'only the author');
  assert.equal((await p.t.c.del(path)).status, 404, 'not the therapist: no member route for them');
  assert.equal((await p.a.c.del(`/api/v1/dyads/${p.id}/shares/nope`)).status, 404);
  const other = await pairDyad(srv.url);
  assert.equal((await other.a.c.del(`/api/v1/dyads/${other.id}/shares/${s.id}`)).status, 404, 'not through another dyad');

  const del = await p.a.c.del(path);
  assert.equal(del.status, 204, del.text);
  const list = (await p.b.c.get(`/api/v1/dyads/${p.id}/shares`)).json.shares;
  assert.deepEqual(list.map((y) => y.id), [keep.id], 'gone from the other member\'s view');
  assert.equal(await count(), 1, 'the therapist counts follow');
  const reshares = (await p.t.c.get(`/api/v1/therapist/dyads/${p.id}/reshares`)).json;
  assert.equal(JSON.stringify(reshares).includes(s.id), false, 'the re-share went with it');
  assertGone([sealed(s), sealed(x)], 'shares', s.id);
  assert.equal(srv.sql(`SELECT count(*) FROM responses WHERE share_id = '${s.id}'`), '0');
  assert.equal((await p.a.c.del(path)).status, 404, 'once');
});

test('an author may delete after the dyad ended', async () => {
  const p = await pairDyad(srv.url);
  const s = share(p, p.a, 'Before we stopped.');
  await p.a.c.post(`/api/v1/dyads/${p.id}/shares`, s);
  const left = await p.b.c.post(`/api/v1/dyads/${p.id}/leave`, {});
  assert.equal(left.status, 204, left.text);
  const del = await p.a.c.del(`/api/v1/dyads/${p.id}/shares/${s.id}`);
  assert.equal(del.status, 204, del.text);
});

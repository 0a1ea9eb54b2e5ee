// Questionnaire definitions as data: the shipped ones are served in their
// normal form; `dyad questionnaire add FILE` stores an operator's instrument
// (here a made-up four-item index scored 0–21), which the server offers
// from its next start; a malformed one is refused with the JSON path and
// the reason; a measure each member answers cannot be given privately.
// The database is the suite's: SQLite, or PostgreSQL under `make test-pg`,
// so `questionnaire add` is run against both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, DYAD_BIN, backend } from '../lib/server.mjs';
import { Client } from '../lib/api.mjs';
import { linkedPair } from '../lib/therapist.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const index = join(root, 'tests', 'data', 'questionnaire-satisfaction-index.json');
const dir = mkdtempSync(join(tmpdir(), 'dyad-q-'));
let db; // the server's database URL: a first start makes and migrates it
let srv;
before(async () => {
  const first = await startServer({ dir });
  db = first.dbUrl;
  await first.stop({ keep: true });
});
after(async () => {
  if (!srv) srv = await startServer({ dir }); // so that stop drops a PostgreSQL database
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

const add = (file) => spawnSync(DYAD_BIN, ['questionnaire', 'add', file, '--db', db], { encoding: 'utf8', timeout: 60000 });

test('dyad questionnaire add: stored once, refused with the path when malformed', () => {
  assert.match(db, backend === 'postgres' ? /^postgres:/ : /^sqlite:/, 'the suite\'s database');
  const ok = add(index);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /test-satisfaction-index/);
  const again = add(index);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /id "test-satisfaction-index" is taken/);
  const bad = JSON.parse(readFileSync(index, 'utf8'));
  bad.id = 'bad-index';
  bad.scores[0].cutoffs[0].below = 30;
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
  const r = add(join(dir, 'bad.json'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\$\.scores\[0\]\.cutoffs\[0\]\.below: 30 is outside the score's range 0–21/);
  const builtin = JSON.parse(readFileSync(join(root, 'data', 'questionnaire-weekly.json'), 'utf8'));
  writeFileSync(join(dir, 'dup.json'), JSON.stringify(builtin));
  assert.match(add(join(dir, 'dup.json')).stderr, /id "dyad-weekly-1" is taken/, 'a built-in id is taken too');
});

test('the server offers the built-in and the added questionnaires in their normal form', async () => {
  // the file was added to the database in dir before this start
  srv = await startServer({ dir });
  const r = await new Client(srv.url).get('/api/v1/questionnaires');
  assert.equal(r.status, 200);
  const ids = r.json.questionnaires.map((q) => q.id);
  for (const id of ['safety-check-1', 'dyad-weekly-1', 'dyad-session-1', 'test-satisfaction-index']) assert.ok(ids.includes(id), id);
  const q = r.json.questionnaires.find((x) => x.id === 'test-satisfaction-index');
  assert.equal(q.answered_by, 'each_member');
  assert.deepEqual(q.schedule, { every_days: 7 });
  assert.match(q.licence, /Made up for dyad's tests/);
  const wish = q.items.find((i) => i.id === 'wish_apart');
  assert.equal(wish.reversed, true);
  assert.deepEqual(wish.values, [0, 1, 2, 3, 4, 5]);
  assert.equal(wish.choices[5], 'Entirely true');
  assert.deepEqual(q.scores[0].range, [0, 21]);
  assert.ok(Math.abs(q.scores[0].reliable_difference - 1.96 * Math.SQRT2 * 4 * Math.sqrt(0.1)) < 1e-9);
  const safety = r.json.questionnaires.find((x) => x.id === 'safety-check-1');
  assert.equal(safety.answered_by, 'private');
  assert.ok(safety.items.every((i) => i.free_text || i.choices.every((c) => typeof c === 'string')), 'labels stay strings');
});

test('a measure each member answers cannot be given as a private check-in', async () => {
  const p = await linkedPair(srv);
  const r = await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/private-checkins`, { user_id: p.a.u.id, questionnaire: 'dyad-weekly-1' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'questionnaire');
});

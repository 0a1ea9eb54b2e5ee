// Check-ins against the real binary: items kept apart, dates, validation,
// and what the partner may see (only chosen items; no row for a day with
// nothing shown; never the note, nor that one exists).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { registerAndLogin, b64, sodium, pairDyad } from '../lib/api.mjs';

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });

const sql = (q) => srv.sql(q);
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

const pair = (kind = 'couple') => pairDyad(srv.url, kind);

function note(personal, text, date, dyadId, userId) {
  const padded = sodium.pad(sodium.from_string(text), 64);
  const nonce = sodium.randombytes_buf(24);
  const ad = `dyad|${dyadId}|${date}|${userId}|note|1`;
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, ad, null, nonce, personal);
  return b64(new Uint8Array([...nonce, ...ct]));
}

const full = { closeness: 7, closeness_wanted: 9, opened_up: 5, understood: null, safety: 8, affection: 6, emotions: ['joy', 'fear'], wordless: true };

test('a member writes and reads back a check-in, note included', async () => {
  const { a, id } = await pair();
  const d = day(0);
  const n = note(a.u.personal, 'A quiet evening.', d, id, a.u.id);
  const r = await a.c.put(`/api/v1/dyads/${id}/checkins/${d}`, { ...full, note: n, show_partner: ['closeness'] });
  assert.equal(r.status, 200, r.text);
  const g = await a.c.get(`/api/v1/dyads/${id}/checkins?from=${day(-3)}&to=${day(1)}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.checkins.length, 1);
  const row = g.json.checkins[0];
  assert.equal(row.date, d);
  assert.equal(row.user_id, a.u.id);
  assert.equal(row.closeness, 7);
  assert.equal(row.closeness_wanted, 9);
  assert.equal(row.understood, null, 'no chance to tell');
  assert.deepEqual(row.emotions, ['joy', 'fear']);
  assert.equal(row.wordless, true);
  assert.equal(row.note, n);
  assert.deepEqual(row.show_partner, ['closeness']);
  // editing replaces the day whole
  await a.c.put(`/api/v1/dyads/${id}/checkins/${d}`, { closeness: 3 });
  const g2 = await a.c.get(`/api/v1/dyads/${id}/checkins`);
  assert.equal(g2.json.checkins[0].closeness, 3);
  assert.equal(g2.json.checkins[0].note, null);
  assert.deepEqual(g2.json.checkins[0].show_partner, []);
});

test('dates: 7 days back to 1 day ahead of the server\'s UTC date', async () => {
  const { a, id } = await pair();
  for (const off of [-7, 0, 1]) assert.equal((await a.c.put(`/api/v1/dyads/${id}/checkins/${day(off)}`, { closeness: 5 })).status, 200, `offset ${off}`);
  for (const d of [day(-8), day(2), '2026-02-30', 'today', '2026-1-01']) {
    const r = await a.c.put(`/api/v1/dyads/${id}/checkins/${d}`, { closeness: 5 });
    assert.equal(r.status, 400, d);
    assert.equal(r.json.error.field, 'date');
  }
});

test('out-of-range values, unknown items and feelings name the field', async () => {
  const { a, id } = await pair();
  const d = day(0);
  for (const [body, field] of [
    [{ closeness: 11 }, 'closeness'], [{ affection: -1 }, 'affection'], [{ safety: 2.5 }, 'safety'],
    [{ closeness: '7' }, 'closeness'], [{ emotions: ['joy', 'envy'] }, 'emotions'], [{ emotions: ['joy', 'joy'] }, 'emotions'],
    [{ mood: 3 }, 'mood'], [{ show_partner: ['closeness', 'note'] }, 'show_partner'], [{ wordless: 'yes' }, 'wordless'],
    [{ note: 'AAAA' }, 'note'], [{ note: b64(new Uint8Array(24 + 16 + 65)) }, 'note'],
  ]) {
    const r = await a.c.put(`/api/v1/dyads/${id}/checkins/${d}`, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.field, field, JSON.stringify(body));
  }
  assert.equal(sql(`SELECT count(*) FROM checkins WHERE dyad_id = '${id}'`), '0', 'nothing half-written');
});

test('sexual: only in couples, only after opting in', async () => {
  const { a, id } = await pair('couple');
  const d = day(0);
  let r = await a.c.put(`/api/v1/dyads/${id}/checkins/${d}`, { closeness: 5, sexual: 6 });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'sexual');
  assert.equal((await a.c.put(`/api/v1/dyads/${id}/checkins/${d}`, { closeness: 5, sexual: null })).status, 200, 'pass is always allowed');
  await a.c.put(`/api/v1/dyads/${id}/settings`, { track_sexual: true });
  for (const v of [0, 10, null]) assert.equal((await a.c.put(`/api/v1/dyads/${id}/checkins/${d}`, { closeness: 5, sexual: v })).status, 200, `sexual ${v}`);
  const f = await pair('friends');
  r = await f.a.c.put(`/api/v1/dyads/${f.id}/checkins/${d}`, { closeness: 5, sexual: 0 });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'sexual');
  r = await f.a.c.put(`/api/v1/dyads/${f.id}/checkins/${d}`, { closeness: 5, show_partner: ['sexual'] });
  assert.equal(r.json.error.field, 'show_partner');
});

test('the partner sees only the chosen items and no row for a day with nothing shown', async () => {
  const { a, b, id } = await pair('couple');
  await a.c.put(`/api/v1/dyads/${id}/settings`, { track_sexual: true });
  const n = note(a.u.personal, 'private words', day(0), id, a.u.id);
  await a.c.put(`/api/v1/dyads/${id}/checkins/${day(0)}`, { ...full, sexual: 8, note: n, show_partner: ['closeness', 'affection'] });
  await a.c.put(`/api/v1/dyads/${id}/checkins/${day(-1)}`, { ...full, sexual: 2, note: n, show_partner: [] });
  await a.c.put(`/api/v1/dyads/${id}/checkins/${day(-2)}`, { closeness: 4, sexual: 9 });
  const g = await b.c.get(`/api/v1/dyads/${id}/checkins?from=${day(-5)}&to=${day(1)}`);
  assert.equal(g.status, 200);
  assert.equal(g.json.checkins.length, 1, 'days with nothing shown have no row');
  assert.deepEqual(g.json.checkins[0], { user_id: a.u.id, date: day(0), closeness: 7, affection: 6 });
  assert.ok(!g.text.includes('sexual'), 'no hint of the hidden sexual score');
  assert.ok(!g.text.includes('note'), 'not even that a note exists');
  assert.ok(!g.text.includes('show_partner'));
});

test('shown sexual scores reach the partner only while tracked', async () => {
  const { a, b, id } = await pair('couple');
  await a.c.put(`/api/v1/dyads/${id}/settings`, { track_sexual: true });
  await a.c.put(`/api/v1/dyads/${id}/checkins/${day(0)}`, { closeness: 6, sexual: 0, show_partner: ['sexual'] });
  let g = await b.c.get(`/api/v1/dyads/${id}/checkins`);
  assert.deepEqual(g.json.checkins, [{ user_id: a.u.id, date: day(0), sexual: 0 }], '0 = none that day, shown');
  await a.c.put(`/api/v1/dyads/${id}/settings`, { track_sexual: false });
  g = await b.c.get(`/api/v1/dyads/${id}/checkins`);
  assert.deepEqual(g.json.checkins, [], 'turned off: gone from the partner\'s view');
});

test('bad ranges and strangers', async () => {
  const { a, id } = await pair();
  for (const q of ['from=2026-01-01&to=2025-01-01', 'from=2020-01-01&to=2026-01-01', 'from=yesterday']) {
    const r = await a.c.get(`/api/v1/dyads/${id}/checkins?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.json.error.code, 'invalid_field');
  }
  const x = await registerAndLogin(srv.url, 'x');
  assert.equal((await x.c.get(`/api/v1/dyads/${id}/checkins`)).status, 404);
  assert.equal((await x.c.put(`/api/v1/dyads/${id}/checkins/${day(0)}`, { closeness: 1 })).status, 404);
});

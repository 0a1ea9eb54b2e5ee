// A couple's week and a half of reminders under the moved clock, across
// both autumn clock changes of 2026 (Berlin Sun 25 Oct, New York Sun 1 Nov):
//
//   Ana   Europe/Berlin     Mon Wed Sat Sun 08:00   e-mail
//   Ben   America/New_York  Tue Sat Sun     21:30   e-mail and Web Push
//
// The clock walks from Sat 24 Oct 00:00Z to Mon 2 Nov 12:00Z in steps of at
// most 90 minutes (a reminder more than two hours late is skipped, so a
// coarser walk could hide a wrong one), stopping a second before and at
// each slot the test worked out by hand. At every stop the test waits for a
// scheduler pass at that time (/metrics), then records what arrived:
// each person gets each slot exactly once, at that stop, and nothing at any
// other; the e-mail's Date is the slot's. On Wednesday the relay refuses
// twice (451): nothing is taken until the retries, 60 s and then 120 s
// later, and the message arrives once, at the third try. Ben checks in and
// writes between some of Ana's slots and not others: Ana's messages are
// byte for byte the same apart from Date and Message-ID, and every push
// decrypts to the same sentence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { pairDyad } from '../lib/api.mjs';
import { startSink, until } from '../lib/smtp.mjs';
import { startPushService, browserKeys, openMessage, b64url } from '../lib/pushservice.mjs';

const TOKEN = 'scraper-token-week-0123456789';
const NEUTRAL = 'A moment for dyad, if you like.';
const Z = (iso) => Date.parse(iso) / 1000;

// Worked out by hand from the zones' rules (CEST +2 until 25 Oct 01:00Z,
// then CET +1; EDT -4 until 1 Nov 06:00Z, then EST -5).
const ANA = [
  Z('2026-10-24T06:00:00Z'), // Sat 08:00 CEST
  Z('2026-10-25T07:00:00Z'), // Sun 08:00 CET: the first day after the change
  Z('2026-10-26T07:00:00Z'), // Mon
  Z('2026-10-28T07:00:00Z'), // Wed: the relay refuses twice
  Z('2026-10-31T07:00:00Z'), // Sat
  Z('2026-11-01T07:00:00Z'), // Sun
  Z('2026-11-02T07:00:00Z'), // Mon
];
const BEN = [
  Z('2026-10-25T01:30:00Z'), // Sat 21:30 EDT
  Z('2026-10-26T01:30:00Z'), // Sun 21:30 EDT
  Z('2026-10-28T01:30:00Z'), // Tue 21:30 EDT
  Z('2026-11-01T01:30:00Z'), // Sat 21:30 EDT
  Z('2026-11-02T02:30:00Z'), // Sun 21:30 EST: the first day after the change
];
const REFUSED = ANA[3];
const START = Z('2026-10-24T00:00:00Z');
const END = Z('2026-11-02T12:00:00Z');

let sink;
let service;
let srv;
let clockDir;
let clockFile;

function setClock(t) { writeFileSync(clockFile, String(t)); }

async function metrics() {
  const r = await fetch(`${srv.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 200);
  return r.text();
}
function sample(text, name, labels = '') {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}
// Each wait's bound: three minutes, for a machine busy with other work (a
// bound, never a pace: every wait ends as soon as what it waits for is there).
const SLOW = 180000;

async function passedAt(t) {
  await until(async () => sample(await metrics(), 'dyad_reminders_last_pass_timestamp_seconds') >= t, `a scheduler pass at ${t}`, SLOW);
}
function header(msg, name) {
  const m = msg.match(new RegExp(`^${name}: (.*)$`, 'mi'));
  return m ? m[1].trim() : null;
}
const iso = (t) => new Date(t * 1000).toISOString().replace('.000', '');

before(async () => {
  sink = await startSink();
  service = await startPushService();
  clockDir = mkdtempSync(join(tmpdir(), 'dyad-week-'));
  clockFile = join(clockDir, 'now');
  setClock(START - 3600);
  srv = await startServer({
    args: ['--smtp-url', `smtp://127.0.0.1:${sink.port}`, '--smtp-starttls', 'none', '--mail-from', 'reminders@dyad.test'],
    env: { DYAD_TEST_CLOCK_FILE: clockFile, DYAD_METRICS_TOKEN: TOKEN, DYAD_PUSH_ALLOW_HTTP_LOOPBACK: 'yes' },
  });
});

after(async () => {
  if (srv) await srv.stop();
  if (sink) await sink.stop();
  if (service) await service.stop();
  if (clockDir) rmSync(clockDir, { recursive: true, force: true });
});

test('a week and a half across two clock changes: each slot once, at its time, the same words whatever the other did', { timeout: 900000 }, async () => {
  const { a: ana, b: ben, id } = await pairDyad(srv.url);
  const putAna = await ana.c.put('/api/v1/me/reminders', { enabled: true, days: ['mon', 'wed', 'sat', 'sun'], time: '08:00', zone: 'Europe/Berlin', channels: ['email'] });
  assert.equal(putAna.status, 200, putAna.text);
  assert.equal(putAna.json.reminders.next_at, iso(ANA[0]));
  const keys = browserKeys();
  const sub = { endpoint: `${service.base}/push/ben`, p256dh: b64url(keys.p256dh), auth: b64url(keys.auth) };
  assert.equal((await ben.c.post('/api/v1/me/push', sub)).status, 201);
  const putBen = await ben.c.put('/api/v1/me/reminders', { enabled: true, days: ['tue', 'sat', 'sun'], time: '21:30', zone: 'America/New_York', channels: ['email', 'push'] });
  assert.equal(putBen.status, 200, putBen.text);
  assert.equal(putBen.json.reminders.next_at, iso(BEN[0]));

  // the stops: every 90 minutes, and a second before and at each slot (and
  // the retries of the refused one)
  const stops = new Set();
  for (let t = START; t <= END; t += 90 * 60) stops.add(t);
  for (const d of [...ANA, ...BEN]) { stops.add(d - 1); stops.add(d); }
  for (const t of [REFUSED + 59, REFUSED + 60, REFUSED + 179, REFUSED + 180]) stops.add(t);
  const walk = [...stops].sort((x, y) => x - y);

  // what Ben does between Ana's slots: nothing before the first two, a
  // check-in and a share before the third and later ones
  const activity = new Map([[ANA[2] - 3600, async () => {
    const today = new Date().toISOString().slice(0, 10);
    assert.equal((await ben.c.put(`/api/v1/dyads/${id}/checkins/${today}`, { closeness: 6 })).status, 200);
  }]]);

  const arrivals = []; // [who, channel, stop]
  const mailsTo = (email) => sink.messages().filter((m) => header(m, 'X-Envelope-To') === email);
  let mails = 0;
  let pushes = 0;
  sink.refuseNext(0);
  for (const t of walk) {
    for (const [at, act] of activity) if (at <= t) { await act(); activity.delete(at); }
    if (t === REFUSED) sink.refuseNext(2);
    setClock(t);
    await passedAt(t);
    const due = [...ANA, ...BEN].filter((d) => d === t).length + (t === REFUSED + 180 ? 1 : 0) - (t === REFUSED ? 1 : 0);
    const pushDue = BEN.includes(t) ? 1 : 0;
    // what is due here has arrived once the pass is over; wait for the sink's file anyway
    if (due > 0) await until(() => sink.messages().length >= mails + due, `the mail at ${iso(t)}`, SLOW);
    if (pushDue > 0) await until(() => service.received.length >= pushes + pushDue, `the push at ${iso(t)}`, SLOW);
    const now = sink.messages();
    for (const m of now.slice(mails)) arrivals.push([header(m, 'X-Envelope-To') === ana.u.email ? 'ana' : 'ben', 'email', iso(t), header(m, 'Date')]);
    for (let i = pushes; i < service.received.length; i++) arrivals.push(['ben', 'push', iso(t), null]);
    mails = now.length;
    pushes = service.received.length;
  }
  const rfc = (t) => new Date(t * 1000).toUTCString().replace('GMT', '+0000');
  const want = [
    ...ANA.map((d) => ['ana', 'email', iso(d === REFUSED ? d + 180 : d), rfc(d === REFUSED ? d + 180 : d)]),
    ...BEN.map((d) => ['ben', 'email', iso(d), rfc(d)]),
    ...BEN.map((d) => ['ben', 'push', iso(d), null]),
  ];
  const order = (x, y) => (x[2] + x[0] + x[1]).localeCompare(y[2] + y[0] + y[1]);
  assert.deepEqual(arrivals.sort(order), want.sort(order), 'each slot once, at its time, and nothing else');
  assert.equal(sink.refusals(), 2, 'the relay refused twice');
  const m = await metrics();
  assert.equal(sample(m, 'dyad_reminders_total', '{channel="email",outcome="failed"}'), 2);
  assert.equal(sample(m, 'dyad_reminders_total', '{channel="email",outcome="sent"}'), ANA.length + BEN.length);
  assert.equal(sample(m, 'dyad_reminders_total', '{channel="push",outcome="sent"}'), BEN.length);
  assert.match(srv.logs(), /failed \(try 1\).*451.*next try in 60 s/);
  assert.match(srv.logs(), /failed \(try 2\).*451.*next try in 120 s/);

  // the same words, whatever Ben did: Ana's messages differ only in Date and Message-ID
  const strip = (msg) => msg.replace(/^(Date|Message-ID): .*\r?\n/gim, '');
  const anas = mailsTo(ana.u.email).map(strip);
  assert.equal(anas.length, ANA.length);
  for (const x of anas) assert.equal(x, anas[0]);
  assert.match(anas[0], /A moment for dyad, if you like\./);
  for (const secret of [ana.u.display_name, ben.u.display_name, ben.u.email, 'partner', 'streak', 'checked', 'check-in'])
    assert.ok(!anas[0].includes(secret), `Ana's reminder mentions ${secret}`);
  assert.ok(!/\b\d+ (days?|times?)\b/.test(anas[0]), 'no count');
  const bens = mailsTo(ben.u.email).map(strip);
  for (const x of bens) assert.equal(x, bens[0]);
  for (const p of service.received) assert.equal(openMessage(p.body, keys), NEUTRAL);

  // and the next slots are where they should be
  assert.equal((await ana.c.get('/api/v1/me/reminders')).json.reminders.next_at, '2026-11-04T07:00:00Z');
  assert.equal((await ben.c.get('/api/v1/me/reminders')).json.reminders.next_at, '2026-11-04T02:30:00Z');
});

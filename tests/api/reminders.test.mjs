// Reminders end to end: a person's settings through /api/v1/me/reminders
// (and the error shape for a bad zone, time, day or channel), an e-mail that
// reaches a loopback SMTP sink (tests/lib/smtpsink.py, python3-aiosmtpd) at
// the right minute of the person's local time under a moved clock, with no
// name and nothing about anyone's activity; the stop link, without a
// session, stops further messages; a relay that refuses is tried again; a
// server without a relay sends nothing and says so.
//
// The moved clock: DYAD_TEST_CLOCK_FILE (honoured by the ASan build only)
// names a file whose number is the scheduler's "now". The test waits for
// the scheduler to have looked at a given time through /metrics
// (dyad_reminders_last_pass_timestamp_seconds), never for a fixed time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { Client, registerAndLogin, pairDyad } from '../lib/api.mjs';
import { startSink, until } from '../lib/smtp.mjs';
import { linkedPair } from '../lib/therapist.mjs';

const TOKEN = 'scraper-token-0123456789';
// Monday 2026-12-07 07:00 UTC: 08:00 in Berlin (CET, +01:00)
const MON_0700Z = 1796626800;
const WED_0700Z = MON_0700Z + 2 * 86400;

let sink;
let srv;
let clockDir;
let clockFile;

function setClock(t) { writeFileSync(clockFile, String(t)); }

async function metrics(server) {
  const r = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 200);
  return r.text();
}

function sample(text, name, labels = '') {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

// The scheduler has made a whole pass with its clock at t or later.
async function passedAt(server, t) {
  await until(async () => sample(await metrics(server), 'dyad_reminders_last_pass_timestamp_seconds') >= t, `a scheduler pass at ${t}`);
}

function header(msg, name) {
  const m = msg.match(new RegExp(`^${name}: (.*)$`, 'mi'));
  return m ? m[1].trim() : null;
}

before(async () => {
  sink = await startSink();
  clockDir = mkdtempSync(join(tmpdir(), 'dyad-clock-'));
  clockFile = join(clockDir, 'now');
  setClock(MON_0700Z - 3600);
  srv = await startServer({
    args: ['--smtp-url', `smtp://127.0.0.1:${sink.port}`, '--smtp-starttls', 'none', '--mail-from', 'reminders@dyad.test'],
    env: { DYAD_TEST_CLOCK_FILE: clockFile, DYAD_METRICS_TOKEN: TOKEN },
  });
});

after(async () => {
  if (srv) await srv.stop();
  if (sink) await sink.stop();
  if (clockDir) rmSync(clockDir, { recursive: true, force: true });
});

const GOOD = { enabled: true, days: ['mon', 'wed'], time: '08:00', zone: 'Europe/Berlin', channels: ['email'] };

test('the moved clock is announced in the log', async () => {
  await until(() => /warn remind TEST CLOCK/.test(srv.logs()), 'the warning');
});

test('settings: defaults, and bad input answered 400 naming the field', async () => {
  const { u, c } = await registerAndLogin(srv.url, 'set');
  const r = await c.get('/api/v1/me/reminders');
  assert.equal(r.status, 200);
  assert.equal(r.json.reminders.enabled, false);
  assert.deepEqual(r.json.reminders.available, ['email', 'push']);
  assert.equal(r.json.reminders.email, u.email);
  assert.equal(r.json.reminders.next_at, null);
  const cases = [
    [{ zone: 'Mars/Olympus_Mons' }, 'zone'],
    [{ zone: '../../etc/passwd' }, 'zone'],
    [{ zone: '' }, 'zone'],
    [{ zone: 'zone.tab' }, 'zone'],
    [{ time: '24:00' }, 'time'],
    [{ time: '8:00' }, 'time'],
    [{ time: '08:00:00' }, 'time'],
    [{ days: ['funday'] }, 'days'],
    [{ days: [1] }, 'days'],
    [{ days: [] }, 'days'],
    [{ days: 'mon' }, 'days'],
    [{ channels: ['pigeon'] }, 'channels'],
    [{ channels: [] }, 'channels'],
    [{ enabled: 'yes' }, 'enabled'],
  ];
  for (const [change, field] of cases) {
    const res = await c.put('/api/v1/me/reminders', { ...GOOD, ...change });
    assert.equal(res.status, 400, `${JSON.stringify(change)}: ${res.text}`);
    assert.equal(res.json.error.field, field, JSON.stringify(change));
    assert.match(res.json.error.code, /^(invalid_field|missing_field)$/);
  }
  const missing = await c.put('/api/v1/me/reminders', { enabled: true });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.code, 'missing_field');
  // nothing was stored by any of them
  assert.equal((await c.get('/api/v1/me/reminders')).json.reminders.enabled, false);
  // off needs no day; the choices are kept
  const off = await c.put('/api/v1/me/reminders', { ...GOOD, enabled: false, days: [] });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.reminders.next_at, null);
  assert.equal(off.json.reminders.zone, 'Europe/Berlin');
});

test('the reminder arrives at 08:00 Berlin time, says nothing about anyone, and the stop link stops it', async () => {
  const { a, b, id } = await pairDyad(srv.url);
  // B is active: checks in, which a reminder must never reveal
  const today = new Date().toISOString().slice(0, 10);
  assert.equal((await b.c.put(`/api/v1/dyads/${id}/checkins/${today}`, { closeness: 4 })).status, 200);
  setClock(MON_0700Z - 120);
  const put = await a.c.put('/api/v1/me/reminders', GOOD);
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.reminders.next_at, '2026-12-07T07:00:00Z');
  assert.deepEqual(put.json.reminders.days, ['mon', 'wed']);

  // a second before 08:00 Berlin time: nothing
  setClock(MON_0700Z - 1);
  await passedAt(srv, MON_0700Z - 1);
  assert.equal(sink.messages().length, 0, 'nothing before the minute');

  // 08:00 Berlin time: one message, to A's address
  setClock(MON_0700Z);
  const [msg] = await until(() => sink.messages().length === 1 && sink.messages(), 'the reminder');
  assert.equal(header(msg, 'X-Envelope-To'), a.u.email);
  assert.equal(header(msg, 'X-Envelope-From'), 'reminders@dyad.test');
  assert.equal(header(msg, 'Date'), 'Mon, 07 Dec 2026 07:00:00 +0000');
  assert.equal(header(msg, 'Subject'), 'A moment for dyad');
  assert.match(msg, /A moment for dyad, if you like\./);
  assert.equal(header(msg, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
  // no name, no address but the recipient's, no count, nothing of B
  for (const secret of [a.u.display_name, b.u.display_name, b.u.email, b.u.id, 'partner', 'streak', 'check-in', 'checked'])
    assert.ok(!msg.includes(secret), `the message mentions ${secret}`);
  assert.ok(!/\b\d+ days?\b/.test(msg), 'no count of days');
  const stop = msg.match(/^(http:\/\/127\.0\.0\.1:\d+\/reminders\/stop\/[^\s]+)$/m)?.[1];
  assert.ok(stop, 'a stop link');
  assert.equal(header(msg, 'List-Unsubscribe'), `<${stop}>`);

  // the next one is Wednesday 08:00 Berlin time
  assert.equal((await a.c.get('/api/v1/me/reminders')).json.reminders.next_at, '2026-12-09T07:00:00Z');

  // the stop link, with no session: GET shows one button and stops nothing,
  // POST stops (the button, or a mail program's one-click unsubscribe)
  const page = await fetch(stop);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<form method="post"/);
  assert.equal((await a.c.get('/api/v1/me/reminders')).json.reminders.enabled, true, 'GET stops nothing');
  const wrong = await fetch(stop.replace(/\/[^/]+$/, '/AAAA'), { method: 'POST' });
  assert.equal(wrong.status, 404);
  const other = await fetch(stop.replace(a.u.id, b.u.id), { method: 'POST' });
  assert.equal(other.status, 404, 'one account\'s token does not stop another\'s');
  const done = await fetch(stop, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  assert.equal(done.status, 200);
  assert.match(await done.text(), /Reminders stopped/);
  const after = (await a.c.get('/api/v1/me/reminders')).json.reminders;
  assert.equal(after.enabled, false);
  assert.equal(after.next_at, null);

  // Wednesday 08:00 passes: nothing more
  setClock(WED_0700Z + 5);
  await passedAt(srv, WED_0700Z + 5);
  assert.equal(sink.messages().length, 1, 'nothing after the stop link');
  const m = await metrics(srv);
  assert.equal(sample(m, 'dyad_reminders_total', '{channel="email",outcome="sent"}'), 1);
});

test('a relay that refuses is tried again, and the send goes through', async () => {
  const { u, c } = await registerAndLogin(srv.url, 'retry');
  const start = WED_0700Z + 86400; // Thursday 2026-12-10 07:00 UTC = 02:00 in New York (EST)
  setClock(start - 60);
  const put = await c.put('/api/v1/me/reminders', { ...GOOD, days: ['thu'], time: '02:00', zone: 'America/New_York' });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.reminders.next_at, '2026-12-10T07:00:00Z');
  const before = sink.messages().length;
  sink.refuseNext(1);
  setClock(start);
  await until(() => sink.refusals() === 1, 'the refusal');
  await until(async () => sample(await metrics(srv), 'dyad_reminders_total', '{channel="email",outcome="failed"}') === 1, 'the failure counted');
  assert.equal(sink.messages().length, before, 'nothing taken yet');
  await until(() => /failed \(try 1\).*451.*next try in 60 s/.test(srv.logs()), 'the failure in the log');
  // the first retry waits a minute
  setClock(start + 59);
  await passedAt(srv, start + 59);
  assert.equal(sink.messages().length, before, 'not before the minute is up');
  setClock(start + 60);
  const msgs = await until(() => sink.messages().length === before + 1 && sink.messages(), 'the retried send');
  assert.equal(header(msgs.at(-1), 'X-Envelope-To'), u.email);
});

test('without a relay nothing is sent, and the API says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-clock2-'));
  const clock2 = join(dir, 'now');
  writeFileSync(clock2, String(MON_0700Z - 60));
  const bare = await startServer({ env: { DYAD_TEST_CLOCK_FILE: clock2, DYAD_METRICS_TOKEN: TOKEN } });
  try {
    await until(() => /no SMTP relay configured: no e-mail reminders/.test(bare.logs()), 'the log line (the log is buffered)');
    const { c } = await registerAndLogin(bare.url, 'bare');
    const r = await c.get('/api/v1/me/reminders');
    assert.deepEqual(r.json.reminders.available, ['push']);
    const put = await c.put('/api/v1/me/reminders', GOOD);
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.reminders.available, ['push']);
    writeFileSync(clock2, String(MON_0700Z + 1));
    await passedAt(bare, MON_0700Z + 1);
    const m = await metrics(bare);
    assert.equal(sample(m, 'dyad_reminders_claimed_total'), 1, 'the reminder fell due');
    assert.equal(sample(m, 'dyad_reminders_total', '{channel="email",outcome="sent"}'), 0);
    assert.equal(sample(m, 'dyad_reminders_total', '{channel="email",outcome="failed"}'), 0);
  } finally {
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a questionnaire waiting: the reminder says so, with no name; answered, the usual words again', async () => {
  const p = await linkedPair(srv);
  const m = await p.t.c.post(`/api/v1/therapist/dyads/${p.id}/measures`, { questionnaire: 'dyad-weekly-1' });
  assert.equal(m.status, 201, m.text);
  // the measure starts on the server's real day and answers count in the
  // server's real period: the moved clock goes an hour past the real now
  // (the same 7-day period), with a reminder every day at that minute
  const t = Math.floor(Date.now() / 60000) * 60 + 3600;
  const hhmm = new Date(t * 1000).toISOString().slice(11, 16);
  setClock(t - 60);
  const put = await p.a.c.put('/api/v1/me/reminders', { ...GOOD, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], time: hhmm, zone: 'UTC' });
  assert.equal(put.status, 200, put.text);
  const before = sink.messages().length;
  setClock(t);
  const msgs = await until(() => sink.messages().length === before + 1 && sink.messages(), 'the reminder');
  const msg = msgs.at(-1);
  assert.equal(header(msg, 'X-Envelope-To'), p.a.u.email);
  assert.equal(header(msg, 'Subject'), 'A short questionnaire in dyad');
  assert.match(msg, /A short questionnaire is waiting in dyad, if you like\./);
  for (const secret of [p.t.u.display_name, p.t.u.email, p.a.u.display_name, p.b.u.display_name, 'therapist', 'How are we'])
    assert.ok(!msg.includes(secret), `the message mentions ${secret}`);
  // answered: the next day's reminder has the usual words
  const mid = m.json.measure.id;
  const ans = await p.a.c.put(`/api/v1/dyads/${p.id}/measures/${mid}/answers`, { answers: { felt_close: 2 } });
  assert.equal(ans.status, 200, ans.text);
  setClock(t + 86400);
  const next = await until(() => sink.messages().length === before + 2 && sink.messages(), 'the next reminder');
  assert.equal(header(next.at(-1), 'Subject'), 'A moment for dyad');
  assert.equal((await p.a.c.put('/api/v1/me/reminders', { ...GOOD, enabled: false })).status, 200);
});

test('two servers over one database send each reminder once', async () => {
  // a second server on the first one's database and secret, both schedulers
  // looking at the same moved clock
  const second = await startServer({
    args: ['--db', srv.dbUrl, '--smtp-url', `smtp://127.0.0.1:${sink.port}`, '--smtp-starttls', 'none', '--mail-from', 'reminders@dyad.test'],
    env: { DYAD_TEST_CLOCK_FILE: clockFile, DYAD_METRICS_TOKEN: TOKEN, DYAD_SECRET_FILE: join(srv.dir, 'dyad.secret') },
  });
  try {
    const t = WED_0700Z + 7 * 86400; // Wednesday 2026-12-16 08:00 in Berlin
    setClock(t - 60);
    const people = [];
    for (let i = 0; i < 6; i++) {
      const p = await registerAndLogin(i % 2 ? second.url : srv.url, `twice${i}`);
      assert.equal((await p.c.put('/api/v1/me/reminders', GOOD)).status, 200);
      people.push(p);
    }
    const before = sink.messages().length;
    setClock(t);
    await until(() => sink.messages().length >= before + 6, 'six reminders');
    // both have looked again after sending: a duplicate would be there by now
    setClock(t + 1);
    await passedAt(srv, t + 1);
    await passedAt(second, t + 1);
    const got = sink.messages().slice(before).map((m) => header(m, 'X-Envelope-To')).sort();
    assert.deepEqual(got, people.map((p) => p.u.email).sort(), 'each person once');
    const claimed = sample(await metrics(srv), 'dyad_reminders_claimed_total') + sample(await metrics(second), 'dyad_reminders_claimed_total');
    assert.ok(claimed >= 6);
  } finally {
    await second.stop({ keep: true });
  }
});

test('the stop page needs no session and refuses a forged link', async () => {
  const anon = new Client(srv.url);
  const r = await anon.get('/reminders/stop/u-000000000000000000000000/forged');
  assert.equal(r.status, 404);
});

test('the server stops cleanly on SIGTERM with the scheduler running', async () => {
  const r = await srv.stop();
  srv = null;
  assert.deepEqual(r, { code: 0, signal: null });
});

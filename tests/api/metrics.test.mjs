// /metrics as a Prometheus server scrapes it: checked by `promtool check
// metrics` (Debian's prometheus package), with requests by route pattern and
// status class, a latency histogram per route, database time, live
// sessions and throttled answers — and not one e-mail address, user id,
// dyad id, invite code or path of anyone in it. Also /readyz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer } from '../lib/server.mjs';
import { Client, pairDyad, b64, sodium } from '../lib/api.mjs';

const TOKEN = 'scraper-token-0123456789';

function promtool(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is missing (scripts/deps.sh test installs prometheus): ${r.error.message}`);
  return r;
}

function sample(text, name, labels = {}) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = line.match(/^([a-z_]+)(\{(.*)\})? (\S+)$/);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] || '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

test('/metrics passes promtool, counts what it should and names no one', async () => {
  const s = await startServer({ env: { DYAD_METRICS_TOKEN: TOKEN, DYAD_LOGIN_FAILURES_PER_CLIENT: '2', DYAD_REGISTRATIONS_PER_CLIENT: '50' } });
  try {
    const p = await pairDyad(s.url);
    const anon = new Client(s.url);
    for (let i = 0; i < 3; i++) assert.equal((await anon.get('/healthz')).status, 200);
    await anon.get('/no/such/page');
    const date = new Date().toISOString().slice(0, 10);
    assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/checkins/${date}`, { closeness: 6 })).status, 200);
    // failed sign-ins until the back-off answers 429
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await anon.post('/api/v1/auth/login', { email: `nobody${i}@example.org`, auth_key: b64(sodium.randombytes_buf(32)) })).status);
    assert.ok(statuses.includes(429), `throttled: ${statuses}`);

    const r = await new Client(s.url).get('/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = r.text;

    const check = promtool(text);
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
    assert.equal((check.stdout + check.stderr).trim(), '', `promtool lint:\n${check.stdout}${check.stderr}`);

    // requests by route and class
    assert.ok(sample(text, 'dyad_http_requests_total', { route: '/healthz', method: 'GET', class: '2xx' }) >= 3);
    assert.equal(sample(text, 'dyad_http_requests_total', { route: '/api/v1/dyads/{id}/checkins/{date}', method: 'PUT', class: '2xx' }), 1);
    assert.ok(sample(text, 'dyad_http_requests_total', { route: 'unmatched', class: '4xx' }) >= 1, text.split('\n').filter((l) => /4xx/.test(l)).join('\n'));
    assert.ok(sample(text, 'dyad_http_requests_total', { route: '/api/v1/auth/login', method: 'POST', class: '4xx' }) >= 4);
    // a histogram per route: +Inf bucket equals the count
    const inf = sample(text, 'dyad_http_request_duration_seconds_bucket', { route: '/healthz', le: '+Inf' });
    assert.ok(inf >= 3);
    assert.equal(sample(text, 'dyad_http_request_duration_seconds_count', { route: '/healthz' }), inf);
    assert.ok(sample(text, 'dyad_http_request_duration_seconds_sum', { route: '/healthz' }) > 0);
    // database time, sessions, throttling
    assert.ok(sample(text, 'dyad_db_transactions_total') > 10);
    assert.ok(sample(text, 'dyad_db_seconds_total') > 0);
    // commits of writes: every committed group counted once in both
    // histograms; each made at least one store call durable
    const commits = sample(text, 'dyad_db_commits_total', { outcome: 'ok' });
    assert.ok(commits >= 5, `commits ${commits}`);
    assert.equal(sample(text, 'dyad_db_commits_total', { outcome: 'failed' }), 0);
    assert.equal(sample(text, 'dyad_db_commit_writes_count'), commits);
    assert.equal(sample(text, 'dyad_db_commit_writes_bucket', { le: '+Inf' }), commits);
    assert.ok(sample(text, 'dyad_db_commit_writes_sum') >= commits);
    assert.ok(sample(text, 'dyad_db_commit_writes_bucket', { le: '1' }) <= commits);
    assert.equal(sample(text, 'dyad_db_commit_seconds_count'), commits);
    assert.ok(sample(text, 'dyad_db_commit_seconds_sum') > 0);
    assert.equal(sample(text, 'dyad_db_commit_retries_total'), 0);
    assert.equal(sample(text, 'dyad_db_writes_waiting'), 0);
    assert.equal(sample(text, 'dyad_sessions_active'), 2, 'the two people signed in');
    assert.ok(sample(text, 'dyad_throttled_requests_total') >= 1);
    // reminders: per channel and outcome, none sent here (no relay)
    assert.equal(sample(text, 'dyad_reminders_total', { channel: 'email', outcome: 'sent' }), 0);
    assert.equal(sample(text, 'dyad_reminders_claimed_total'), 0);
    assert.ok(sample(text, 'dyad_reminders_last_pass_timestamp_seconds') > 1.7e9, 'the scheduler has looked');

    // nothing personal: no address, id, code, or filled-in path
    for (const secret of [p.a.u.email, p.b.u.email, p.a.u.id, p.b.u.id, p.id, date, 'nobody0', 'no/such']) {
      assert.ok(!text.includes(secret), `${secret} is in /metrics`);
    }
    const labels = new Set([...text.matchAll(/(\w+)="/g)].map((m) => m[1]));
    assert.deepEqual([...labels].sort(), ['channel', 'class', 'le', 'method', 'outcome', 'route', 'schema', 'version']);
  } finally { await s.stop(); }
});

test('promtool catches a malformed exposition (the check can fail)', () => {
  const bad = '# TYPE x counter\nx{a="1" 2\n';
  assert.notEqual(promtool(bad).status, 0);
});

test('/readyz: ready when the database answers and the schema is current', async () => {
  const s = await startServer();
  try {
    const r = await new Client(s.url).get('/readyz');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ready');
    assert.equal(r.json.database, 'ok');
    assert.equal(r.json.schema, r.json.schema_expected);
  } finally { await s.stop(); }
});

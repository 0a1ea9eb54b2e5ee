// The configuration as an operator meets it: a dyad.conf file, DYAD_*
// variables and flags, in that order of strength; `dyad config check`;
// every kind of mistake stopping start-up with the file, the line and the
// reason; `dyad help` for every command; and a server started from a file
// that really uses what the file says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, DYAD_BIN } from '../lib/server.mjs';
import { Client } from '../lib/api.mjs';

const dir = mkdtempSync(join(tmpdir(), 'dyad-config-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// The environment without any DYAD_ setting of the caller's.
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DYAD_')) env[k] = v;
  return { ...env, ...extra };
}

function dyad(args, env = {}) {
  const r = spawnSync(DYAD_BIN, args, { cwd: dir, env: cleanEnv(env), encoding: 'utf8', timeout: 60000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function conf(name, text) {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// "key = value ; origin" lines of `config check`, by section.key
function effective(out) {
  const m = {};
  let section = '';
  for (const line of out.split('\n')) {
    const s = line.match(/^\[(\w+)\]$/);
    if (s) { section = s[1]; continue; }
    const kv = line.match(/^(\w+) = (.*?)\t; (.*)$/);
    if (kv) m[`${section}.${kv[1]}`] = { value: kv[2], from: kv[3] };
  }
  return m;
}

test('flags beat the environment, which beats the file, which beats the defaults', () => {
  const file = conf('prec.conf', [
    '[server]', 'threads = 3', 'shutdown_timeout = 4',
    '[sessions]', 'idle_timeout = 301', 'absolute_timeout = 302',
    '[metrics]', 'token = file-token-0123456789abcdef', '',
  ].join('\n'));
  const r = dyad(['config', 'check', file, '--threads', '7'], { DYAD_THREADS: '5', DYAD_IDLE_TIMEOUT: '600' });
  assert.equal(r.status, 0, r.err);
  const e = effective(r.out);
  assert.deepEqual(e['server.threads'], { value: '7', from: 'flag (--threads)' });
  assert.deepEqual(e['sessions.idle_timeout'], { value: '600', from: 'environment (DYAD_IDLE_TIMEOUT)' });
  assert.deepEqual(e['sessions.absolute_timeout'], { value: '302', from: 'file line 6' });
  assert.deepEqual(e['server.shutdown_timeout'], { value: '4', from: 'file line 3' });
  assert.equal(e['server.listen'].value, '127.0.0.1:8080');
  assert.equal(e['server.listen'].from, 'default');
  // the secret is masked and appears nowhere in the output
  assert.equal(e['metrics.token'].value, '********');
  assert.ok(!r.out.includes('file-token'), 'the token is never printed');
  // every setting of the table is listed
  const ref = dyad(['config', 'reference', 'flags']);
  const flags = ref.out.split('\n').filter((l) => /^ {2}--/.test(l)).length;
  assert.equal(Object.keys(e).length, flags - 1 /* --config */);
});

test('--config and DYAD_CONFIG choose the file; an explicit file must exist', () => {
  const a = conf('a.conf', '[server]\nthreads = 11\n');
  const b = conf('b.conf', '[server]\nthreads = 12\n');
  assert.equal(effective(dyad(['config', 'check'], { DYAD_CONFIG: a }).out)['server.threads'].value, '11');
  assert.equal(effective(dyad(['config', 'check', '--config', b], { DYAD_CONFIG: a }).out)['server.threads'].value, '12');
  const missing = dyad(['migrate', '--db', `sqlite:${join(dir, 'm.db')}`], { DYAD_CONFIG: join(dir, 'nope.conf') });
  assert.equal(missing.status, 2);
  assert.equal(missing.err.trim(), `dyad: ${join(dir, 'nope.conf')}: cannot read: No such file or directory`);
});

test('a bad file stops every command with the file, the line and the reason', () => {
  const cases = [
    ['[server]\n# a comment\nlisen = 127.0.0.1:8080\n', ":3: unknown key 'lisen' in [server]"],
    ['[database]\nurl = mysql://db\n', ":2: database.url: 'mysql://db' is not sqlite:PATH, postgres://... or postgres:KEY=VALUE ..."],
    ['[sessions]\nidle_timeout = soon\n', ":2: sessions.idle_timeout: 'soon' is not a whole number from 60 to 315360000"],
    ['[server]\ntrusted_proxy = perhaps\n', ":2: server.trusted_proxy: 'perhaps' is not addresses or CIDR ranges separated by commas (at most 16), yes or no"],
    ['[servers]\nthreads = 2\n', ':2: unknown section [servers]'],
    ['[server]\nthreads\n', ":2: not a [section] or a 'key = value' line"],
  ];
  for (const [i, [text, reason]] of cases.entries()) {
    const f = conf(`bad${i}.conf`, text);
    for (const args of [['config', 'check', f], ['serve', '--config', f], ['migrate', '--config', f]]) {
      const r = dyad(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.out}${r.err}`);
      assert.equal(r.err.trim(), `dyad: ${f}${reason}`);
      assert.ok(!r.out.includes('listening'));
    }
  }
  // a file that cannot be read (a directory: root can read any file)
  const d = join(dir, 'conf.d');
  mkdirSync(d, { recursive: true });
  const r = dyad(['serve', '--config', d]);
  assert.equal(r.status, 2);
  assert.equal(r.err.trim(), `dyad: ${d}: cannot read: Is a directory`);
});

test('bad values from the environment and flags name their source', () => {
  let r = dyad(['serve'], { DYAD_CONFIG: '/dev/null', DYAD_LISTEN: 'localhost' });
  assert.equal(r.status, 2);
  assert.equal(r.err.trim(), "dyad: DYAD_LISTEN: 'localhost' is not ADDR:PORT (an IP address; IPv6 as [ADDR]:PORT)");
  r = dyad(['serve', '--public-url', 'ftp://x'], { DYAD_CONFIG: '/dev/null' });
  assert.equal(r.status, 2);
  assert.equal(r.err.trim(), "dyad: --public-url: 'ftp://x' is not http(s)://host[:port] (no path)");
  r = dyad(['serve', '--colour', 'blue'], { DYAD_CONFIG: '/dev/null' });
  assert.equal(r.status, 2);
  assert.match(r.err, /unknown option '--colour'/);
});

test('a server started from a file uses it, and the environment still wins', async () => {
  const token = 'from-the-file-0123456789';
  const file = conf('serve.conf', `[metrics]\ntoken = ${token}\n[sessions]\nidle_timeout = 900\n`);
  const s = await startServer({ env: { DYAD_CONFIG: file } });
  try {
    const m = new Client(s.url);
    assert.equal((await m.get('/metrics', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  } finally { await s.stop(); }
  const s2 = await startServer({ env: { DYAD_CONFIG: file, DYAD_METRICS_TOKEN: 'from-the-environment-42' } });
  try {
    const m = new Client(s2.url);
    assert.equal((await m.get('/metrics', { headers: { Authorization: `Bearer ${token}` } })).status, 404);
    assert.equal((await m.get('/metrics', { headers: { Authorization: 'Bearer from-the-environment-42' } })).status, 200);
  } finally { await s2.stop(); }
});

test('dyad --help and dyad help COMMAND for every command', () => {
  const top = dyad(['--help']);
  assert.equal(top.status, 0);
  const names = [...top.out.matchAll(/^ {2}dyad ([\w-]+(?: [a-z]+)?)/gm)].map((m) => m[1].replace(/ (FILE|EMAIL|read-export)$/, ''));
  for (const want of ['serve', 'migrate', 'backup', 'restore', 'therapist add', 'config check', 'client', 'version', 'help']) {
    assert.ok(names.some((n) => n === want || n.startsWith(`${want} `) || want.startsWith(n)), `${want} listed in ${names}`);
  }
  for (const name of names) {
    const r = dyad(['help', ...name.split(' ')]);
    assert.equal(r.status, 0, `dyad help ${name}: ${r.err}`);
    assert.match(r.out, /^usage: dyad /);
    assert.ok(r.out.includes(name), `dyad help ${name} speaks of ${name}`);
  }
  const serve = dyad(['serve', '--help']);
  assert.equal(serve.status, 0);
  for (const flag of ['--listen', '--db', '--public-url', '--config', '--metrics-token', '--shutdown-timeout']) {
    assert.ok(serve.out.includes(flag), flag);
  }
  const unknown = dyad(['help', 'frobnicate']);
  assert.equal(unknown.status, 2);
});

test('the settings table in docs/operators.md is the one the binary prints', () => {
  const doc = readFileSync(new URL('../../docs/operators.md', import.meta.url), 'utf8');
  const m = doc.match(/<!-- settings:begin[^\n]*-->\n([\s\S]*?)<!-- settings:end -->/);
  assert.ok(m, 'markers in docs/operators.md');
  const ref = dyad(['config', 'reference', 'markdown']);
  assert.equal(ref.status, 0);
  assert.equal(m[1], ref.out, 'regenerate with `make docs-settings`');
});

test('/metrics answers an allowed address without a token, and no one else', async () => {
  const s = await startServer({ env: { DYAD_METRICS_ALLOW: '127.0.0.0/8, ::1' } });
  try {
    assert.equal((await new Client(s.url).get('/metrics')).status, 200);
  } finally { await s.stop(); }
  const s2 = await startServer({ env: { DYAD_METRICS_ALLOW: '10.0.0.0/8' } });
  try {
    assert.equal((await new Client(s2.url).get('/metrics')).status, 404);
  } finally { await s2.stop(); }
});

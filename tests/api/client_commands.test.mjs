// `dyad client`: every command, driven as a person's scripts would drive
// the binary (--password-fd, --json), against a real server on an ephemeral
// port — two members who use only the client pair, check in, share, respond,
// answer a prompt in mutual reveal, read insights and export; then every
// class of error, each with its own exit status and the API's code and
// message shown; TLS verified unless a private CA is named.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, statSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { clientPerson, runClient, EXIT } from '../lib/client.mjs';
import { Client, sodium } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);

let srv;
let work;
before(async () => {
  srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
  work = mkdtempSync(join(tmpdir(), 'dyad-client-'));
});
after(async () => {
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const person = (name, password) => clientPerson(work, name, password);
const run = (p, args, { server = srv.url, ...opts } = {}) => runClient(p, server, args, opts);

async function ok(p, args, opts) {
  const r = await run(p, args, opts);
  assert.equal(r.status, 0, `dyad client ${args.join(' ')} → ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function registered(name, password) {
  const p = person(name, password);
  const r = await ok(p, ['--json', 'register', '--email', p.email, '--name', name], { passwords: [password] });
  assert.match(r.json.recovery_code, /^([A-Z2-7]{4}-){12}[A-Z2-7]{4}$/);
  p.id = r.json.user.id;
  p.recovery = r.json.recovery_code;
  return p;
}

// Two people paired through the client alone. → { ana, ben, dyadId, link }
async function pairedByClient(kind) {
  const ana = await registered('Ana', 'correct horse battery staple');
  const ben = await registered('Ben', 'another long passphrase');
  const inv = await ok(ana, ['--json', 'invite', '--kind', kind], { passwords: [ana.password] });
  const link = inv.json.link;
  assert.ok(link.startsWith(`${srv.url}/join/`), link);
  const joined = await ok(ben, ['--json', 'join', link], { passwords: [ben.password] });
  assert.equal(joined.json.partner_verified, true);
  assert.equal(joined.json.key_shared, false, 'the creator has not sealed K yet');
  const code = await ok(ana, ['--json', 'safety-code'], { passwords: [ana.password] });
  assert.equal(code.json.key_shared_now, true, 'the creator seals K for a verified partner');
  assert.equal(code.json.safety_code, joined.json.safety_code, 'both see the same safety code');
  assert.match(code.json.safety_code, /^(\d{5} ){5}\d{5}$/);
  return { ana, ben, dyadId: inv.json.dyad.id, link };
}

test('two people pair, share, respond and reveal mutually with the client alone', async () => {
  const { ana, ben, dyadId, link } = await pairedByClient('friends');

  // The session file: private, holding wrapped keys only.
  const file = join(ana.state, 'dyad', 'session.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(ana.state, 'dyad')).mode & 0o777, 0o700);
  const session = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(Object.keys(session).sort(),
    ['box_public_key', 'cookies', 'csrf_token', 'kdf', 'server', 'sign_public_key', 'user', 'version', 'wrapped_keys']);
  assert.equal(session.kdf.opslimit, 3);
  assert.equal(session.kdf.memlimit, 67108864);

  const who = await ok(ana, ['whoami']);
  assert.match(who.stdout, /^Ana \(ana-.*@example\.org\), u-/);
  const dy = await ok(ben, ['--json', 'dyads']);
  assert.deepEqual(dy.json.dyads.map((d) => [d.id, d.kind, d.state, d.partner]), [[dyadId, 'friends', 'paired', 'Ana']]);

  // The link works once.
  const again = await run(ben, ['join', link], { passwords: [ben.password] });
  assert.equal(again.status, EXIT.conflict, again.stderr);
  assert.match(again.stderr, /\(conflict, field code, HTTP 409\)/);

  // A share from standard input, read back decrypted by the other.
  await ok(ben, ['share', '--topic', 'joy', '--depth', '1'], { passwords: [ben.password], input: 'The river at dawn — ünïcode too.\n' });
  const seen = await ok(ana, ['--json', 'shares'], { passwords: [ana.password] });
  const s = seen.json.shares[0];
  assert.equal(s.text, 'The river at dawn — ünïcode too.');
  assert.equal(s.author_id, ben.id);
  const text = await ok(ana, ['shares'], { passwords: [ana.password] });
  assert.match(text.stdout, /Ben · Joys · depth 1 \(Everyday\)/);
  assert.match(text.stdout, /\n {2}The river at dawn — ünïcode too\.\n/);

  // `--` before the id: an id is random base64url and may begin with '-'
  await ok(ana, ['respond', '--text', 'Me too, next time together.', '--', s.id, 'with_you'], { passwords: [ana.password] });
  const back = await ok(ben, ['--json', 'shares'], { passwords: [ben.password] });
  assert.equal(back.json.shares[0].responses[0].text, 'Me too, next time together.');
  assert.equal(back.json.shares[0].responses[0].kind, 'with_you');

  // Mutual reveal: withheld until one answers the same prompt.
  const pr = await ok(ana, ['--json', 'prompt', '--topic', 'hope']);
  const prompt = pr.json.prompt;
  assert.ok(prompt && prompt.id, 'a suggested prompt');
  const prText = await ok(ana, ['prompt', '--topic', 'hope']);
  assert.ok(prText.stdout.includes(prompt.text));
  assert.match(prText.stdout, /Why this one: /);
  await ok(ana, ['share', '--topic', 'hope', '--depth', String(prompt.depth), '--prompt', prompt.id, '--mutual', '--file', '-'],
    { passwords: [ana.password], input: 'The sea, mostly.' });
  const withheld = await ok(ben, ['--json', 'shares'], { passwords: [ben.password] });
  assert.equal(withheld.json.shares[0].withheld, true);
  assert.equal(withheld.json.shares[0].body, null);
  assert.match((await ok(ben, ['shares'], { passwords: [ben.password] })).stdout, /kept back until you answer/);
  const answerFile = join(ben.home, 'answer.txt');
  writeFileSync(answerFile, 'Mountains.\n');
  await ok(ben, ['share', '--topic', 'hope', '--depth', String(prompt.depth), '--prompt', prompt.id, '--mutual', '--file', answerFile], { passwords: [ben.password] });
  const revealed = await ok(ben, ['--json', 'shares'], { passwords: [ben.password] });
  const texts = revealed.json.shares.map((x) => x.text);
  assert.ok(texts.includes('The sea, mostly.') && texts.includes('Mountains.'), JSON.stringify(texts));

  // Responding to one's own share is refused by the server: 403.
  const own = await run(ben, ['respond', '--', revealed.json.shares[0].id, 'understood'], { passwords: [ben.password] });
  assert.equal(own.status, EXIT.forbidden, own.stderr);
  assert.match(own.stderr, /\(forbidden, HTTP 403\)/);
  // An unknown share: 404.
  const none = await run(ben, ['--json', 'respond', 'AAAAAAAAAAAAAAAAAAAAAA', 'understood'], { passwords: [ben.password] });
  assert.equal(none.status, EXIT.not_found, none.stderr);
  assert.equal(none.json.error.code, 'not_found');
  assert.equal(none.json.error.http_status, 404);
  assert.equal(none.json.error.exit_status, EXIT.not_found);
});

test('check-ins: the partner sees only what was shown, the note only its author', async () => {
  const { ana, ben } = await pairedByClient('couple');
  await ok(ben, ['checkin', '--closeness', '7', '--closeness-wanted', '9', '--affection', 'pass', '--emotions', 'joy,hope',
    '--wordless', 'yes', '--note', 'Quiet and good.', '--show', 'closeness,emotions'], { passwords: [ben.password] });
  const mine = await ok(ben, ['--json', 'checkins', '--notes'], { passwords: [ben.password] });
  const row = mine.json.checkins.find((r) => r.user_id === ben.id);
  assert.equal(row.closeness, 7);
  assert.equal(row.closeness_wanted, 9);
  assert.equal(row.affection, null);
  assert.equal(row.note_text, 'Quiet and good.');
  const theirs = await ok(ana, ['--json', 'checkins']);
  const seen = theirs.json.checkins.find((r) => r.user_id === ben.id);
  assert.equal(seen.closeness, 7);
  assert.deepEqual(seen.emotions, ['joy', 'hope']);
  assert.equal(seen.closeness_wanted, undefined, 'not shown');
  assert.equal(seen.note, undefined, 'never the note');
  const text = await ok(ana, ['checkins']);
  assert.match(text.stdout, /How close Ben felt: 7 of 10/);
  assert.doesNotMatch(text.stdout, /Quiet and good/);

  // A new check-in for the same day without --note keeps the note.
  await ok(ben, ['checkin', '--closeness', '8']);
  const kept = await ok(ben, ['--json', 'checkins', '--notes'], { passwords: [ben.password] });
  assert.equal(kept.json.checkins.find((r) => r.user_id === ben.id).note_text, 'Quiet and good.');
  await ok(ben, ['checkin', '--closeness', '8', '--clear-note']);
  const cleared = await ok(ben, ['--json', 'checkins']);
  assert.equal(cleared.json.checkins.find((r) => r.user_id === ben.id).note, null);

  // sexual is refused until tracked: the server's 400 names the field.
  const sex = await run(ben, ['checkin', '--sexual', '5']);
  assert.equal(sex.status, EXIT.invalid, sex.stderr);
  assert.match(sex.stderr, /\(invalid_field, field sexual, HTTP 400\)/);
  const bad = await run(ben, ['checkin', '--closeness', '11']);
  assert.equal(bad.status, EXIT.usage);
  const date = await run(ben, ['checkin', '--date', '2001-01-01', '--closeness', '5']);
  assert.equal(date.status, EXIT.invalid, date.stderr);
  assert.match(date.stderr, /field date/);

  // Insights: the same numbers as the API, in words.
  const ins = await ok(ben, ['--json', 'insights', '--window', '7']);
  assert.equal(ins.json.window, 7);
  const me = ins.json.members.find((m) => m.user_id === ben.id);
  assert.equal(me.closeness_mean, 8);
  const words = await ok(ben, ['insights', '--window', '7']);
  assert.match(words.stdout, /Insights over the last 7 days/);
  assert.match(words.stdout, /Closeness felt\s+8\.0 of 10/);
  // one check-in, sex not tracked: the same status as on every page
  assert.equal(me.quadrant, 'insufficient_data');
  assert.match(words.stdout, /Where this places you\s+not enough check-ins yet \(7 are needed\)/);
  assert.match(words.stdout, /Worth noticing/);
});

test('export decrypts one\'s own words as Markdown and JSON; read-export still works offline', async () => {
  const { ana } = await pairedByClient('family');
  await ok(ana, ['share', '--topic', 'gratitude', '--depth', '2'], { passwords: [ana.password], input: 'Thank you for Sunday.' });
  await ok(ana, ['checkin', '--closeness', '6', '--note', 'A note for me.'], { passwords: [ana.password] });
  const md = await ok(ana, ['export'], { passwords: [ana.password] });
  assert.match(md.stdout, /^# dyad export of Ana/);
  assert.match(md.stdout, /### Share: Gratitude, depth 2 \(Personal\)/);
  assert.match(md.stdout, /Thank you for Sunday\./);
  assert.match(md.stdout, /- private note: A note for me\./);
  const out = join(ana.home, 'export.json');
  await ok(ana, ['export', '--format', 'json', '--output', out], { passwords: [ana.password] });
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const e = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(e.format, 'dyad-export');
  assert.equal(e.dyads[0].shares[0].text, 'Thank you for Sunday.');
  assert.equal(e.dyads[0].key_check, 'self');
  assert.equal(e.dyads[0].checkins[0].note_text, 'A note for me.');
  const clash = await run(ana, ['export', '--output', out], { passwords: [ana.password] });
  assert.equal(clash.status, 1, 'an existing file is never overwritten');

  // The raw export, decrypted offline with the password alone.
  const raw = join(ana.home, 'raw.json');
  const c = new Client(srv.url);
  const session = JSON.parse(readFileSync(join(ana.state, 'dyad', 'session.json'), 'utf8'));
  c.cookie = session.cookies[0].split('\t').slice(5, 7).join('=');
  writeFileSync(raw, (await c.get('/api/v1/me/export')).text);
  const offline = await ok(ana, ['read-export', raw], { passwords: [ana.password], server: 'http://127.0.0.1:9' });
  assert.match(offline.stdout, /Thank you for Sunday\./);
});

test('password, sessions and logout', async () => {
  const ana = await registered('Ana', 'correct horse battery staple');
  // A second login elsewhere (another machine: another state directory).
  const other = { ...person('Ana2', ana.password), email: ana.email };
  await ok(other, ['login', '--email', ana.email], { passwords: [ana.password] });
  const list = await ok(ana, ['--json', 'sessions']);
  assert.equal(list.json.sessions.length, 2);
  assert.equal(list.json.sessions.filter((s) => s.current).length, 1);

  // Wrong current password: refused here, before anything is sent.
  const wrong = await run(ana, ['password'], { passwords: ['not my password', 'a new long password'] });
  assert.equal(wrong.status, EXIT.auth, wrong.stderr);
  await ok(ana, ['password'], { passwords: [ana.password, 'a new long password'] });
  const ended = await run(other, ['whoami']);
  assert.equal(ended.status, EXIT.auth, 'other sessions end on a password change');
  assert.match(ended.stderr, /\(unauthenticated, HTTP 401\)/);
  assert.equal((await run(ana, ['--json', 'invite', '--kind', 'friends'], { passwords: [ana.password] })).status, EXIT.auth,
    'the old password no longer opens the keys');
  await ok(ana, ['invite', '--kind', 'friends'], { passwords: ['a new long password'] });
  await ok(other, ['login', '--email', ana.email], { passwords: ['a new long password'] });

  // Ending the other session by id.
  const sessions = (await ok(ana, ['--json', 'sessions'])).json.sessions;
  const theirs = sessions.find((s) => !s.current);
  await ok(ana, ['sessions', 'end', theirs.id]);
  assert.equal((await run(other, ['whoami'])).status, EXIT.auth);

  // Logout ends the session on the server and wipes the file.
  const file = join(ana.state, 'dyad', 'session.json');
  const cookie = JSON.parse(readFileSync(file, 'utf8')).cookies[0].split('\t').slice(5, 7).join('=');
  const out = await ok(ana, ['logout']);
  assert.match(out.stdout, /Logged out/);
  assert.equal(existsSync(file), false);
  const c = new Client(srv.url);
  c.cookie = cookie;
  assert.equal((await c.get('/api/v1/me')).status, 401, 'the cookie no longer works');
  const after = await run(ana, ['--json', 'whoami']);
  assert.equal(after.status, EXIT.auth);
  assert.equal(after.json.error.code, 'not_logged_in');
  await ok(ana, ['logout']);
});

test('each class of error has its own exit status and shows the API\'s code and message', async () => {
  const p = person('Err', 'a long enough password');
  // usage
  assert.equal((await run(p, ['frobnicate'])).status, EXIT.usage);
  assert.equal((await run(p, ['register', '--email', 'x@example.org'])).status, EXIT.usage);
  assert.equal((await run(p, ['invite', '--kind', 'strangers'])).status, EXIT.usage);
  assert.equal((await run(p, ['join', 'https://example.org/join/abc'])).status, EXIT.usage, 'a link without its secret');
  const short = await run(p, ['register', '--email', 'x@example.org', '--name', 'X'], { passwords: ['short'] });
  assert.equal(short.status, EXIT.usage);
  assert.match(short.stderr, /at least 10 characters/);
  // no terminal and no --password-fd
  const noTty = await run(p, ['login', '--email', 'x@example.org'], { env: { DYAD_PASSWORD: 'x' } });
  assert.equal(noTty.status, EXIT.usage, noTty.stderr);
  assert.match(noTty.stderr, /--password-fd/);
  // network
  const net = await run(p, ['login', '--email', 'x@example.org'], { passwords: ['whatever long'], server: 'http://127.0.0.1:9' });
  assert.equal(net.status, EXIT.network);
  assert.match(net.stderr, /\(network\)/);
  // auth: not logged in; a wrong password at login
  assert.equal((await run(p, ['whoami'])).status, EXIT.auth);
  await ok(p, ['register', '--email', p.email, '--name', 'Err'], { passwords: [p.password] });
  const bad = await run(p, ['login', '--email', p.email], { passwords: ['the wrong password'] });
  assert.equal(bad.status, EXIT.auth);
  assert.match(bad.stderr, /do not match an account here \(unauthenticated, HTTP 401\)/);
  await ok(p, ['whoami']); // a failed login leaves the session it found
  // conflict: the address is taken
  const q = person('Err2', 'a long enough password');
  const taken = await run(q, ['--json', 'register', '--email', p.email, '--name', 'Again'], { passwords: [q.password] });
  assert.equal(taken.status, EXIT.conflict);
  assert.equal(taken.json.error.code, 'conflict');
  assert.equal(taken.json.error.field, 'email');
  assert.ok(taken.json.error.message.length > 0);
  // not found: a dyad that is not one's own
  const nf = await run(p, ['shares', '--dyad', 'd-000000000000000000000000'], { passwords: [p.password] });
  assert.equal(nf.status, EXIT.not_found);
  assert.match(nf.stderr, /\(not_found, HTTP 404\)/);
  // no dyad yet
  const nodyad = await run(p, ['prompt']);
  assert.equal(nodyad.status, EXIT.not_found);
  assert.match(nodyad.stderr, /no dyad yet/);
  // forbidden: a stale CSRF token in the session file
  const file = join(p.state, 'dyad', 'session.json');
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const token = s.csrf_token;
  s.csrf_token = 'x'.repeat(43);
  writeFileSync(file, JSON.stringify(s), { mode: 0o600 });
  const csrf = await run(p, ['invite', '--kind', 'friends'], { passwords: [p.password] });
  assert.equal(csrf.status, EXIT.forbidden);
  assert.match(csrf.stderr, /\(csrf, field X-CSRF-Token, HTTP 403\)/);
  s.csrf_token = token;
  writeFileSync(file, JSON.stringify(s));
  chmodSync(file, 0o644);
  const loose = await run(p, ['whoami']);
  assert.equal(loose.status, 1, 'a session file others can read is refused');
  assert.match(loose.stderr, /mode 0600/);
});

test('crypto: a link whose secret does not match the creator\'s proof is refused', async () => {
  const ana = await registered('Ana', 'correct horse battery staple');
  const ben = await registered('Ben', 'another long passphrase');
  const inv = await ok(ana, ['--json', 'invite', '--kind', 'friends'], { passwords: [ana.password] });
  const forged = inv.json.link.replace(/#.*/, `#${cr.encodeSecret(sodium.randombytes_buf(32))}`);
  const r = await run(ben, ['--json', 'join', forged], { passwords: [ben.password] });
  assert.equal(r.status, EXIT.crypto, r.stderr);
  assert.equal(r.json.error.code, 'key_proof');
  // The creator's side refuses to seal K for that partner too.
  const a = await run(ana, ['safety-code'], { passwords: [ana.password] });
  assert.equal(a.status, EXIT.crypto, a.stderr);
  assert.match(a.stderr, /do not match the secret/);
  const dyad = (await ok(ana, ['--json', 'dyads'])).json.dyads[0];
  assert.equal(dyad.state, 'share_key', 'K was not shared');
});

// A stand-in server for what a real dyad server never does.
async function fakeServer(handler) {
  const hits = [];
  const s = createServer((req, res) => { hits.push(`${req.method} ${req.url}`); handler(req, res); });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${s.address().port}`, hits, close: () => new Promise((r) => s.close(r)) };
}

test('weak KDF parameters are refused before anything is sent; 5xx and 429 have their own status', async () => {
  const p = person('Kdf', 'a long enough password');
  const weak = await fakeServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kdf_salt: 'AAAAAAAAAAAAAAAAAAAAAA==', opslimit: 1, memlimit: 8192, alg: 'argon2id13' }));
  });
  try {
    const r = await run(p, ['login', '--email', 'a@example.org'], { passwords: [p.password], server: weak.url });
    assert.equal(r.status, EXIT.crypto, r.stderr);
    assert.match(r.stderr, /weaker password protection/);
    assert.deepEqual(weak.hits, ['GET /api/v1/auth/kdf?email=a%40example.org'], 'no login was sent');
  } finally { await weak.close(); }

  const down = await fakeServer((req, res) => {
    res.writeHead(503, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: 'The database did not answer.' } }));
  });
  try {
    const r = await run(p, ['login', '--email', 'a@example.org'], { passwords: [p.password], server: down.url });
    assert.equal(r.status, EXIT.server);
    assert.match(r.stderr, /The database did not answer\. \(unavailable, HTTP 503\)/);
  } finally { await down.close(); }

  const s = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '1' } });
  try {
    await ok(p, ['register', '--email', p.email, '--name', 'Kdf'], { passwords: [p.password], server: s.url });
    const q = person('Kdf2', 'a long enough password');
    const r = await run(q, ['register', '--email', q.email, '--name', 'Kdf'], { passwords: [q.password], server: s.url });
    assert.equal(r.status, EXIT.rate, r.stderr);
    assert.match(r.stderr, /\(rate_limited, HTTP 429\)/);
    assert.match(r.stderr, /retry after \d+ s/);
  } finally { await s.stop(); }
});

test('TLS is verified: a certificate nobody vouches for is refused, --ca FILE trusts a private CA', async () => {
  const dir = mkdtempSync(join(work, 'tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
  { stdio: 'ignore' });
  const hits = [];
  const s = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    hits.push(req.url);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kdf_salt: 'AAAAAAAAAAAAAAAAAAAAAA==', opslimit: 1, memlimit: 8192, alg: 'argon2id13' }));
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${s.address().port}`;
  const p = person('Tls', 'a long enough password');
  try {
    const refused = await run(p, ['login', '--email', 'a@example.org'], { passwords: [p.password], server: url });
    assert.equal(refused.status, EXIT.network, refused.stderr);
    assert.match(refused.stderr, /certificate/i);
    assert.equal(hits.length, 0, 'no request reached the server');
    // With the CA given, the connection is made (and this server's weak KDF is then refused).
    const trusted = await run(p, ['--ca', cert, 'login', '--email', 'a@example.org'], { passwords: [p.password], server: url });
    assert.equal(trusted.status, EXIT.crypto, trusted.stderr);
    assert.equal(hits.length, 1);
  } finally {
    await new Promise((r) => s.close(r));
  }
});

test('--json: every command prints one JSON object on standard output, and nothing else', async () => {
  const { ana, ben, dyadId } = await pairedByClient('friends');
  const json = async (p, args, opts) => {
    const r = await ok(p, ['--json', ...args], opts);
    assert.ok(r.json !== null && typeof r.json === 'object' && !Array.isArray(r.json), `${args[0]}: ${r.stdout}`);
    return r.json;
  };
  // register, invite, join, safety-code, dyads, shares, prompt, checkins and insights have their own --json checks above
  assert.equal((await json(ana, ['whoami'])).user.id, ana.id);
  const other = { ...person('Ana2', ana.password), email: ana.email };
  assert.equal((await json(other, ['login', '--email', ana.email], { passwords: [ana.password] })).user.id, ana.id);
  const ci = await json(ana, ['checkin', '--closeness', '6', '--show', 'closeness']);
  assert.equal(ci.dyad, dyadId);
  assert.deepEqual(ci.show_partner, ['closeness']);
  const sh = await json(ben, ['share', '--topic', 'joy', '--depth', '1'], { passwords: [ben.password], input: 'A JSON-quiet share.' });
  assert.equal(sh.reveal, 'now', JSON.stringify(sh));
  const rs = await json(ana, ['respond', '--', sh.id, 'understood'], { passwords: [ana.password] });
  assert.equal(rs.share_id, sh.id);
  assert.equal(rs.words, false);
  const ex = await json(ana, ['export'], { passwords: [ana.password] });
  assert.equal(ex.format, 'dyad-export');
  const ss = await json(ana, ['sessions']);
  const theirs = ss.sessions.find((s) => !s.current);
  await json(ana, ['sessions', 'end', theirs.id]);
  assert.equal((await json(ana, ['password'], { passwords: [ana.password, 'a newer long password'] })).password_changed, true);
  assert.equal((await json(ana, ['logout'])).logged_out, true);
});

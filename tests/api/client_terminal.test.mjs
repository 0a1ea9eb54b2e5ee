// `dyad client` at a real terminal: each run sits on a pseudo-terminal
// (tests/lib/pty_run.py, python3's pty module) that answers the prompts as
// a person would. Registration asks the password twice and the last group
// of the recovery code; the check-in asks item by item, re-asks a score out
// of range, and asks the password to seal the note; `share` takes its words
// from $EDITOR. The password is never echoed (the terminal shows everything
// else that was typed); the editor's file is private and gone afterwards;
// friends never read a word about sex. `login` and `password` at the
// terminal: a wrong password, a wrong current one and two new ones that
// differ are each told in words and change nothing; no password is echoed.
// Then `help CMD` and `CMD --help`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, DYAD_BIN } from '../lib/server.mjs';
import { clientPerson, runClient, EXIT } from '../lib/client.mjs';

const PTY = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'pty_run.py');

let srv;
let work;
before(async () => {
  srv = await startServer();
  work = mkdtempSync(join(tmpdir(), 'dyad-client-tty-'));
});
after(async () => {
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Runs `dyad client --server URL ARGS` on a pseudo-terminal answering steps
// ([pattern, answer] pairs). → { status, transcript, timed_out }
function atTerminal(p, args, steps, env = {}) {
  const file = join(p.home, `steps-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(steps));
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [PTY, file, '--', DYAD_BIN, 'client', '--server', srv.url, ...args], {
      env: { ...process.env, HOME: p.home, XDG_STATE_HOME: p.state, DYAD_SERVER: '', EDITOR: '', TERM: 'dumb', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(file, { force: true });
      if (code !== 0) return reject(new Error(`pty_run.py exited ${code}: ${err}`));
      resolve(JSON.parse(out));
    });
  });
}

const ok = async (p, args, opts = {}) => {
  const r = await runClient(p, srv.url, args, { passwords: [p.password], ...opts });
  assert.equal(r.status, 0, `dyad client ${args.join(' ')} → ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
};

const ITEM = '0-10, or Enter to pass: ';

test('register, check in item by item and share from $EDITOR at a terminal; the password is never echoed', async () => {
  const ana = clientPerson(work, 'Ana', 'a password typed at the terminal');
  const reg = await atTerminal(ana, ['register', '--email', ana.email, '--name', 'Ana'], [
    ['Choose a password \\(at least 10 characters\\): ', `${ana.password}\n`],
    ['The same password again: ', `${ana.password}\n`],
    ['type the last group of the code: ', { last_group_of: '((?:[A-Z2-7]{4}-){12}[A-Z2-7]{4})' }],
  ]);
  assert.equal(reg.status, 0, reg.transcript);
  assert.match(reg.transcript, /Your recovery code \(shown only this once\)/);
  assert.ok(!reg.transcript.includes(ana.password), 'the password is not echoed');

  const ben = clientPerson(work, 'Ben', 'another long passphrase');
  await ok(ben, ['register', '--email', ben.email, '--name', 'Ben']);
  const link = (await ok(ana, ['--json', 'invite', '--kind', 'friends'])).json.link;
  await ok(ben, ['join', link]);
  await ok(ana, ['safety-code']);

  // The check-in, item by item; 12 is out of range and asked again.
  const ci = await atTerminal(ana, ['checkin'], [
    [ITEM, '7\n'],
    [ITEM, '12\n'],
    [`A whole number from 0 to 10, please\\..*${ITEM}`, '9\n'],
    [ITEM, '\n'],
    [ITEM, '6\n'],
    [ITEM, '8\n'],
    [`How much affection, warmth or being near was there\\?.*${ITEM}`, '5\n'],
    ['Which feelings did you share\\?.*: $', 'joy,hope\n'],
    ['without words\\? \\(y/N\\): ', 'y\n'],
    ['Private note, only you can read it.*: ', 'Typed at a real terminal.\n'],
    ['What may they see from this day\\?.*: ', 'closeness,emotions\n'],
    ['Password: ', `${ana.password}\n`],
  ]);
  assert.equal(ci.status, 0, ci.transcript);
  assert.equal(ci.timed_out, false);
  assert.ok(!ci.transcript.includes(ana.password), 'the password is not echoed');
  assert.ok(ci.transcript.includes('Typed at a real terminal.'), 'what else was typed is echoed (the terminal does echo)');
  assert.match(ci.transcript, /Ben can see: /);
  assert.doesNotMatch(reg.transcript + ci.transcript, /sex/i, 'friends read nothing about sex');

  const mine = (await ok(ana, ['--json', 'checkins', '--notes'])).json.checkins.find((r) => r.user_id !== undefined && r.note_text !== undefined);
  assert.equal(mine.closeness, 7);
  assert.equal(mine.closeness_wanted, 9);
  assert.equal(mine.opened_up, null);
  assert.equal(mine.understood, 6);
  assert.equal(mine.safety, 8);
  assert.equal(mine.affection, 5);
  assert.deepEqual(mine.emotions, ['joy', 'hope']);
  assert.equal(mine.wordless, true);
  assert.equal(mine.note_text, 'Typed at a real terminal.');
  assert.deepEqual(mine.show_partner, ['closeness', 'emotions']);
  const seen = (await ok(ben, ['--json', 'checkins'])).json.checkins.find((r) => r.user_id === mine.user_id);
  assert.equal(seen.closeness, 7);
  assert.deepEqual(seen.emotions, ['joy', 'hope']);
  assert.equal(seen.affection, undefined, 'not shown');

  // share: the words from $EDITOR, in a private file that is gone afterwards.
  const runtime = mkdtempSync(join(ana.home, 'run-'));
  const editor = join(ana.home, 'editor.sh');
  writeFileSync(editor, `#!/bin/sh\nstat -c %a "$1" > '${ana.home}/editor-mode'\necho "$1" > '${ana.home}/editor-path'\n` +
    'printf \'Written in my editor.\\nA second line.\\n\' > "$1"\n', { mode: 0o755 });
  const sh = await atTerminal(ana, ['share', '--topic', 'joy', '--depth', '1'], [['Password: ', `${ana.password}\n`]],
    { EDITOR: editor, XDG_RUNTIME_DIR: runtime });
  assert.equal(sh.status, 0, sh.transcript);
  assert.ok(!sh.transcript.includes(ana.password));
  assert.equal(readFileSync(join(ana.home, 'editor-mode'), 'utf8').trim(), '600', 'the editor\'s file is private');
  const path = readFileSync(join(ana.home, 'editor-path'), 'utf8').trim();
  assert.ok(path.startsWith(`${runtime}/`), `made in XDG_RUNTIME_DIR: ${path}`);
  assert.equal(existsSync(path), false, 'and removed afterwards');
  assert.deepEqual(readdirSync(runtime), []);
  const shares = (await ok(ben, ['--json', 'shares'])).json.shares;
  assert.equal(shares.length, 1);
  assert.equal(shares[0].text, 'Written in my editor.\nA second line.');

  // An editor that fails sends nothing.
  const failed = await atTerminal(ana, ['share', '--topic', 'joy', '--depth', '1'], [['Password: ', `${ana.password}\n`]], { EDITOR: 'false', XDG_RUNTIME_DIR: runtime });
  assert.equal(failed.status, 1, failed.transcript);
  assert.match(failed.transcript, /the editor did not finish cleanly; nothing sent/);
  assert.equal((await ok(ben, ['--json', 'shares'])).json.shares.length, 1);
  assert.deepEqual(readdirSync(runtime), []);
});

test('login and password at a terminal: no password is echoed, and a wrong one is told plainly and changes nothing', async () => {
  const cal = clientPerson(work, 'Cal', 'the first long password');
  const WRONG = 'not my password at all';
  const NEW = 'a second long password';
  await ok(cal, ['register', '--email', cal.email, '--name', 'Cal']);
  await ok(cal, ['logout']);
  const typed = (r) => [cal.password, WRONG, NEW].filter((pw) => r.transcript.includes(pw));

  // login: a wrong password is refused in words, and leaves no session
  const bad = await atTerminal(cal, ['login', '--email', cal.email], [['Password: ', `${WRONG}\n`]]);
  assert.equal(bad.status, EXIT.auth, bad.transcript);
  assert.equal(bad.timed_out, false);
  assert.match(bad.transcript, /that e-mail address and password do not match an account here/);
  assert.doesNotMatch(bad.transcript, /Logged in/);
  assert.deepEqual(typed(bad), [], 'the password is not echoed');
  assert.equal((await runClient(cal, srv.url, ['whoami'])).status, EXIT.auth, 'still logged out');
  const good = await atTerminal(cal, ['login', '--email', cal.email], [['Password: ', `${cal.password}\n`]]);
  assert.equal(good.status, 0, good.transcript);
  assert.match(good.transcript, /Logged in as Cal/);
  assert.deepEqual(typed(good), [], 'the password is not echoed');

  const steps = (current, fresh, again) => [
    ['Current password: ', `${current}\n`],
    ['New password \\(at least 10 characters\\): ', `${fresh}\n`],
    ['The same password again: ', `${again}\n`],
  ];
  // password: a wrong current password, then two new ones that differ
  const wrong = await atTerminal(cal, ['password'], steps(WRONG, NEW, NEW));
  assert.equal(wrong.status, EXIT.auth, wrong.transcript);
  assert.match(wrong.transcript, /that is not your current password/);
  assert.doesNotMatch(wrong.transcript, /Password changed/);
  assert.deepEqual(typed(wrong), [], 'no password is echoed');
  const differ = await atTerminal(cal, ['password'], steps(cal.password, NEW, `${NEW}!`));
  assert.equal(differ.status, EXIT.usage, differ.transcript);
  assert.match(differ.transcript, /the two passwords are not the same/);
  assert.deepEqual(typed(differ), [], 'no password is echoed');
  await ok(cal, ['logout']);
  await ok(cal, ['login', '--email', cal.email]); // the first password still works

  const changed = await atTerminal(cal, ['password'], steps(cal.password, NEW, NEW));
  assert.equal(changed.status, 0, changed.transcript);
  assert.match(changed.transcript, /Password changed\./);
  assert.deepEqual(typed(changed), [], 'no password is echoed');
  await ok(cal, ['logout']);
  const old = await runClient(cal, srv.url, ['login', '--email', cal.email], { passwords: [cal.password] });
  assert.equal(old.status, EXIT.auth, 'the old password no longer logs in');
  await ok(cal, ['login', '--email', cal.email], { passwords: [NEW] });
});

test('help for every command: `dyad client help CMD` and `dyad client CMD --help`', async () => {
  const p = clientPerson(work, 'Help', 'unused password');
  const usage = await runClient(p, srv.url, ['help']);
  assert.equal(usage.status, 0);
  const names = [...usage.stdout.matchAll(/^ {7}dyad client (\S+)/gm)].map((m) => m[1]);
  assert.ok(names.length >= 19, names.join(' '));
  for (const name of names) {
    const a = await runClient(p, srv.url, ['help', name]);
    assert.equal(a.status, 0, `help ${name}: ${a.stderr}`);
    assert.ok(a.stdout.startsWith(`usage: dyad client [OPTIONS] ${name}`), a.stdout);
    assert.ok(a.stdout.split('\n')[2].length > 10, `help ${name} says what it does`);
    const b = await runClient(p, srv.url, [name, '--help']);
    assert.equal(b.status, 0, `${name} --help: ${b.stderr}`);
    assert.equal(b.stdout, a.stdout);
  }
  assert.match((await runClient(p, srv.url, ['help', 'share'])).stdout, /\$EDITOR/);
  const none = await runClient(p, srv.url, ['help', 'frobnicate']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no command 'frobnicate'/);
  // after "--", --help is an argument, not a question
  const dashed = await runClient(p, srv.url, ['respond', '--', '--help', 'understood']);
  assert.notEqual(dashed.stdout.slice(0, 6), 'usage:');
});

// Drives the `dyad client` binary for the API and browser tests: one person
// per state directory (their "machine"), passwords given on file descriptor
// 3 (--password-fd 3), no controlling terminal, every run's exit status,
// standard output, standard error and parsed --json output returned.
//
//   const p = clientPerson(work, 'Cal', 'a long password');
//   const r = await runClient(p, serverUrl, ['--json', 'whoami'], { passwords: [p.password] });
//   r.status, r.stdout, r.stderr, r.json
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, openSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DYAD_BIN } from './server.mjs';

/** The client's exit statuses by class (dyad-client(1), EXIT STATUS). */
export const EXIT = { local: 1, usage: 2, network: 3, auth: 4, invalid: 5, forbidden: 6, not_found: 7, conflict: 8, rate: 9, server: 10, crypto: 11 };

export function clientPerson(dir, name, password) {
  const home = mkdtempSync(join(dir, `${name}-`));
  const email = `${name.toLowerCase()}-${randomBytes(3).toString('hex')}@example.org`;
  return { name, password, email, home, state: join(home, 'state') };
}

export function runClient(p, server, args, { passwords = [], input = '', env = {} } = {}) {
  const pwFile = join(p.home, `pw-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwFile, passwords.map((x) => `${x}\n`).join(''), { mode: 0o600 });
  const fd = openSync(pwFile, 'r');
  return new Promise((resolve, reject) => {
    const child = spawn(DYAD_BIN, ['client', '--server', server, ...(passwords.length ? ['--password-fd', '3'] : []), ...args], {
      env: { ...process.env, HOME: p.home, XDG_STATE_HOME: p.state, EDITOR: '', DYAD_SERVER: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe', fd],
      detached: true, // no controlling terminal: passwords come from fd 3 or not at all
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => {
      closeSync(fd);
      rmSync(pwFile, { force: true });
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* text output */ }
      resolve({ status, stdout, stderr, json });
    });
    child.stdin.end(input);
  });
}

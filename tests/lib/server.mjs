// Starts the real dyad binary on an ephemeral port with a fresh database,
// for the API and browser tests. DYAD_BIN names the binary (make sets it to
// the ASan build); each server gets its own temporary directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DYAD_BIN = resolve(process.env.DYAD_BIN || join(root, 'build', 'asan', 'dyad'));

export async function startServer({ args = [], env = {}, dir } = {}) {
  dir = dir || mkdtempSync(join(tmpdir(), 'dyad-test-'));
  const dbPath = join(dir, 'dyad.db');
  const proc = spawn(DYAD_BIN, ['serve', '--listen', '127.0.0.1:0', '--db', `sqlite:${dbPath}`, ...args], {
    cwd: dir,
    // DYAD_CONFIG: no configuration file of the machine's own leaks into a test
    env: { ...process.env, DYAD_CONFIG: '/dev/null', DYAD_SECRET_FILE: join(dir, 'dyad.secret'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dyad did not start:\n${out}\n${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dyad exited ${code}:\n${out}\n${err}`)); });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    url,
    dir,
    dbPath,
    proc,
    exited,
    logs: () => out + err,
    async stop({ keep = false } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const r = await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
}

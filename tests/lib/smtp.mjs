// A loopback SMTP sink for tests (tests/lib/smtpsink.py on Debian's
// python3-aiosmtpd): startSink() gives its port and the messages it has
// taken; stop() ends it (call it in after(), so it stops even when a test
// fails). Messages are files, read whole: no test waits on a fixed time.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Debian's python3, where python3-aiosmtpd lives (a python3 earlier on PATH may lack it)
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export async function startSink() {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-smtp-'));
  const proc = spawn(PYTHON, [join(here, 'smtpsink.py'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SMTP sink did not start: ${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening (\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the SMTP sink exited ${code}: ${err}`)); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  return {
    port,
    dir,
    messages() {
      return readdirSync(dir).filter((f) => /^msg-\d+\.eml$/.test(f)).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
    },
    refuseNext(n) { writeFileSync(join(dir, 'refuse'), String(n)); },
    refusals() {
      const f = join(dir, 'refused.log');
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
    },
    logs: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Waits until check() gives something truthy, polling; fails after `ms`
// (generous: the machine may be loaded) with what `what` says.
export async function until(check, what, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

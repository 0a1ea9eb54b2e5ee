// `make install` as a packager or an operator runs it: into a DESTDIR, with
// PREFIX honoured. The tree holds exactly what it should; the installed
// binary runs; the systemd unit passes `systemd-analyze verify` (with the
// installed manual pages on MANPATH, so its Documentation= links resolve)
// and keeps its hardening (`systemd-analyze security` exposure at most 2.0);
// every manual page passes `mandoc -T lint`; an existing dyad.conf is never
// overwritten; and the installed example configuration is valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 300000, ...opts });

function tree(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push('/' + relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

function install(prefix) {
  const dest = mkdtempSync(join(tmpdir(), 'dyad-install-'));
  const r = run('make', ['--no-print-directory', '-C', root, 'install', `DESTDIR=${dest}`, `PREFIX=${prefix}`]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return dest;
}

const manPages = (prefix) => {
  const pages = readdirSync(join(root, 'man')).filter((f) => /\.1$/.test(f)).map((f) => `${prefix}/share/man/man1/${f}`);
  return [...pages, `${prefix}/share/man/man5/dyad.conf.5`];
};

for (const prefix of ['/usr/local', '/usr']) {
  test(`make install PREFIX=${prefix} DESTDIR=…: the tree, the unit, the pages`, () => {
    const dest = install(prefix);
    try {
      const want = [
        `${prefix}/bin/dyad`,
        `${prefix}/lib/systemd/system/dyad.service`,
        `${prefix}/lib/sysusers.d/dyad.conf`,
        `${prefix}/share/doc/dyad/examples/dyad.conf`,
        `${prefix}/share/doc/dyad/examples/nginx-dyad.conf`,
        `${prefix}/share/doc/dyad/operators.md`,
        '/etc/dyad/dyad.conf',
        ...manPages(prefix),
      ].sort();
      assert.deepEqual(tree(dest), want);
      assert.ok(manPages(prefix).some((p) => p.endsWith('/dyad-serve.1')));
      assert.ok(manPages(prefix).some((p) => p.endsWith('/dyad-backup.1')));
      assert.equal(statSync(join(dest, prefix, 'bin/dyad')).mode & 0o777, 0o755);

      // the installed binary runs, and reads the example configuration as valid
      const bin = join(dest, prefix, 'bin/dyad');
      assert.match(run(bin, ['version']).stdout, /^dyad \d/);
      const check = run(bin, ['config', 'check', join(dest, 'etc/dyad/dyad.conf')], { env: { PATH: process.env.PATH } });
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout, /url = sqlite:\/var\/lib\/dyad\/dyad\.db\t; file line \d+/);

      // the unit: its paths are the prefix's, and it verifies
      const unitPath = join(dest, prefix, 'lib/systemd/system/dyad.service');
      const unit = readFileSync(unitPath, 'utf8');
      assert.match(unit, new RegExp(`^ExecStart=${prefix}/bin/dyad serve --config /etc/dyad/dyad.conf$`, 'm'));
      for (const line of ['Type=notify', 'User=dyad', 'StateDirectory=dyad', 'ProtectSystem=strict', 'NoNewPrivileges=yes',
        'PrivateTmp=yes', 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6', 'SystemCallFilter=@system-service', 'UMask=0077']) {
        assert.ok(unit.split('\n').includes(line), `${line} in the unit`);
      }
      // verify the unit as installed, but with ExecStart pointing at the
      // DESTDIR's binary (systemd checks that it exists and is executable)
      const vdir = mkdtempSync(join(tmpdir(), 'dyad-verify-'));
      writeFileSync(join(vdir, 'dyad.service'), unit.replaceAll(`${prefix}/bin/dyad`, bin));
      const env = { ...process.env, MANPATH: join(dest, prefix, 'share/man') };
      const v = run('systemd-analyze', ['verify', join(vdir, 'dyad.service')], { env });
      assert.equal(v.status, 0, `systemd-analyze verify: ${v.stdout}${v.stderr}`);
      assert.equal(v.stderr.trim(), '', 'no warnings');
      const sec = run('systemd-analyze', ['security', '--offline=yes', '--threshold=20', join(vdir, 'dyad.service')], { env });
      assert.equal(sec.status, 0, `exposure above 2.0:\n${sec.stdout.split('\n').slice(-3).join('\n')}`);
      const level = sec.stdout.match(/Overall exposure level for dyad\.service: ([\d.]+)/);
      assert.ok(level && Number(level[1]) <= 2.0, sec.stdout.slice(-200));
      rmSync(vdir, { recursive: true, force: true });

      // every manual page lints clean, warnings included
      for (const page of manPages(prefix)) {
        const l = run('mandoc', ['-T', 'lint', '-W', 'warning', join(dest, page)]);
        assert.equal(l.status, 0, `${page}: ${l.stdout}${l.stderr}`);
        assert.equal((l.stdout + l.stderr).trim(), '', `${page}: ${l.stdout}${l.stderr}`);
      }
      // dyad.conf(5) documents every setting the binary knows
      const conf5 = readFileSync(join(dest, prefix, 'share/man/man5/dyad.conf.5'), 'utf8');
      const flags = run(bin, ['config', 'reference', 'flags']).stdout.match(/^ {2}--[a-z-]+/gm).map((f) => f.trim());
      for (const f of flags.filter((x) => x !== '--config')) assert.ok(conf5.includes(`.Fl ${f.slice(1)}`), `${f} in dyad.conf(5)`);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
}

test('make install keeps an existing dyad.conf', () => {
  const dest = install('/usr/local');
  try {
    const conf = join(dest, 'etc/dyad/dyad.conf');
    writeFileSync(conf, '[server]\nthreads = 3\n');
    const r = run('make', ['--no-print-directory', '-C', root, 'install', `DESTDIR=${dest}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /keeping .*dyad\.conf/);
    assert.equal(readFileSync(conf, 'utf8'), '[server]\nthreads = 3\n');
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
});

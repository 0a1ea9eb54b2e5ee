#!/usr/bin/env node
// doccheck — docs/architecture.md must say where things are, truly:
//
//   1. every file it names in `backticks` exists (a path from the root, or a
//      name found in the directory its section is about: src/*, web/js,
//      web/js/pages, tools, scripts, tests/*, docs, data, migrations);
//   2. in a table row that starts with source files (`app.h` / `app.c`), every
//      function or variable it names (`name`, `name()`) occurs in one of those
//      files; in the route table (route | handler | file), each handler is
//      defined in the file named.
//
// Globs (`h_*.c`, `h_auth_*`, NNN), URL paths (/static/…), generated files
// (build/gen/… in the Makefile) and names that are not files or C
// identifiers are left alone.
//
// Usage: node tools/doccheck.mjs [DOC] [--self-test]
// Exit status: 0 clean, 1 something named is not where the doc says.
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const FILE_RE = /^[\w./*-]+\.(c|h|js|mjs|sql|md|json|sh|conf|css|html|svg)$/;
const IDENT_RE = /^([a-z_][a-z0-9_]*)(\(\))?$/;

function listFiles(root, dir, out = []) {
  const full = join(root, dir);
  if (!existsSync(full)) return out;
  for (const name of readdirSync(full)) {
    if (name === 'node_modules' || name === 'build' || name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(join(root, rel)).isDirectory()) listFiles(root, rel, out);
    else out.push(rel);
  }
  return out;
}

function ticks(text) {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1].trim());
}

// A `name` in a table cell, split on " / " and "/." shorthands: `keys.h/.c`.
function filesOfCell(cell) {
  const out = [];
  for (const t of ticks(cell)) {
    const m = t.match(/^([\w./-]+)\.h\/\.c$/);
    if (m) out.push(`${m[1]}.h`, `${m[1]}.c`);
    else if (FILE_RE.test(t)) out.push(t);
  }
  return out;
}

export function check(root, docPath) {
  const text = readFileSync(join(root, docPath), 'utf8');
  const all = listFiles(root, '');
  const byName = new Map();
  for (const f of all) {
    const b = basename(f);
    if (!byName.has(b)) byName.set(b, []);
    byName.get(b).push(f);
  }
  // files the build writes (build/gen/NAME in the Makefile) are not in the tree
  const makefile = existsSync(join(root, 'Makefile')) ? readFileSync(join(root, 'Makefile'), 'utf8') : '';
  const generated = new Set([...makefile.matchAll(/build\/gen\/([\w.-]+)/g)].map((m) => m[1]));
  const problems = [];
  const resolve = (name) => {
    if (existsSync(join(root, name))) return [name];
    if (name.includes('/') && existsSync(join(root, 'src', name))) return [`src/${name}`];
    if (name.includes('/') && existsSync(join(root, 'web', name))) return [`web/${name}`];
    if (name.includes('/') && existsSync(join(root, 'web/js', name))) return [`web/js/${name}`];
    if (name.includes('/') && existsSync(join(root, 'docs', name))) return [`docs/${name}`];
    return byName.get(basename(name)) ?? [];
  };
  // 1. files
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const t of ticks(line)) {
      for (const part of t.split(/\s*\/\s+|\s+\+\s+/)) {
        const name = part.replace(/\/\.c$/, '');
        if (!FILE_RE.test(name) || /\*|NNN/.test(name) || name.startsWith('build/') || name.startsWith('/')) continue;
        // placeholders: `pages/X.js` (any page), `app.3fa2c1d09b.js` (a name the build hashes)
        if (/(^|\/)[A-Z]\.\w+$/.test(name) || /\.[0-9a-f]{10}\.\w+$/.test(name)) continue;
        if (generated.has(basename(name))) continue;
        if (resolve(name).length === 0) problems.push(`${docPath}:${i + 1}: names ${name}, which does not exist`);
      }
    }
  });
  // 2. identifiers in rows that start with source files
  let table = null;
  lines.forEach((line, i) => {
    if (!line.startsWith('|')) {
      table = null;
      return;
    }
    const cells = line.split('|').slice(1, -1);
    if (table === null) {
      table = cells.map((c) => c.trim().toLowerCase());
      return;
    }
    if (/^\s*-+/.test(cells[0])) return;
    let files;
    let names;
    if (table.join('|') === 'route|handler|file') {
      files = filesOfCell(cells[2]);
      names = ticks(cells[1]);
    } else {
      files = filesOfCell(cells[0]);
      names = cells.slice(1).flatMap(ticks);
    }
    const sources = files.flatMap(resolve).filter((f) => /\.(c|h)$/.test(f));
    if (sources.length === 0) return;
    const bodies = sources.map((f) => readFileSync(join(root, f), 'utf8'));
    for (const n of names) {
      const m = n.match(IDENT_RE);
      if (!m || n.includes('*') || (!m[1].includes('_') && !m[2])) continue;
      const re = new RegExp(`\\b${m[1]}\\b`);
      if (!bodies.some((b) => re.test(b)))
        problems.push(`${docPath}:${i + 1}: says ${m[1]} is in ${files.join(', ')}, but it is not there`);
    }
  });
  return problems;
}

function selfTest() {
  const root = mkdtempSync(join(tmpdir(), 'doccheck-'));
  try {
    mkdirSync(join(root, 'src/web'), { recursive: true });
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'src/web/app.c'), 'void app_handle(void) {}\n');
    writeFileSync(join(root, 'docs/a.md'), [
      '| file | role |', '|---|---|',
      '| `app.c` | `app_handle()` and `reply_json` |',
      '| `gone.c` | nothing |', '',
      '| route | handler | file |', '|---|---|---|',
      '| `GET /` | `h_home` | `app.c` |', ''].join('\n'));
    const problems = check(root, 'docs/a.md');
    const want = [
      'docs/a.md:3: says reply_json is in app.c, but it is not there',
      'docs/a.md:4: names gone.c, which does not exist',
      'docs/a.md:8: says h_home is in app.c, but it is not there',
    ];
    const ok = want.every((w) => problems.includes(w)) && problems.length === want.length;
    if (!ok) {
      console.error('doccheck self-test FAILED; problems found were:');
      for (const p of problems) console.error(`  ${p}`);
      return 1;
    }
    console.log('doccheck self-test: a missing file, a misplaced function and a misplaced handler are caught');
    return 0;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function main(argv) {
  if (argv.includes('--self-test')) return selfTest();
  const doc = argv[0] || 'docs/architecture.md';
  const problems = check(process.cwd(), doc);
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error(`doccheck: ${problems.length} problem(s) in ${doc}`);
    return 1;
  }
  console.log(`doccheck: every file and function ${doc} names is where it says`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

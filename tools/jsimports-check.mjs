#!/usr/bin/env node
// jsimports-check — the browser client's module graph (web/js), from the
// static `import … from './x.js'` lines, and two rules about it:
//
//   1. no import cycle (a module that, directly or through others, imports
//      itself);
//   2. a page module (web/js/pages/*.js) imports nothing from another page:
//      what pages share lives in a module under web/js.
//
// Usage:
//   node tools/jsimports-check.mjs [--print] [DIR]   DIR defaults to web/js
//   node tools/jsimports-check.mjs --self-test       plants a cycle and a
//        page-to-page import in a temporary tree; both must be refused
//
// Exit status: 0 clean, 1 a rule broken, 2 usage error.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.js') || name.endsWith('.mjs')) out.push(p);
  }
  return out;
}

// Static imports and re-exports with a relative specifier. Dynamic import()
// is left out on purpose: it cannot form a load-time cycle.
const IMPORT_RE = /^\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

export function graphOf(root) {
  const files = walk(root);
  const edges = new Map();
  for (const f of files) {
    const key = relative(root, f);
    const to = new Set();
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] || m[2];
      to.add(relative(root, resolve(dirname(f), spec)));
    }
    edges.set(key, to);
  }
  return edges;
}

function findCycles(edges) {
  const state = new Map(); // 1 visiting, 2 done
  const stack = [];
  const cycles = [];
  const visit = (v) => {
    state.set(v, 1);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue; // generated or missing module: not ours to walk
      if (state.get(w) === 1) cycles.push([...stack.slice(stack.indexOf(w)), w]);
      else if (!state.has(w)) visit(w);
    }
    stack.pop();
    state.set(v, 2);
  };
  for (const v of edges.keys()) if (!state.has(v)) visit(v);
  return cycles;
}

const isPage = (f) => f.startsWith('pages/');

export function check(edges) {
  const problems = [];
  for (const c of findCycles(edges)) problems.push(`import cycle: ${c.join(' -> ')}`);
  for (const [a, to] of edges)
    for (const b of to) if (isPage(a) && isPage(b)) problems.push(`page ${a} imports page ${b}`);
  return problems;
}

function selfTest() {
  const dir = mkdtempSync(join(tmpdir(), 'jsimports-'));
  try {
    mkdirSync(join(dir, 'pages'));
    writeFileSync(join(dir, 'a.js'), "import { b } from './b.js';\nexport const a = 1;\n");
    writeFileSync(join(dir, 'b.js'), "import { a } from './a.js';\nexport const b = a;\n");
    writeFileSync(join(dir, 'c.js'), "import { a } from './a.js';\n");
    writeFileSync(join(dir, 'pages', 'one.js'), "export const one = 1;\n");
    writeFileSync(join(dir, 'pages', 'two.js'), "import { one } from './one.js';\nimport { c } from '../c.js';\n");
    const problems = check(graphOf(dir));
    const cycle = problems.some((p) => /^import cycle: (a\.js -> b\.js -> a\.js|b\.js -> a\.js -> b\.js)$/.test(p));
    const page = problems.includes('page pages/two.js imports page pages/one.js');
    if (!cycle || !page || problems.length !== 2) {
      console.error('jsimports-check self-test FAILED; problems found were:');
      for (const p of problems) console.error(`  ${p}`);
      return 1;
    }
    console.log('jsimports-check self-test: a planted cycle and a page-to-page import are caught');
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(argv) {
  if (argv[0] === '--self-test') return selfTest();
  const print = argv[0] === '--print';
  const root = (print ? argv[1] : argv[0]) || 'web/js';
  const edges = graphOf(root);
  if (print) for (const [a, to] of edges) for (const b of to) console.log(`${a} -> ${b}`);
  const problems = check(edges);
  if (problems.length > 0) {
    console.error(`jsimports-check: ${root}: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  ${p}`);
    return 1;
  }
  const n = [...edges.values()].reduce((s, to) => s + to.size, 0);
  console.log(`jsimports-check: ${edges.size} modules, ${n} imports, no cycle, no page imports a page`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

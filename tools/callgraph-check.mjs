#!/usr/bin/env node
// callgraph-check — which src/web file calls which, read from the symbol
// tables of the compiled objects (nm), and two rules about it:
//
//   1. the graph has no cycle (file A uses a symbol of file B and B, directly
//      or through others, uses one of A);
//   2. no handler file (h_*.c) uses a symbol defined in another handler file:
//      what handlers share lives in the floor below them (floor_*.c,
//      insights_view.c) and the pipeline (app.c) calls only the floor.
//
// An edge A → B exists when A.o has an undefined symbol that B.o defines
// (functions and data alike: routes.c naming h_* in its table is an edge).
// Objects are read, not sources, so macros, comments and strings cannot
// fool it.
//
// Usage:
//   node tools/callgraph-check.mjs [--print] DIR      check the objects in DIR
//   node tools/callgraph-check.mjs --self-test        compile two files that call
//        each other and two handlers sharing a function; both must be refused
//
// Exit status: 0 clean, 1 a rule broken (the cycle or edge is printed),
// 2 usage or tool failure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

function symbols(obj) {
  const out = execFileSync('nm', ['-P', obj], { encoding: 'utf8' });
  const defined = new Set();
  const undefinedSyms = new Set();
  for (const line of out.split('\n')) {
    const [name, type] = line.trim().split(/\s+/);
    if (!name || !type) continue;
    if (type === 'U') undefinedSyms.add(name);
    else if (type === type.toUpperCase() && type !== 'W' && type !== 'V') defined.add(name);
  }
  return { defined, undefinedSyms };
}

export function graphOf(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.o')).sort();
  if (files.length === 0) throw new Error(`no objects in ${dir} (build first)`);
  const syms = new Map(files.map((f) => [f.replace(/\.o$/, '.c'), symbols(join(dir, f))]));
  const owner = new Map();
  for (const [file, s] of syms) for (const name of s.defined) owner.set(name, file);
  const edges = new Map();
  for (const [file, s] of syms) {
    const to = new Map();
    for (const name of s.undefinedSyms) {
      const o = owner.get(name);
      if (o === undefined || o === file) continue;
      if (!to.has(o)) to.set(o, []);
      to.get(o).push(name);
    }
    edges.set(file, to);
  }
  return edges;
}

// Tarjan's strongly connected components; any component of two or more
// files (or a file using itself, which cannot happen here) is a cycle.
function cycles(edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v), idx.get(w)));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) found.push(comp.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const isHandler = (f) => /^h_.*\.c$/.test(basename(f));

export function check(edges) {
  const problems = [];
  for (const comp of cycles(edges)) {
    const detail = comp
      .flatMap((a) =>
        [...edges.get(a)]
          .filter(([b]) => comp.includes(b))
          .map(([b, names]) => `    ${a} -> ${b} (${names.sort().join(', ')})`),
      )
      .join('\n');
    problems.push(`cycle among ${comp.join(', ')}:\n${detail}`);
  }
  for (const [a, to] of edges) {
    for (const [b, names] of to) {
      if (isHandler(a) && isHandler(b))
        problems.push(`handler ${a} uses handler ${b}: ${names.sort().join(', ')}`);
    }
  }
  return problems;
}

function selfTest() {
  const dir = mkdtempSync(join(tmpdir(), 'callgraph-'));
  try {
    const cc = process.env.CC || 'cc';
    const src = {
      'a.c': 'int b(int);\nint a(int x) { return x ? b(x - 1) : 0; }\n',
      'b.c': 'int a(int);\nint b(int x) { return x ? a(x - 1) : 1; }\n',
      'c.c': 'int a(int);\nint c(void) { return a(3); }\n',
      'h_one.c': 'int h_one_helper(void);\nint h_one_helper(void) { return 1; }\n',
      'h_two.c': 'int h_one_helper(void);\nint h_two(void) { return h_one_helper(); }\n',
    };
    for (const [name, text] of Object.entries(src)) {
      writeFileSync(join(dir, name), text);
      execFileSync(cc, ['-c', '-o', join(dir, name.replace(/\.c$/, '.o')), join(dir, name)]);
    }
    const problems = check(graphOf(dir));
    const sawCycle = problems.some((p) => p.startsWith('cycle among a.c, b.c'));
    const sawHandler = problems.some((p) => p.startsWith('handler h_two.c uses handler h_one.c'));
    const sawExtra = problems.some((p) => p.includes('c.c'));
    if (!sawCycle || !sawHandler || sawExtra) {
      console.error('callgraph-check self-test FAILED; problems found were:');
      for (const p of problems) console.error(p);
      return 1;
    }
    console.log('callgraph-check self-test: a planted cycle and a handler-to-handler call are caught');
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(argv) {
  if (argv[0] === '--self-test') return selfTest();
  const print = argv[0] === '--print';
  const dir = print ? argv[1] : argv[0];
  if (!dir) {
    console.error('usage: callgraph-check.mjs [--print] OBJDIR | --self-test');
    return 2;
  }
  let edges;
  try {
    edges = graphOf(dir);
  } catch (e) {
    console.error(`callgraph-check: ${e.message}`);
    return 2;
  }
  if (print) {
    for (const [a, to] of edges)
      for (const [b, names] of to) console.log(`${a} -> ${b}: ${names.sort().join(' ')}`);
  }
  const problems = check(edges);
  if (problems.length > 0) {
    console.error(`callgraph-check: ${dir}: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  ${p}`);
    return 1;
  }
  const n = [...edges.values()].reduce((s, to) => s + to.size, 0);
  console.log(`callgraph-check: ${edges.size} files, ${n} edges, no cycle, no handler calls another`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

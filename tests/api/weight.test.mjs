// Page weight: the first page preloads exactly the modules it imports, static
// files go out in brotli or gzip (both made at build time) to clients that
// accept them, brotli first, and as they are to the rest, and Subresource
// Integrity still holds over the decoded bytes. Raw node:http is used on purpose: fetch() would ask for
// gzip and decode behind our back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startServer } from '../lib/server.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.stop(); });

function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(srv.url + path, { headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const sri = (bytes) => 'sha256-' + createHash('sha256').update(bytes).digest('base64');

// The tags of a page: preloads, the script, the stylesheet, the icon.
function tagsOf(html) {
  const preloads = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)" integrity="([^"]+)">/g)].map((m) => ({ href: m[1], integrity: m[2] }));
  const script = html.match(/<script type="module" src="([^"]+)" integrity="([^"]+)"><\/script>/);
  const style = html.match(/<link rel="stylesheet" href="([^"]+)" integrity="([^"]+)">/);
  const icon = html.match(/<link rel="icon" href="([^"]+)"/);
  const sris = [...html.matchAll(/<meta name="dyad-sri" data-href="([^"]+)" content="([^"]+)">/g)].map((m) => ({ href: m[1], integrity: m[2] }));
  const lazy = [...html.matchAll(/<meta name="dyad-lazy" data-href="([^"]+)" content="([^"]+)">/g)].map((m) => ({ href: m[1], integrity: m[2] }));
  return { preloads, script: { href: script[1], integrity: script[2] }, style: { href: style[1], integrity: style[2] }, icon: icon[1], sris, lazy };
}

// The static import graph of the served modules, read from the served bytes
// (not from web/js): `import … from './x.js'` and `import './x.js'` lines.
async function staticGraph(starts) {
  const seen = new Set();
  const queue = [...starts];
  while (queue.length) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    const r = await get(path, { 'Accept-Encoding': 'identity' });
    assert.equal(r.status, 200, path);
    const text = r.body.toString('utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm))
      queue.push(new URL(m[1] || m[2], 'http://x' + path).pathname);
  }
  return seen;
}

const decode = (r) => r.headers['content-encoding'] === 'br' ? brotliDecompressSync(r.body)
  : r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;

test('Accept-Encoding: brotli, gzip, identity, q=0 and the wildcard', async () => {
  const path = '/static/js/app.js';
  const plain = await get(path, { 'Accept-Encoding': 'identity' });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  const cases = [
    ['gzip', 'gzip'], ['gzip, deflate, br', 'br'], ['GZIP;q=0.5', 'gzip'], ['x-gzip', 'gzip'], ['*', 'br'],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', 'br'], [' deflate , gzip ; q=1 ', 'gzip'], ['br', 'br'], ['BR;q=0.3', 'br'],
    ['br;q=0, gzip', 'gzip'], ['br;q=0, *', 'gzip'], ['gzip;q=0, br', 'br'],
    ['gzip;q=0', null], ['gzip;q=0.000', null], ['gzip;q=0, *', 'br'], ['*;q=0', null], ['br;q=0, gzip;q=0', null],
    ['identity', null], ['deflate, br', 'br'], ['deflate', null], ['', null], [null, null], ['gzipx', null], ['brotli', null],
    ['gzip;q=nonsense', null], ['*, gzip;q=0', 'br'], ['*, gzip;q=0, br;q=0', null],
  ];
  for (const [ae, coding] of cases) {
    const r = await get(path, ae === null ? {} : { 'Accept-Encoding': ae });
    assert.equal(r.status, 200, `${ae}`);
    assert.equal(r.headers['content-encoding'], coding ?? undefined, `Accept-Encoding: ${ae}`);
    assert.equal(r.headers.vary, 'Accept-Encoding', `${ae}`);
    assert.ok(decode(r).equals(plain.body), `${ae}: the same bytes once decoded`);
    if (coding) assert.ok(r.body.length < plain.body.length, 'smaller on the wire');
  }
  // brotli is smaller than gzip
  const gz = await get(path, { 'Accept-Encoding': 'gzip' });
  const br = await get(path, { 'Accept-Encoding': 'br' });
  assert.ok(br.body.length < gz.body.length, `brotli ${br.body.length} < gzip ${gz.body.length}`);
  // each representation has its own ETag, and each answers If-None-Match
  assert.equal(new Set([gz.headers.etag, br.headers.etag, plain.headers.etag]).size, 3);
  assert.equal((await get(path, { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag })).status, 304);
  assert.equal((await get(path, { 'Accept-Encoding': 'br', 'If-None-Match': br.headers.etag })).status, 304);
  assert.equal((await get(path, { 'Accept-Encoding': 'identity', 'If-None-Match': plain.headers.etag })).status, 304);
  assert.equal((await get(path, { 'Accept-Encoding': 'identity', 'If-None-Match': gz.headers.etag })).status, 200);
  assert.equal((await get(path, { 'Accept-Encoding': 'gzip', 'If-None-Match': br.headers.etag })).status, 200);
});

test('the first page preloads exactly its import graph, with integrity, and no other page', async () => {
  const page = await get('/', { Accept: 'text/html' });
  assert.equal(page.status, 200);
  const tags = tagsOf(page.body.toString('utf8'));
  const preloaded = tags.preloads.map((p) => p.href).sort();
  const graph = await staticGraph(['/static/js/app.js', '/static/js/pages/home.js']);
  graph.delete('/static/js/app.js'); // the script tag itself
  assert.deepEqual(preloaded, [...graph].sort());
  assert.ok(!preloaded.some((p) => p.includes('therapist')), 'no therapist module');
  assert.ok(!preloaded.some((p) => p.startsWith('/static/vendor/')), 'libsodium is not preloaded');
  // server-rendered pages preload app.js's graph only
  const safety = tagsOf((await get('/safety')).body.toString('utf8'));
  const appGraph = await staticGraph(['/static/js/app.js']);
  appGraph.delete('/static/js/app.js');
  assert.deepEqual(safety.preloads.map((p) => p.href).sort(), [...appGraph].sort());
  // the modules loaded on demand carry their integrity values
  assert.deepEqual(tags.sris.map((s) => s.href).sort(), ['/static/js/crypto.js', '/static/vendor/libsodium-sumo.mjs', '/static/vendor/libsodium-wrappers.mjs']);
  // and so do the modules imported later through lazy.js (the recovery form,
  // the signed-in home page's notices and private check-ins): not preloaded,
  // listed with the integrity of the bytes served
  assert.deepEqual(tags.lazy.map((s) => s.href).sort(),
    ['/static/js/account.js', '/static/js/export.js', '/static/js/privatecheckin.js', '/static/js/recovery.js']);
  for (const { href, integrity } of tags.lazy) {
    assert.ok(!preloaded.includes(href), `${href} is not preloaded`);
    assert.equal(sri((await get(href, { 'Accept-Encoding': 'identity' })).body), integrity, href);
  }
  // what the lazy modules import is preloaded or lazy itself
  const lazyGraph = await staticGraph(tags.lazy.map((s) => s.href));
  for (const m of lazyGraph) assert.ok(preloaded.includes(m) || tags.lazy.some((s) => s.href === m), `${m} is covered`);
});

test('SRI holds over the decoded bytes; hashed names cache for a year, gzipped or not', async (t) => {
  const page = await get('/', { Accept: 'text/html', 'Accept-Encoding': 'gzip' });
  const tags = tagsOf(page.body.toString('utf8'));
  const withIntegrity = [tags.script, tags.style, ...tags.preloads, ...tags.sris];
  let wireGz = page.body.length;
  let wireBr = page.body.length;
  let wirePlain = page.body.length;
  let requests = 1;
  for (const { href, integrity } of withIntegrity) {
    const hashedHref = href.includes('.') && /\.[0-9a-f]{10}\./.test(href) ? href : null;
    const plain = await get(href, { 'Accept-Encoding': 'identity' });
    const gz = await get(href, { 'Accept-Encoding': 'gzip' });
    const br = await get(href, { 'Accept-Encoding': 'br' });
    assert.equal(plain.status, 200, href);
    assert.equal(sri(plain.body), integrity, `${href}: identity bytes match the page's integrity`);
    assert.equal(sri(decode(gz)), integrity, `${href}: decoded gzip matches`);
    assert.equal(sri(decode(br)), integrity, `${href}: decoded brotli matches`);
    if (hashedHref) {
      assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable', href);
      assert.equal(gz.headers['cache-control'], 'public, max-age=31536000, immutable', href);
    }
    if (!tags.sris.some((s) => s.href === href)) {
      wireGz += gz.body.length;
      wireBr += br.body.length;
      wirePlain += plain.body.length;
      requests++;
    }
  }
  const icon = await get(tags.icon, { 'Accept-Encoding': 'gzip' });
  assert.equal(icon.status, 200);
  assert.equal(icon.headers['cache-control'], 'public, max-age=31536000, immutable');
  // the JavaScript libsodium build, gzipped, is far smaller than as it is
  let crypto = 0;
  let cryptoPlain = 0;
  for (const { href } of tags.sris) {
    crypto += (await get(href, { 'Accept-Encoding': 'gzip' })).body.length;
    cryptoPlain += (await get(href, { 'Accept-Encoding': 'identity' })).body.length;
  }
  assert.ok(crypto < cryptoPlain / 2, `libsodium gzipped ${crypto} vs ${cryptoPlain}`);
  // a recorded figure, not a timing assertion
  t.diagnostic(`first page "/" (HTML + script + stylesheet + preloads + icon): ${requests + 1} requests, ` +
    `bodies: ${wireBr + icon.body.length} bytes in brotli, ${wireGz + icon.body.length} gzipped, ${wirePlain + icon.body.length} identity; ` +
    `libsodium + crypto.js on demand: ${crypto} gzipped, ${cryptoPlain} identity`);
});

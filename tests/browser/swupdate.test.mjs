// The installed app updates itself: a server with a new build replaces the
// old service worker and its cache, and leaves no stale asset behind.
//
// A new build is stood in for by the test build's DYAD_TEST_ASSET_EPOCH
// (src/web/floor_page.c, asset_hashed_name): with another epoch every
// asset's content-hashed name changes, and so does the worker's VERSION, as
// when every asset of a real build changed. The test serves epoch "one",
// lets the worker install and cache, stops the server and starts epoch
// "two" on the same address (the same origin, as an upgrade would), and
// reloads the page: the browser finds the new worker, which installs,
// takes over and deletes the old cache. Then the page runs on the new
// names, the only cache is the new one, nothing in it is of the old build,
// and an old name is not found — not even through the worker.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401, waitInPage } from '../lib/browser.mjs';

const cleanup = [];
after(async () => {
    for (const f of cleanup.reverse()) await f();
});

async function version(url) {
    const body = await (await fetch(`${url}/sw.js`)).text();
    const m = body.match(/^const VERSION = '([0-9a-f]{32})';/);
    assert.ok(m, 'the worker names its version');
    return m[1];
}

// What the page and the worker's caches hold now.
function state(page) {
    return page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        const entries = [];
        const names = await caches.keys();
        for (const name of names) {
            const cache = await caches.open(name);
            for (const req of await cache.keys()) entries.push(new URL(req.url).pathname);
        }
        return {
            script: new URL(document.querySelector('script[type="module"][src^="/static/js/app."]').src).pathname,
            css: new URL(document.querySelector('link[rel="stylesheet"]').href).pathname,
            controlled: !!navigator.serviceWorker.controller,
            active: reg.active ? reg.active.state : null,
            names,
            entries,
        };
    });
}

const HASHED = /\.[0-9a-f]{10}\.[a-z0-9]+$/;

test('a new build replaces the worker and its cache; the page gets the new assets and no stale one', { timeout: 300000 }, async () => {
    const one = await startServer({ env: { DYAD_TEST_ASSET_EPOCH: 'one' } });
    let current = one;
    cleanup.push(() => current.stop());
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    const v1 = await version(one.url);
    const page = await (await browser.newContext()).newPage();
    const watch = watchPage(page, 'update', { allow: allowExpected401 });
    await page.goto(`${one.url}/`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload(); // under the worker: the page's own files go through it
    await waitInPage(page, async () => !!navigator.serviceWorker.controller &&
        (await (await caches.open((await caches.keys())[0])).keys()).some((r) => /\/static\/js\/app\.[0-9a-f]{10}\.js$/.test(r.url)),
    null, { ms: 60000, what: 'app.js cached by the first build’s worker' });
    const before = await state(page);
    assert.deepEqual(before.names, [`dyad-shell-${v1}`]);
    assert.ok(before.entries.includes(before.script), 'the old build’s app.js is cached');
    assert.match(before.script, HASHED);

    // the new build, at the same address
    const port = new URL(one.url).port;
    await one.stop({ keep: true });
    const two = await startServer({ dir: one.dir, args: ['--listen', `127.0.0.1:${port}`], env: { DYAD_TEST_ASSET_EPOCH: 'two' } });
    current = two;
    assert.equal(two.url, one.url, 'the same origin');
    const v2 = await version(two.url);
    assert.notEqual(v2, v1);
    assert.equal((await fetch(`${two.url}${before.script}`)).status, 404, 'the new server has no old name');

    await page.reload();
    // the browser finds the new worker on this navigation; it installs,
    // takes over and removes the old cache
    await waitInPage(page, async (want) => {
        const reg = await navigator.serviceWorker.getRegistration('/');
        const names = await caches.keys();
        return names.length === 1 && names[0] === want && reg && reg.active && reg.active.state === 'activated' &&
            !reg.installing && !reg.waiting && !!navigator.serviceWorker.controller;
    }, `dyad-shell-${v2}`, { ms: 60000, what: 'the new worker active and only its cache' });
    await page.reload(); // the first page of the new build, under the new worker
    await waitInPage(page, async () => (await (await caches.open((await caches.keys())[0])).keys())
        .some((r) => /\/static\/js\/app\.[0-9a-f]{10}\.js$/.test(r.url)), null, { ms: 60000, what: 'app.js cached by the new worker' });
    const after1 = await state(page);
    assert.deepEqual(after1.names, [`dyad-shell-${v2}`], `only the new cache (v1 ${v1})`);
    assert.equal(after1.active, 'activated');
    assert.ok(after1.controlled);
    assert.notEqual(after1.script, before.script, 'the page links the new app.js');
    assert.notEqual(after1.css, before.css, 'and the new style sheet');
    assert.ok(after1.entries.includes(after1.script));
    const stale = after1.entries.filter((p) => before.entries.includes(p) && HASHED.test(p));
    assert.deepEqual(stale, [], 'no hashed file of the old build is left');
    // an old name, asked through the worker, is not answered from any cache of
    // it: it reaches the new server, which does not know it (no-store, past
    // the browser's own HTTP cache, which may keep immutable files a while —
    // no page names them any more)
    const old = await page.evaluate(async (p) => (await fetch(p, { cache: 'no-store' })).status, before.script);
    assert.equal(old, 404);
    // and the page works on the new build
    await page.locator('main h1').first().waitFor({ timeout: 30000 });
    // the one error allowed: the 404 of the old name, asked for just above
    assert.deepEqual(watch.problems.filter((x) => !(x.includes('404') && x.includes(before.script))), []);
});

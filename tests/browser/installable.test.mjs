// The installable app: the manifest is valid and its icons are real PNGs of
// the sizes it names; the service worker registers with scope "/", caches
// only static files (no API answer, no page), and when the server is stopped
// a page load shows the plain offline page (at a phone's width).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, screenshot, allowExpected401, waitInPage } from '../lib/browser.mjs';
import { createPerson, signInAt } from '../lib/journey.mjs';

const cleanup = [];
after(async () => {
    for (const f of cleanup.reverse()) await f();
});

// The width and height a PNG's IHDR chunk says.
function pngSize(buf) {
    assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
    return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

test('the manifest is valid and linked from every page; its icons are PNGs of their sizes', async () => {
    const srv = await startServer();
    cleanup.push(() => srv.stop());
    const home = await fetch(`${srv.url}/`, { headers: { Accept: 'text/html' } });
    const html = await home.text();
    assert.match(html, /<link rel="manifest" href="\/static\/manifest.json">/);
    assert.match(html, /<meta name="theme-color" content="#[0-9a-f]{6}">/);
    const res = await fetch(`${srv.url}/static/manifest.json`);
    assert.equal(res.status, 200);
    const m = await res.json();
    assert.equal(m.name, 'dyad');
    assert.equal(m.short_name, 'dyad');
    assert.equal(m.start_url, '/');
    assert.equal(m.scope, '/');
    assert.equal(m.display, 'standalone');
    assert.match(m.theme_color, /^#[0-9a-f]{6}$/);
    assert.match(m.background_color, /^#[0-9a-f]{6}$/);
    const sizes = new Set();
    for (const icon of m.icons) {
        const r = await fetch(`${srv.url}${icon.src}`);
        assert.equal(r.status, 200, icon.src);
        assert.equal(r.headers.get('content-type'), icon.type, icon.src);
        if (icon.type === 'image/png') {
            const [w, h] = pngSize(Buffer.from(await r.arrayBuffer()));
            assert.equal(`${w}x${h}`, icon.sizes, icon.src);
            sizes.add(icon.sizes);
        }
    }
    assert.ok(sizes.has('192x192') && sizes.has('512x512'));
    assert.ok(m.icons.some((i) => i.purpose === 'maskable'));
    // the worker: served from the root, never stored, allowed by the CSP
    const sw = await fetch(`${srv.url}/sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type'), /^text\/javascript/);
    assert.equal(sw.headers.get('cache-control'), 'no-store');
    assert.match(sw.headers.get('content-security-policy'), /default-src 'self'/);
    const body = await sw.text();
    assert.match(body, /^const VERSION = '[0-9a-f]{32}';\nconst SHELL = \['\/static\/offline.html'/);
    assert.match(body, /addEventListener\('push'/, 'the push listener');
    assert.match(body, /addEventListener\('notificationclick'/, 'the notification click listener');
    assert.doesNotMatch(html, /modulepreload" href="\/static\/sw.js"/, 'the worker is not preloaded as a module');
});

test('the service worker registers, caches only static files, and serves the offline page when the server is gone', async () => {
    const srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    let stopped = false;
    cleanup.push(() => (stopped ? null : srv.stop()));
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    const person = await createPerson(srv.url, { name: 'Ines' });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const watch = watchPage(page, 'ines', { allow: allowExpected401 });
    await signInAt(page, srv.url, person, '/settings', '#own-device-heading');
    const scope = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        return reg.scope;
    });
    assert.equal(scope, `${srv.url}/`);
    // reload under the worker's control, so the page's own requests pass through it
    await page.reload();
    await page.locator('#own-device-heading').waitFor({ timeout: 60000 });
    assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true);
    const cached = await page.evaluate(async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const req of await cache.keys()) urls.push(`${name} ${new URL(req.url).pathname}`);
        }
        return urls;
    });
    assert.ok(cached.length > 0);
    for (const entry of cached) {
        assert.match(entry, /^dyad-shell-[0-9a-f]{32} \/static\//, entry);
        assert.doesNotMatch(entry, /\/api\//, entry);
    }
    assert.ok(cached.some((e) => e.endsWith('/static/offline.html')));

    await srv.stop();
    stopped = true;
    await page.goto(`${srv.url}/settings`);
    await page.getByRole('heading', { name: 'The server cannot be reached' }).waitFor({ timeout: 30000 });
    assert.equal(await page.title(), 'dyad');
    await screenshot(page, 'installable/offline-phone.png');
    // quick exit still has somewhere to go
    await page.getByRole('link', { name: 'Leave this page' }).click();
    await page.waitForURL('**/static/neutral.html', { timeout: 15000 });
    assert.equal(await page.title(), 'Weather');
    assert.deepEqual(watch.problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource|net::/.test(p)), []);
});

test('quick exit in the app empties dyad\'s caches and unregisters the worker', async () => {
    const srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    cleanup.push(() => srv.stop());
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    const person = await createPerson(srv.url, { name: 'Oli' });
    const page = await (await browser.newContext()).newPage();
    await signInAt(page, srv.url, person, '/settings', '#own-device-heading');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await waitInPage(page, async () => (await caches.keys()).length > 0, null, { what: 'the shell cached' });
    await page.locator('#quick-exit').click();
    await page.waitForURL('**/static/neutral.html', { timeout: 15000 });
    await waitInPage(page, async () => (await caches.keys()).filter((n) => n.startsWith('dyad-')).length === 0 &&
        (await navigator.serviceWorker.getRegistrations()).length === 0, null, { what: 'no cache and no worker' });
});

// Page weight in a real browser: the first page "/" loaded cold, its bytes on
// the wire and requests counted from Chromium's own network events (recorded,
// not asserted against a figure: only what must hold is asserted — brotli
// or gzip is used, libsodium waits for the sign-in, no other page's modules arrive);
// then signing in (on /settings) loads libsodium through the integrity-checked preloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401 } from '../lib/browser.mjs';
import { createPerson } from '../lib/journey.mjs';

let srv;
let browser;
before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
});
after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
});

test('the first page, cold: what it sends, and libsodium only at sign-in', async (t) => {
    const person = await createPerson(srv.url, { name: 'Weight' });
    const context = await browser.newContext();
    const page = await context.newPage();
    const watch = watchPage(page, 'first page', { allow: allowExpected401 });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const responses = new Map(); // requestId → { url, encoding }
    let bytes = 0;
    let requests = 0;
    cdp.on('Network.responseReceived', (e) => {
        const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
        responses.set(e.requestId, { url: new URL(e.response.url).pathname, encoding: h['content-encoding'] || null });
    });
    cdp.on('Network.loadingFinished', (e) => {
        bytes += e.encodedDataLength;
        requests += 1;
    });

    await page.goto(`${srv.url}/`);
    await page.getByRole('heading', { name: 'Create an account' }).waitFor({ timeout: 30000 });
    await page.waitForLoadState('networkidle');
    const first = [...responses.values()];
    t.diagnostic(`first page "/" cold, signed out: ${requests} requests, ${bytes} bytes on the wire`);
    assert.ok(!first.some((r) => r.url.startsWith('/static/vendor/')), 'libsodium is not fetched before it is needed');
    assert.ok(!first.some((r) => r.url.includes('therapist')), 'no therapist module');
    const scripts = first.filter((r) => r.url.startsWith('/static/js/'));
    assert.ok(scripts.length > 0);
    // brotli where Chromium offers it (it does on https and, in some
    // versions, on loopback), gzip otherwise; never as it is
    for (const r of scripts) assert.ok(['br', 'gzip'].includes(r.encoding), `${r.url} arrives compressed (${r.encoding})`);
    t.diagnostic(`scripts' encodings: ${[...new Set(scripts.map((r) => r.encoding))].join(', ')}`);

    // sign in (the settings page asks for it): libsodium comes now
    await page.goto(`${srv.url}/settings`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 30000 });
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'detached', timeout: 60000 });
    await page.waitForLoadState('networkidle');
    const vendor = [...responses.values()].filter((r) => r.url.startsWith('/static/vendor/'));
    assert.deepEqual(vendor.map((r) => r.url).sort(), ['/static/vendor/libsodium-sumo.mjs', '/static/vendor/libsodium-wrappers.mjs']);
    for (const r of vendor) assert.ok(['br', 'gzip'].includes(r.encoding), `${r.url}: ${r.encoding}`);
    assert.deepEqual(watch.problems, []);
    await context.close();
});

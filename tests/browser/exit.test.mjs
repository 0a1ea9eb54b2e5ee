// Quick exit leaves nothing to go Back to: after it, Back pressed five
// times never lands on a page titled or branded dyad — with dyad's own
// neutral page, and with an operator's outside address
// (DYAD_QUICK_EXIT_URL; here a small local server standing in for a news
// site, since this machine has no network).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer } from '../lib/server.mjs';
import { launchBrowser } from '../lib/browser.mjs';
import { pairInBrowser } from '../lib/journey.mjs';

const cleanup = [];
after(async () => {
    for (const f of cleanup.reverse()) await f();
});

async function walkThenExit(srv, browser) {
    const { a, dyadId } = await pairInBrowser(browser, srv.url, { kind: 'friends', names: ['Ada', 'Lin'] });
    const p = a.page;
    // a little history of dyad pages first
    for (const path of [`/dyads/${dyadId}/shares`, `/dyads/${dyadId}/insights`, '/settings']) {
        await p.goto(`${srv.url}${path}`);
        await p.locator('main h1, main h2').first().waitFor({ timeout: 30000 });
    }
    await p.locator('#quick-exit').click();
    return p;
}

async function backFiveTimes(p, allowed) {
    const titles = [];
    for (let i = 0; i < 5; i++) {
        await p.goBack({ waitUntil: 'load', timeout: 15000 }).catch(() => null);
        await p.waitForLoadState('load');
        const title = await p.title();
        titles.push(title);
        assert.doesNotMatch(title, /dyad|insights|log in/i, `Back ${i + 1}: "${title}" at ${p.url()}`);
        assert.ok(allowed.includes(title), `Back ${i + 1}: "${title}" at ${p.url()}`);
        assert.doesNotMatch(await p.locator('body').innerText(), /\bdyad\b/i, `Back ${i + 1}: the page names dyad`);
    }
    return titles;
}

test('quick exit to the neutral page: five Backs, all neutral', async () => {
    const srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    cleanup.push(() => srv.stop());
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    const p = await walkThenExit(srv, browser);
    await p.waitForURL('**/static/neutral.html', { timeout: 15000 });
    assert.equal(await p.title(), 'Weather');
    await backFiveTimes(p, ['Weather']);
});

test('quick exit to an operator\'s outside address: five Backs, none of them dyad', async () => {
    const news = createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html lang="en"><head><title>Morning news</title></head><body><h1>Morning news</h1><p>Rain later.</p></body></html>');
    });
    await new Promise((r) => news.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => news.close(r)));
    const outside = `http://127.0.0.1:${news.address().port}/today`;
    const srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200', DYAD_QUICK_EXIT_URL: outside } });
    cleanup.push(() => srv.stop());
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    const p = await walkThenExit(srv, browser);
    await p.waitForURL(outside, { timeout: 15000 });
    assert.equal(await p.title(), 'Morning news');
    await backFiveTimes(p, ['Weather', 'Morning news']);
});

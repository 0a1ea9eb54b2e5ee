// Launches Debian's Chromium through playwright-core for the browser tests,
// and watches each page for console errors, uncaught exceptions and CSP
// violations so a test can fail on any of them.
//
// The flags keep Chromium off the network it would otherwise reach for on its
// own (this machine's network is closed, and those connections would stall).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.DYAD_CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser() {
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    });
}

/**
 * Records what goes wrong in a page. `allow(msg)` may excuse an expected
 * console error (msg: { text, url }), e.g. the 401 of GET /api/v1/me while
 * logged out, which Chromium logs as "Failed to load resource".
 * Returns { problems } — an array of strings, empty when all is well.
 */
export function watchPage(page, name, { allow = () => false } = {}) {
    const problems = [];
    page.on('console', (msg) => {
        if (msg.type() !== 'error' && msg.type() !== 'warning') return;
        const text = msg.text();
        const url = msg.location() ? msg.location().url : '';
        if (/Content.Security.Policy|Refused to|integrity/i.test(text)) {
            problems.push(`${name}: CSP/SRI: ${text}`);
            return;
        }
        if (msg.type() === 'error' && !allow({ text, url })) problems.push(`${name}: console error: ${text} (${url})`);
    });
    page.on('pageerror', (err) => problems.push(`${name}: uncaught: ${err.message}`));
    page.on('crash', () => problems.push(`${name}: page crashed`));
    return { problems };
}

/**
 * Expected answers a browser logs as errors: GET /api/v1/me is 401 while
 * logged out, and POST /api/v1/auth/login is 401 for a wrong password.
 */
export function allowExpected401({ text, url }) {
    if (!/status of 401/.test(text)) return false;
    const path = new URL(url, 'http://x').pathname;
    return path === '/api/v1/me' || path === '/api/v1/auth/login';
}

export async function screenshot(page, name) {
    const file = join(ROOT, 'build', 'screenshots', name);
    mkdirSync(dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    return file;
}

/** Runs axe-core in the page; returns the violations at WCAG 2 A/AA level. */
export async function axeViolations(page) {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const source = (await import('node:fs')).readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    // Injected through the DevTools protocol, so the page's CSP does not apply.
    await page.evaluate(source);
    return page.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    });
}

/**
 * Waits until fn(arg), run in the page, gives something truthy — also when
 * fn is async: Playwright's waitForFunction takes a returned Promise as
 * truthy at once, so it cannot wait on caches, service workers or
 * notifications. Polls every 100 ms; fails after ms with `what`.
 */
export async function waitInPage(page, fn, arg, { ms = 30000, what = 'a condition in the page' } = {}) {
    const end = Date.now() + ms;
    for (;;) {
        const v = await page.evaluate(fn, arg);
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

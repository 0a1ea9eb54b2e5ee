// Reminders in the settings page, in real Chromium:
//   - the time zone is filled in from the browser's own (a context in New
//     York), the days, the time and the channel are chosen, and saving shows
//     the next reminder in that zone; the server holds exactly what was
//     chosen; a reminder with no day is refused on the page;
//   - on a server without an SMTP relay the section says so;
//   - axe-core finds no WCAG 2.x A/AA problem in the section, and no page
//     logs a console error or CSP violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401, axeViolations, screenshot } from '../lib/browser.mjs';
import { createPerson, signInAt } from '../lib/journey.mjs';

let relayed;
let bare;
let browser;
before(async () => {
    // a relay address nothing listens on: the page only needs to know there is one
    relayed = await startServer({ args: ['--smtp-url', 'smtp://127.0.0.1:9', '--smtp-starttls', 'none', '--mail-from', 'reminders@dyad.test'] });
    bare = await startServer();
    browser = await launchBrowser();
});
after(async () => {
    if (browser) await browser.close();
    if (relayed) await relayed.stop();
    if (bare) await bare.stop();
});

test('choosing days, a time and the browser\'s zone; saved at once', async () => {
    const ana = await createPerson(relayed.url, { name: 'Ana' });
    const ctx = await browser.newContext({ timezoneId: 'America/New_York' });
    const page = await ctx.newPage();
    const w = watchPage(page, 'settings', { allow: allowExpected401 });
    try {
        await signInAt(page, relayed.url, ana, '/settings', '#reminders form');
        const section = page.locator('#reminders');
        assert.equal(await page.locator('#reminders-zone').inputValue(), 'America/New_York', 'the browser\'s zone');
        assert.equal(await section.locator('.no-relay').count(), 0, 'this server has a relay');
        await section.getByText(`By e-mail, to ${ana.email}`).waitFor();

        // no day: refused on the page, nothing saved
        await section.getByLabel('Remind me').check();
        await section.getByRole('button', { name: 'Save reminders' }).click();
        await section.getByRole('alert').filter({ hasText: 'Choose at least one day' }).waitFor();
        assert.equal((await ana.api.get('/api/v1/me/reminders')).json.reminders.enabled, false);

        await section.getByLabel('Monday').check();
        await section.getByLabel('Thursday').check();
        await page.locator('#reminders-time').fill('07:30');
        await section.getByRole('button', { name: 'Save reminders' }).click();
        await section.getByRole('status').filter({ hasText: 'Saved. Next reminder:' }).waitFor();
        const status = await section.getByRole('status').textContent();
        assert.match(status, /(Monday|Thursday) \d+ \w+ (at )?07:30 \(America\/New York\)/);

        const r = (await ana.api.get('/api/v1/me/reminders')).json.reminders;
        assert.equal(r.enabled, true);
        assert.deepEqual(r.days, ['mon', 'thu']);
        assert.equal(r.time, '07:30');
        assert.equal(r.zone, 'America/New_York');
        assert.deepEqual(r.channels, ['email']);
        // 07:30 in New York is 12:30 UTC in winter, 11:30 in summer
        assert.match(r.next_at, /T1[12]:30:00Z$/);

        // the page shows what was saved after a reload
        await page.reload();
        await page.locator('#reminders form').waitFor();
        assert.equal(await page.getByLabel('Remind me').isChecked(), true);
        assert.equal(await page.getByLabel('Thursday').isChecked(), true);
        assert.equal(await page.getByLabel('Tuesday').isChecked(), false);
        assert.equal(await page.locator('#reminders-time').inputValue(), '07:30');

        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], 'axe-core on the settings page');
        await screenshot(page, 'settings-reminders.png');

        // off again
        await page.getByLabel('Remind me').uncheck();
        await page.getByRole('button', { name: 'Save reminders' }).click();
        await page.locator('#reminders').getByRole('status').filter({ hasText: 'Reminders are off' }).waitFor();
        assert.equal((await ana.api.get('/api/v1/me/reminders')).json.reminders.enabled, false);
        assert.deepEqual(w.problems, []);
    } finally {
        await ctx.close();
    }
});

test('a server without an e-mail relay says so on the settings page', async () => {
    const bea = await createPerson(bare.url, { name: 'Bea' });
    const ctx = await browser.newContext({ timezoneId: 'Europe/Berlin' });
    const page = await ctx.newPage();
    const w = watchPage(page, 'settings-bare', { allow: allowExpected401 });
    try {
        await signInAt(page, bare.url, bea, '/settings', '#reminders form');
        await page.locator('#reminders .no-relay').filter({ hasText: 'Your server has no e-mail relay' }).waitFor();
        assert.equal(await page.locator('#reminders-zone').inputValue(), 'Europe/Berlin');
        assert.deepEqual(w.problems, []);
    } finally {
        await ctx.close();
    }
});

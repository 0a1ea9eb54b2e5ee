// One's own device, unlocked with a PIN, in Chromium (at a phone's width):
// mark the browser in the settings, let the idle lock engage, reload and
// open a fresh tab — the PIN opens the keys each time; five wrong PINs
// forget the device and the password is asked again; quick exit wipes the
// device here and on the server. What the browser keeps never holds the PIN.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, screenshot, axeViolations } from '../lib/browser.mjs';
import { createPerson, signInAt } from '../lib/journey.mjs';

const cleanup = [];
after(async () => {
    for (const f of cleanup.reverse()) await f();
});

const PIN = '739146';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

// 401 from a wrong PIN and from /me while locked, 404 once the device is forgotten.
function allowExpected({ text, url }) {
    if (!/status of 40[14]/.test(text)) return false;
    const path = new URL(url, 'http://x').pathname;
    return ['/api/v1/me', '/api/v1/auth/device', '/api/v1/auth/login'].includes(path);
}

async function markDevice(page, person) {
    await page.locator('#own-device-heading').waitFor({ timeout: 30000 });
    await page.locator('#mark-device').getByLabel('Your password').fill(person.password);
    await page.getByLabel('A PIN for this device').fill(PIN);
    await page.getByLabel('The PIN again').fill(PIN);
    await page.getByRole('button', { name: 'Mark this device as mine' }).click();
    await page.locator('#device-status').waitFor({ timeout: 60000 });
}

async function enterPin(page, pin) {
    await page.getByRole('heading', { name: 'Enter your PIN to unlock' }).waitFor({ timeout: 30000 });
    await page.getByLabel('PIN', { exact: true }).fill(pin);
    await page.getByRole('button', { name: 'Unlock' }).click();
}

async function setup() {
    const srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    cleanup.push(() => srv.stop());
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    const person = await createPerson(srv.url, { name: 'Noor' });
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const watch = watchPage(page, 'noor', { allow: allowExpected });
    await signInAt(page, srv.url, person, '/settings', '#own-device-heading');
    await markDevice(page, person);
    return { srv, browser, person, context, page, watch };
}

test('a marked device opens with its PIN after the idle lock and in a new tab', async () => {
    const { srv, person, context, page, watch } = await setup();
    await screenshot(page, 'unlock/marked-phone.png');
    const kept = await page.evaluate(() => localStorage.getItem('dyad.device'));
    assert.ok(kept, 'the sealed keys are kept');
    assert.ok(!kept.includes(PIN), 'never the PIN');
    const rec = JSON.parse(kept);
    assert.match(rec.device_id, /^v-[0-9a-f]{24}$/);
    const sessions = (await person.api.get('/api/v1/me/sessions')).json.sessions;
    const marked = sessions.find((s) => s.device);
    assert.ok(marked, 'the browser\'s session is the device\'s');
    assert.equal((Date.parse(marked.expires_at) - Date.parse(marked.created_at)) / 1000, 30 * 24 * 3600);

    // the idle lock: no activity for longer than the limit, then a reload
    await page.evaluate(() => localStorage.setItem('dyad.lastActivity', '1'));
    await page.reload();
    await page.getByRole('heading', { name: 'Enter your PIN to unlock' }).waitFor({ timeout: 30000 });
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'unlock/pin-phone.png');
    await enterPin(page, PIN);
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor({ timeout: 60000 });
    await page.locator('#device-status').waitFor();

    // a closed tab: a new one has no keys, and the PIN opens them
    await page.close();
    const tab = await context.newPage();
    const watch2 = watchPage(tab, 'noor-tab', { allow: allowExpected });
    await tab.goto(`${srv.url}/settings`);
    await enterPin(tab, PIN);
    await tab.getByRole('heading', { name: 'Settings', level: 1 }).waitFor({ timeout: 60000 });
    assert.deepEqual([...watch.problems, ...watch2.problems], []);
});

test('five wrong PINs forget the device: the password is needed again', async () => {
    const { person, page, watch } = await setup();
    await page.evaluate(() => localStorage.setItem('dyad.lastActivity', '1'));
    await page.reload();
    for (let i = 1; i <= 4; i++) {
        await enterPin(page, `11${i}907`);
        await page.getByRole('alert').filter({ hasText: `${5 - i} more wrong` }).waitFor({ timeout: 60000 });
    }
    await enterPin(page, '112907');
    await page.getByRole('heading', { name: /Enter your password to unlock|Sign in/ }).waitFor({ timeout: 60000 });
    await page.getByText('wrong 5 times').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('dyad.device')), null);
    assert.deepEqual((await person.api.get('/api/v1/me/devices')).json.devices, []);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor({ timeout: 60000 });
    await page.locator('#mark-device').waitFor();
    assert.deepEqual(watch.problems, []);
});

test('quick exit wipes the device here and on the server', async () => {
    const { person, page, watch } = await setup();
    assert.equal((await person.api.get('/api/v1/me/devices')).json.devices.length, 1);
    await page.locator('#quick-exit').click();
    await page.waitForURL('**/static/neutral.html', { timeout: 15000 });
    assert.equal(await page.evaluate(() => localStorage.getItem('dyad.device')), null);
    // the forget request is sent with keepalive: give it a moment to arrive
    for (let i = 0; i < 50; i++) {
        if ((await person.api.get('/api/v1/me/devices')).json.devices.length === 0) break;
        await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual((await person.api.get('/api/v1/me/devices')).json.devices, []);
    assert.deepEqual(watch.problems, []);
});

test('sign-out and "Forget this device" wipe it too', async () => {
    const { srv, person, page, watch } = await setup();
    await page.getByRole('button', { name: 'Forget this device' }).click();
    await page.locator('#mark-device').waitFor({ timeout: 30000 });
    assert.equal(await page.evaluate(() => localStorage.getItem('dyad.device')), null);
    assert.deepEqual((await person.api.get('/api/v1/me/devices')).json.devices, []);
    await markDevice(page, person);
    await page.locator('#sign-out').click();
    await page.waitForURL(`${srv.url}/`, { timeout: 30000 });
    assert.equal(await page.evaluate(() => localStorage.getItem('dyad.device')), null);
    assert.deepEqual((await person.api.get('/api/v1/me/devices')).json.devices, []);
    assert.deepEqual(watch.problems, []);
});

// Pairing in real Chromium, two people in two separate browser contexts:
// A signs up and creates a couple dyad; B opens the invite link, signs up in
// that tab and joins; A's client checks B's key proof and wraps the dyad key
// for B; both dyad pages then show the same safety code and the same key
// check, which proves both unwrapped the same K. Along the way: keys survive
// a reload only as ciphertext under a non-extractable key, the idle lock and
// sign-in work, quick exit leaves nothing behind, and no page logs a console
// error, an uncaught exception or a CSP violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401, screenshot, axeViolations } from '../lib/browser.mjs';

const PASSWORD_A = 'a long walk by the river';
const PASSWORD_B = 'tea at four, every day';
const NEW_PASSWORD_A = 'the river again, slower';

async function signUp(page, { email, name, password }) {
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password again').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    const codeEl = page.locator('#recovery-code');
    await codeEl.waitFor();
    const groups = (await codeEl.textContent()).trim().split(/\s+/);
    assert.equal(groups.length, 13, 'the recovery code is 13 groups');
    for (const g of groups) assert.match(g, /^[A-Z2-7]{4}$/);
    const check = page.getByLabel(/type the last group/);
    // A wrong group is refused before anything is sent.
    await check.fill(groups[0] === groups[12] ? 'AAAA' : groups[0]);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByText('That is not the last group of your code').waitFor();
    await check.fill(groups[12].toLowerCase());
    await page.getByRole('button', { name: 'Create my account' }).click();
    return groups.join('-');
}

async function text(page, selector) {
    const el = page.locator(selector);
    await el.waitFor();
    return (await el.textContent()).trim();
}

async function noAxeViolations(page, where) {
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `accessibility problems on ${where}`);
}

test('two people pair into a dyad in the browser', async (t) => {
    const server = await startServer();
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const ctxA = await browser.newContext();
    const ctxB = await browser.newContext();
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const watchA = watchPage(a, 'A', { allow: allowExpected401 });
    const watchB = watchPage(b, 'B', { allow: allowExpected401 });
    const url = server.url;
    let link;

    await t.test('A signs up, seeing what the server can read', async () => {
        await a.goto(`${url}/`);
        await a.getByRole('heading', { name: 'What the server can and cannot read' }).waitFor();
        await noAxeViolations(a, 'the sign-up form');
        await signUp(a, { email: 'ana@example.org', name: 'Ana', password: PASSWORD_A });
        await a.getByRole('heading', { name: 'Hello, Ana' }).waitFor();
    });

    await t.test('A creates a couple dyad and gets an invite link', async () => {
        await a.getByLabel('My partner (a couple)').check();
        await a.locator('#create-dyad').click();
        const input = a.locator('input.invite-link');
        await input.waitFor();
        link = await input.inputValue();
        assert.match(link, new RegExp(`^${url}/join/[^#/]+#[A-Za-z0-9_-]{43}$`));
        await a.getByText('never reaches the server').first().waitFor();
        await noAxeViolations(a, 'the home page with an invite');
    });

    await t.test('the keys survive a reload only as ciphertext under a non-extractable key', async () => {
        await a.reload();
        await a.getByRole('heading', { name: 'Hello, Ana' }).waitFor();
        // the invite link is rebuilt from the sealed invite secret
        assert.equal(await a.locator('input.invite-link').inputValue(), link);
        const stored = await a.evaluate(async () => {
            const tab = sessionStorage.getItem('dyad.tab');
            const rec = await new Promise((resolve, reject) => {
                const req = indexedDB.open('dyad-tab-keys');
                req.onsuccess = () => {
                    const get = req.result.transaction('wrapping-keys').objectStore('wrapping-keys').get(tab);
                    get.onsuccess = () => resolve(get.result);
                    get.onerror = () => reject(get.error);
                };
                req.onerror = () => reject(req.error);
            });
            let exported = true;
            try {
                await crypto.subtle.exportKey('raw', rec.key);
            } catch {
                exported = false;
            }
            return {
                blobBytes: atob(sessionStorage.getItem('dyad.keys')).length,
                algorithm: rec.key.algorithm.name,
                extractable: rec.key.extractable,
                exported,
                localKeys: Object.keys(localStorage).filter((k) => !['dyad.lastActivity', 'dyad.idleMinutes', 'dyad.signal'].includes(k)),
            };
        });
        assert.equal(stored.algorithm, 'AES-GCM');
        assert.equal(stored.extractable, false);
        assert.equal(stored.exported, false);
        assert.equal(stored.blobBytes, 12 + 192 + 16, 'iv ‖ AES-GCM(192 key bytes)');
        assert.deepEqual(stored.localKeys, [], 'nothing else in localStorage');
    });

    await t.test('B opens the link, signs up in that tab and joins', async () => {
        await b.goto(link);
        await b.getByRole('heading', { name: /invited/ }).waitFor();
        assert.equal(new URL(b.url()).hash, '', 'the secret is taken out of the address bar');
        await signUp(b, { email: 'bea@example.org', name: 'Bea', password: PASSWORD_B });
        await b.getByRole('heading', { name: 'Join this dyad?' }).waitFor();
        await b.locator('#join-dyad').click();
        // A's home page notices B, checks B's key proof and wraps K for B;
        // B's page notices the wrap, checks A's signature and opens K.
        await a.locator('.dyad-item .state.paired').waitFor({ timeout: 30000 });
        await b.locator('#open-dyad').waitFor({ timeout: 30000 });
        assert.match(await text(a, '.dyad-item h3'), /Couple with Bea/);
        await screenshot(a, 'home.png');
    });

    let codeA;
    let checkA;
    await t.test('both dyad pages show the same safety code and key check', async () => {
        await b.locator('#open-dyad').click();
        await a.locator('.dyad-item h3 a').click();
        codeA = await text(a, '#safety-code');
        const codeB = await text(b, '#safety-code');
        assert.match(codeA, /^\d{5}( \d{5}){5}$/);
        assert.equal(codeA, codeB);
        checkA = await text(a, '#key-check');
        assert.match(checkA, /^[0-9a-f]{8}$/);
        assert.equal(checkA, await text(b, '#key-check'));
        assert.match(await text(b, 'h1'), /Couple with Ana/);
        await noAxeViolations(b, 'the dyad page');
    });

    await t.test('the idle lock wipes the keys and asks for the password again', async () => {
        await b.evaluate(() => localStorage.setItem('dyad.lastActivity', '1'));
        await b.reload();
        await b.getByRole('heading', { name: 'Enter your password to unlock' }).waitFor();
        assert.equal(await b.evaluate(() => sessionStorage.getItem('dyad.keys')), null);
        assert.equal(await b.getByLabel('E-mail').inputValue(), 'bea@example.org');
        await b.getByLabel('Password', { exact: true }).fill('not the password');
        await b.getByRole('button', { name: 'Unlock' }).click();
        await b.getByText('do not match an account').waitFor();
        await b.getByLabel('Password', { exact: true }).fill(PASSWORD_B);
        await b.getByRole('button', { name: 'Unlock' }).click();
        assert.equal(await text(b, '#key-check'), checkA);
        assert.equal(await text(b, '#safety-code'), codeA);
    });

    await t.test('A changes the password in Settings and signs in with the new one', async () => {
        await a.goto(`${url}/settings`);
        await a.getByLabel('Current password').fill(PASSWORD_A);
        await a.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD_A);
        await a.getByLabel('New password again').fill(NEW_PASSWORD_A);
        await a.getByRole('button', { name: 'Change password' }).click();
        await a.getByText('Password changed.').waitFor();
        await noAxeViolations(a, 'the settings page');
        await a.locator('#sign-out').click();
        await a.waitForURL(`${url}/`);
        await a.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal(await a.evaluate(() => sessionStorage.getItem('dyad.keys')), null);
        await a.getByLabel('E-mail').fill('ana@example.org');
        await a.getByLabel('Password', { exact: true }).fill(PASSWORD_A);
        await a.getByRole('button', { name: 'Sign in' }).click();
        await a.getByText('do not match an account').waitFor();
        await a.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD_A);
        await a.getByRole('button', { name: 'Sign in' }).click();
        await a.getByRole('heading', { name: 'Hello, Ana' }).waitFor();
        await a.locator('.dyad-item h3 a').click();
        assert.equal(await text(a, '#key-check'), checkA);
    });

    await t.test('quick exit by Esc ×3 blanks the page, wipes the keys and ends the session', async () => {
        await b.locator('h1').click();
        for (let i = 0; i < 3; i++) await b.keyboard.press('Escape');
        await b.waitForURL(`${url}/static/neutral.html`);
        assert.equal(await b.title(), 'Weather');
        assert.equal(await b.evaluate(() => sessionStorage.length), 0);
        assert.deepEqual(await b.evaluate(() => Object.keys(localStorage)), []);
        await b.goto(`${url}/`);
        await b.getByRole('heading', { name: 'Create an account' }).waitFor();
    });

    await t.test('A leaves the dyad from Settings', async () => {
        await a.goto(`${url}/settings`);
        await a.getByRole('button', { name: 'Leave this dyad' }).click();
        await a.getByText('Bea is not asked').waitFor();
        await a.getByRole('button', { name: 'Leave the dyad' }).click();
        await a.getByText('You have left this dyad.').waitFor();
        // The leaver's list no longer holds it.
        await a.goto(`${url}/`);
        await a.getByRole('heading', { name: 'Hello, Ana' }).waitFor();
        await a.getByText('You have no dyads yet.').waitFor();
    });

    await t.test('the quick-exit button replaces the page, so Back does not return to it', async () => {
        await a.goto(`${url}/settings`);
        await a.getByRole('heading', { name: 'Settings' }).waitFor();
        await a.locator('#quick-exit').click();
        await a.waitForURL(`${url}/static/neutral.html`);
        await a.goBack();
        assert.equal(new URL(a.url()).pathname, '/static/neutral.html', 'Back stays on the neutral page');
    });

    assert.deepEqual([...watchA.problems, ...watchB.problems], []);
});

test('a partner whose key proof does not match the invite is not given the key', async (t) => {
    const server = await startServer();
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const a = await (await browser.newContext()).newPage();
    const b = await (await browser.newContext()).newPage();
    const watchA = watchPage(a, 'A', { allow: allowExpected401 });
    const watchB = watchPage(b, 'B', { allow: allowExpected401 });

    await a.goto(`${server.url}/`);
    await signUp(a, { email: 'cai@example.org', name: 'Cai', password: PASSWORD_A });
    await a.locator('#create-dyad').click();
    const link = await a.locator('input.invite-link').inputValue();

    // Play a server that swaps the partner's keys: A's client sees a
    // key_proof that does not match B's keys under the invite secret.
    const puts = [];
    a.on('request', (req) => {
        if (req.method() === 'PUT' && /\/api\/v1\/dyads\/[^/]+\/keys\//.test(new URL(req.url()).pathname)) puts.push(req.url());
    });
    await a.route(/\/api\/v1\/dyads\/[^/]+$/, async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        for (const m of body.dyad.members || []) {
            if (m.display_name === 'Dee') m.key_proof = `${m.key_proof[0] === 'A' ? 'B' : 'A'}${m.key_proof.slice(1)}`;
        }
        await route.fulfill({ response: res, json: body });
    });

    await b.goto(link);
    await signUp(b, { email: 'dee@example.org', name: 'Dee', password: PASSWORD_B });
    await b.locator('#join-dyad').click();
    await a.getByText('keys do not match the secret in your invite link').waitFor({ timeout: 30000 });
    // B is still waiting: A's client refused to wrap the key.
    await b.getByText(/Waiting for Cai’s device/).waitFor();
    assert.deepEqual(puts, []);
    assert.deepEqual([...watchA.problems, ...watchB.problems], []);
});

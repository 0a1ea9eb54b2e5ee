// "Forgot your password?" in real Chromium: a person signs up in the
// browser (reading the recovery code from the page, as they would copy it),
// signs out, and sets a new password with the code. A wrong code, a code
// typed badly, a proof the server refuses and a throttled attempt each say
// so and change nothing; the right code lands signed in, every other session
// has ended, the old password no longer works and the new one does (through
// the sign-in form); later the same code works again, from the unlock form
// the idle lock shows. The forms have no accessibility violations, and no page
// logs a console error, an uncaught exception or a CSP violation beyond the
// 401s and the 429 the test causes on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401, axeViolations } from '../lib/browser.mjs';
import { Client, sodium } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);

const EMAIL = 'rae@example.org';
const OLD_PASSWORD = 'the one I wrote down nowhere';
const NEW_PASSWORD = 'a fresh start, written down';
const THIRD_PASSWORD = 'and once more, for luck';
const WRONG_CODE_TEXT = 'That recovery code does not open this account’s keys';

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
    await page.getByLabel(/type the last group/).fill(groups[12]);
    await page.getByRole('button', { name: 'Create my account' }).click();
    return groups;
}

async function noAxeViolations(page, where) {
    assert.deepEqual(await axeViolations(page), [], `accessibility problems on ${where}`);
}

// The account's salt changes with every new password: an unchanged salt
// means nothing was changed.
async function kdfSalt(api) {
    const r = await api.get(`/api/v1/auth/kdf?email=${encodeURIComponent(EMAIL)}`);
    assert.equal(r.status, 200);
    return r.json.kdf_salt;
}

// A session of this account outside the browser (another device), signed in
// with the password exactly as the browser would.
async function apiSession(url, password) {
    const api = new Client(url);
    const kdf = (await api.get(`/api/v1/auth/kdf?email=${encodeURIComponent(EMAIL)}`)).json;
    const { authKey } = cr.deriveAuthWrap(cr.deriveMaster(password, cr.unb64(kdf.kdf_salt), kdf.opslimit, kdf.memlimit));
    const l = await api.post('/api/v1/auth/login', { email: EMAIL, auth_key: cr.b64(authKey) });
    assert.equal(l.status, 200, l.text);
    api.csrf = l.json.csrf_token;
    api.login = l.json;
    return api;
}

async function fillRecovery(page, { email, code, password, again = password }) {
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Recovery code', { exact: true }).fill(code);
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password again').fill(again);
    await page.getByRole('button', { name: 'Set the new password' }).click();
}

test('a forgotten password, and the recovery code', async (t) => {
    const server = await startServer();
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const page = await (await browser.newContext()).newPage();
    // 401s this test causes on purpose: a wrong password at sign-in and a
    // refused proof at /auth/recover; and one 429 it plays itself.
    const watch = watchPage(page, 'Rae', {
        allow: (msg) => allowExpected401(msg) ||
            (/status of (401|429)/.test(msg.text) && new URL(msg.url, 'http://x').pathname === '/api/v1/auth/recover'),
    });
    const recoverPosts = [];
    page.on('request', (req) => {
        if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/v1/auth/recover') recoverPosts.push(req.url());
    });
    const url = server.url;
    const api = new Client(url);
    let groups;
    let saltAtSignUp;
    let otherDevice;

    await t.test('Rae signs up in the browser and writes the code down, then signs out', async () => {
        await page.goto(`${url}/`);
        groups = await signUp(page, { email: EMAIL, name: 'Rae', password: OLD_PASSWORD });
        await page.getByRole('heading', { name: 'Hello, Rae' }).waitFor();
        saltAtSignUp = await kdfSalt(api);
        otherDevice = await apiSession(url, OLD_PASSWORD);
        assert.equal((await otherDevice.get('/api/v1/me')).status, 200);
        await page.goto(`${url}/settings`);
        await page.locator('#sign-out').click();
        await page.waitForURL(`${url}/`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    });

    await t.test('"Forgot your password?" opens the recovery form, from the keyboard', async () => {
        await page.getByLabel('E-mail').fill(EMAIL);
        await page.getByRole('button', { name: 'Forgot your password?' }).focus();
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Use your recovery code' }).waitFor();
        // focus moves to the new form's heading, and the address comes along
        assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Use your recovery code');
        assert.equal(await page.getByLabel('E-mail').inputValue(), EMAIL);
        await page.getByText('There is no other way back.').waitFor();
        await page.getByText('not dyad, not whoever runs this server, and not the person you pair with').waitFor();
        await page.getByText('including any device someone close to you might hold').waitFor();
        await noAxeViolations(page, 'the recovery form');
        // "Back to sign in" returns, and the link leads here again
        await page.getByRole('button', { name: 'Back to sign in' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await page.getByRole('button', { name: 'Forgot your password?' }).click();
        await page.getByRole('heading', { name: 'Use your recovery code' }).waitFor();
    });

    await t.test('a code typed badly, or passwords that differ, are caught before anything is sent', async () => {
        await fillRecovery(page, { email: EMAIL, code: groups.slice(0, 12).join('-'), password: NEW_PASSWORD });
        await page.getByText('A recovery code is 13 groups of 4 characters (52 in all); this has 48.').waitFor();
        assert.equal(await page.getByLabel('Recovery code', { exact: true }).getAttribute('aria-invalid'), 'true');
        await fillRecovery(page, { email: EMAIL, code: [...groups.slice(0, 12), '8888'].join('-'), password: NEW_PASSWORD });
        await page.getByText('only the letters A to Z and the digits 2 to 7').waitFor();
        await fillRecovery(page, { email: EMAIL, code: groups.join('-'), password: NEW_PASSWORD, again: `${NEW_PASSWORD}!` });
        await page.getByText('The two new passwords are not the same.').waitFor();
        await fillRecovery(page, { email: EMAIL, code: groups.join('-'), password: 'short' });
        await page.getByText('Use at least 10 characters.').waitFor();
        assert.deepEqual(recoverPosts, []);
    });

    await t.test('a wrong code says so and changes nothing', async () => {
        const wrong = cr.formatRecoveryCode(cr.newRecoveryCode());
        await fillRecovery(page, { email: EMAIL, code: wrong, password: NEW_PASSWORD });
        await page.getByRole('alert').getByText(WRONG_CODE_TEXT).waitFor();
        await page.getByText('Nothing was changed.').waitFor();
        assert.equal(await page.evaluate(() => document.activeElement.name), 'recovery_code', 'focus goes back to the code');
        await noAxeViolations(page, 'the recovery form with a wrong code');
        // An unknown address looks the same, and does not open either.
        await fillRecovery(page, { email: 'nobody-here@example.org', code: groups.join('-'), password: NEW_PASSWORD });
        await page.getByRole('alert').getByText(WRONG_CODE_TEXT).waitFor();
        assert.deepEqual(recoverPosts, [], 'nothing was sent to /auth/recover');
        assert.equal(await kdfSalt(api), saltAtSignUp, 'the password is unchanged');
        assert.equal((await otherDevice.get('/api/v1/me')).status, 200, 'the other session goes on');
    });

    await t.test('a proof the server refuses, or a throttled attempt, says so and changes nothing', async () => {
        // Play a server path that mangles the signature on its way.
        await page.route('**/api/v1/auth/recover', async (route) => {
            const body = JSON.parse(route.request().postData());
            const sig = cr.unb64(body.signature);
            sig[0] ^= 1;
            body.signature = cr.b64(sig);
            await route.continue({ postData: JSON.stringify(body) });
        });
        await fillRecovery(page, { email: EMAIL, code: groups.join('-'), password: NEW_PASSWORD });
        await page.getByRole('alert').getByText('That did not work').waitFor({ timeout: 30000 });
        await page.getByRole('alert').getByText('Nothing was changed.').waitFor();
        await page.unroute('**/api/v1/auth/recover');
        assert.equal(await kdfSalt(api), saltAtSignUp);
        assert.equal((await otherDevice.get('/api/v1/me')).status, 200);

        await page.route('**/api/v1/auth/recover', (route) => route.fulfill({
            status: 429,
            headers: { 'Retry-After': '120' },
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many attempts.' } }),
        }));
        await page.getByRole('button', { name: 'Set the new password' }).click();
        await page.getByRole('alert').getByText('Too many attempts. Try again in 2 minutes.').waitFor({ timeout: 30000 });
        await page.unroute('**/api/v1/auth/recover');
        assert.equal(await kdfSalt(api), saltAtSignUp);
    });

    await t.test('the right code sets the new password, ends every session and lands signed in', async () => {
        const before = recoverPosts.length;
        // typed in small letters with spaces, as someone might copy it from paper
        await fillRecovery(page, { email: EMAIL, code: groups.join(' ').toLowerCase(), password: NEW_PASSWORD });
        await page.getByRole('heading', { name: 'Your new password is set' }).waitFor({ timeout: 30000 });
        assert.equal(recoverPosts.length, before + 1);
        await page.getByText('Every session of this account has been signed out, everywhere').waitFor();
        await page.getByText('including any device someone close to you might hold').waitFor();
        await page.getByText('Your recovery code has not changed.').waitFor();
        await page.getByText('it still works if you ever need it again').waitFor();
        await noAxeViolations(page, 'the page after a recovery');
        assert.notEqual(await kdfSalt(api), saltAtSignUp, 'a new salt');
        assert.equal((await otherDevice.get('/api/v1/me')).status, 401, 'the other device was signed out');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Hello, Rae' }).waitFor();
        // the keys are kept for the tab as after any sign-in
        assert.notEqual(await page.evaluate(() => sessionStorage.getItem('dyad.keys')), null);
    });

    await t.test('the old password no longer works; the new one does', async () => {
        await page.goto(`${url}/settings`);
        await page.locator('#sign-out').click();
        await page.waitForURL(`${url}/`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await page.getByLabel('E-mail').fill(EMAIL);
        await page.getByLabel('Password', { exact: true }).fill(OLD_PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByText('do not match an account').waitFor();
        await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('heading', { name: 'Hello, Rae' }).waitFor();
    });

    await t.test('the same code works again later, from the unlock form after the idle lock', async () => {
        await page.evaluate(() => localStorage.setItem('dyad.lastActivity', '1'));
        await page.reload();
        await page.getByRole('heading', { name: 'Enter your password to unlock' }).waitFor();
        await page.getByRole('button', { name: 'Forgot your password?' }).click();
        await page.getByRole('heading', { name: 'Use your recovery code' }).waitFor();
        const email = page.getByLabel('E-mail');
        assert.equal(await email.inputValue(), EMAIL);
        assert.equal(await email.getAttribute('readonly'), '', 'the locked account’s address is fixed');
        await page.getByLabel('Recovery code', { exact: true }).fill(groups.join('-'));
        await page.getByLabel('New password', { exact: true }).fill(THIRD_PASSWORD);
        await page.getByLabel('New password again').fill(THIRD_PASSWORD);
        await page.getByRole('button', { name: 'Set the new password' }).click();
        await page.getByRole('heading', { name: 'Your new password is set' }).waitFor({ timeout: 30000 });
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Hello, Rae' }).waitFor();
        // the keys the code opened are the account's own
        const start = await api.get(`/api/v1/auth/recovery?email=${encodeURIComponent(EMAIL)}`);
        const keys = cr.unwrapKeys(start.json.recovery_wrapped_keys, cr.recoveryKey(cr.parseRecoveryCode(groups.join('-'))));
        const now = await apiSession(url, THIRD_PASSWORD);
        assert.equal(cr.b64(keys.signPk), now.login.sign_public_key);
        assert.equal(cr.b64(keys.boxPk), now.login.box_public_key);
    });

    assert.deepEqual(watch.problems, []);
});

// Reminders by Web Push in Chromium, from the Settings button to the
// notification, and what ends a browser's subscription.
//
// Headless Chromium has no push service it can reach (its own is Google's,
// and the machine's network is closed; in a Playwright context it refuses
// outright, as in incognito). So the browser's PushManager is the one part
// played by the test: an init script makes subscribe/getSubscription/
// unsubscribe answer from the test's state (keys made with node's crypto,
// an endpoint on the test's loopback push service), and unregistering the
// worker ends the subscription, as Chromium does. Everything else is
// real: the page's code turns reminders on and off through the API, the
// server encrypts and VAPID-signs a real Web Push to that endpoint, the test
// opens it as the push service's browser would (RFC 8291, node's crypto)
// and hands the plaintext to the real service worker through the DevTools
// protocol (ServiceWorker.deliverPushMessage), which shows the
// notification; registration.getNotifications() reads it back.
//
// A click on a notification cannot be made in headless Chromium; the test
// dispatches a notificationclick event in the real worker and checks what
// its handler does (the window it opens, the tab it brings forward) — the
// browser's own permission to open a window after a real click is not
// exercised.
/* global WindowClient, NotificationEvent -- the service worker's, in worker.evaluate */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401, waitInPage } from '../lib/browser.mjs';
import { createPerson, signInAt } from '../lib/journey.mjs';
import { startPushService, browserKeys, openMessage, b64url } from '../lib/pushservice.mjs';

const NEUTRAL = 'A moment for dyad, if you like.';
const PIN = '739146';

const cleanup = [];
after(async () => {
    for (const f of cleanup.reverse()) await f();
});

// 401 from /me while locked or signed out and from a wrong PIN, 404 once a
// device is forgotten.
function allowExpected({ text, url }) {
    if (allowExpected401({ text, url })) return true;
    if (!/status of 40[14]/.test(text)) return false;
    const path = new URL(url, 'http://x').pathname;
    return ['/api/v1/me', '/api/v1/auth/device', '/api/v1/auth/login', '/api/v1/me/push'].includes(path);
}

async function setup() {
    const service = await startPushService();
    cleanup.push(() => service.stop());
    const srv = await startServer({ env: { DYAD_PUSH_ALLOW_HTTP_LOOPBACK: 'yes', DYAD_REGISTRATIONS_PER_CLIENT: '200' } });
    cleanup.push(() => srv.stop());
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    return { service, srv, browser };
}

// A context whose PushManager is the test's (see the top of the file).
// → { context, push: { sub, keys, unsubscribed } }
async function contextWithPush(browser, srv, service) {
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: srv.url });
    const push = { sub: null, keys: null, unsubscribed: [] };
    await context.exposeBinding('__dyadTestPush', (_source, op, arg) => {
        if (op === 'subscribe' && !push.sub) {
            push.keys = browserKeys();
            push.sub = {
                endpoint: `${service.base}/push/${crypto.randomBytes(6).toString('hex')}`,
                expirationTime: null,
                keys: { p256dh: b64url(push.keys.p256dh), auth: b64url(push.keys.auth) },
            };
        }
        // a subscription ends with its worker's registration (Push API; Chromium does so)
        if (op === 'unregister' && push.sub) {
            push.unsubscribed.push(push.sub.endpoint);
            push.sub = null;
            return true;
        }
        if (op === 'unsubscribe' && push.sub && push.sub.endpoint === arg) {
            push.unsubscribed.push(arg);
            push.sub = null;
            return true;
        }
        return op === 'unsubscribe' ? false : push.sub;
    });
    await context.addInitScript(() => {
        if (typeof PushManager === 'undefined') return;
        const call = (op, arg) => window.__dyadTestPush(op, arg);
        const wrap = (json) => json && {
            endpoint: json.endpoint,
            expirationTime: null,
            options: { userVisibleOnly: true, applicationServerKey: null },
            toJSON: () => json,
            unsubscribe: () => call('unsubscribe', json.endpoint),
        };
        PushManager.prototype.subscribe = async function subscribe() { return wrap(await call('subscribe')); };
        PushManager.prototype.getSubscription = async function getSubscription() { return wrap(await call('get')); };
        const unregister = ServiceWorkerRegistration.prototype.unregister;
        ServiceWorkerRegistration.prototype.unregister = function unregisterAndEndPush() {
            call('unregister');
            return unregister.call(this);
        };
    });
    return { context, push };
}

const onServer = (srv, push, endpoint) => Number(srv.sql(`SELECT count(*) FROM push_subscriptions WHERE endpoint = '${endpoint}'`));

async function turnOn(page) {
    const card = page.locator('#browser-reminders');
    await card.getByRole('button', { name: 'Turn on in this browser' }).click();
    await card.getByText('This browser receives reminders.').waitFor({ timeout: 30000 });
}

// The worker's registration id, for ServiceWorker.deliverPushMessage.
async function registrationId(context, page) {
    const cdp = await context.newCDPSession(page);
    const seen = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => seen.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    for (let i = 0; i < 100 && !seen.some((r) => !r.isDeleted); i++) await new Promise((r) => setTimeout(r, 100));
    const reg = seen.find((r) => !r.isDeleted);
    assert.ok(reg, 'the worker is registered');
    return { cdp, id: reg.registrationId };
}

// Delivers a push to the worker and waits until exactly one notification,
// saying `want`, is shown. Chromium closes a notification asynchronously and
// makes a persistent notification's id from its tag, so a push that lands
// while an earlier close() is still pending can show a notification that the
// close then takes away. The push is delivered again (at most 6 times, each a
// whole push) until one stays; a worker that never shows it still fails.
// The first push after the worker registers can be lost the same way while
// the worker is still starting (a fresh-clone CI run lost it once).
async function pushUntilShown(page, cdp, target, data, want, what) {
    for (let tries = 0; tries < 6; tries++) {
        await cdp.send('ServiceWorker.deliverPushMessage', { ...target, data });
        const ok = await waitInPage(page, async (w) => {
            const ns = await (await navigator.serviceWorker.ready).getNotifications();
            return ns.length === 1 && ns[0].body === w;
        }, want, { ms: 5000, what }).catch(() => false);
        if (ok) return;
    }
    assert.fail(`timed out waiting for ${what}`);
}

test('a reminder the server pushes reaches the service worker and shows the fixed sentence; a click opens dyad', { timeout: 240000 }, async () => {
    const { service, srv, browser } = await setup();
    const person = await createPerson(srv.url, { name: 'Rosa' });
    const { context, push } = await contextWithPush(browser, srv, service);
    const page = await context.newPage();
    const watch = watchPage(page, 'rosa', { allow: allowExpected });
    await signInAt(page, srv.url, person, '/settings', '#browser-reminders-heading');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await turnOn(page);
    assert.equal(onServer(srv, push, push.sub.endpoint), 1, 'the server has this browser’s subscription');

    // "Send one now": a real Web Push to the test's push service
    await page.locator('#browser-reminders').getByRole('button', { name: 'Send one now' }).click();
    await page.getByText('Sent. It should appear in a moment.').waitFor({ timeout: 30000 });
    assert.equal(service.received.length, 1);
    const msg = service.received[0];
    assert.equal(msg.url, new URL(push.sub.endpoint).pathname);
    assert.equal(msg.headers['content-encoding'], 'aes128gcm');
    const text = openMessage(msg.body, push.keys);
    assert.equal(text, NEUTRAL);

    // … handed to the real worker, as the browser's push service would
    const { cdp, id } = await registrationId(context, page);
    const shown = () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications())
        .map((n) => ({ title: n.title, body: n.body, tag: n.tag, icon: new URL(n.icon).pathname })));
    await pushUntilShown(page, cdp, { origin: srv.url, registrationId: id }, text, NEUTRAL, 'the notification');
    assert.deepEqual(await shown(), [{ title: 'dyad', body: NEUTRAL, tag: 'dyad-reminder', icon: '/static/icons/icon-192.png' }]);

    // whatever else a push might carry, the notification says the plain sentence, once
    for (const data of ['Bea checked in today', 'A short questionnaire is waiting in dyad, if you like.', '']) {
        const want = data.startsWith('A short') ? data : NEUTRAL;
        // one at a time: the body changes only when a push made a new one
        await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).forEach((n) => n.close()));
        await pushUntilShown(page, cdp, { origin: srv.url, registrationId: id }, data, want, `the notification for ${JSON.stringify(data)}`);
    }
    // two pushes in a row: the second replaces the first (one tag)
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: srv.url, registrationId: id, data: 'A short questionnaire is waiting in dyad, if you like.' });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: srv.url, registrationId: id, data: NEUTRAL });
    await waitInPage(page, async (w) => (await (await navigator.serviceWorker.ready).getNotifications())[0]?.body === w, NEUTRAL, { what: 'the replaced notification' });
    const notes = await shown();
    assert.equal(notes.length, 1, 'one notification, replaced, never piled up');
    assert.doesNotMatch(JSON.stringify(notes), /Bea|Rosa|checked|streak|\d+ day/);

    // a click: with a dyad tab open it is brought forward; with none, / opens
    const worker = context.serviceWorkers().find((w) => w.url() === `${srv.url}/sw.js`);
    assert.ok(worker, 'the worker is running');
    const click = () => worker.evaluate(async () => {
        const calls = [];
        const clients = self.clients;
        const openWindow = clients.openWindow.bind(clients);
        clients.openWindow = (url) => { calls.push(`open ${url}`); return openWindow(url).catch(() => null); };
        const focus = WindowClient.prototype.focus;
        WindowClient.prototype.focus = function focusTab() { calls.push(`focus ${new URL(this.url).pathname}`); return Promise.resolve(this); };
        const [n] = await self.registration.getNotifications();
        const done = [];
        const event = new NotificationEvent('notificationclick', { notification: n });
        event.waitUntil = (p) => done.push(p);
        self.dispatchEvent(event);
        await Promise.all(done);
        clients.openWindow = openWindow;
        WindowClient.prototype.focus = focus;
        return { calls, left: (await self.registration.getNotifications()).length };
    });
    assert.deepEqual(await click(), { calls: ['focus /settings'], left: 0 }, 'the open dyad tab, and the notification closed');
    await pushUntilShown(page, cdp, { origin: srv.url, registrationId: id }, NEUTRAL, NEUTRAL, 'the notification again');
    const blank = await context.newPage(); // keeps the context (and the worker) alive
    await page.close();
    const r = await click();
    assert.deepEqual(r.calls, ['open /'], 'no dyad tab open: dyad’s start page');
    await blank.close();
    assert.deepEqual(watch.problems, []);
});

test('sign-out, "Forget this device", five wrong PINs, quick exit and erasure end this browser’s subscription, here and on the server', { timeout: 600000 }, async () => {
    const { service, srv, browser } = await setup();
    const person = await createPerson(srv.url, { name: 'Tam' });
    const { context, push } = await contextWithPush(browser, srv, service);
    let page = await context.newPage();
    let watch = watchPage(page, 'tam', { allow: allowExpected });
    const problems = [];
    const card = () => page.locator('#browser-reminders');

    async function ended(what, endpoint) {
        for (let i = 0; i < 100 && push.sub; i++) await new Promise((r) => setTimeout(r, 100));
        assert.ok(push.unsubscribed.includes(endpoint), `${what}: unsubscribed in the browser`);
        assert.equal(push.sub, null, `${what}: no subscription left in the browser`);
        for (let i = 0; i < 100 && onServer(srv, push, endpoint) > 0; i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(onServer(srv, push, endpoint), 0, `${what}: gone from the server`);
    }
    async function markDevice() {
        await page.locator('#mark-device').getByLabel('Your password').fill(person.password);
        await page.getByLabel('A PIN for this device').fill(PIN);
        await page.getByLabel('The PIN again').fill(PIN);
        await page.getByRole('button', { name: 'Mark this device as mine' }).click();
        await page.locator('#device-status').waitFor({ timeout: 60000 });
    }
    async function freshPage(path = '/settings') {
        problems.push(...watch.problems);
        await page.close();
        page = await context.newPage();
        watch = watchPage(page, 'tam', { allow: allowExpected });
        await signInAt(page, srv.url, person, path, '#browser-reminders-heading');
        await page.evaluate(() => navigator.serviceWorker.ready);
    }

    // sign-out
    await signInAt(page, srv.url, person, '/settings', '#browser-reminders-heading');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await turnOn(page);
    let endpoint = push.sub.endpoint;
    await page.locator('#sign-out').click();
    await page.waitForURL(`${srv.url}/`, { timeout: 30000 });
    await ended('sign-out', endpoint);

    // forget this device, from the device itself: its reminders go, the session stays
    await freshPage();
    await markDevice();
    await turnOn(page);
    endpoint = push.sub.endpoint;
    assert.match(srv.sql(`SELECT device_id FROM push_subscriptions WHERE endpoint = '${endpoint}'`), /^v-/);
    await page.getByRole('button', { name: 'Forget this device' }).click();
    await page.locator('#mark-device').waitFor({ timeout: 30000 });
    await card().getByText('This browser does not receive reminders.').waitFor({ timeout: 30000 });
    await ended('forget this device', endpoint);

    // a new PIN keeps them: the subscription moves to the new device
    await markDevice();
    await turnOn(page);
    endpoint = push.sub.endpoint;
    const first = srv.sql(`SELECT device_id FROM push_subscriptions WHERE endpoint = '${endpoint}'`);
    await page.getByRole('button', { name: 'Change the PIN' }).click();
    await page.locator('#mark-device').getByLabel('Your password').fill(person.password);
    await page.getByLabel('A PIN for this device').fill('582047');
    await page.getByLabel('The PIN again').fill('582047');
    await page.getByRole('button', { name: 'Save the new PIN' }).click();
    await page.getByText('Your new PIN is saved.').waitFor({ timeout: 60000 });
    const second = srv.sql(`SELECT device_id FROM push_subscriptions WHERE endpoint = '${endpoint}'`);
    assert.match(second, /^v-/);
    assert.notEqual(second, first);
    assert.equal(push.sub && push.sub.endpoint, endpoint, 'still subscribed in the browser');

    // five wrong PINs
    await page.evaluate(() => localStorage.setItem('dyad.lastActivity', '1'));
    await page.reload();
    for (let i = 1; i <= 5; i++) {
        await page.getByRole('heading', { name: 'Enter your PIN to unlock' }).waitFor({ timeout: 30000 });
        await page.getByLabel('PIN', { exact: true }).fill(`11${i}907`);
        await page.getByRole('button', { name: 'Unlock' }).click();
        if (i < 5) await page.getByRole('alert').filter({ hasText: `${5 - i} more wrong` }).waitFor({ timeout: 60000 });
    }
    await page.getByText('wrong 5 times').waitFor({ timeout: 60000 });
    await ended('five wrong PINs', endpoint);

    // quick exit, on a marked device
    await freshPage();
    await markDevice();
    await turnOn(page);
    endpoint = push.sub.endpoint;
    await page.locator('#quick-exit').click();
    await page.waitForURL('**/static/neutral.html', { timeout: 15000 });
    await ended('quick exit', endpoint);
    await waitInPage(page, async () => (await navigator.serviceWorker.getRegistrations()).length === 0, null, { what: 'the worker unregistered' });

    // a subscription the server no longer has (turned off from another
    // browser, or the push service said it is gone) ends in this browser
    // when Settings is opened
    await freshPage();
    await turnOn(page);
    endpoint = push.sub.endpoint;
    assert.equal((await person.api.del('/api/v1/me/push', { endpoint })).status, 204);
    await page.reload();
    await card().getByText('This browser does not receive reminders.').waitFor({ timeout: 60000 });
    await ended('dropped by the server', endpoint);

    // erasure
    await turnOn(page);
    endpoint = push.sub.endpoint;
    const section = page.locator('#delete');
    await section.getByLabel('Your password, to confirm').fill(person.password);
    await section.getByRole('button', { name: 'Delete my account for good' }).click();
    await page.getByRole('heading', { name: 'Your account has been deleted' }).waitFor({ timeout: 60000 });
    await ended('erasure', endpoint);
    assert.equal(srv.sql(`SELECT count(*) FROM push_subscriptions`), '0');
    problems.push(...watch.problems);
    assert.deepEqual(problems, []);
});

// push.js — reminders in this browser by Web Push, on the Settings page.
//
// Turning them on asks the browser for permission to show notifications,
// subscribes through the browser's push service with the server's VAPID key
// (GET /push/key) and hands the subscription to the server (POST /me/push).
// Turning them off unsubscribes here and tells the server (DELETE /me/push).
// A reminder's words are the same for everyone, every time ("A moment for
// dyad, if you like."); the service worker (sw.js) shows that text and
// nothing else, and a click opens dyad.
//
// Nothing about this is kept in localStorage: whether this browser receives
// reminders is the browser's own push subscription.

import { api, ApiError, describeError } from './api.js';
import { h, messages } from './ui.js';
import { dropPushHere } from './pushhere.js';

/** Dispatched on window when another part of Settings changed this browser's subscription. */
export const PUSH_CHANGED = 'dyad-push-changed';

/** Why this browser cannot receive reminders here, or null when it can. */
function unsupported() {
    if (!window.isSecureContext) return 'Reminders in the browser need dyad to be opened over https.';
    if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
        return 'This browser cannot show reminders from a website.';
    }
    return null;
}

function fromB64url(s) {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function registration() {
    const reg = await navigator.serviceWorker.getRegistration('/');
    return reg ? navigator.serviceWorker.ready : null;
}

/** This browser's push subscription, or null. */
export async function currentSubscription() {
    if (unsupported()) return null;
    const reg = await registration();
    return reg ? reg.pushManager.getSubscription() : null;
}

/** Stops reminders to this browser, here and on the server (the Settings
 * button; sign-out calls it before ending the session, so that a
 * subscription made in an earlier session goes too). Never throws. */
export async function stopPushHere() {
    const endpoint = await dropPushHere();
    if (endpoint) await api('DELETE', '/me/push', { endpoint }).catch(() => {});
}

/** Hands this browser's subscription to the server again, so that it
 * belongs to this session and device (after a new PIN). Never throws. */
export async function rebindPushHere() {
    try {
        const sub = await currentSubscription();
        if (!sub) return;
        const json = sub.toJSON();
        await api('POST', '/me/push', { endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth });
    } catch { /* Settings shows it as off; turning it on again fixes it */ }
}

async function start() {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
        throw new Error('The browser did not allow notifications. You can allow them in the site settings of your browser, then try again.');
    }
    const reg = await registration();
    if (!reg) throw new Error('This browser has not set up dyad’s offline support yet. Reload the page, then try again.');
    const { public_key: key } = await api('GET', '/push/key');
    let sub = await reg.pushManager.getSubscription();
    // a subscription made for another key cannot be used: start again
    if (sub && sub.options && sub.options.applicationServerKey) {
        const had = new Uint8Array(sub.options.applicationServerKey);
        const want = fromB64url(key);
        if (had.length !== want.length || had.some((b, i) => b !== want[i])) {
            await sub.unsubscribe();
            sub = null;
        }
    }
    if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromB64url(key) });
    const json = sub.toJSON();
    await api('POST', '/me/push', { endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth });
}

/** The Settings card: reminders in this browser (env: the page's, for its signal). */
export function pushSection(env) {
    const msg = messages();
    const state = h('p', null, 'Checking this browser…');
    const actions = h('p', { class: 'actions' });
    const section = h('section', { class: 'card', id: 'browser-reminders', 'aria-labelledby': 'browser-reminders-heading' },
        h('h2', { id: 'browser-reminders-heading' }, 'Reminders in this browser'),
        h('p', { class: 'hint' },
            'If you like, this browser can show a reminder, even when dyad is closed. It always says the same: ',
            h('q', null, 'A moment for dyad, if you like.'),
            ' — never a name, never what anyone did or wrote. It goes through your browser’s push service, ' +
            'which can see that a message was sent and when, but not what it says.'),
        state, actions, msg.el);

    async function refresh() {
        actions.replaceChildren();
        const why = unsupported();
        if (why) {
            state.textContent = why;
            return;
        }
        let sub = null;
        try {
            sub = await currentSubscription();
        } catch { /* treated as off */ }
        // A subscription the server no longer has (this device was
        // forgotten from another browser, the password was changed
        // elsewhere) ends here too.
        if (sub) {
            const known = await api('GET', '/me/push').catch(() => null);
            if (known && Array.isArray(known.subscriptions) && !known.subscriptions.some((s) => s.endpoint === sub.endpoint)) {
                await dropPushHere();
                sub = null;
            }
        }
        if (sub) {
            state.textContent = 'This browser receives reminders.';
            actions.append(
                h('button', { type: 'button', onclick: () => run(stopPushHere, 'Reminders are off in this browser.') }, 'Turn off in this browser'),
                ' ',
                h('button', { type: 'button', class: 'secondary', onclick: () => run(test, null) }, 'Send one now'));
        } else {
            state.textContent = 'This browser does not receive reminders.';
            actions.append(h('button', { type: 'button', onclick: () => run(start, 'Reminders are on in this browser.') }, 'Turn on in this browser'));
        }
    }

    async function test() {
        const r = await api('POST', '/me/push/test');
        msg.say(r.sent > 0 ? 'Sent. It should appear in a moment.' : 'It could not be sent just now. Try again later.');
    }

    async function run(fn, done) {
        for (const b of actions.querySelectorAll('button')) b.disabled = true;
        try {
            await fn();
            if (done) msg.say(done);
        } catch (err) {
            msg.alert(err instanceof ApiError || !(err && err.message) ? describeError(err) : err.message);
        }
        await refresh();
    }

    // another section changed this browser's subscription (forget this device)
    window.addEventListener(PUSH_CHANGED, () => refresh(), env ? { signal: env.signal } : undefined);
    refresh();
    return section;
}

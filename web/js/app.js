// app.js — the browser client's entry point, loaded by every page's shell.
//
// It installs what every page has (quick exit, the idle lock, signals between
// tabs), then hands the page to its module, chosen by <body data-page>. A
// page module exports `render(env)`; env gives it:
//
//   env.root        the element to render into (fresh for each run)
//   env.signal      aborted when the page is re-run (lock, sign-out): stop timers
//   env.data        document.body.dataset (dyadId, code, …)
//   env.account(o)  → { user, dyads, keys, sodium, c }: the signed-in person
//                   with their keys, after sign-in / sign-up / unlock if needed
//                   (o: { mode: 'signup'|'login', heading, intro })
//   env.poll(fn,ms) calls fn every ms until it returns true or the run ends
//   env.logout()    ends the session everywhere in this browser and goes home
//   env.rerun()     renders the page again from scratch
//
// To add a page (check-ins, shares, insights, therapist): write
// pages/<name>.js with render(env), and add it to PAGES below. Pages the
// server renders by itself (safety) have no module, and app.js leaves their
// content alone.

import { api, ApiError, setCsrf, getCsrf, describeError } from './api.js';
import * as idle from './idle.js';
import * as keystore from './keystore.js';
import { installQuickExit, quickExit } from './quickexit.js';
import { loadCrypto } from './sodium.js';
import { renderAuth } from './auth.js';
import { renderPinUnlock } from './device.js';
import { deviceRecord, deviceRecordFor, forgetDeviceEverywhere } from './devicestore.js';
import { h } from './ui.js';
import { dropPushHere } from './pushhere.js';
import { applyTitle } from './title.js';

const PAGES = {
    home: () => import('./pages/home.js'),
    join: () => import('./pages/join.js'),
    dyad: () => import('./pages/dyad.js'),
    settings: () => import('./pages/settings.js'),
    shares: () => import('./pages/shares.js'),
    talk: () => import('./pages/talk.js'),
    setup: () => import('./pages/setup.js'),
    therapist: () => import('./pages/therapist.js'),
    'therapist-dyad': () => import('./pages/therapist-dyad.js'),
};

const state = {
    run: null, // AbortController of the current render
    acct: null, // { user, dyads, keys, sodium, c } once unlocked
    stopIdle: null,
    notice: null, // said once on the next sign-in form (why it is shown)
    lastEmail: null,
};

const main = document.getElementById('main');
const page = document.body.dataset.page || '';

async function fetchMe(signal) {
    try {
        const me = await api('GET', '/me', undefined, { signal });
        setCsrf(me.csrf_token);
        return me;
    } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
            setCsrf(null);
            return null;
        }
        throw err;
    }
}

function forgetKeysInMemory() {
    if (state.stopIdle) state.stopIdle();
    state.stopIdle = null;
    const acct = state.acct;
    state.acct = null;
    if (acct) {
        state.lastEmail = acct.user.email;
        const { keys, c } = acct;
        c.wipe(keys.boxSk, keys.signSk, keys.personal);
    }
}

// What unlocks dyad here: the PIN on a device marked as one's own.
function unlockWord() {
    return deviceRecord() ? 'PIN' : 'password';
}

function idleNotice() {
    return `dyad locked itself after ${idle.idleMinutes()} minutes without activity. Enter your ${unlockWord()} to continue.`;
}

function adopt(me, keys, crypto) {
    forgetKeysInMemory();
    state.acct = { user: me.user, dyads: me.dyads || [], keys, ...crypto };
    idle.noteActivity(true);
    state.stopIdle = idle.watchIdle(() => {
        lock(idleNotice(), { tell: 'lock' });
    });
    return state.acct;
}

// The sign-in form, or the PIN form on a device marked as the person's own
// (for the signed-in account, or when no session is left). → { user, csrf, keys }.
function askToUnlock(root, me, opts, notice, email) {
    return new Promise((resolve) => {
        const password = (why) => renderAuth(root, {
            mode: me || email || idle.usedHere() ? 'login' : opts.mode || 'login',
            heading: opts.heading,
            intro: opts.intro,
            notice: why,
            email,
            lockEmail: !!email,
            onSignedIn: resolve,
        });
        const record = me ? deviceRecordFor(me.user.id) : deviceRecord();
        if (!record) {
            password(notice);
            return;
        }
        renderPinUnlock(root, {
            heading: opts.heading,
            intro: opts.intro,
            notice,
            record,
            onUnlocked: resolve,
            onPassword: (why) => {
                email = email || record.user.email;
                password(why);
            },
        });
    });
}

// The signed-in person with their keys, asking for a password when needed.
async function account(run, root, opts = {}) {
    let me = await fetchMe(run.signal);
    // libsodium is most of the client's weight: a visitor who is not signed
    // in fetches it only when the sign-in form is sent (auth.js); for someone
    // signed in it starts now, while their keys are read from this tab.
    if (me) loadCrypto().catch(() => {});
    if (me && idle.isIdle()) {
        // The idle limit passed while no page was watching (tab asleep,
        // closed and restored): lock now, before anything is shown.
        state.lastEmail = me.user.email;
        state.notice = state.notice || idleNotice();
        await keystore.wipeAll();
        await api('POST', '/auth/lock').catch(() => {});
        setCsrf(null);
        me = null;
    }
    if (me) {
        const keys = await keystore.load(me.user.id);
        if (keys) return adopt(me, keys, await loadCrypto());
    } else {
        await keystore.wipe();
    }
    const notice = state.notice || (me ? `To open your keys in this tab, enter your ${me && deviceRecordFor(me.user.id) ? 'PIN' : 'password'} again.` : null);
    state.notice = null;
    const email = me ? me.user.email : state.lastEmail;
    const signedIn = await askToUnlock(root, me, opts, notice, email);
    setCsrf(signedIn.csrf);
    await keystore.save(signedIn.user, signedIn.keys);
    const fresh = await fetchMe(run.signal);
    if (!fresh) throw new ApiError(401, 'unauthenticated', 'Signing in did not start a session. Check that this browser accepts cookies from this site.');
    root.replaceChildren();
    return adopt(fresh, signedIn.keys, await loadCrypto());
}

function poll(signal, fn, ms) {
    let timer = null;
    const tick = async () => {
        if (signal.aborted) return;
        if (document.hidden) {
            // nobody is looking: ask again once the tab is visible
            timer = setTimeout(tick, ms);
            return;
        }
        let done = false;
        try {
            done = await fn();
        } catch {
            // the page shows its own errors; keep trying
        }
        if (!done && !signal.aborted) timer = setTimeout(tick, ms);
    };
    timer = setTimeout(tick, ms);
    signal.addEventListener('abort', () => clearTimeout(timer));
}

async function logout() {
    await lock(null, { tell: 'logout', rerun: false, signOut: true });
    location.assign('/');
}

// Wipes the keys from memory and storage at once, ends the session unless
// told otherwise, and renders the page again (which asks for the password,
// or the PIN on a device marked as one's own). Signing out also forgets
// that device, here and on the server; a lock keeps it.
async function lock(notice, { endSession = true, tell = null, rerun = true, signOut = false } = {}) {
    if (state.run) state.run.abort();
    main.replaceChildren();
    forgetKeysInMemory();
    await keystore.wipeAll();
    // Signing out ends this browser's reminders by push: here, and on the
    // server even when it was subscribed in an earlier session.
    if (signOut) {
        const endpoint = await dropPushHere();
        if (endpoint) await api('DELETE', '/me/push', { endpoint }).catch(() => {});
    }
    if (endSession) await api('POST', signOut ? '/auth/logout' : '/auth/lock').catch(() => {});
    if (signOut) await forgetDeviceEverywhere();
    setCsrf(null);
    if (tell) idle.broadcast(tell);
    state.notice = notice;
    if (rerun) start();
}

async function start() {
    const load = PAGES[page];
    if (!load) return;
    if (state.run) state.run.abort();
    const run = new AbortController();
    state.run = run;
    const root = h('div', { class: 'page' });
    main.replaceChildren(root);
    const env = {
        root,
        signal: run.signal,
        data: document.body.dataset,
        account: (opts) => account(run, root, opts),
        poll: (fn, ms) => poll(run.signal, fn, ms),
        logout,
        rerun: start,
    };
    try {
        const mod = await load();
        await mod.render(env);
    } catch (err) {
        if (run.signal.aborted || (err && err.name === 'AbortError')) return;
        if (!(err instanceof ApiError)) console.error(err);
        root.replaceChildren(
            h('h1', null, 'Something went wrong'),
            h('p', { role: 'alert' }, describeError(err)),
            h('p', null, h('button', { type: 'button', onclick: () => start() }, 'Try again')));
    }
}

// The installed app's service worker (web/sw.js, served as /sw.js): it caches
// dyad's static files only, never an API answer, and shows a plain page when
// the server cannot be reached.
function registerServiceWorker() {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}

function boot() {
    document.documentElement.classList.add('js');
    applyTitle();
    installQuickExit();
    registerServiceWorker();
    // Sign out, in the header of every page while signed in: one step,
    // wiping the keys in every tab as the Settings button does.
    const signOut = document.getElementById('header-sign-out');
    if (signOut) signOut.addEventListener('click', () => logout());
    // Pages the server renders by itself (insights, safety) show scores
    // without keys: the idle lock ends the session and reloads them, so an
    // unattended screen falls back to the sign-in prompt.
    if (!PAGES[page] && getCsrf()) {
        idle.noteActivity(true);
        idle.watchIdle(() => {
            fetch('/api/v1/auth/lock', { method: 'POST', keepalive: true, credentials: 'same-origin', headers: { 'X-CSRF-Token': getCsrf() } })
                .catch(() => {})
                .finally(() => location.reload());
        });
    }
    idle.onSignal((type) => {
        if (type === 'exit') quickExit({ tellOthers: false });
        else if (type === 'lock' && state.acct) lock(`dyad locked itself because no tab had any activity. Enter your ${unlockWord()} to continue.`, { endSession: false });
        else if (type === 'logout' && state.acct) lock('You signed out in another tab.', { endSession: false });
    });
    window.addEventListener('dyad:unauthenticated', () => {
        if (state.acct) lock('Your session has ended. Sign in again to continue.', { endSession: false });
    });
    // A page restored from the back-forward cache may show what was there
    // before a lock or quick exit: render it again from scratch.
    window.addEventListener('pageshow', (e) => {
        if (e.persisted && PAGES[page]) {
            main.replaceChildren();
            forgetKeysInMemory();
            start();
        }
    });
    start();
}

boot();

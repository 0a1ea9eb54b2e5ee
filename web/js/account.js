// account.js — one's own account on the Settings page: where one is signed
// in (each session can be ended from here), a discreet tab title for this
// browser, and deleting the account (docs/protocol.md, docs/safety.md).
//
// Most harm done through a couples app is done by a partner through its
// ordinary screens — logged in on another device, or holding this one. So
// this module says plainly what each step does, never asks the partner
// anything, and tells no one else: ending a session, changing the title and
// deleting the account are the person's alone.
//
// Nothing here is secret in localStorage: the title choice is one flag.

import { api, ApiError, describeError } from './api.js';
import { passwordKeys } from './accountkeys.js';
import { broadcast, forgetBrowserTraces } from './idle.js';
import * as keystore from './keystore.js';
import { dropPushHere } from './pushhere.js';
import { exportButtons } from './export.js';
import { NEUTRAL_KEY, NEUTRAL_TITLE, neutralTitle, setNeutralTitle } from './title.js';
import { h, field, messages, setBusy, formatDate } from './ui.js';

/** The Settings card for the neutral title. */
export function titleSection() {
    const id = 'neutral-title';
    const hintId = `${id}-hint`;
    const msg = messages();
    const box = h('input', { type: 'checkbox', id, name: 'neutral_title', checked: neutralTitle(), 'aria-describedby': hintId });
    box.addEventListener('change', () => {
        setNeutralTitle(box.checked);
        msg.say(box.checked
            ? `Saved. In this browser, dyad’s tabs are now called “${NEUTRAL_TITLE}”, with a plain icon.`
            : 'Saved. In this browser, dyad’s tabs are called “dyad” again.');
    });
    return h('section', { class: 'card', id: 'discreet', 'aria-labelledby': 'discreet-heading' },
        h('h2', { id: 'discreet-heading' }, 'A discreet tab title'),
        h('div', { class: 'choice' }, box, h('label', { for: id }, `Call dyad’s tabs “${NEUTRAL_TITLE}” in this browser`)),
        h('p', { id: hintId, class: 'hint' },
            'The name shows in the tab, the window list and the browser’s history. This choice is kept in this browser only, ' +
            'and nothing about it is sent to the server. It does not hide the page itself, or the history of which pages were visited: ' +
            'the Quick exit button does more, and the Help & safety page says what no website can hide.'),
        msg.el);
}

// ---- browsers, in words ---------------------------------------------------

/** "Firefox on Windows" from a User-Agent string, or the string itself (shortened). */
export function describeBrowser(ua) {
    const s = typeof ua === 'string' ? ua.trim() : '';
    if (!s) return 'an unnamed browser';
    let browser = null;
    if (/Edg(A|iOS)?\//.test(s)) browser = 'Edge';
    else if (/OPR\/|Opera/.test(s)) browser = 'Opera';
    else if (/Firefox\/|FxiOS\//.test(s)) browser = 'Firefox';
    else if (/SamsungBrowser\//.test(s)) browser = 'Samsung Internet';
    else if (/HeadlessChrome\//.test(s)) browser = 'Chrome (headless)';
    else if (/Chrome\/|CriOS\/|Chromium\//.test(s)) browser = 'Chrome';
    else if (/Safari\//.test(s) && /Version\//.test(s)) browser = 'Safari';
    let os = null;
    if (/Android/.test(s)) os = 'Android';
    else if (/iPhone/.test(s)) os = 'an iPhone';
    else if (/iPad/.test(s)) os = 'an iPad';
    else if (/Windows/.test(s)) os = 'Windows';
    else if (/CrOS/.test(s)) os = 'ChromeOS';
    else if (/Macintosh|Mac OS X/.test(s)) os = 'a Mac';
    else if (/Linux/.test(s)) os = 'Linux';
    if (browser && os) return `${browser} on ${os}`;
    if (browser) return browser;
    return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/**
 * API paths under /me answer 401 without app.js noticing (they are also how
 * it asks whether anyone is signed in): when one of ours does, the session
 * has ended — tell the app, which asks for the password again.
 */
export function noticeEnded(err) {
    if (err instanceof ApiError && err.status === 401) {
        window.dispatchEvent(new CustomEvent('dyad:unauthenticated'));
        return true;
    }
    return false;
}

// ---- sessions ---------------------------------------------------------------

/** The "Where you are signed in" card: every session, each with a button to end it. */
export function sessionsSection(env) {
    const msg = messages();
    const list = h('ul', { class: 'session-list', id: 'session-list', 'aria-labelledby': 'sessions-heading' },
        h('li', { class: 'status' }, 'Loading…'));
    let seq = 0;

    async function load() {
        const mine = ++seq;
        let res;
        try {
            res = await api('GET', '/me/sessions', undefined, { signal: env.signal });
        } catch (err) {
            if (env.signal.aborted || noticeEnded(err)) return;
            list.replaceChildren(h('li', { class: 'alert' }, describeError(err)));
            return;
        }
        if (mine !== seq) return;
        const sessions = (res && Array.isArray(res.sessions)) ? res.sessions : [];
        // This browser first, then the others, newest first (as the server sends them).
        sessions.sort((a, b) => Number(!!b.current) - Number(!!a.current));
        list.replaceChildren(...sessions.map(item));
    }

    function item(s) {
        const label = describeBrowser(s.user_agent);
        const labelId = `session-${s.id}`;
        const end = h('button', { type: 'button', class: s.current ? 'secondary' : 'danger', 'aria-describedby': labelId },
            s.current ? 'Sign out here' : 'End this session');
        const li = h('li', { class: `session-item${s.current ? ' current' : ''}`, dataset: { sessionId: s.id } },
            h('p', { class: 'session-name', id: labelId },
                h('strong', null, label),
                s.current ? h('span', { class: 'this-browser' }, ' — this browser') : null),
            h('p', { class: 'hint' },
                `Signed in ${formatDate(s.created_at)}. Last active ${formatDate(s.last_seen_at)}.`,
                s.user_agent && label !== s.user_agent ? h('span', { class: 'ua' }, ` ${s.user_agent}`) : null),
            h('p', { class: 'actions' }, end));
        end.addEventListener('click', async () => {
            if (s.current) {
                env.logout();
                return;
            }
            end.disabled = true;
            msg.say('Ending that session…');
            try {
                await api('DELETE', `/me/sessions/${encodeURIComponent(s.id)}`);
            } catch (err) {
                if (noticeEnded(err)) return;
                if (!(err instanceof ApiError && err.status === 404)) {
                    end.disabled = false;
                    msg.alert(describeError(err));
                    return;
                }
            }
            li.remove();
            msg.say(`Ended. ${label} is signed out of your account and gets no more reminder notifications; it has to enter your password to come back.`);
            const heading = document.getElementById('sessions-heading');
            if (heading) {
                heading.setAttribute('tabindex', '-1');
                heading.focus();
            }
        });
        return li;
    }

    load();
    return h('section', { class: 'card', id: 'sessions', 'aria-labelledby': 'sessions-heading' },
        h('h2', { id: 'sessions-heading' }, 'Where you are signed in'),
        h('p', null, 'Every browser and device signed in to your account right now. If you see one you do not recognise, ' +
            'or one you no longer use, end it here: it has to enter your password to come back. ' +
            'If someone else may know your password, change it too — that signs out everywhere else at once.'),
        list,
        msg.el,
        h('p', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => {
            msg.clear();
            load();
        } }, 'Refresh the list')));
}

// ---- deleting the account -------------------------------------------------

/** The "Delete your account" card. */
export function deleteAccountSection(env, acct) {
    const msg = messages();
    const password = field({
        label: 'Your password, to confirm',
        name: 'delete_password',
        type: 'password',
        autocomplete: 'current-password',
        hint: 'Your password is checked in this browser and on the server before anything is removed.',
    });
    const username = h('input', { type: 'email', name: 'username', autocomplete: 'username', value: acct.user.email, readonly: true, hidden: true });
    const form = h('form', { class: 'stack', novalidate: true, id: 'delete-account-form' },
        username, password.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger', id: 'delete-account' }, 'Delete my account for good')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (!password.input.value) {
            password.setError('Enter your password to confirm.');
            password.input.focus();
            return;
        }
        setBusy(form, true);
        msg.say('Checking your password… this takes a few seconds.');
        const { c } = acct;
        let keys = null;
        try {
            keys = await passwordKeys(acct.user.email, password.input.value);
            msg.say('Deleting your account…');
            await api('DELETE', '/me', { auth_key: c.b64(keys.authKey) });
        } catch (err) {
            setBusy(form, false);
            if (err instanceof ApiError && err.field === 'auth_key') {
                msg.clear();
                password.setError('That is not your password. Nothing was deleted.');
                password.input.focus();
            } else if (!noticeEnded(err)) {
                msg.alert(`${describeError(err)} Nothing was deleted.`);
            }
            return;
        } finally {
            if (keys) c.wipe(keys.authKey, keys.wrapKey);
        }
        password.input.value = '';
        await forgetEverythingHere(acct);
        env.root.replaceChildren(
            h('h1', { tabindex: '-1', id: 'deleted-heading' }, 'Your account has been deleted'),
            h('section', { class: 'card', 'aria-labelledby': 'deleted-heading' },
                h('p', { role: 'status' }, 'Everything you wrote, your check-ins and your account are gone from the server, and your keys are gone from this browser. ' +
                    'Any dyad you were in has ended.'),
                h('p', null, 'If you downloaded a copy of your data, it is the only one left: keep it somewhere only you can reach, or delete it.'),
                h('p', null, h('a', { href: '/' }, 'Go to the start page'), ' · ', h('a', { href: '/safety' }, 'Help & safety'))));
        document.getElementById('deleted-heading').focus();
    });
    return h('section', { class: 'card danger-zone', id: 'delete', 'aria-labelledby': 'delete-heading' },
        h('h2', { id: 'delete-heading' }, 'Delete your account'),
        h('p', null, 'This removes from the server, for good:'),
        h('ul', null,
            h('li', null, 'everything you wrote — your shares, your responses and your private notes;'),
            h('li', null, 'your daily check-ins and the comfort levels you set;'),
            h('li', null, 'your account itself: your name, your e-mail address, your keys and every session.')),
        h('p', null, 'Every dyad you are in ends at once. The other person in it is not asked and is sent no message; ' +
            'their own words stay theirs, and they see only that the dyad has ended.'),
        h('p', null, h('strong', null, 'It cannot be undone'),
            ' — not by you, not by whoever runs this server. Your recovery code will open nothing afterwards.'),
        h('div', { class: 'export-first' },
            h('p', null, 'Before you go, you can download a copy of what you wrote:'),
            exportButtons(acct, { idPrefix: 'delete-export' })),
        form);
}

// After the account is gone: no keys in memory or in this browser, the other
// tabs told, and the small traces in localStorage removed (as quick exit does).
async function forgetEverythingHere(acct) {
    const { c, keys } = acct;
    try {
        c.wipe(keys.boxSk, keys.signSk, keys.personal);
    } catch {
        // already wiped
    }
    await keystore.wipeAll();
    await dropPushHere();
    try {
        broadcast('logout');
        forgetBrowserTraces();
        localStorage.removeItem(NEUTRAL_KEY);
    } catch {
        // storage unavailable: nothing was kept there either
    }
}

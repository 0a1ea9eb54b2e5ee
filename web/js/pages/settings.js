// pages/settings.js — "/settings": change password, where one is signed in
// (account.js), reminders (reminders.js: days, time, zone, e-mail), idle
// lock, one's own device and its PIN (devicesettings.js), a discreet tab
// title, reminders in this browser (push.js), one's own settings in each
// dyad (sexual tracking, comfort per topic: dyadsettings.js), leaving a
// dyad alone in one step, taking one's data (export.js), deleting the
// account, sign out.
//
// A password change re-derives everything from the new password with a new
// salt and re-wraps the same keys: nothing already written needs re-encrypting,
// and the recovery code stays valid. The server ends every other session.
//
// Leaving (docs/protocol.md): one step, no partner consent, no message to the
// partner beyond the dyad showing as ended. The leaver chooses to keep or
// delete what they wrote, and is offered their data first.

import { api, ApiError, describeError } from '../api.js';
import { passwordKeys, MIN_PASSWORD } from '../accountkeys.js';
import { fetchDyad, inspectDyad } from '../dyads.js';
import * as idle from '../idle.js';
import { dyadSettingsSection } from '../dyadsettings.js';
import { deviceSection } from '../devicesettings.js';
import { sessionsSection, titleSection, deleteAccountSection } from '../account.js';
import { applyTitle } from '../title.js';
import { exportButtons, exportSection } from '../export.js';
import { remindersSection } from '../reminders.js';
import { pushSection } from '../push.js';
import { h, field, messages, setBusy, focusHeading, otherWords, capitalise } from '../ui.js';
import { KIND_LABEL } from '../words.js';

export async function render(env) {
    const acct = await env.account();
    applyTitle();
    env.root.append(
        h('h1', null, 'Settings'),
        h('nav', { class: 'settings-index', 'aria-label': 'On this page' },
            h('ul', null,
                h('li', null, h('a', { href: '#sessions' }, 'Where you are signed in')),
                h('li', null, h('a', { href: '#reminders' }, 'Reminders')),
                h('li', null, h('a', { href: '#own-device' }, 'This device is yours: a PIN')),
                h('li', null, h('a', { href: '#discreet' }, 'A discreet tab title')),
                h('li', null, h('a', { href: '#browser-reminders' }, 'Reminders in this browser')),
                h('li', null, h('a', { href: '#your-dyads' }, 'Leave a dyad')),
                h('li', null, h('a', { href: '#your-data' }, 'Take your data with you')),
                h('li', null, h('a', { href: '#delete' }, 'Delete your account')))),
        passwordSection(acct),
        sessionsSection(env),
        remindersSection(env),
        lockSection(),
        deviceSection(env, acct),
        titleSection(),
        pushSection(env),
        dyadSettingsSection(env, acct),
        dyadsSection(env, acct),
        exportSection(env, acct),
        deleteAccountSection(env, acct),
        h('section', { class: 'card', 'aria-labelledby': 'signout-heading' },
            h('h2', { id: 'signout-heading' }, 'Sign out'),
            h('p', null, 'Signing out removes your keys from this browser, forgets it as your own device if you marked it, and ends your session in every tab.'),
            h('p', { class: 'actions' }, h('button', { type: 'button', id: 'sign-out', onclick: () => env.logout() }, 'Sign out'))));
    focusHeading(env.root);
    if (location.hash.length > 1) {
        const target = document.getElementById(location.hash.slice(1));
        if (target) target.scrollIntoView();
    }
}

function passwordSection(acct) {
    const current = field({ label: 'Current password', name: 'current', type: 'password', autocomplete: 'current-password' });
    const next = field({ label: 'New password', name: 'new', type: 'password', autocomplete: 'new-password', minlength: MIN_PASSWORD, hint: `At least ${MIN_PASSWORD} characters.` });
    const again = field({ label: 'New password again', name: 'new2', type: 'password', autocomplete: 'new-password' });
    const msg = messages();
    // The account's address, for password managers to file the new password under.
    const username = h('input', { type: 'email', name: 'username', autocomplete: 'username', value: acct.user.email, readonly: true, hidden: true });
    const form = h('form', { class: 'stack', novalidate: true }, username, current.row, next.row, again.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Change password')), msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const problems = [];
        if (!current.input.value) problems.push([current, 'Enter your current password.']);
        if (next.input.value.length < MIN_PASSWORD) problems.push([next, `Use at least ${MIN_PASSWORD} characters.`]);
        else if (next.input.value !== again.input.value) problems.push([again, 'The two new passwords are not the same.']);
        for (const [f, text] of problems) f.setError(text);
        if (problems.length) {
            problems[0][0].input.focus();
            return;
        }
        setBusy(form, true);
        msg.say('Re-wrapping your keys under the new password… this takes a few seconds.');
        const { c, sodium, keys, user } = acct;
        let old = null;
        let master = null;
        let fresh = null;
        try {
            old = await passwordKeys(user.email, current.input.value);
            const salt = sodium.randombytes_buf(16);
            master = c.deriveMaster(next.input.value, salt, c.KDF_OPS, c.KDF_MEM);
            fresh = c.deriveAuthWrap(master);
            await api('POST', '/me/password', {
                auth_key: c.b64(old.authKey),
                new_kdf_salt: c.b64(salt),
                new_auth_key: c.b64(fresh.authKey),
                new_wrapped_keys: c.wrapKeys(keys, fresh.wrapKey),
            });
            for (const f of [current, next, again]) f.input.value = '';
            msg.say('Password changed. Every other browser and device you were signed in on has been signed out. Your recovery code still works.');
        } catch (err) {
            if (err instanceof ApiError && (err.field === 'auth_key' || err.code === 'unauthenticated')) {
                current.setError('That is not your current password.');
                current.input.focus();
                msg.clear();
            } else {
                msg.alert(describeError(err));
            }
        } finally {
            if (old) c.wipe(old.authKey, old.wrapKey);
            if (fresh) c.wipe(fresh.authKey, fresh.wrapKey);
            if (master) c.wipe(master);
            setBusy(form, false);
        }
    });
    return h('section', { class: 'card', 'aria-labelledby': 'password-heading' },
        h('h2', { id: 'password-heading' }, 'Password'),
        h('p', null, 'Your password locks your keys. Changing it here keeps everything you wrote readable.'),
        form);
}

function lockSection() {
    const msg = messages();
    const select = h('select', { id: 'idle-minutes', name: 'idle-minutes' },
        idle.IDLE_CHOICES.map((m) => h('option', { value: m, selected: m === idle.idleMinutes() }, `${m} minutes`)));
    select.addEventListener('change', () => {
        idle.setIdleMinutes(Number(select.value));
        msg.say(`Saved. dyad will lock after ${select.value} minutes without activity in this browser.`);
    });
    return h('section', { class: 'card', 'aria-labelledby': 'lock-heading' },
        h('h2', { id: 'lock-heading' }, 'Automatic lock'),
        h('p', null, 'When nobody uses dyad for a while, it removes your keys from this browser and asks for your password again (or your PIN, on a device marked as yours).'),
        h('div', { class: 'field' }, h('label', { for: 'idle-minutes' }, 'Lock after'), select),
        msg.el);
}

function dyadsSection(env, acct) {
    const list = h('ul', { class: 'dyad-list' });
    const active = acct.dyads.filter((d) => d.active !== false);
    for (const d of active) {
        const li = h('li', { class: 'dyad-item', dataset: { dyadId: d.id } });
        list.append(li);
        leaveItem(env, acct, d, li);
    }
    return h('section', { class: 'card', id: 'your-dyads', 'aria-labelledby': 'your-dyads-heading' },
        h('h2', { id: 'your-dyads-heading' }, 'Leave a dyad'),
        h('p', null, 'Leaving is one step, and you take it alone: nobody is asked, nobody has to agree. ' +
            'It ends the dyad for both of you; pairing again makes a new one.'),
        active.length ? list : h('p', { class: 'empty' }, 'You are not in any dyad.'));
}

function leaveItem(env, acct, summary, li) {
    const label = KIND_LABEL[summary.kind] || summary.kind;
    const title = h('h3', null, label);
    const msg = messages();
    const leave = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false' }, 'Leave this dyad');
    li.append(title, h('p', { class: 'actions' }, leave), msg.el);
    let partnerName = null;
    fetchDyad(summary.id, { signal: env.signal }).then((dyad) => {
        const view = inspectDyad(acct, dyad);
        if (view.partner) {
            partnerName = view.partner.display_name;
            title.textContent = `${label} with ${partnerName}`;
        }
    }, () => {});

    leave.addEventListener('click', () => {
        const partner = partnerName || otherWords(summary.kind);
        const uid = `leave-${summary.id}`;
        const keep = h('input', { type: 'radio', id: `${uid}-keep`, name: `${uid}-content`, value: 'keep', checked: true, 'aria-describedby': `${uid}-keep-hint` });
        const del = h('input', { type: 'radio', id: `${uid}-delete`, name: `${uid}-content`, value: 'delete', 'aria-describedby': `${uid}-delete-hint` });
        const flow = h('form', { class: 'stack confirm leave-flow', id: uid, novalidate: true, 'aria-labelledby': `${uid}-heading` },
            h('h4', { id: `${uid}-heading`, tabindex: '-1' }, 'Leave alone, in one step'),
            h('p', null, partnerName
                ? `Leaving ends this dyad for both of you, straight away. ${partnerName} is not asked and cannot stop it, ` +
                    'and is sent no message: their page simply shows that the dyad has ended.'
                : 'Leaving ends this dyad straight away, and nobody is asked.'),
            h('p', null, 'Its invite link stops working, and if a therapist is linked, that link ends too.'),
            h('div', { class: 'export-first' },
                h('p', null, 'Before you leave, you can download a copy of what you wrote. Afterwards this dyad is no longer part of your account, ' +
                    'or of your downloads.'),
                exportButtons(acct, { idPrefix: `${uid}-export` })),
            h('fieldset', null,
                h('legend', null, 'What you wrote in this dyad'),
                h('div', { class: 'choice' }, keep, h('label', { for: `${uid}-keep` }, 'Keep it')),
                h('p', { class: 'hint choice-hint', id: `${uid}-keep-hint` },
                    `${capitalise(partner)} can still read the shares and responses you wrote, as before. Nothing new can be added by either of you.`),
                h('div', { class: 'choice' }, del, h('label', { for: `${uid}-delete` }, 'Delete it')),
                h('p', { class: 'hint choice-hint', id: `${uid}-delete-hint` },
                    'Your shares, your responses, your check-ins with their private notes, and your comfort levels in this dyad are removed from the server for good. ' +
                    `${capitalise(partner)}’s own words stay theirs. This cannot be undone.`)),
            h('div', { class: 'actions' },
                h('button', { type: 'submit', class: 'danger' }, 'Leave the dyad'),
                h('button', { type: 'button', class: 'secondary', onclick: () => {
                    flow.remove();
                    leave.hidden = false;
                    leave.setAttribute('aria-expanded', 'false');
                    leave.focus();
                } }, 'Cancel')));
        flow.addEventListener('submit', async (e) => {
            e.preventDefault();
            const deleting = del.checked;
            setBusy(flow, true);
            msg.say(deleting ? 'Leaving, and deleting what you wrote…' : 'Leaving…');
            try {
                await api('POST', `/dyads/${encodeURIComponent(summary.id)}/leave`, { delete_my_content: deleting });
            } catch (err) {
                setBusy(flow, false);
                msg.alert(describeError(err));
                return;
            }
            flow.remove();
            leave.remove();
            li.classList.add('left');
            // Its block under "In each dyad" has nothing left to set.
            const block = document.getElementById(`dyad-${summary.id}`);
            if (block) block.replaceChildren(title.cloneNode(true), h('p', { class: 'empty' }, 'You left this dyad, so it has no settings any more.'));
            acct.dyads = acct.dyads.filter((d) => d.id !== summary.id);
            msg.say(deleting
                ? 'You have left this dyad. What you wrote in it was deleted.'
                : 'You have left this dyad.');
            title.setAttribute('tabindex', '-1');
            title.focus();
        });
        leave.hidden = true;
        leave.setAttribute('aria-expanded', 'true');
        li.insertBefore(flow, msg.el);
        flow.querySelector('h4').focus();
    });
}

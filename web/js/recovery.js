// recovery.js — "Forgot your password?": a new password with the recovery
// code (docs/protocol.md).
//
// The recovery code shown once at sign-up wraps the same keys as the
// password. Here the browser fetches that ciphertext with a fresh challenge
// (GET /auth/recovery), opens the keys with the code, proves it holds them by
// signing "dyad-recover|{challenge}" with the signing key, and sends the same
// keys wrapped under a new password (POST /auth/recover). The code, the keys
// and the new password never leave this file; the server sees a signature, a
// new salt, a new auth key and new ciphertext. Every session of the account
// ends on the server, then this browser signs in again with the new auth key.
//
// There is no other way back: not through the server, not through the
// partner. The page says so in those words.
//
// auth.js imports this module and this module imports auth.js; that cycle is
// safe because neither uses the other's exports until a form is shown.

import { api, ApiError, describeError, setCsrf } from './api.js';
import { loadCrypto } from './sodium.js';
import { h, field, messages, setBusy, show, nextId } from './ui.js';
import * as idle from './idle.js';
import { MIN_PASSWORD, kdfFor, nextPaint } from './accountkeys.js';

export const WRONG_CODE = 'That recovery code does not open this account’s keys. ' +
    'Check each group of the code, and the e-mail address, and try again. Nothing was changed.';

// A labelled textarea wired like ui.js field(): hint and error through
// aria-describedby. The code is 64 characters with its dashes, and people
// paste it with line breaks or spaces; a textarea shows all of it.
function codeField() {
    const id = nextId('recovery_code');
    const hintId = `${id}-hint`;
    const errId = `${id}-error`;
    const input = h('textarea', {
        id,
        name: 'recovery_code',
        class: 'recovery-input',
        rows: 3,
        required: true,
        autocomplete: 'off',
        autocapitalize: 'characters',
        spellcheck: 'false',
        maxlength: 200,
        'aria-describedby': `${hintId} ${errId}`,
    });
    const error = h('p', { id: errId, class: 'field-error', hidden: true });
    const row = h('div', { class: 'field' },
        h('label', { for: id }, 'Recovery code'),
        h('p', { id: hintId, class: 'hint' },
            '13 groups of 4 letters and digits, as you saved it when you created your account. ' +
            'Capital or small letters, with or without the dashes, both work.'),
        input,
        error);
    function setError(msg) {
        error.textContent = msg || '';
        error.hidden = !msg;
        if (msg) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
    }
    input.addEventListener('input', () => setError(null));
    return { row, input, setError };
}

// What is wrong with how a code is written, in words; null when it reads as a code.
function codeProblem(c, text) {
    const chars = text.replace(/[\s-]/g, '');
    if (!chars) return 'Enter your recovery code.';
    if (/[^A-Za-z2-7]/.test(chars)) {
        return 'A recovery code has only the letters A to Z and the digits 2 to 7 (no 0, 1, 8 or 9). Check what you typed.';
    }
    if (chars.length !== 52) {
        return `A recovery code is 13 groups of 4 characters (52 in all); this has ${chars.length}. Check that none is missing or doubled.`;
    }
    try {
        c.wipe(c.parseRecoveryCode(text));
    } catch {
        return 'That is not a recovery code: check its last group.';
    }
    return null;
}

function focusOwnHeading(section) {
    const heading = section.querySelector('h2');
    heading.setAttribute('tabindex', '-1');
    heading.focus();
}

/**
 * Renders the recovery form into `container`.
 * opts: those of renderAuth (heading, onSignedIn, …);
 * back: { email, lockEmail, onBack(email) } — returns to the sign-in form.
 */
export function renderRecovery(container, opts, back) {
    const email = field({
        label: 'E-mail',
        name: 'email',
        type: 'email',
        autocomplete: 'username',
        value: back.email || null,
        readonly: back.lockEmail ? true : null,
    });
    const code = codeField();
    const password = field({
        label: 'New password',
        name: 'new_password',
        type: 'password',
        autocomplete: 'new-password',
        minlength: MIN_PASSWORD,
        hint: `At least ${MIN_PASSWORD} characters, one nobody close to you could guess.`,
    });
    const confirm = field({ label: 'New password again', name: 'new_password2', type: 'password', autocomplete: 'new-password' });
    const msg = messages();
    const headingId = nextId('recover-heading');
    const form = h('form', { class: 'stack recovery-form', novalidate: true, 'aria-labelledby': headingId },
        email.row, code.row, password.row, confirm.row,
        h('p', { class: 'recovery-warning' },
            'Setting a new password signs this account out everywhere: every browser and device it is signed in on, ' +
            'including any device someone close to you might hold.'),
        h('div', { class: 'actions' },
            h('button', { type: 'submit' }, 'Set the new password'),
            h('button', { type: 'button', class: 'secondary', onclick: () => back.onBack(email.input.value.trim()) }, 'Back to sign in')),
        msg.el);

    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const { sodium, c } = await loadCrypto().catch(() => ({}));
        if (!c) {
            msg.alert('dyad could not load its encryption code. Reload the page and try again.');
            return;
        }
        const addr = email.input.value.trim();
        const problems = [];
        if (!addr || !email.input.checkValidity()) problems.push([email, 'Enter the e-mail address of your account.']);
        const codeText = code.input.value;
        const bad = codeProblem(c, codeText);
        if (bad) problems.push([code, bad]);
        if (password.input.value.length < MIN_PASSWORD) problems.push([password, `Use at least ${MIN_PASSWORD} characters.`]);
        else if (password.input.value !== confirm.input.value) problems.push([confirm, 'The two new passwords are not the same.']);
        for (const [f, text] of problems) f.setError(text);
        if (problems.length) {
            problems[0][0].input.focus();
            return;
        }

        setBusy(form, true);
        msg.say('Opening your keys with the recovery code…');
        let keys = null;
        let master = null;
        let derived = null;
        let handedOver = false;
        try {
            const start = await api('GET', `/auth/recovery?email=${encodeURIComponent(addr)}`);
            const raw = c.parseRecoveryCode(codeText);
            const rkey = c.recoveryKey(raw);
            try {
                keys = c.unwrapKeys(start.recovery_wrapped_keys, rkey);
            } catch {
                keys = null;
            } finally {
                c.wipe(raw, rkey);
            }
            if (!keys) {
                setBusy(form, false);
                code.input.setAttribute('aria-invalid', 'true');
                msg.alert(WRONG_CODE);
                code.input.focus();
                return;
            }

            // The new password, stretched with the parameters the server
            // gives for sign-in (refused if weaker than dyad accepts) and a
            // fresh salt, so signing in later derives the same keys.
            const kdf = await kdfFor(c, addr);
            msg.say('Your recovery code works. Locking your keys under the new password… this takes a few seconds.');
            await nextPaint();
            const salt = sodium.randombytes_buf(16);
            master = c.deriveMaster(password.input.value, salt, kdf.opslimit, kdf.memlimit);
            derived = c.deriveAuthWrap(master);
            const signature = sodium.crypto_sign_detached(`dyad-recover|${start.challenge}`, keys.signSk);
            await api('POST', '/auth/recover', {
                email: addr,
                challenge: start.challenge,
                signature: c.b64(signature),
                new_kdf_salt: c.b64(salt),
                new_auth_key: c.b64(derived.authKey),
                new_wrapped_keys: c.wrapKeys(keys, derived.wrapKey),
            });
            password.input.value = '';
            confirm.input.value = '';
            code.input.value = '';

            // Every session has ended, this browser's too: sign in again
            // with the new auth key, and check the server's keys are these.
            msg.say('New password set. Signing you in…');
            setCsrf(null);
            let res;
            try {
                res = await api('POST', '/auth/login', { email: addr, auth_key: c.b64(derived.authKey) });
            } catch (err) {
                c.wipe(keys.boxSk, keys.signSk, keys.personal);
                keys = null;
                back.onBack(addr, `Your new password is set, and every session of this account was signed out, everywhere. ` +
                    `Signing in again failed: ${describeError(err)} Sign in with your new password.`);
                return;
            }
            if (c.b64(keys.boxPk) !== res.box_public_key || c.b64(keys.signPk) !== res.sign_public_key) {
                setCsrf(res.csrf_token);
                await api('POST', '/auth/logout').catch(() => {});
                setCsrf(null);
                throw new ApiError(0, 'keys', 'The keys your recovery code opened do not match the ones the server holds for your account. Nothing was decrypted. Tell the person who runs this server.');
            }
            handedOver = true;
            doneView(container, opts, back, { user: res.user, csrf: res.csrf_token, keys, c });
        } catch (err) {
            setBusy(form, false);
            if (err instanceof ApiError && err.status === 401) {
                msg.alert('That did not work: the server did not accept the proof from your recovery code. ' +
                    'Nothing was changed. Check the e-mail address and the code, and try again.');
            } else {
                msg.alert(describeError(err));
            }
        } finally {
            if (master) c.wipe(master);
            if (derived) c.wipe(derived.authKey, derived.wrapKey);
            if (keys && !handedOver) c.wipe(keys.boxSk, keys.signSk, keys.personal);
        }
    });

    const section = h('section', { class: 'card auth recovery' },
        opts.heading ? h('h1', null, opts.heading) : null,
        h('h2', { id: headingId }, 'Use your recovery code'),
        h('p', null, 'If you have forgotten your password, the recovery code you saved when you created your account lets you set a new one. ' +
            'Everything you wrote stays readable.'),
        h('p', { class: 'recovery-only-way' },
            h('strong', null, 'There is no other way back. '),
            'Nobody can reset your password for you: not dyad, not whoever runs this server, and not the person you pair with. ' +
            'Without the code, a forgotten password means a new account and a new pairing.'),
        form);
    show(container, section);
    focusOwnHeading(section);
}

// After a recovery: what happened, in plain words, then on into dyad. While
// this is shown the keys are open in memory, so the idle lock applies here too.
function doneView(container, opts, back, { user, csrf, keys, c }) {
    let finished = false;
    idle.noteActivity(true);
    const stopIdle = idle.watchIdle(async () => {
        if (finished) return;
        finished = true;
        c.wipe(keys.boxSk, keys.signSk, keys.personal);
        setCsrf(csrf);
        await api('POST', '/auth/logout').catch(() => {});
        setCsrf(null);
        back.onBack(user.email, `dyad locked itself after ${idle.idleMinutes()} minutes without activity. Sign in with your new password.`);
    });
    const go = h('button', { type: 'button', id: 'recovery-continue' }, 'Continue');
    go.addEventListener('click', async () => {
        if (finished) return;
        finished = true;
        stopIdle();
        go.disabled = true;
        await opts.onSignedIn({ user, csrf, keys });
    });
    const section = h('section', { class: 'card auth recovery' },
        opts.heading ? h('h1', null, opts.heading) : null,
        h('h2', null, 'Your new password is set'),
        h('div', { class: 'recovery-done', role: 'status' },
            h('p', null, 'Every session of this account has been signed out, everywhere: every browser and device it was signed in on, ' +
                'including any device someone close to you might hold. Each of them needs your new password to come back.'),
            h('p', null, 'This browser is signed in again with your new password, and your keys are the same: everything you wrote stays readable.')),
        h('p', null, h('strong', null, 'Your recovery code has not changed. '),
            'Keep it where it was: it still works if you ever need it again. ' +
            'Anyone who has it can do what you just did, so keep it where only you can reach it.'),
        h('p', { class: 'actions' }, go));
    show(container, section);
    focusOwnHeading(section);
}

// accountkeys.js — a person's password and keys in the browser, shared by
// sign-up and sign-in (auth.js), recovery (recovery.js), a therapist's setup
// (pages/setup.js) and the settings that re-ask the password: stretching the
// password with the server's parameters, making a new account's keys and
// recovery code, and the one view that shows that code once.
//
// The password never leaves the browser: it is stretched with Argon2id into a
// master key, from which come the auth key (the only thing the server checks)
// and the wrap key (which locks this person's private keys).

import { api, ApiError } from './api.js';
import { loadCrypto } from './sodium.js';
import { h, field, messages, setBusy, show, copyButton } from './ui.js';

export const MIN_PASSWORD = 10;

// Argon2id blocks the page for a moment: let the status message paint first.
export function nextPaint() {
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** The server's salt and KDF parameters for `email`, refused if weaker than dyad accepts. */
export async function kdfFor(c, email) {
    const kdf = await api('GET', `/auth/kdf?email=${encodeURIComponent(email)}`);
    try {
        c.checkKdfParams(kdf);
    } catch {
        throw new ApiError(0, 'weak_kdf', 'This server asked for weaker password protection than dyad accepts, so nothing was sent. Tell the person who runs this server.');
    }
    return kdf;
}

/**
 * Stretches the password with the server's salt and parameters.
 * → { authKey, wrapKey } (caller wipes them).
 */
export async function passwordKeys(email, password) {
    const { c } = await loadCrypto();
    const kdf = await kdfFor(c, email);
    await nextPaint();
    const master = c.deriveMaster(password, c.unb64(kdf.kdf_salt), kdf.opslimit, kdf.memlimit);
    try {
        return c.deriveAuthWrap(master);
    } finally {
        c.wipe(master);
    }
}

// Everything sign-up (and a therapist's setup) sends, made before the
// recovery-code step so the code shown is the one that really wraps the keys.
export async function prepareAccount(data, password) {
    const { sodium, c } = await loadCrypto();
    await nextPaint();
    const salt = sodium.randombytes_buf(16);
    const master = c.deriveMaster(password, salt, c.KDF_OPS, c.KDF_MEM);
    const { authKey, wrapKey } = c.deriveAuthWrap(master);
    const keys = c.generateUserKeys();
    const code = c.newRecoveryCode();
    const rkey = c.recoveryKey(code);
    const pending = {
        ...data,
        keys,
        codeText: c.formatRecoveryCode(code),
        authKey: c.b64(authKey),
        body: {
            ...data,
            kdf_salt: c.b64(salt),
            auth_key: c.b64(authKey),
            box_public_key: c.b64(keys.boxPk),
            sign_public_key: c.b64(keys.signPk),
            wrapped_keys: c.wrapKeys(keys, wrapKey),
            recovery_wrapped_keys: c.wrapKeys(keys, rkey),
        },
    };
    c.wipe(master, authKey, wrapKey, code, rkey);
    return pending;
}

/** Wipes the secret keys of an account that was prepared but not sent. */
export function wipePending(pending) {
    loadCrypto().then(({ c }) => c.wipe(pending.keys.boxSk, pending.keys.signSk, pending.keys.personal));
}

/**
 * The recovery code of a prepared account, shown once, with a check that the
 * person saved it (they type its last group). opts: { heading: 'h1'|'h2',
 * explain: [two paragraphs: what the code is for, where to keep it],
 * onBack() (the pending keys are wiped first), onConfirmed({ form, msg })
 * (the form is busy; set it free again on failure) }.
 */
export function recoveryCodeView(container, pending, { heading = 'h2', explain, onBack, onConfirmed }) {
    const groups = pending.codeText.split('-');
    const last = groups[groups.length - 1];
    const check = field({
        label: 'To show you saved it, type the last group of your code (4 characters)',
        name: 'recovery_check',
        autocomplete: 'off',
        autocapitalize: 'characters',
        spellcheck: 'false',
        maxlength: 9,
        class: 'short',
    });
    const msg = messages();
    const form = h('form', { class: 'stack', novalidate: true },
        check.row,
        h('div', { class: 'actions' },
            h('button', { type: 'submit' }, 'Create my account'),
            h('button', {
                type: 'button',
                class: 'secondary',
                onclick: () => {
                    wipePending(pending);
                    onBack();
                },
            }, 'Back')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const typed = check.input.value.replace(/[\s-]/g, '').toUpperCase();
        if (typed !== last) {
            check.setError('That is not the last group of your code. Look at the code above and type its last 4 characters.');
            check.input.focus();
            return;
        }
        setBusy(form, true);
        await onConfirmed({ form, msg });
    });
    show(container,
        h('section', { class: 'card auth' },
            h(heading, null, 'Save your recovery code'),
            h('p', null, explain[0]),
            h('p', null, h('strong', null, 'It is shown only this once. '), explain[1]),
            h('output', { id: 'recovery-code', class: 'recovery-code', 'aria-label': 'Your recovery code' },
                groups.map((g) => h('span', null, g)).flatMap((s, i) => (i ? [' ', s] : [s]))),
            h('p', null, copyButton(() => pending.codeText, 'Copy the code')),
            form));
}

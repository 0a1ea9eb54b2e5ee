// auth.js — the sign-up and sign-in forms in the browser.
//
// The password is stretched in this browser (accountkeys.js) and never sent.
// Sign-up makes the keys, shows the recovery code once and has the person
// prove they saved it before anything is sent. "Forgot your password?" on the
// sign-in form leads to recovery.js (loaded when asked for, lazy.js), which
// sets a new password with that code.

import { api, ApiError, describeError, setCsrf } from './api.js';
import { loadCrypto } from './sodium.js';
import { h, field, messages, setBusy, show } from './ui.js';
import { MIN_PASSWORD, passwordKeys, prepareAccount, recoveryCodeView } from './accountkeys.js';
import { importChecked } from './lazy.js';

/** Signs in and opens the keys. → { user, csrf, keys }. Throws ApiError. */
export async function signIn(email, password) {
    const { c } = await loadCrypto();
    const { authKey, wrapKey } = await passwordKeys(email, password);
    try {
        const res = await api('POST', '/auth/login', { email, auth_key: c.b64(authKey) });
        let keys;
        try {
            keys = c.unwrapKeys(res.wrapped_keys, wrapKey);
        } catch {
            keys = null;
        }
        if (!keys || c.b64(keys.boxPk) !== res.box_public_key || c.b64(keys.signPk) !== res.sign_public_key) {
            setCsrf(res.csrf_token);
            await api('POST', '/auth/logout').catch(() => {});
            setCsrf(null);
            throw new ApiError(0, 'keys', 'Your password was accepted, but the keys the server sent back do not open with it, or do not match your account. Nothing was decrypted. Tell the person who runs this server.');
        }
        return { user: res.user, csrf: res.csrf_token, keys };
    } finally {
        c.wipe(authKey, wrapKey);
    }
}

/** What the server can and cannot read — said plainly at sign-up (docs/protocol.md). */
export function privacyNote() {
    return h('section', { class: 'privacy', 'aria-labelledby': 'privacy-heading' },
        h('h3', { id: 'privacy-heading' }, 'What the server can and cannot read'),
        h('p', null, 'The server that runs dyad — and whoever runs it, who could be the person you pair with — can see:'),
        h('ul', null,
            h('li', null, 'who is paired with whom, and when things happen;'),
            h('li', null, 'how long each piece of writing is;'),
            h('li', null, 'the topic and depth you choose for a share, and which kind of response you give;'),
            h('li', null, 'your daily check-in scores (the charts and patterns are made from them).')),
        h('p', null, 'It can never read:'),
        h('ul', null,
            h('li', null, 'any words you write — shares, responses, private notes;'),
            h('li', null, 'your answers to a therapist’s private check-in;'),
            h('li', null, 'your password, or anyone’s keys.')),
        h('p', null, 'Your words are locked in this browser, with keys made from your password, before they leave it. ' +
            'That is also why nobody can reset your password for you.'));
}

/**
 * Renders sign-up or sign-in into `container`.
 * opts: { mode: 'signup'|'login', heading, intro, notice, email, lockEmail,
 *         onSignedIn({ user, csrf, keys }) }
 * `lockEmail` fixes the address (unlocking a known account).
 */
export function renderAuth(container, opts) {
    if (opts.mode === 'login') loginView(container, opts);
    else signupView(container, opts);
}

function header(opts) {
    return [
        opts.heading ? h('h1', null, opts.heading) : null,
        opts.intro ? (typeof opts.intro === 'string' ? h('p', { class: 'lead' }, opts.intro) : opts.intro) : null,
        opts.notice ? h('p', { class: 'notice', role: 'status' }, opts.notice) : null,
    ];
}

function switchLink(text, label, onclick) {
    return h('p', { class: 'switch' }, text, ' ', h('button', { type: 'button', class: 'link', onclick }, label));
}

function loginView(container, opts) {
    const email = field({ label: 'E-mail', name: 'email', type: 'email', autocomplete: 'username', value: opts.email || null, readonly: opts.lockEmail ? true : null });
    const password = field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password' });
    const msg = messages();
    const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'login-heading' },
        email.row, password.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, opts.lockEmail ? 'Unlock' : 'Sign in')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const addr = email.input.value.trim();
        if (!addr) return email.setError('Enter your e-mail address.');
        if (!password.input.value) return password.setError('Enter your password.');
        setBusy(form, true);
        msg.say('Checking your password… this takes a few seconds.');
        try {
            const result = await signIn(addr, password.input.value);
            password.input.value = '';
            msg.say('Signed in.');
            await opts.onSignedIn(result);
        } catch (err) {
            setBusy(form, false);
            if (err instanceof ApiError && err.code === 'unauthenticated') {
                msg.alert('That e-mail address and password do not match an account here.');
                password.input.focus();
            } else {
                msg.alert(describeError(err));
            }
        }
    });
    show(container,
        h('section', { class: 'card auth' },
            ...header(opts),
            h('h2', { id: 'login-heading' }, opts.lockEmail ? 'Enter your password to unlock' : 'Sign in'),
            form,
            h('p', { class: 'switch forgot' },
                h('button', { type: 'button', class: 'link', id: 'forgot-password', onclick: () => showRecovery(container, opts, email.input.value.trim()) },
                    'Forgot your password?')),
            opts.lockEmail
                ? switchLink('Not you?', 'Sign in as someone else', () => loginView(container, { ...opts, email: '', lockEmail: false, notice: null }))
                : switchLink('New to dyad?', 'Create an account', () => signupView(container, { ...opts, email: email.input.value }))));
}

// The recovery form; "Back to sign in" (or a notice after it) returns to this sign-in form.
// recovery.js is loaded only now: few visits need it.
async function showRecovery(container, opts, address) {
    let renderRecovery;
    try {
        ({ renderRecovery } = await importChecked('./recovery.js', import.meta.url));
    } catch (err) {
        loginView(container, { ...opts, email: address || opts.email, notice: describeError(err) });
        return;
    }
    renderRecovery(container, opts, {
        email: address,
        lockEmail: !!opts.lockEmail && !!address,
        onBack: (addr, notice = null) => loginView(container, { ...opts, email: addr || opts.email, notice }),
    });
}

function signupView(container, opts, keep = {}) {
    const email = field({ label: 'E-mail', name: 'email', type: 'email', autocomplete: 'username', value: keep.email || opts.email || null });
    const name = field({ label: 'Your name', name: 'display_name', autocomplete: 'nickname', hint: 'The name the person you pair with will see. A first name or nickname is enough.', maxlength: 64, value: keep.display_name || null });
    const password = field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password', minlength: MIN_PASSWORD, hint: `At least ${MIN_PASSWORD} characters, one nobody close to you could guess. Nobody can reset it for you.` });
    const confirm = field({ label: 'Password again', name: 'password2', type: 'password', autocomplete: 'new-password' });
    const msg = messages();
    const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'signup-heading' },
        email.row, name.row, password.row, confirm.row,
        privacyNote(),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Continue')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const data = { email: email.input.value.trim(), display_name: name.input.value.trim() };
        const problems = [];
        if (!data.email || !email.input.checkValidity()) problems.push([email, 'Enter a valid e-mail address.']);
        if (!data.display_name) problems.push([name, 'Enter the name the person you pair with will see.']);
        if (password.input.value.length < MIN_PASSWORD) problems.push([password, `Use at least ${MIN_PASSWORD} characters.`]);
        else if (password.input.value !== confirm.input.value) problems.push([confirm, 'The two passwords are not the same.']);
        for (const [f, text] of problems) f.setError(text);
        if (problems.length) {
            problems[0][0].input.focus();
            return;
        }
        setBusy(form, true);
        msg.say('Making your keys… this takes a few seconds.');
        try {
            const pending = await prepareAccount(data, password.input.value);
            password.input.value = '';
            confirm.input.value = '';
            recoveryView(container, opts, pending);
        } catch (err) {
            setBusy(form, false);
            msg.alert(describeError(err));
        }
    });
    show(container,
        h('section', { class: 'card auth' },
            ...header(opts),
            h('h2', { id: 'signup-heading' }, 'Create an account'),
            keep.error ? h('p', { class: 'alert', role: 'alert' }, keep.error) : null,
            form,
            switchLink('Already have an account?', 'Sign in', () => loginView(container, { ...opts, email: email.input.value }))));
}

// The recovery-code step of sign-up: the account is registered only once the
// person has shown they saved the code.
function recoveryView(container, opts, pending) {
    recoveryCodeView(container, pending, {
        heading: 'h2',
        explain: [
            'If you forget your password, this code is the only way back to what you wrote. ' +
                'Nobody can reset it for you — not dyad, not whoever runs this server, and not the person you pair with.',
            'Write it on paper or keep it in a password manager, somewhere nobody close to you can reach.',
        ],
        onBack: () => signupView(container, opts, { email: pending.email, display_name: pending.display_name }),
        async onConfirmed({ form, msg }) {
            msg.say('Creating your account…');
            try {
                await api('POST', '/auth/register', pending.body);
            } catch (err) {
                setBusy(form, false);
                if (err instanceof ApiError && err.code === 'conflict') {
                    signupView(container, opts, {
                        email: pending.email,
                        display_name: pending.display_name,
                        error: 'An account with this e-mail address already exists. Sign in instead, or use another address.',
                    });
                } else {
                    msg.alert(describeError(err));
                }
                return;
            }
            try {
                msg.say('Account created. Signing you in…');
                const res = await api('POST', '/auth/login', { email: pending.email, auth_key: pending.authKey });
                await opts.onSignedIn({ user: res.user, csrf: res.csrf_token, keys: pending.keys });
            } catch (err) {
                setBusy(form, false);
                loginView(container, { ...opts, email: pending.email, notice: `Your account was created, but signing in failed: ${describeError(err)} Sign in with your password.` });
            }
        },
    });
}

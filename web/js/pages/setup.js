// pages/setup.js — "/setup/{token}": a therapist sets up the account the
// operator created with `dyad therapist add EMAIL` (docs/therapists.md).
//
// The same key making as a member's sign-up (accountkeys.js, docs/protocol.md): the
// password is stretched here with Argon2id into the auth key (all the server
// checks) and the wrap key (which locks the keys made here); the recovery
// code is shown once and must be confirmed before anything is sent. The
// e-mail address comes from the invitation, so the form has none; setup
// answers with it, and this page signs in with it. Then it shows the
// therapist code, which the therapist gives to clients in person.

import { api, ApiError, describeError, setCsrf } from '../api.js';
import { MIN_PASSWORD, prepareAccount, recoveryCodeView, wipePending } from '../accountkeys.js';
import * as idle from '../idle.js';
import * as keystore from '../keystore.js';
import { h, field, messages, setBusy, show } from '../ui.js';
import { codeSection } from '../therapistview.js';

/** What the server can and cannot read, for a therapist. */
function privacyNote() {
    return h('section', { class: 'privacy', 'aria-labelledby': 'privacy-heading' },
        h('h3', { id: 'privacy-heading' }, 'What the server can and cannot read'),
        h('p', null, 'The server that runs dyad — and whoever runs it — can see:'),
        h('ul', null,
            h('li', null, 'your name and e-mail address, and which dyads have linked you, since when;'),
            h('li', null, 'each time you open a dyad’s numbers — that goes into the dyad’s audit log, which both of its members read;'),
            h('li', null, 'the topic, depth and length of the homework you assign;'),
            h('li', null, 'the check-in scores and share counts you are shown (they are made from data it holds).')),
        h('p', null, 'It can never read:'),
        h('ul', null,
            h('li', null, 'the notes you send with homework — they are sealed in this browser to each client’s own key;'),
            h('li', null, 'your clients’ answers to a private check-in you give them — they are sealed to your key;'),
            h('li', null, 'your password, or anyone’s keys.')),
        h('p', null, 'And you will never see your clients’ words: only their scores and how much they share, ' +
            'and only while both of them consent. Either of them can end the link at any moment.'));
}

export async function render(env) {
    const token = env.data.code || '';
    formView(env, token, {});
}

function formView(env, token, keep) {
    const name = field({
        label: 'Your name', name: 'display_name', autocomplete: 'name', maxlength: 64, value: keep.display_name || null,
        hint: 'The name your clients see when they link you, for example “Dr. Jo Rivera”.',
    });
    const password = field({
        label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password', minlength: MIN_PASSWORD,
        hint: `At least ${MIN_PASSWORD} characters. Nobody can reset it for you.`,
    });
    const confirm = field({ label: 'Password again', name: 'password2', type: 'password', autocomplete: 'new-password' });
    const msg = messages();
    const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'setup-heading' },
        name.row, password.row, confirm.row,
        privacyNote(),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Continue')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const displayName = name.input.value.trim();
        const problems = [];
        if (!displayName) problems.push([name, 'Enter the name your clients will see.']);
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
            const pending = await prepareAccount({ display_name: displayName }, password.input.value);
            password.input.value = '';
            confirm.input.value = '';
            recoveryView(env, token, pending);
        } catch (err) {
            setBusy(form, false);
            msg.alert(describeError(err));
        }
    });
    show(env.root,
        h('section', { class: 'card auth' },
            h('h1', null, 'Set up your therapist account'),
            h('p', { class: 'lead' }, 'With this account, couples and other pairs who see you can let you follow ' +
                'the pattern of their check-ins between sessions — with both of their consent, and never their words.'),
            keep.error ? h('p', { class: 'alert', role: 'alert' }, keep.error) : null,
            h('h2', { id: 'setup-heading' }, 'Name and password'),
            h('p', null, 'Your e-mail address is the one this setup link was made for; you will sign in with it.'),
            form));
}

// The recovery-code step: the account is set up only once the therapist has
// shown they saved the code.
function recoveryView(env, token, pending) {
    recoveryCodeView(env.root, pending, {
        heading: 'h1',
        explain: [
            'If you forget your password, this code is the only way back into your account and its keys. ' +
                'Nobody can reset it for you — not dyad, and not whoever runs this server.',
            'Write it on paper or keep it in a password manager.',
        ],
        onBack: () => formView(env, token, { display_name: pending.display_name }),
        async onConfirmed({ form, msg }) {
            msg.say('Creating your account…');
            let res;
            try {
                res = await api('POST', '/therapist/setup', { token, ...pending.body });
            } catch (err) {
                setBusy(form, false);
                if (err instanceof ApiError && (err.status === 404 || err.status === 409 || err.code === 'invalid_field')) {
                    wipePending(pending);
                    failedView(env, err);
                } else {
                    msg.alert(describeError(err));
                }
                return;
            }
            try {
                msg.say('Account created. Signing you in…');
                const login = await api('POST', '/auth/login', { email: res.user.email, auth_key: pending.authKey });
                setCsrf(login.csrf_token);
                await keystore.save(login.user, pending.keys);
                idle.noteActivity(true);
                doneView(env, res);
            } catch (err) {
                doneView(env, res, `Your account was created, but signing in failed: ${describeError(err)} ` +
                    'Open your caseload and sign in with your e-mail address and password.');
            } finally {
                wipePending(pending);
            }
        },
    });
}

function failedView(env, err) {
    const used = err instanceof ApiError && err.status === 409;
    show(env.root,
        h('section', { class: 'card' },
            h('h1', null, used ? 'This setup link has been used' : 'This setup link does not work'),
            h('p', { role: 'alert' }, used
                ? 'An account has already been set up with this link, or the address it was made for already has an account. ' +
                    'If it is yours, sign in on your caseload page.'
                : 'The link is not valid, or it has expired. Setup links work once, for a limited time. ' +
                    'Ask whoever runs this dyad server for a new one.'),
            h('p', null, h('a', { href: '/therapist' }, 'Go to the therapist workspace'))));
}

function doneView(env, res, problem) {
    show(env.root,
        h('h1', null, 'Your account is ready'),
        problem ? h('p', { class: 'alert', role: 'alert' }, problem) : null,
        h('p', { class: 'lead' }, `Welcome, ${res.user.display_name}. You sign in with ${res.user.email}.`),
        codeSection(res.therapist_code),
        h('p', { class: 'actions' }, h('a', { class: 'button', href: '/therapist', id: 'open-caseload' }, 'Open your caseload')));
}

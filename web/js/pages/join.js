// pages/join.js — "/join/{code}#secret": the invited person's half of pairing.
//
// The secret after '#' never reaches the server. On arrival it is moved out
// of the address bar (so it does not sit in the URL or history) into this
// tab's sessionStorage, where it survives signing up or signing in within the
// tab; it is removed once pairing is done (the member's own sealed copy,
// invite_secret_box, lets later page loads re-check the partner's keys).
// Then: join, check the creator's key_proof, and wait until the creator's
// device has wrapped the dyad key for us; open it and check who signed it.

import { api, ApiError, describeError } from '../api.js';
import { compareCodeCard, fetchDyad, inspectDyad, joinDyad, openDyadKey, proofWarning, TrustError } from '../dyads.js';
import { h, messages, setBusy, show } from '../ui.js';
import { KIND_LABEL } from '../words.js';

const INVITE = 'dyad.invite';

// " as two friends": what the invitation is for, by the dyad's kind
const INVITED_AS = { couple: ' as a couple', friends: ' as two friends', family: ' as family' };
const CLOSED_HEADING = {
    used: 'This invite link has been used',
    expired: 'This invite link has expired',
    unknown: 'This invite link does not work',
};
const CLOSED_TEXT = {
    used: 'Each invite link works once, and this one has already been used. If you joined with it yourself, the dyad is on your home page once you sign in. ' +
        'Otherwise, ask the person who invited you for a new link.',
    expired: 'Invite links work for 7 days, and this one has run out. Ask the person who invited you for a new link.',
    unknown: 'There is no invite with this link. Check that you opened the whole link exactly as it was sent, or ask for a new one.',
};
const POLL_MS = 3000;

function readInvite(code) {
    let saved = null;
    try {
        saved = JSON.parse(sessionStorage.getItem(INVITE) || 'null');
    } catch {
        saved = null;
    }
    const fromHash = location.hash.length > 1 ? location.hash.slice(1) : null;
    if (fromHash) {
        history.replaceState(history.state, '', location.pathname + location.search);
        if (!saved || saved.code !== code || saved.secret !== fromHash) saved = { code, secret: fromHash, joinedId: null };
        sessionStorage.setItem(INVITE, JSON.stringify(saved));
    }
    return saved && saved.code === code ? saved : null;
}

function saveInvite(invite) {
    sessionStorage.setItem(INVITE, JSON.stringify(invite));
}

function dropInvite() {
    sessionStorage.removeItem(INVITE);
}

export async function render(env) {
    const code = env.data.code || '';
    const invite = readInvite(code);
    if (!invite) {
        show(env.root, h('section', { class: 'card' },
            h('h1', null, 'This invite link is incomplete'),
            h('p', { role: 'alert' }, 'The secret part of the link — everything after the # sign — is missing. ' +
                'Ask the person who invited you to send the whole link again, and open it exactly as it is.'),
            h('p', null, h('a', { href: '/' }, 'Go to dyad’s home page'))));
        return;
    }
    // Before anyone signs up: who invited them and as what, or that the link
    // can no longer be used (GET /invites/{code}: name, kind, status only).
    // Once joined (this tab remembers), the invite is "used" by them.
    let preview = null;
    if (!invite.joinedId) {
        try {
            preview = (await api('GET', `/invites/${encodeURIComponent(code)}`, undefined, { signal: env.signal })).invite;
        } catch (err) {
            if (env.signal.aborted) return;
            if (err instanceof ApiError && err.status === 404) preview = { status: 'unknown' };
            // otherwise (offline, busy): go on; joining says what is wrong
        }
        if (preview && preview.status !== 'open') {
            dropInvite();
            show(env.root, h('section', { class: 'card invite-closed' },
                h('h1', null, CLOSED_HEADING[preview.status] || CLOSED_HEADING.unknown),
                h('p', { role: 'alert' }, CLOSED_TEXT[preview.status] || CLOSED_TEXT.unknown),
                h('p', null, h('a', { href: '/' }, 'Go to dyad’s home page'))));
            return;
        }
    }
    const who = preview && preview.inviter ? preview.inviter : 'Someone';
    const as = preview ? INVITED_AS[preview.kind] || '' : '';
    const acct = await env.account({
        mode: 'signup',
        heading: preview && preview.inviter ? `${preview.inviter} invited you to dyad` : 'You’re invited to dyad',
        intro: h('div', { class: 'intro' },
            h('p', { class: 'lead invite-from' }, `${who} has invited you to pair with them${as} on dyad, a quiet place for two people to open up to each other a little more.`),
            h('p', null, 'Create an account, or sign in if you have one. Your invitation stays in this tab while you do.')),
    });
    let secret;
    try {
        secret = acct.c.decodeSecret(invite.secret);
    } catch {
        dropInvite();
        show(env.root, h('section', { class: 'card' },
            h('h1', null, 'This invite link is damaged'),
            h('p', { role: 'alert' }, 'The secret part of the link is not valid. Ask for the whole link again.')));
        return;
    }
    if (invite.joinedId) {
        acct.c.wipe(secret);
        waitForKey(env, acct, invite.joinedId);
        return;
    }
    confirmJoin(env, acct, invite, secret, preview);
}

function confirmJoin(env, acct, invite, secret, preview) {
    const msg = messages();
    const form = h('form', { class: 'stack' },
        h('div', { class: 'actions' },
            h('button', { type: 'submit', id: 'join-dyad' }, 'Join'),
            h('a', { href: '/', class: 'button secondary' }, 'Not now')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        setBusy(form, true);
        msg.say('Joining…');
        try {
            const res = await joinDyad(acct, invite.code, secret);
            invite.joinedId = res.dyad.id;
            saveInvite(invite);
            acct.c.wipe(secret);
            waitForKey(env, acct, res.dyad.id);
        } catch (err) {
            setBusy(form, false);
            if (err instanceof ApiError && err.code === 'not_found') {
                msg.alert('This invite has expired or does not exist. Ask the person who invited you for a new link.');
            } else if (err instanceof ApiError && err.code === 'conflict') {
                msg.alert('This invite has already been used, or it is your own invite. If you joined it before, you will find the dyad on your home page.');
            } else {
                msg.alert(describeError(err));
            }
        }
    });
    show(env.root, h('section', { class: 'card' },
        h('h1', null, 'Join this dyad?'),
        h('p', null, `You are signed in as ${acct.user.display_name}. Joining pairs you with ` +
            (preview && preview.inviter ? `${preview.inviter}${INVITED_AS[preview.kind] || ''}.` : 'the person who sent you this link.')),
        h('p', null, 'What you write stays encrypted between the two of you. Either of you can leave at any time, without asking the other.'),
        form));
}

// After joining: check the creator's keys, then wait for their wrap of K.
function waitForKey(env, acct, dyadId) {
    const status = h('p', { class: 'state waiting', role: 'status', 'aria-live': 'polite' }, 'Joined. Checking the other person’s keys…');
    const msg = messages();
    const again = h('button', { type: 'button', class: 'secondary', id: 'check-again' }, 'Check again');
    const heading = h('h1', null, 'Pairing…');
    const body = h('div', null, status, h('p', { class: 'actions' }, again), msg.el);
    show(env.root, h('section', { class: 'card' }, heading, body));

    let finished = false;
    async function check() {
        if (finished) return true;
        let dyad;
        try {
            dyad = await fetchDyad(dyadId, { signal: env.signal });
        } catch (err) {
            if (err instanceof ApiError && (err.code === 'not_found' || err.code === 'forbidden')) {
                finish(h('p', { role: 'alert' }, 'This dyad is no longer available. It may have been ended by the other person.'));
                return true;
            }
            msg.alert(describeError(err));
            return false;
        }
        msg.clear();
        const view = inspectDyad(acct, dyad);
        const name = view.partner ? view.partner.display_name : 'the other person';
        heading.textContent = `${KIND_LABEL[dyad.kind] || dyad.kind} with ${name}`;
        if (dyad.active === false) {
            finish(h('p', { role: 'alert' }, 'This dyad has ended.'));
            return true;
        }
        if (view.partnerVerified !== true) {
            finish(h('p', { class: 'alert', role: 'alert' }, proofWarning(name)));
            return true;
        }
        let K;
        try {
            K = openDyadKey(acct, dyad, view);
        } catch (err) {
            finish(h('p', { class: 'alert', role: 'alert' }, err instanceof TrustError ? err.message : describeError(err)));
            return true;
        }
        if (!K) {
            status.textContent = `Joined, and ${name}’s keys match your invite link. Waiting for ${name}’s device to share the dyad’s key with you — ` +
                `this happens the next time ${name} opens dyad. You can keep this page open, or come back later: the dyad is on your home page.`;
            return false;
        }
        acct.c.wipe(K);
        // pairing ends here: the code to compare is on screen at once
        finish(
            h('p', { class: 'state paired', role: 'status' }, `You are paired with ${name}.`),
            compareCodeCard(acct, view, 'pairing-safety-code'),
            h('p', null, h('a', { href: `/dyads/${encodeURIComponent(dyad.id)}`, id: 'open-dyad', class: 'button' }, 'Open your dyad')));
        return true;
    }
    function finish(...nodes) {
        finished = true;
        dropInvite();
        body.replaceChildren(...nodes);
    }
    again.addEventListener('click', () => {
        msg.say('Checking…');
        check().then((done) => {
            if (!done) msg.say('Not yet.');
        });
    });
    check().then((done) => {
        if (!done) env.poll(check, POLL_MS);
    });
}

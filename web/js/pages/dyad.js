// pages/dyad.js — "/dyads/{id}": one dyad.
//
// Until the pairing is complete it shows where things stand (invite link,
// waiting for a key) and finishes the creator's half of pairing, polling for
// changes. Once this device holds K it shows the partner's name, the safety
// code to compare in person, and a short key check, with the daily check-in
// (checkin.js), the questionnaires a therapist asked for when due
// (measures.js) and the suggested prompt (prompt.js).

import { describeError } from '../api.js';
import {
    keyCheck, loadDyad, openDyadKey, proofWarning, safetyCodeOf, TrustError,
} from '../dyads.js';
import { h, show, inviteBlock, unreadNote, therapistWaitingNote } from '../ui.js';
import { KIND_LABEL } from '../words.js';
import { checkinParts } from '../checkin.js';
import { promptPart } from '../prompt.js';
import { measuresPart } from '../measures.js';

const POLL_MS = 4000;

export async function render(env) {
    const acct = await env.account();
    const id = env.data.dyadId;
    let shown = '';

    async function step() {
        const { dyad, view } = await loadDyad(acct, id, { signal: env.signal });
        const state = stateOf(dyad, view);
        if (state.key === shown) return state.settled;
        // paired while this page watched: the safety code comes first
        state.justPaired = state.key === 'open' && shown !== '';
        shown = state.key;
        show(env.root, ...pageFor(env, acct, dyad, view, state));
        return state.settled;
    }

    let settled;
    try {
        settled = await step();
    } catch (err) {
        if (env.signal.aborted) return;
        show(env.root, h('h1', null, 'This dyad could not be opened'), h('p', { role: 'alert' }, describeError(err)),
            h('p', null, h('a', { href: '/' }, 'Back to your dyads')));
        return;
    }
    if (!settled) env.poll(step, POLL_MS);
}

// Which situation the dyad is in; `settled` ends the polling.
function stateOf(dyad, view) {
    if (dyad.active === false) return { key: 'ended', settled: true };
    if (!view.me) return { key: 'not-member', settled: true };
    if (!view.partner) return { key: `alone|${view.link}`, settled: false };
    if (view.partnerVerified === false) return { key: 'refused', settled: true };
    if (view.waitingForKey) return { key: 'waiting-key', settled: false };
    if (!view.partner.has_key) return { key: 'wrapping', settled: false };
    return { key: 'open', settled: true };
}

function heading(dyad, view) {
    const label = KIND_LABEL[dyad.kind] || dyad.kind;
    return h('h1', null, view.partner ? `${label} with ${view.partner.display_name}` : label);
}

function leaveLink() {
    return h('p', { class: 'leave' }, h('a', { href: '/settings#your-dyads' }, 'Leave this dyad'));
}

function pageFor(env, acct, dyad, view, state) {
    const name = view.partner ? view.partner.display_name : '';
    const head = heading(dyad, view);
    const keysWarning = view.me && !view.myKeysMatch
        ? h('p', { class: 'alert', role: 'alert' }, 'Warning: the server lists different keys for you than the ones in this browser. ' +
            'Do not write anything here, and tell the person who runs this server.')
        : null;
    switch (state.key.split('|')[0]) {
    case 'ended':
        return [head, h('p', null, 'This dyad has ended.'), h('p', null, h('a', { href: '/' }, 'Back to your dyads'))];
    case 'not-member':
        return [head, h('p', { role: 'alert' }, 'You are not a member of this dyad.')];
    case 'alone':
        return [head, keysWarning,
            h('p', { class: 'state waiting', role: 'status' }, 'Waiting for someone to join.'),
            view.link ? inviteBlock(dyad.id, view.link, dyad.invite && dyad.invite.expires_at) : null,
            leaveLink()];
    case 'refused':
        return [head, h('p', { class: 'alert', role: 'alert' }, proofWarning(name)), leaveLink()];
    case 'waiting-key':
        return [head, keysWarning, h('p', { class: 'state waiting', role: 'status' },
            `Waiting for ${name}’s device to share this dyad’s key with you. This happens the next time ${name} opens dyad; this page updates by itself.`), leaveLink()];
    case 'wrapping':
        return [head, keysWarning, h('p', { class: 'state waiting', role: 'status' }, `${name} joined. Sharing this dyad’s key with them…`), leaveLink()];
    default:
        return renderOpen(env, acct, dyad, view, head, keysWarning, state.justPaired);
    }
}

// The paired dyad, with K open on this device: today's check-in first (it
// is what a person comes for, about a minute on a phone), then what the
// partner chose to show from theirs, the suggested prompt, and the safety
// code. K is wiped when the page is re-run (lock, sign-out).
function renderOpen(env, acct, dyad, view, head, keysWarning, justPaired) {
    let K;
    try {
        K = openDyadKey(acct, dyad, view);
    } catch (err) {
        return [head, h('p', { class: 'alert', role: 'alert' }, err instanceof TrustError ? err.message : describeError(err)), leaveLink()];
    }
    env.signal.addEventListener('abort', () => acct.c.wipe(K));
    const name = view.partner.display_name;
    const code = safetyCodeOf(acct, view);
    const { checkin, fromPartner } = checkinParts(env, acct, dyad, view.partner);
    const { section: prompt } = promptPart(env, dyad, view.partner);
    const safety = h('section', { class: 'card safety-code', 'aria-labelledby': 'safety-heading' },
        h('h2', { id: 'safety-heading' }, justPaired ? 'Compare your safety code' : 'Safety code'),
        h('output', { id: 'safety-code', class: 'code', 'aria-label': 'Safety code' },
            code.split(' ').flatMap((g, i) => (i ? [' ', h('span', null, g)] : [h('span', null, g)]))),
        h('p', null, `Compare these 30 digits with ${name}’s, in person or on a call where you can hear each other. ` +
            'If they are the same, nobody has swapped your keys and only the two of you can read what you write here. ' +
            'If they differ, do not write anything here, leave the dyad, and pair again.'),
        h('p', { class: 'key-check' }, 'Key check: ',
            h('output', { id: 'key-check', 'aria-describedby': 'key-check-hint' }, keyCheck(acct, K))),
        h('p', { id: 'key-check-hint', class: 'hint' }, 'A short fingerprint of the key you share. It is the same on both your devices; it reveals nothing about the key.'));
    return [
        head,
        keysWarning,
        h('p', { class: 'state paired' }, `You and ${name} are paired. What you write here is encrypted for the two of you.`),
        justPaired ? safety : null,
        // for this reader only: nothing tells the other what was read
        unreadNote(dyad, name),
        therapistWaitingNote(dyad, name),
        // the other places of the dyad, near the top so they are one step away
        h('nav', { class: 'dyad-nav', 'aria-label': 'This dyad' },
            h('ul', null,
                h('li', { class: 'dyad-shares-link' }, h('a', { href: `/dyads/${encodeURIComponent(dyad.id)}/shares` }, `Shares between you and ${name}`)),
                h('li', { class: 'dyad-insights-link' }, h('a', { href: `/dyads/${encodeURIComponent(dyad.id)}/insights` },
                    // sex is named only to a couple member who tracks it
                    dyad.kind === 'couple' && dyad.track_sexual === true
                        ? 'Insights: how closeness, affection and sex have been going'
                        : 'Insights: how closeness, opening up and feeling understood have been going')),
                h('li', { class: 'dyad-talk-link' }, h('a', { href: `/dyads/${encodeURIComponent(dyad.id)}/talk` }, 'Sit down together: a guided conversation')))),
        checkin,
        fromPartner,
        measuresPart(env, dyad, view.partner),
        prompt,
        justPaired ? null : safety,
        h('p', { class: 'dyad-settings-link' }, h('a', { href: `/settings#dyad-${encodeURIComponent(dyad.id)}` }, 'Your settings for this dyad: comfort per topic, what you track')),
        leaveLink(),
    ];
}

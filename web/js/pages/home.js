// pages/home.js — "/": sign-up or sign-in when logged out; one's dyads, and
// creating a dyad with its invite link, when logged in.
//
// This page also does the creator's half of pairing for every dyad it lists:
// when a partner has joined and holds no key yet, it checks their key_proof
// and only then seals K for them (dyads.js). While a dyad is still settling
// (no partner yet, or a key not yet wrapped) it polls for changes.

import { describeError } from '../api.js';
import { compareCodeCard, createDyad, inspectDyad, loadDyad, proofWarning } from '../dyads.js';
import { h, messages, setBusy, focusHeading, inviteBlock, unreadNote, therapistWaitingNote } from '../ui.js';
import { KIND_LABEL, KIND_NAMES } from '../words.js';
import { homeSafety } from '../notices.js';

const POLL_MS = 4000;

function intro() {
    return h('div', { class: 'intro' },
        h('p', { class: 'lead' }, 'A quiet place for two people who are close — two friends, two family members, or two people in love — ' +
            'to open up to each other a little more, at a pace you both choose.'),
        h('p', null, 'Everything you write is encrypted in your browser before it is sent.'));
}

export async function render(env) {
    const acct = await env.account({ mode: 'signup', heading: 'dyad', intro: intro() });
    const list = h('ul', { class: 'dyad-list', id: 'dyad-list' });
    const listMsg = messages();
    const empty = h('p', { class: 'empty' }, 'You have no dyads yet. Create one below and send the invite link to the person you want to pair with.');
    env.root.append(
        h('h1', null, `Hello, ${acct.user.display_name}`),
        homeSafety(env, acct),
        h('section', { 'aria-labelledby': 'dyads-heading', class: 'card' },
            h('h2', { id: 'dyads-heading' }, 'Your dyads'),
            listMsg.el,
            list,
            empty),
        createSection(env, acct, (created) => {
            empty.hidden = true;
            const item = dyadItem(env, acct, { id: created.dyad.id, kind: created.dyad.kind, active: true, paired: false });
            list.prepend(item.li);
            item.update(null, { dyad: created.dyad, link: created.link, invite: created.invite });
            const input = item.li.querySelector('input.invite-link');
            if (input) input.focus();
        }));
    focusHeading(env.root);
    const dyads = [...acct.dyads].sort((a, b) => Number(b.active) - Number(a.active));
    empty.hidden = dyads.length > 0;
    for (const d of dyads) {
        const item = dyadItem(env, acct, d);
        list.append(item.li);
        item.start();
    }
}

// One dyad in the list. Fetches its details, does the creator's wrap when
// due, and re-renders only when what it shows changes.
function dyadItem(env, acct, summary) {
    const li = h('li', { class: 'dyad-item', dataset: { dyadId: summary.id } },
        h('p', null, `${KIND_LABEL[summary.kind] || summary.kind} — loading…`));
    let shown = '';

    function update(dyad, created) {
        const parts = created ? createdParts(summary, created) : describe(acct, dyad);
        if (parts.key === shown) return parts.settled;
        // paired while this page watched: pairing ends with the code to compare
        const justPaired = parts.key.startsWith('paired') && shown !== '' && !shown.startsWith('paired');
        shown = parts.key;
        const nodes = [...parts.nodes, justPaired ? compareCodeCard(acct, parts.view, `safety-code-${summary.id}`) : null];
        li.replaceChildren(...nodes.filter(Boolean));
        return parts.settled;
    }

    async function refresh() {
        const { dyad } = await loadDyad(acct, summary.id, { signal: env.signal });
        return update(dyad);
    }

    return {
        li,
        update(dyad, created) {
            update(dyad, created);
            env.poll(refresh, POLL_MS);
        },
        start() {
            if (summary.active === false) {
                update({ ...summary, members: [] });
                return;
            }
            refresh().then((settled) => {
                if (!settled) env.poll(refresh, POLL_MS);
            }, (err) => {
                if (env.signal.aborted) return;
                li.replaceChildren(h('p', { class: 'alert' }, `${KIND_LABEL[summary.kind] || summary.kind}: ${describeError(err)}`));
                env.poll(refresh, POLL_MS);
            });
        },
    };
}

function title(kind, name, id) {
    const label = KIND_LABEL[kind] || kind;
    return h('h3', null, h('a', { href: `/dyads/${encodeURIComponent(id)}` }, name ? `${label} with ${name}` : label));
}

function createdParts(summary, created) {
    return {
        key: `alone|${created.link}`,
        settled: false,
        nodes: [
            title(summary.kind, null, summary.id),
            h('p', { class: 'state waiting' }, 'Waiting for someone to join.'),
            inviteBlock(summary.id, created.link, created.invite && created.invite.expires_at),
        ],
    };
}

// What a dyad looks like from here, and whether it still needs watching.
function describe(acct, dyad) {
    if (dyad.active === false) {
        return { key: 'ended', settled: true, nodes: [title(dyad.kind, null, dyad.id), h('p', { class: 'state' }, 'This dyad has ended.')] };
    }
    const view = inspectDyad(acct, dyad);
    const name = view.partner ? view.partner.display_name : null;
    const head = title(dyad.kind, name, dyad.id);
    if (!view.partner) {
        return {
            key: `alone|${view.link}`,
            settled: false,
            nodes: [head, h('p', { class: 'state waiting' }, 'Waiting for someone to join.'),
                view.link ? inviteBlock(dyad.id, view.link, dyad.invite && dyad.invite.expires_at)
                    : h('p', { class: 'hint' }, 'The invite link is no longer available here. Leave this dyad in Settings and create a new one if it has expired.')],
        };
    }
    if (view.partnerVerified === false) {
        return { key: 'refused', settled: true, nodes: [head, h('p', { class: 'alert', role: 'alert' }, proofWarning(name))] };
    }
    if (view.waitingForKey) {
        return {
            key: 'waiting-key',
            settled: false,
            nodes: [head, h('p', { class: 'state waiting' }, `You joined. Waiting for ${name}’s device to confirm your keys — this happens the next time ${name} opens dyad.`)],
        };
    }
    if (!view.partner.has_key) {
        return { key: 'wrapping', settled: false, nodes: [head, h('p', { class: 'state waiting' }, `${name} joined. Sharing the dyad’s key with them…`)] };
    }
    const u = dyad.unread || { shares: 0, responses: 0 };
    return {
        key: `paired|${u.shares}|${u.responses}|${dyad.therapist_waiting_for_me === true}`,
        settled: true,
        view,
        nodes: [head, h('p', { class: 'state paired' }, `Paired with ${name}.`), unreadNote(dyad, name), therapistWaitingNote(dyad, name)],
    };
}

function createSection(env, acct, onCreated) {
    const msg = messages();
    const radios = KIND_NAMES.map((kind, i) => {
        const id = `kind-${kind}`;
        return h('div', { class: 'choice' },
            h('input', { type: 'radio', name: 'kind', id, value: kind, checked: i === 0 }),
            h('label', { for: id }, { couple: 'My partner (a couple)', friends: 'A friend', family: 'A family member' }[kind]));
    });
    // In a family, who is who (optional): the one who joins gets the counterpart.
    const roleSelect = h('select', { id: 'family-role', name: 'family_role', 'aria-describedby': 'family-role-hint' },
        [['none', 'Not said'], ['parent', 'I am the parent'], ['child', 'I am the child'], ['sibling', 'We are siblings'],
            ['grandparent', 'I am the grandparent'], ['grandchild', 'I am the grandchild'], ['other', 'Family in another way']]
            .map(([v, label]) => h('option', { value: v }, label)));
    const roleField = h('div', { class: 'field', hidden: true },
        h('label', { for: 'family-role' }, 'Who is who (optional)'),
        h('p', { id: 'family-role-hint', class: 'hint' }, 'Some prompts are written for one side, a parent asking a grown child or the other way. You can change this later in Settings.'),
        roleSelect);
    const form = h('form', { class: 'stack', novalidate: true },
        h('fieldset', null,
            h('legend', null, 'Who is it with?'),
            ...radios,
            h('p', { class: 'hint' }, 'Only a couple can track sexual connection, and each of you decides for yourself whether to. ' +
                'Friends and family never see anything about it.')),
        roleField,
        h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'create-dyad' }, 'Create a dyad')),
        msg.el);
    form.addEventListener('change', () => {
        roleField.hidden = form.elements.kind.value !== 'family';
    });
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const kind = form.elements.kind.value;
        setBusy(form, true);
        msg.say('Creating the dyad and its key…');
        try {
            const created = await createDyad(acct, kind, roleSelect.value);
            msg.say(`${KIND_LABEL[kind]} dyad created.`);
            onCreated(created);
        } catch (err) {
            msg.alert(describeError(err));
        } finally {
            setBusy(form, false);
        }
    });
    const intro = h('p', null, 'A dyad is the two of you. You get a link to send to the other person; when they join, you are paired.');
    // Someone already in a dyad sees only a closed "Start another dyad": the
    // choice of kinds (and what a couple may track) is not theirs to read
    // every day.
    if (acct.dyads.some((d) => d.active !== false)) {
        return h('section', { 'aria-labelledby': 'create-heading', class: 'card create-another' },
            h('details', null,
                h('summary', null, h('h2', { id: 'create-heading' }, 'Start another dyad')),
                intro, form));
    }
    return h('section', { 'aria-labelledby': 'create-heading', class: 'card' },
        h('h2', { id: 'create-heading' }, 'Create a dyad'),
        intro,
        form);
}

// dyadsettings.js — one's own settings in each dyad, on the Settings page:
// whether to track sexual connection (couples only, opt-in, each member for
// themselves) and one's comfort per topic (docs/pacing.md), with the history of
// one's own comfort. The partner's levels never reach this browser.

import { api, describeError } from './api.js';
import { fetchDyad, inspectDyad } from './dyads.js';
import { h, messages, setBusy, formatDate, otherWords } from './ui.js';
import { topicsFor, topicLabel, COMFORT_WORDS, KIND_LABEL } from './words.js';
import { therapistLinkPart } from './therapistlink.js';
import { researchPart } from './research.js';

/** The "In each dyad" section: one block per active dyad, filled as each loads. */
export function dyadSettingsSection(env, acct) {
    const active = acct.dyads.filter((d) => d.active !== false);
    const blocks = active.map((d) => {
        const block = h('div', { class: 'dyad-settings', id: `dyad-${d.id}` },
            h('h3', null, KIND_LABEL[d.kind] || d.kind),
            h('p', { class: 'status' }, 'Loading…'));
        fill(env, acct, d, block);
        return block;
    });
    return h('section', { class: 'card', id: 'in-each-dyad', 'aria-labelledby': 'in-each-dyad-heading' },
        h('h2', { id: 'in-each-dyad-heading' }, 'In each dyad'),
        h('p', null, 'These choices are yours alone, one dyad at a time. The other person in each dyad makes their own.'),
        blocks.length ? blocks : h('p', { class: 'empty' }, 'You are not in any dyad.'));
}

async function fill(env, acct, summary, block) {
    let dyad;
    let comfort;
    try {
        [dyad, comfort] = await Promise.all([
            fetchDyad(summary.id, { signal: env.signal }),
            api('GET', `/dyads/${encodeURIComponent(summary.id)}/comfort`, undefined, { signal: env.signal }),
        ]);
    } catch (err) {
        if (env.signal.aborted) return;
        block.replaceChildren(h('h3', null, KIND_LABEL[summary.kind] || summary.kind),
            h('p', { class: 'alert' }, describeError(err)));
        return;
    }
    const view = inspectDyad(acct, dyad);
    const name = view.partner ? view.partner.display_name : null;
    const label = KIND_LABEL[dyad.kind] || dyad.kind;
    // (replaceChildren would print a null as the text "null": only nodes go in)
    block.replaceChildren(...[
        h('h3', null, name ? `${label} with ${name}` : label),
        dyad.kind === 'family' ? familyRole(dyad, acct, name) : null,
        dyad.kind === 'couple' ? sexualTracking(dyad, name) : null,
        comfortForm(dyad, name, comfort),
        showComfort(dyad, name),
        therapistLinkPart(env, acct, dyad, name),
        researchPart(env, dyad, name),
    ].filter(Boolean));
}

// Who is who in a family, said for both: choosing "parent" makes the other
// the child. Prompts written for one side go to that side only.
const ROLE_CHOICES = [
    ['none', 'Not said'], ['parent', 'I am the parent'], ['child', 'I am the child'],
    ['sibling', 'We are siblings'], ['grandparent', 'I am the grandparent'],
    ['grandchild', 'I am the grandchild'], ['other', 'Family in another way'],
];

function familyRole(dyad, acct, name) {
    const id = `family-role-${dyad.id}`;
    const msg = messages();
    const me = (dyad.members || []).find((m) => m.user_id === acct.user.id);
    const current = (me && me.family_role) || 'none';
    const select = h('select', { id, name: 'family_role', 'aria-describedby': `${id}-hint` },
        ROLE_CHOICES.map(([v, label]) => h('option', { value: v, selected: v === current }, label)));
    select.addEventListener('change', async () => {
        select.disabled = true;
        msg.say('Saving…');
        try {
            const res = await api('PUT', `/dyads/${encodeURIComponent(dyad.id)}/settings`, { family_role: select.value });
            select.value = (res && res.settings && res.settings.family_role) || 'none';
            msg.say('Saved, for both of you.');
        } catch (err) {
            select.value = current;
            msg.alert(describeError(err));
        } finally {
            select.disabled = false;
        }
    });
    return h('div', { class: 'field family-role' },
        h('label', { for: id }, 'Who is who'),
        h('p', { id: `${id}-hint`, class: 'hint' },
            `Optional. It is said for both: if you are the parent, ${name || otherWords(dyad.kind)} is the child. ` +
            'Some prompts are written for one side — a parent asking a grown child, or the other way — and go only to that side.'),
        select, msg.el);
}

// Showing one's comfort levels to the other (and a linked therapist): off
// until turned on; the comfort_gap finding needs both to show theirs.
function showComfort(dyad, name) {
    const id = `show-comfort-${dyad.id}`;
    const msg = messages();
    const who = name || otherWords(dyad.kind);
    const box = h('input', { type: 'checkbox', id, name: 'show_comfort', checked: dyad.show_comfort === true, 'aria-describedby': `${id}-hint` });
    box.addEventListener('change', async () => {
        const want = box.checked;
        box.disabled = true;
        msg.say('Saving…');
        try {
            const res = await api('PUT', `/dyads/${encodeURIComponent(dyad.id)}/settings`, { show_comfort: want });
            box.checked = !!(res && res.settings && res.settings.show_comfort);
            msg.say(box.checked ? `Saved. ${who} can now see your comfort levels.` : 'Saved. Your comfort levels are yours alone again.');
        } catch (err) {
            box.checked = !want;
            msg.alert(describeError(err));
        } finally {
            box.disabled = false;
        }
    });
    return h('div', { class: 'show-comfort' },
        h('div', { class: 'choice' }, box, h('label', { for: id }, `Let ${who} see my comfort levels`)),
        h('p', { id: `${id}-hint`, class: 'hint' },
            'Off unless you turn it on; a linked therapist sees them too. When you both share them, your insights can point out a topic ' +
            'where your comfort differs a lot — something you might talk about.'),
        msg.el);
}

function sexualTracking(dyad, name) {
    const id = `track-sexual-${dyad.id}`;
    const hintId = `${id}-hint`;
    const msg = messages();
    const box = h('input', { type: 'checkbox', id, name: 'track_sexual', checked: dyad.track_sexual === true, 'aria-describedby': hintId });
    box.addEventListener('change', async () => {
        const want = box.checked;
        box.disabled = true;
        msg.say('Saving…');
        try {
            const res = await api('PUT', `/dyads/${encodeURIComponent(dyad.id)}/settings`, { track_sexual: want });
            box.checked = !!(res && res.settings && res.settings.track_sexual);
            msg.say(box.checked
                ? 'Saved. Your check-in now asks about sexual connection, separately from closeness and affection.'
                : 'Saved. Your check-in no longer asks about sexual connection.');
        } catch (err) {
            box.checked = !want;
            msg.alert(describeError(err));
        } finally {
            box.disabled = false;
        }
    });
    const who = name || otherWords(dyad.kind);
    return h('div', { class: 'track-sexual' },
        h('div', { class: 'choice' }, box, h('label', { for: id }, 'Track sexual connection in my check-ins')),
        h('p', { id: hintId, class: 'hint' },
            'Off unless you turn it on. It is kept apart from emotional closeness and affection and never blended with them: ' +
            'they are different things, and each can be there without the others. ' +
            `${who} sees it only on the days you choose to show it, and decides separately whether to track it too.`),
        msg.el);
}

function comfortForm(dyad, name, data) {
    const who = name || otherWords(dyad.kind);
    const levels = (data && data.comfort) || {};
    const dflt = data && Number.isInteger(data.default) ? data.default : 3;
    const msg = messages();
    const selects = [];
    const rows = topicsFor(dyad.kind).map((topic) => {
        const id = `comfort-${dyad.id}-${topic}`;
        const current = levels[topic];
        const select = h('select', { id, name: topic, dataset: { topic, saved: current === null || current === undefined ? '' : String(current) } },
            current === null || current === undefined ? h('option', { value: '', selected: true }, `Not set (counts as ${dflt})`) : null,
            [0, 1, 2, 3, 4, 5].map((l) => h('option', { value: String(l), selected: current === l }, COMFORT_WORDS[l])));
        selects.push(select);
        return h('div', { class: 'field comfort-row' }, h('label', { for: id }, topicLabel(topic)), select);
    });
    const historyList = h('ul', { class: 'comfort-history' });
    const historyEmpty = h('p', { class: 'empty' }, 'You have not changed your comfort in this dyad yet.');
    function drawHistory(history) {
        const list = Array.isArray(history) ? [...history] : [];
        list.sort((a, b) => (a.set_at < b.set_at ? 1 : -1));
        historyList.replaceChildren(...list.map((r) => h('li', null,
            `${formatDate(r.set_at)}: ${topicLabel(r.topic)} — ${COMFORT_WORDS[r.level] || r.level}`)));
        historyEmpty.hidden = list.length > 0;
        historyList.hidden = list.length === 0;
    }
    drawHistory(data && data.history);

    const formId = `comfort-form-${dyad.id}`;
    const form = h('form', { class: 'stack comfort', id: formId, novalidate: true },
        h('fieldset', null,
            h('legend', null, 'How deep you are ready to go, topic by topic'),
            h('p', { class: 'hint' }, '1 is light, 5 is anything. “Not now” sets a topic aside: nothing from it is suggested to either of you. ' +
                'Change it whenever you like; only you see your levels.'),
            h('div', { class: 'comfort-grid' }, rows)),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save comfort')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const changed = {};
        for (const s of selects) if (s.value !== '' && s.value !== s.dataset.saved) changed[s.dataset.topic] = Number(s.value);
        if (!Object.keys(changed).length) {
            msg.say('Nothing changed.');
            return;
        }
        setBusy(form, true);
        msg.say('Saving…');
        try {
            const res = await api('PUT', `/dyads/${encodeURIComponent(dyad.id)}/comfort`, changed);
            for (const s of selects) {
                const topic = s.dataset.topic;
                if (topic in changed) {
                    s.dataset.saved = String(changed[topic]);
                    const unset = s.querySelector('option[value=""]');
                    if (unset) unset.remove();
                }
            }
            drawHistory(res && res.history);
            const words = Object.entries(changed).map(([t, l]) => `${topicLabel(t)}: ${l === 0 ? 'not now' : l}`);
            msg.say(`Saved — ${words.join('; ')}.`);
        } catch (err) {
            msg.alert(describeError(err));
        } finally {
            setBusy(form, false);
        }
    });

    return h('div', { class: 'comfort-block' },
        h('h4', null, 'Comfort'),
        h('p', null, `What is suggested to you and ${who} never goes deeper than the more reserved of you is comfortable with, for each topic. ` +
            `Because of this, what you are offered can let you guess ${who}’s comfort — and lets ${who} guess yours.`),
        form,
        h('details', { class: 'comfort-past' },
            h('summary', null, 'Your comfort over time'),
            historyEmpty, historyList));
}

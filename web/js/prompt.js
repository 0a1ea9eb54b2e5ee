// prompt.js — the suggested prompt on the dyad page (docs/pacing.md).
//
// It shows what GET /dyads/{id}/next-prompt suggests: the prompt, its topic
// and depth, and the server's plain-words reason. "Answer" goes to the
// shares composer with ?prompt={id}. "Pass" sends nothing at all — to the
// partner and the server it looks exactly like not answering; it only hides
// that prompt in this tab for the rest of the day (sessionStorage, which
// quick exit clears). A topic can be chosen to ask for another suggestion.
//
// A linked therapist's homework (a topic and depth for some days) comes with
// the suggestion, with an optional note sealed to this member's box key in
// the therapist's browser; it is opened here and shown above the prompt.

import { api, describeError } from './api.js';
import { h, messages, formatDate } from './ui.js';
import * as keystore from './keystore.js';
import { loadCrypto } from './sodium.js';
import { localDate } from './checkin.js';
import { topicsFor, topicLabel, DEPTH_WORDS } from './words.js';

const PASSED = 'dyad.passedPrompts';

function passedToday(dyadId) {
    try {
        const v = JSON.parse(sessionStorage.getItem(PASSED) || 'null');
        if (!v || v.date !== localDate() || !v.ids || !Array.isArray(v.ids[dyadId])) return [];
        return v.ids[dyadId];
    } catch {
        return [];
    }
}

function setPassed(dyadId, ids) {
    let v = null;
    try {
        v = JSON.parse(sessionStorage.getItem(PASSED) || 'null');
    } catch {
        v = null;
    }
    if (!v || v.date !== localDate() || typeof v.ids !== 'object' || !v.ids) v = { date: localDate(), ids: {} };
    v.ids[dyadId] = ids;
    try {
        sessionStorage.setItem(PASSED, JSON.stringify(v));
    } catch {
        // storage unavailable: the pass still holds until the page is reloaded
    }
}

// Opens a homework note sealed to this member. With no account at hand, the
// keys come from this tab's keystore (the page holds them there already).
// → the text, or null when it does not open.
async function openHomeworkNote(note, acct) {
    if (typeof note !== 'string' || !note) return null;
    const { c } = acct || await loadCrypto();
    let keys = acct ? acct.keys : null;
    let own = false;
    if (!keys) {
        const user = keystore.storedUser();
        keys = user ? await keystore.load(user.id) : null;
        own = true;
    }
    if (!keys) return null;
    try {
        return c.openSealed(note, keys.boxPk, keys.boxSk);
    } catch {
        return null;
    } finally {
        if (own) c.wipe(keys.boxSk, keys.signSk, keys.personal);
    }
}

// What the therapist sees of this homework about this member — shown to
// them too, about themselves only (the other member is not told).
function followedLine(dyadId, hwId) {
    const line = h('p', { class: 'hint homework-followed', id: 'homework-followed' });
    api('GET', `/dyads/${encodeURIComponent(dyadId)}/homework`).then((res) => {
        const a = (res && Array.isArray(res.homework) ? res.homework : []).find((x) => x.id === hwId);
        const me = a && a.members && a.members[0];
        if (!me) return;
        line.textContent = `Your therapist sees that this was shown to you${me.opened_at ? ` (first on ${formatDate(me.opened_at)})` : ''}, ` +
            (me.answered ? `and that you have shared on its topic (${me.shares}).` : 'and that you have not shared on its topic yet.') +
            ' They see the same about the other person; neither of you sees the other’s.';
    }).catch(() => {});
    return line;
}

function homeworkBlock(hw, noteText, dyadId) {
    return h('div', { class: 'homework-line', id: 'homework' },
        h('p', null, h('strong', null, 'Homework from your therapist: '),
            `${topicLabel(hw.topic)}, at depth ${hw.depth} (${DEPTH_WORDS[hw.depth] || ''})`,
            hw.ends_at ? `, until ${formatDate(hw.ends_at)}.` : '.'),
        noteText ? h('p', { class: 'homework-note', id: 'homework-note' }, noteText) : null,
        hw.note && !noteText ? h('p', { class: 'hint' }, 'Your therapist added a note, but it could not be opened on this device.') : null,
        h('p', { class: 'hint' }, 'The suggestion below still never goes deeper than the more reserved of you is comfortable with.'),
        dyadId && hw.id ? followedLine(dyadId, hw.id) : null);
}

/** The "something to share" card. → { section, loaded } */
export function promptPart(env, dyad, partner, acct = null) {
    const name = partner.display_name;
    const msg = messages();
    const body = h('div', { class: 'prompt-body', id: 'prompt-body' });
    const topicSelect = h('select', { id: 'prompt-topic', name: 'topic' },
        h('option', { value: '' }, 'Today’s pick'),
        topicsFor(dyad.kind, dyad.desire_open === true).map((t) => h('option', { value: t }, topicLabel(t))));
    let current = null; // the last answer of next-prompt
    let homeworkNote = null; // the opened note of current.homework
    let shownAgain = new Set(); // prompts passed, then shown again on request

    function draw() {
        drawPrompt();
        if (current && current.homework) body.prepend(homeworkBlock(current.homework, homeworkNote, dyad.id));
    }

    function drawPrompt() {
        const res = current;
        if (!res) {
            body.replaceChildren();
            return;
        }
        const p = res.prompt;
        if (!p) {
            body.replaceChildren(
                h('p', { class: 'prompt-none' }, res.topic ? `No suggestion about ${topicLabel(res.topic).toLowerCase()} for now.` : 'No suggestion for now.'),
                h('p', { class: 'prompt-reason', id: 'prompt-reason' }, res.reason || ''));
            return;
        }
        if (passedToday(dyad.id).includes(p.id) && !shownAgain.has(p.id)) {
            const said = h('p', { class: 'prompt-passed', id: 'prompt-passed', tabindex: '-1' },
                `You passed on today’s suggestion. Nothing was sent: to ${name} it is the same as not answering.`);
            body.replaceChildren(said,
                h('p', { class: 'actions' },
                    h('button', { type: 'button', class: 'secondary', id: 'prompt-show-again', onclick: () => {
                        shownAgain.add(p.id);
                        draw();
                        const text = document.getElementById('prompt-text');
                        if (text) text.focus();
                    } }, 'Show it again')));
            return;
        }
        const answerHref = `/dyads/${encodeURIComponent(dyad.id)}/shares?prompt=${encodeURIComponent(p.id)}`;
        body.replaceChildren(
            h('blockquote', { class: 'prompt-text', id: 'prompt-text', tabindex: '-1' }, p.text),
            h('p', { class: 'prompt-meta', id: 'prompt-meta' },
                `${topicLabel(p.topic)} · depth ${p.depth} of 5 (${DEPTH_WORDS[p.depth] || ''})`),
            p.support === true ? h('p', { class: 'hint prompt-support', id: 'prompt-support' },
                'This one can stir up a lot. If you would like someone with you for it, ',
                h('a', { href: '/safety', target: '_blank', rel: 'noopener noreferrer' }, 'help and people to talk to are here'), '.')
                : '', // (replaceChildren would print a null as the text "null")
            h('p', { class: 'prompt-why' }, h('span', { class: 'prompt-why-label' }, 'Why this one: '),
                h('span', { class: 'prompt-reason', id: 'prompt-reason' }, res.reason || '')),
            h('p', { class: 'actions' },
                h('a', { class: 'button', id: 'prompt-answer', href: answerHref }, 'Answer'),
                h('button', { type: 'button', class: 'secondary', id: 'prompt-pass', onclick: () => {
                    // Nothing is sent: passing must look exactly like not answering.
                    setPassed(dyad.id, [...new Set([...passedToday(dyad.id), p.id])]);
                    shownAgain.delete(p.id);
                    draw();
                    const said = document.getElementById('prompt-passed');
                    if (said) said.focus();
                } }, 'Pass')),
            h('p', { class: 'hint' }, `Passing sends nothing. ${name} is not told, and it counts against nothing.`));
    }

    async function load() {
        const topic = topicSelect.value;
        msg.clear();
        try {
            current = await api('GET', `/dyads/${encodeURIComponent(dyad.id)}/next-prompt${topic ? `?topic=${encodeURIComponent(topic)}` : ''}`,
                undefined, { signal: env.signal });
            homeworkNote = current && current.homework ? await openHomeworkNote(current.homework.note, acct) : null;
            shownAgain = new Set();
            draw();
        } catch (err) {
            if (env.signal.aborted) return;
            current = null;
            draw();
            msg.alert(`No suggestion could be loaded: ${describeError(err)}`);
        }
    }
    topicSelect.addEventListener('change', () => {
        load().then(() => msg.say(topicSelect.value ? `Showing a suggestion about ${topicLabel(topicSelect.value).toLowerCase()}.` : 'Showing today’s pick.'));
    });

    const section = h('section', { class: 'card prompt', id: 'prompt', 'aria-labelledby': 'prompt-heading' },
        h('h2', { id: 'prompt-heading' }, 'Something to share, if you like'),
        body,
        h('div', { class: 'field prompt-topic' },
            h('label', { for: 'prompt-topic' }, 'Topic'),
            topicSelect,
            h('p', { class: 'hint' }, `Suggestions never go deeper than the more reserved of you is comfortable with, topic by topic. ` +
                'Set your own comfort in ', h('a', { href: `/settings#dyad-${encodeURIComponent(dyad.id)}` }, 'Settings'), '.')),
        msg.el);
    return { section, loaded: load() };
}

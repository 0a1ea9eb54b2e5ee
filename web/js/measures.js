// measures.js — on a member's dyad page: the questionnaires their therapist
// asked both of them to answer on a schedule ("measures"). When one is due
// it is a short form of choices (never words); the person chooses whether
// the other member may see their answers (off unless they turn it on). The
// server scores the answers; the person sees their own scores and those the
// other chose to show, as numbers — no streaks, no nudges, no verdicts.

import { api, describeError } from './api.js';
import { h, messages, setBusy, formatDate } from './ui.js';

/** Fetches the dyad's measures. → [measure]. */
export async function fetchMeasures(dyadId, { signal } = {}) {
    const res = await api('GET', `/dyads/${encodeURIComponent(dyadId)}/measures`, undefined, { signal });
    return res && Array.isArray(res.measures) ? res.measures : [];
}

function scoreLine(q, answer) {
    const parts = (q.scores || []).map((s) => {
        const v = answer.scores ? answer.scores[s.id] : null;
        return `${s.label}: ${v === null || v === undefined ? 'not enough answers' : v}`;
    });
    return parts.join(' · ');
}

function history(q, who, answers) {
    if (!answers.length) return null;
    const latest = answers.slice(-6);
    return h('div', { class: 'measure-history' },
        h('p', null, who),
        h('ul', null, latest.map((a) => h('li', null, `${a.day}: ${scoreLine(q, a)}`))));
}

function form(env, dyadId, m, otherName, done) {
    const q = m.questionnaire;
    const uid = `measure-${m.id}`;
    const msg = messages();
    const items = q.items.filter((it) => Array.isArray(it.choices)).map((item, n) => {
        const name = `${uid}-${n}`;
        return h('fieldset', { class: 'measure-item' },
            h('legend', null, item.text),
            item.choices.map((label, i) => {
                const id = `${name}-${i}`;
                return h('div', { class: 'choice' },
                    h('input', { type: 'radio', name, id, value: String(i), dataset: { item: item.id } }),
                    h('label', { for: id }, label));
            }));
    });
    const showId = `${uid}-show`;
    const theForm = h('form', { class: 'stack measure-form', novalidate: true, id: `${uid}-form` },
        ...items,
        h('div', { class: 'choice' },
            h('input', { type: 'checkbox', id: showId, name: 'show_partner' }),
            h('label', { for: showId }, `Let ${otherName} see my answers to this one`)),
        h('p', { class: 'hint' }, `Your therapist sees your answers and scores either way. ${otherName} sees them only if you tick the box. ` +
            'Any question can be left unanswered; answering again before the next one is due replaces these answers.'),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Send my answers')),
        msg.el);
    theForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const answers = {};
        for (const input of theForm.querySelectorAll('input[type="radio"]:checked')) answers[input.dataset.item] = Number(input.value);
        if (!Object.keys(answers).length) {
            msg.alert('Answer at least one question, or leave this for another day.');
            return;
        }
        setBusy(theForm, true);
        msg.say('Sending…');
        try {
            await api('PUT', `/dyads/${encodeURIComponent(dyadId)}/measures/${encodeURIComponent(m.id)}/answers`,
                { answers, show_partner: theForm.querySelector(`#${showId}`).checked });
        } catch (err) {
            setBusy(theForm, false);
            msg.alert(describeError(err));
            return;
        }
        done();
    });
    return theForm;
}

function card(env, dyadId, m, otherName, reload) {
    const q = m.questionnaire;
    if (!q) return null;
    const me = m.members.find((x) => x.me) || { answers: [] };
    const other = m.members.find((x) => !x.me) || { answers: [] };
    return h('section', { class: 'card measure', 'aria-labelledby': `measure-${m.id}-h` },
        h('h2', { id: `measure-${m.id}-h` }, q.title),
        m.due ? [h('p', null, q.intro), form(env, dyadId, m, otherName, reload)]
            : h('p', { class: 'state' }, m.ended_at ? 'Your therapist no longer asks for this one.'
                : `Answered for now. The next one is due on ${m.next_period_on}.`),
        history(q, 'Your answers', me.answers),
        history(q, `What ${otherName} chose to show you`, other.answers),
        q.licence ? h('details', { class: 'licence' }, h('summary', null, 'About this questionnaire'), h('p', null, q.licence)) : null,
        h('p', { class: 'hint' }, `Asked by your therapist on ${formatDate(m.assigned_at)}, every ${m.every_days} days.`));
}

/**
 * The measures part of the dyad page: a container filled once loaded
 * (nothing at all when there are none, or when loading fails quietly).
 */
export function measuresPart(env, dyad, other) {
    const box = h('div', { class: 'measures' });
    async function load() {
        let list;
        try {
            list = await fetchMeasures(dyad.id, { signal: env.signal });
        } catch (err) {
            if (env.signal.aborted) return;
            box.replaceChildren(h('p', { class: 'alert' }, `Questionnaires could not be loaded: ${describeError(err)}`));
            return;
        }
        const running = list.filter((m) => m.questionnaire && (!m.ended_at || m.members.some((x) => x.answers.length)));
        box.replaceChildren(...running.map((m) => card(env, dyad.id, m, other.display_name, load)).filter(Boolean));
    }
    load();
    return box;
}

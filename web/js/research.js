// research.js — a member's research consent for one dyad, in their
// settings. A therapist may ask the dyad to take part in a study; each
// member decides for themselves, apart from consent to therapy, and may
// withdraw at any moment. Nothing is exported unless both have consented,
// and never a word anyone wrote.

import { api, describeError } from './api.js';
import { h, messages, setBusy, formatDate } from './ui.js';

const base = (dyadId) => `/dyads/${encodeURIComponent(dyadId)}/research`;

function body(dyad, name, research, redraw) {
    if (!research) return h('p', { class: 'hint' }, 'Nobody has asked this dyad to take part in research.');
    const mine = research.consents[0] || null;
    const msg = messages();
    const hiddenId = `research-hidden-${dyad.id}`;
    const hidden = h('input', { type: 'checkbox', id: hiddenId, checked: mine ? mine.include_hidden : false });
    const form = h('form', { class: 'stack research-form', novalidate: true },
        h('p', null, 'Your therapist asked you both to take part in this study: ', h('q', { class: 'study' }, research.study),
            ` (asked ${formatDate(research.requested_at)}).`),
        h('p', { class: 'hint' }, 'If you both agree, your therapist can export your check-in scores and how many shares you wrote, ' +
            'by day, under made-up ids — never anything you wrote, and never sexual connection. ' +
            `This is separate from your consent to therapy: saying no changes nothing there. You can withdraw at any time; ${name} is not asked for your reasons.`),
        h('div', { class: 'choice' }, hidden,
            h('label', { for: hiddenId }, `Include the check-in answers I keep from ${name}`)),
        h('p', { class: 'state' }, mine
            ? `You consented on ${formatDate(mine.given_at)}.${research.active ? ' Both of you have: the export is possible.' : ''}`
            : 'You have not consented.'),
        h('div', { class: 'actions' },
            h('button', { type: 'submit' }, mine ? 'Update my consent' : 'I consent'),
            mine ? h('button', { type: 'button', class: 'secondary', dataset: { withdraw: '1' } }, 'Withdraw my consent') : null),
        msg.el);
    async function send(method, payload) {
        setBusy(form, true);
        try {
            if (method === 'DELETE') await api('DELETE', `${base(dyad.id)}/consent`);
            else await api('PUT', `${base(dyad.id)}/consent`, payload);
        } catch (err) {
            setBusy(form, false);
            msg.alert(describeError(err));
            return;
        }
        redraw();
    }
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        send('PUT', { include_hidden: hidden.checked });
    });
    const withdraw = form.querySelector('[data-withdraw]');
    if (withdraw) withdraw.addEventListener('click', () => send('DELETE'));
    return form;
}

/** The research part of one dyad's settings. */
export function researchPart(env, dyad, name) {
    const box = h('div', { class: 'research-body' });
    async function load() {
        try {
            const res = await api('GET', base(dyad.id), undefined, { signal: env.signal });
            box.replaceChildren(body(dyad, name, res ? res.research : null, load));
        } catch (err) {
            if (env.signal.aborted) return;
            box.replaceChildren(h('p', { class: 'alert' }, `Research consent could not be loaded: ${describeError(err)}`));
        }
    }
    load();
    return h('div', { class: 'research' }, h('h4', null, 'Research'), box);
}

// therapistmeasures.js — the therapist's side of measures, on the dyad page:
// ask both members to answer a questionnaire on a schedule, and see both
// members' scores over time side by side — one chart drawn by the server
// (both lines, the cut-off, the gap, reliable change), and a table of the
// same numbers with each score past a cut-off or a reliable change named.
// Printed with the pre-session summary (the form and buttons are not).

import { api, describeError } from './api.js';
import { h, messages, setBusy, formatDate } from './ui.js';

const base = (dyadId) => `/therapist/dyads/${encodeURIComponent(dyadId)}/measures`;

function chartFigure(svgText) {
    if (typeof svgText !== 'string') return null;
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const svg = doc.documentElement;
    if (svg.nodeName !== 'svg') return null;
    return h('figure', { class: 'chart measure-chart', tabindex: '0' }, document.importNode(svg, true));
}

function cell(answer, sid) {
    if (!answer) return '—';
    const v = answer.scores[sid];
    const marks = [];
    if (answer.past_cutoff && answer.past_cutoff[sid]) marks.push(`past the cut-off: ${answer.past_cutoff[sid]}`);
    const rc = answer.reliable_change ? answer.reliable_change[sid] : 0;
    if (rc === -1) marks.push('reliable worsening');
    if (rc === 1) marks.push('reliable improvement');
    return [v === null ? 'not enough answers' : String(v), marks.length ? h('span', { class: 'mark' }, ` (${marks.join('; ')})`) : null];
}

function scoreTable(m) {
    const q = m.questionnaire;
    const score = q.scores && q.scores[0];
    if (!score) return null;
    const [a, b] = m.members;
    const periods = [...new Set(m.members.flatMap((x) => x.answers.map((r) => r.period)))].sort((x, y) => x - y);
    const at = (member, p) => member.answers.find((r) => r.period === p);
    return h('table', { class: 'measure-table' },
        h('caption', null, `${score.label}, by period of ${m.every_days} days`),
        h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Answered'),
            h('th', { scope: 'col' }, a.display_name),
            h('th', { scope: 'col' }, b ? b.display_name : ''),
            h('th', { scope: 'col' }, 'Gap'))),
        h('tbody', null, periods.map((p) => {
            const ra = at(a, p);
            const rb = b ? at(b, p) : null;
            const va = ra ? ra.scores[score.id] : null;
            const vb = rb ? rb.scores[score.id] : null;
            const gap = typeof va === 'number' && typeof vb === 'number' ? String(Math.round(Math.abs(va - vb) * 100) / 100) : '—';
            return h('tr', null,
                h('th', { scope: 'row' }, (ra || rb).day),
                h('td', null, cell(ra, score.id)),
                h('td', null, cell(rb, score.id)),
                h('td', null, gap));
        })));
}

function measureBlock(dyad, m, reload) {
    const q = m.questionnaire;
    if (!q) return h('div', { class: 'measure' }, h('p', null, `A questionnaire this server no longer offers (${m.questionnaire_id}).`));
    const end = m.ended_at ? null : h('button', { type: 'button', class: 'secondary no-print' }, 'Stop asking for this');
    if (end) {
        end.addEventListener('click', async () => {
            end.disabled = true;
            try {
                await api('DELETE', `${base(dyad.id)}/${encodeURIComponent(m.id)}`);
            } catch (err) {
                end.disabled = false;
                end.after(h('p', { class: 'alert', role: 'alert' }, describeError(err)));
                return;
            }
            reload();
        });
    }
    return h('div', { class: 'measure' },
        h('h3', null, q.title),
        h('p', { class: 'hint' }, m.ended_at ? `Asked from ${m.starts_on} until ${formatDate(m.ended_at)}.`
            : `Asked every ${m.every_days} days since ${m.starts_on}.`),
        chartFigure(m.chart),
        scoreTable(m),
        end);
}

function assignForm(dyad, questionnaires, onDone) {
    const measures = questionnaires.filter((q) => q.answered_by === 'each_member');
    if (!measures.length) return h('p', { class: 'hint no-print' }, 'This server offers no questionnaires for both members to answer.');
    const msg = messages();
    const select = h('select', { id: 'measure-q', name: 'questionnaire' },
        measures.map((q) => h('option', { value: q.id }, `${q.title} (every ${q.schedule ? q.schedule.every_days : 7} days)`)));
    const every = h('input', { id: 'measure-every', name: 'every_days', type: 'number', min: 1, max: 91, inputmode: 'numeric', 'aria-describedby': 'measure-every-hint' });
    const form = h('form', { class: 'stack no-print', id: 'measure-form', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: 'measure-q' }, 'Questionnaire'), select),
        h('div', { class: 'field' }, h('label', { for: 'measure-every' }, 'Every how many days (optional)'),
            h('p', { class: 'hint', id: 'measure-every-hint' }, 'Leave empty for the questionnaire’s own schedule.'), every),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Ask both to answer')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = { questionnaire: select.value };
        if (every.value) body.every_days = Number(every.value);
        setBusy(form, true);
        try {
            await api('POST', base(dyad.id), body);
        } catch (err) {
            setBusy(form, false);
            msg.alert(describeError(err));
            return;
        }
        onDone();
    });
    return form;
}

/** The measures section of the therapist's dyad page. */
export function measuresSection(env, dyad) {
    const body = h('div', { id: 'measures-body' }, h('p', { class: 'hint' }, 'Loading…'));
    async function load() {
        try {
            const [res, qs] = await Promise.all([
                api('GET', base(dyad.id), undefined, { signal: env.signal }),
                api('GET', '/questionnaires', undefined, { signal: env.signal }),
            ]);
            const list = res && Array.isArray(res.measures) ? res.measures : [];
            // (replaceChildren would print a null as the text "null": only nodes go in)
            body.replaceChildren(...[
                list.length ? null : h('p', { class: 'empty' }, 'You have not asked them to answer a questionnaire yet.'),
                ...list.map((m) => measureBlock(dyad, m, load)),
                assignForm(dyad, qs && Array.isArray(qs.questionnaires) ? qs.questionnaires : [], load),
            ].filter(Boolean));
        } catch (err) {
            if (env.signal.aborted) return;
            body.replaceChildren(h('p', { class: 'alert' }, `Questionnaires could not be loaded: ${describeError(err)}`));
        }
    }
    load();
    return h('section', { class: 'card measures', 'aria-labelledby': 'measures-heading' },
        h('h2', { id: 'measures-heading' }, 'Questionnaires, side by side'),
        h('p', { class: 'hint' }, 'Both members answer on a schedule; each sees their own scores, and the other’s only if that member chooses. ' +
            'A score past a cut-off or a reliable change is something to ask about together, not a verdict.'),
        body);
}

/**
 * Homework followed: each assignment, and for each member whether it was
 * shown to them (on their dyad page) and whether they wrote a share on its
 * topic while it ran. Filled when loaded; printed with the summary.
 */
export function homeworkFollowed(env, dyad, topicLabel) {
    const names = Object.fromEntries((dyad.members || []).map((m) => [m.user_id, m.display_name]));
    const body = h('div', { id: 'homework-followed' }, h('p', { class: 'hint' }, 'Loading…'));
    (async () => {
        try {
            const res = await api('GET', `/therapist/dyads/${encodeURIComponent(dyad.id)}/assignments`, undefined, { signal: env.signal });
            const list = res && Array.isArray(res.assignments) ? res.assignments : [];
            if (!list.length) {
                body.replaceChildren(h('p', { class: 'empty' }, 'No homework given yet.'));
                return;
            }
            body.replaceChildren(h('table', { class: 'homework-table' },
                h('caption', null, 'Homework given, and whether each of them followed it'),
                h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Homework'),
                    ...list[0].members.map((m) => h('th', { scope: 'col' }, names[m.user_id] || 'Member')))),
                h('tbody', null, list.slice().reverse().map((a) => h('tr', null,
                    h('th', { scope: 'row' }, `${topicLabel(a.topic)}, depth ${a.depth}, until ${formatDate(a.ends_at)}`),
                    ...a.members.map((m) => h('td', null,
                        m.opened_at ? `Seen ${formatDate(m.opened_at)}` : 'Not seen yet',
                        ' · ',
                        m.answered ? `shared on it (${m.shares})` : 'no share on it yet')))))));
        } catch (err) {
            if (env.signal.aborted) return;
            body.replaceChildren(h('p', { class: 'alert' }, `Homework could not be loaded: ${describeError(err)}`));
        }
    })();
    return h('section', { class: 'card homework-followed', 'aria-labelledby': 'homework-followed-heading' },
        h('h2', { id: 'homework-followed-heading' }, 'Homework followed'),
        h('p', { class: 'hint' }, '“Seen” means it was shown to them with their suggested prompt; “shared on it” that they wrote a share on its topic ' +
            'while it ran. Each of them sees the same about themselves only.'),
        body);
}

/**
 * Research: ask the dyad to take part in a study (each member consents for
 * themselves, apart from therapy), and, once both have, download the
 * exports. No words are ever in them.
 */
export function researchSection(env, dyad) {
    const msg = messages();
    const study = h('textarea', { id: 'research-study', name: 'study', rows: 3, maxlength: 1000, 'aria-describedby': 'research-study-hint' });
    const form = h('form', { class: 'stack', id: 'research-form', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: 'research-study' }, 'The study'),
            h('p', { class: 'hint', id: 'research-study-hint' }, 'What it is, who runs it and what the data are used for. Both members read this before they decide; asking again replaces it and needs both consents again.'),
            study),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Ask them to take part')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        setBusy(form, true);
        try {
            await api('POST', `/therapist/dyads/${encodeURIComponent(dyad.id)}/research`, { study: study.value });
            msg.say('Asked. Each of them decides in their own settings; the export opens when both have consented.');
        } catch (err) {
            msg.alert(describeError(err));
        } finally {
            setBusy(form, false);
        }
    });
    const link = (layout, book) => h('a', { href: `/api/v1/therapist/dyads/${encodeURIComponent(dyad.id)}/research/export?layout=${layout}${book ? '&codebook=1' : ''}`, download: true },
        book ? `${layout} codebook` : `${layout} (CSV)`);
    return h('section', { class: 'card research no-print', 'aria-labelledby': 'research-heading' },
        h('h2', { id: 'research-heading' }, 'Research'),
        h('p', { class: 'hint' }, 'Exports hold check-in scores and share counts per day under made-up ids — never a word, never sexual connection — ' +
            'and answer only while both members consent. Items a member keeps from the other are included only if that member’s consent says so.'),
        form,
        h('p', null, 'Exports: ', ['long', 'pairwise', 'dyadwide'].flatMap((l) => [link(l, false), ' · ', link(l, true), ' · ']).slice(0, -1)));
}

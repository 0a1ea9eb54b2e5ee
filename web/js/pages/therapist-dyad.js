// pages/therapist-dyad.js — "/therapist/dyads/{id}": one linked dyad, for
// its therapist (docs/therapists.md).
//
// What it shows comes from GET /therapist/dyads/{id}: the two partners side
// by side (every mean the therapist may see, trends, wanted against felt
// closeness), the patterns found with the numbers behind them, the comfort
// gap, sharing by topic × depth for each author and how responsive each is.
// All of it is numbers — the therapist never holds the dyad's key, so no
// word a member writes can reach this page. Each load is written to the
// dyad's audit log, which both members read.
//
// Homework: a topic, a depth and a number of days, with an optional short
// note sealed here, in the therapist's browser, to each member's box key —
// the server stores only the sealed copies. Comfort still wins over it.
//
// "Print pre-session summary" prints one page (css/print.css, linked here
// with media=print): no navigation, quick exit, forms or buttons.
//
// Questionnaires both members answer on a schedule (therapistmeasures.js):
// a chart and a table per measure, printed with the summary.
//
// A 403 means the link is not (or no longer) active: a member has ended it,
// or the second member has not consented. The page says so plainly.
//
// Private check-ins and entries shared with the therapist (docs/protocol.md, docs/therapists.md):
// two sections, closed until the therapist opens them, so this page can be
// shown in a joint session without revealing that either exists — and
// nothing of them is fetched (so no read is audited) until then. Both are
// left out of the printed summary. A private check-in goes to one member
// alone; their answers, and any entry a member re-shares, are sealed to the
// therapist's key in the member's browser and opened here, in this tab, with
// the therapist's own box key (therapistprivate.js). Each read is written to
// that member's audit log only, never the partner's.

import { api, ApiError, describeError } from '../api.js';
import { h, field, messages, setBusy, show, formatDate } from '../ui.js';
import { topicsFor, topicLabel, DEPTH_WORDS, TOPIC_NAMES } from '../words.js';
import {
    therapistAccount, dyadTitle, sideBySide, findingsList, num, percent, trendWords, gapOf, nameOf, QUADRANT_WORDS,
} from '../therapistview.js';
import { loadCrypto } from '../sodium.js';
import {
    ENTRY_KIND_WORDS, answerRows, fetchPrivateCheckins, fetchQuestionnaires, fetchReshares, givePrivateCheckin, openAnswers, openSealedText,
} from '../therapistprivate.js';
import { measuresSection, homeworkFollowed, researchSection } from '../therapistmeasures.js';

const WINDOWS = [7, 14, 28, 56, 91, 182, 365];
const NOTE_MAX_CHARS = 500;
const NOTE_MAX_BYTES = 1000; // sealed size limit on the server: 1024 padded bytes

function linkPrintStyles() {
    if (document.querySelector('link[data-print-css]')) return;
    document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/print.css', media: 'print', dataset: { printCss: '1' } }));
}

export async function render(env) {
    const acct = await therapistAccount(env);
    if (!acct) return;
    linkPrintStyles();
    const id = env.data.dyadId;
    const params = new URLSearchParams(location.search);
    let win = Number(params.get('window'));
    if (!WINDOWS.includes(win)) win = 28;

    let dyad;
    try {
        dyad = await api('GET', `/therapist/dyads/${encodeURIComponent(id)}?window=${win}`, undefined, { signal: env.signal });
    } catch (err) {
        if (env.signal.aborted) return;
        if (err instanceof ApiError && err.status === 403) {
            show(env.root,
                h('h1', null, 'Access to this dyad has ended'),
                h('p', { class: 'state ended', id: 'access-ended', role: 'status' },
                    'You cannot see this dyad. Either one of its members has ended the link — each of them can, at any moment — ' +
                    'or the second member has not consented yet. Nothing from this dyad is shown to you while the link is not active.'),
                h('p', null, 'If you think this is a mistake, talk about it with them at your next session; ' +
                    'linking again needs both of them to enter your code.'),
                h('p', null, h('a', { href: '/therapist' }, 'Back to your caseload')));
            return;
        }
        throw err;
    }
    show(env.root, ...page(env, acct, dyad, win));
    fillCharts(env, id, win);
}

// The same SVG charts the members see on their insights page, drawn by the
// server from the therapist's view of the data; parsed as SVG, never as HTML.
async function fillCharts(env, id, win) {
    const box = env.root.querySelector('#charts-body');
    if (!box) return;
    try {
        const res = await api('GET', `/therapist/dyads/${encodeURIComponent(id)}/charts?window=${win}`, undefined, { signal: env.signal });
        // the quadrant is null outside a couple where someone tracks sex
        const figures = ['series', 'plane', 'quadrant'].filter((key) => typeof res[key] === 'string').map((key) => {
            const doc = new DOMParser().parseFromString(res[key], 'image/svg+xml');
            const svg = doc.documentElement;
            if (svg.nodeName !== 'svg') throw new Error('not an SVG drawing');
            // tabindex: on a phone the chart scrolls in its box, by keyboard too
            return h('figure', { class: 'chart', tabindex: '0' }, document.importNode(svg, true));
        });
        box.replaceChildren(...figures);
    } catch (err) {
        if (env.signal.aborted) return;
        box.replaceChildren(h('p', { class: 'hint' }, `The charts could not be drawn just now. ${describeError(err)}`));
    }
}

function page(env, acct, dyad, win) {
    const title = dyadTitle(dyad);
    return [
        h('p', { class: 'back no-print' }, h('a', { href: '/therapist' }, 'Back to your caseload')),
        h('p', { class: 'print-only print-heading' }, `Pre-session summary · printed ${formatDate(new Date().toISOString())}`),
        h('h1', null, title),
        h('p', { class: 'case-meta' },
            dyad.last_activity ? `Last activity: ${formatDate(dyad.last_activity)}.` : 'No activity yet.',
            ` Numbers over the last ${dyad.window} days.`),
        toolbar(dyad, win),
        h('section', { class: 'card', 'aria-labelledby': 'numbers-heading' },
            h('h2', { id: 'numbers-heading' }, 'Side by side'),
            sideBySide(dyad, detailRows(dyad), { caption: `Check-in scores of the last ${dyad.window} days (means on 0–10)`, id: 'numbers-table' }),
            h('p', { class: 'hint' }, '— means no check-ins in the window, or an item the member has not shared with you; ' +
                '“not tracked” means the member does not track it at all. Sexual-connection scores appear only for a member who allows it.')),
        h('section', { class: 'card no-print', 'aria-labelledby': 'charts-heading' },
            h('h2', { id: 'charts-heading' }, 'Over time'),
            h('div', { id: 'charts-body' }, h('p', { class: 'hint' }, 'Drawing the charts…'))),
        h('section', { class: 'card', 'aria-labelledby': 'patterns-heading' },
            h('h2', { id: 'patterns-heading' }, 'Patterns to explore'),
            h('p', { class: 'hint' }, 'What the numbers show over the window, offered as questions to explore together — not diagnoses. ' +
                'A pattern appears only when there is enough evidence for it.'),
            findingsList(dyad, { numbers: true }),
            comfortGap(dyad)),
        sharingSection(dyad),
        measuresSection(env, dyad),
        homeworkSection(env, dyad),
        homeworkFollowed(env, dyad, topicLabel),
        privateCheckinsSection(env, acct, dyad),
        resharesSection(env, acct, dyad),
        researchSection(env, dyad),
        h('p', { class: 'hint audit-note' }, 'Each time you open this page it is written to the dyad’s audit log, which both members can read.'),
    ];
}

function toolbar(dyad, win) {
    const select = h('select', { id: 'window', name: 'window' },
        WINDOWS.map((w) => h('option', { value: String(w), selected: w === win }, `${w} days`)));
    return h('div', { class: 'toolbar no-print' },
        h('form', { class: 'window-form', method: 'get', action: location.pathname },
            h('label', { for: 'window' }, 'Window'), select,
            h('button', { type: 'submit', class: 'secondary' }, 'Show')),
        h('button', { type: 'button', id: 'print-summary', onclick: () => window.print() }, 'Print pre-session summary'));
}

function detailRows(dyad) {
    return [
        ['Pattern', (m) => QUADRANT_WORDS[m.quadrant] || m.quadrant || null],
        ['Check-ins', (m) => (Number.isInteger(m.checkins) ? String(m.checkins) : null)],
        ['Emotional closeness', (m) => num(m.closeness_mean)],
        ['Closeness trend', (m) => trendWords(m.closeness_trend)],
        ['Wanted closeness', (m) => num(m.closeness_wanted_mean)],
        ['Wanted minus felt', gapOf],
        ['Opened up', (m) => num(m.opened_up_mean)],
        ['Felt understood', (m) => num(m.understood_mean)],
        ['Felt safe to be open', (m) => num(m.safety_mean)],
        ['Affection', (m) => num(m.affection_mean)],
        // "not tracked" says so: a dash would read as "not shared with you"
        dyad.kind === 'couple' ? ['Sexual connection', (m) => (m.quadrant === 'not_tracked' ? 'not tracked' : num(m.sexual_mean))] : null,
        dyad.kind === 'couple' ? ['Days with sexual connection', (m) => (m.quadrant === 'not_tracked' ? 'not tracked' : percent(m.sexual_rate))] : null,
        ['Days with a wordless moment', (m) => percent(m.wordless_rate)],
    ].filter(Boolean);
}

function comfortGap(dyad) {
    const f = (dyad.findings || []).find((x) => x.code === 'comfort_gap' && x.numbers);
    if (!f) return null;
    const members = dyad.members || [];
    const topic = topicLabel(TOPIC_NAMES[f.numbers.topic] || '');
    return h('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': 'comfort-gap-caption', tabindex: '0' },
        h('table', { class: 'comfort-gap', id: 'comfort-gap' },
            h('caption', { id: 'comfort-gap-caption' }, 'Comfort gap (levels 1–5; prompts stay at the lower one)'),
            h('thead', null, h('tr', null,
                h('th', { scope: 'col' }, 'Topic'),
                members.map((m) => h('th', { scope: 'col' }, m.display_name)),
                h('th', { scope: 'col' }, 'Gap'))),
            h('tbody', null, h('tr', null,
                h('th', { scope: 'row' }, topic),
                members.map((m, i) => h('td', null, String(f.numbers[`comfort_member_${i}`] ?? '—'))),
                h('td', null, String(f.numbers.gap ?? '—'))))));
}

function sharingSection(dyad) {
    const members = dyad.members || [];
    const shares = dyad.shares || [];
    const byAuthor = (m) => shares.find((s) => s.author_id === m.user_id) || { written: 0, answered_by_partner_48h: 0, by_topic_depth: {} };
    const other = (m) => members.find((x) => x.user_id !== m.user_id);
    const answered = (s) => (s.written ? `${s.answered_by_partner_48h} of ${s.written} (${percent(s.answered_by_partner_48h / s.written)})` : 'none written');
    // Counted as the members see them: a guided conversation's record is
    // apart (talked_together), and each member's "answered" row is read from
    // the other's shares above it, so the two rows always agree.
    const rows = [
        ['Shares written', (m) => String(byAuthor(m).written)],
        ['Of those, answered by the other within 48 hours', (m) => answered(byAuthor(m))],
        ['Answered the other’s shares within 48 hours', (m) => (other(m) ? answered(byAuthor(other(m))) : null)],
        ['Felt understood (mean, 0–10)', (m) => num(m.understood_mean)],
    ];
    const together = Number.isInteger(dyad.talked_together) ? dyad.talked_together : 0;
    return h('section', { class: 'card sharing', 'aria-labelledby': 'sharing-heading' },
        h('h2', { id: 'sharing-heading' }, 'Sharing and responsiveness'),
        sideBySide(dyad, rows, { caption: `Sharing in the last ${dyad.window} days`, id: 'responsiveness-table' }),
        h('p', { class: 'talked-together' }, together === 0
            ? 'No guided conversation recorded together in this window.'
            : `Guided conversations recorded together: ${together} (not counted as shares above).`),
        h('div', { class: 'topic-tables' }, members.map((m, i) => topicDepthTable(dyad, m, byAuthor(m), i))));
}

function topicDepthTable(dyad, member, s, i) {
    const id = `topic-depth-${i}`;
    const counts = s.by_topic_depth || {};
    const topics = topicsFor(dyad.kind).filter((t) => Array.isArray(counts[t]));
    const caption = `Shares by ${member.display_name}, by topic and depth`;
    if (!topics.length) {
        return h('div', { class: 'topic-table' },
            h('h3', null, caption),
            h('p', { class: 'empty' }, `${member.display_name} wrote no shares in this window.`));
    }
    const totals = [0, 0, 0, 0, 0];
    for (const t of topics) counts[t].forEach((n, d) => { totals[d] += n; });
    return h('div', { class: 'topic-table table-scroll', role: 'region', 'aria-labelledby': `${id}-caption`, tabindex: '0' },
        h('table', { class: 'topic-depth', id },
            h('caption', { id: `${id}-caption` }, caption),
            h('thead', null, h('tr', null,
                h('th', { scope: 'col' }, 'Topic'),
                [1, 2, 3, 4, 5].map((d) => h('th', { scope: 'col' }, h('abbr', { title: `Depth ${d}: ${DEPTH_WORDS[d]}` }, `Depth ${d}`))),
                h('th', { scope: 'col' }, 'All'))),
            h('tbody', null, topics.map((t) => h('tr', null,
                h('th', { scope: 'row' }, topicLabel(t)),
                counts[t].map((n) => h('td', { class: n ? null : 'zero' }, String(n))),
                h('td', null, String(counts[t].reduce((a, b) => a + b, 0)))))),
            h('tfoot', null, h('tr', null,
                h('th', { scope: 'row' }, 'All topics'),
                totals.map((n) => h('td', null, String(n))),
                h('td', null, String(totals.reduce((a, b) => a + b, 0)))))));
}

function homeworkSection(env, dyad) {
    const members = dyad.members || [];
    const msg = messages();
    const topic = h('select', { id: 'hw-topic', name: 'topic', required: true },
        topicsFor(dyad.kind).map((t) => h('option', { value: t }, topicLabel(t))));
    const depth = h('select', { id: 'hw-depth', name: 'depth', required: true },
        [1, 2, 3, 4, 5].map((d) => h('option', { value: String(d), selected: d === 2 }, `${d} — ${DEPTH_WORDS[d]}`)));
    const days = field({ label: 'For how many days', name: 'days', type: 'number', min: 1, max: 28, value: 7, inputmode: 'numeric', hint: '1 to 28 days.', class: 'short-number' });
    const noteId = 'hw-note';
    const noteHint = `${noteId}-hint`;
    const noteErr = `${noteId}-error`;
    const note = h('textarea', { id: noteId, name: 'note', rows: 3, maxlength: NOTE_MAX_CHARS, 'aria-describedby': `${noteHint} ${noteErr}` });
    const noteError = h('p', { id: noteErr, class: 'field-error', hidden: true });
    const form = h('form', { class: 'stack homework-form', id: 'homework-form', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: 'hw-topic' }, 'Topic'), topic),
        h('div', { class: 'field' }, h('label', { for: 'hw-depth' }, 'Depth'), depth),
        days.row,
        h('div', { class: 'field' },
            h('label', { for: noteId }, 'A short note to both (optional)'),
            h('p', { id: noteHint, class: 'hint' }, 'Sealed in this browser to each member’s own key before it is sent: ' +
                'the server, and whoever runs it, cannot read it. Each of them sees it beside their suggested prompt.'),
            note, noteError),
        h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'hw-assign' }, 'Assign homework')),
        msg.el);
    note.addEventListener('input', () => {
        noteError.hidden = true;
        note.removeAttribute('aria-invalid');
    });
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        msg.clear();
        const n = Number(days.input.value);
        if (!Number.isInteger(n) || n < 1 || n > 28) {
            days.setError('Enter a whole number of days from 1 to 28.');
            days.input.focus();
            return;
        }
        const text = note.value.trim();
        if (new TextEncoder().encode(text).length > NOTE_MAX_BYTES) {
            noteError.textContent = 'The note is too long. Keep it to a few sentences.';
            noteError.hidden = false;
            note.setAttribute('aria-invalid', 'true');
            note.focus();
            return;
        }
        const body = { topic: topic.value, depth: Number(depth.value), days: n };
        setBusy(form, true);
        try {
            if (text) {
                if (members.length !== 2 || members.some((m) => !m.box_public_key)) {
                    throw new ApiError(0, 'no_keys', 'The server did not send the members’ keys, so the note could not be sealed. Nothing was sent; try again without a note.');
                }
                const { c } = await loadCrypto();
                body.notes = {};
                for (const m of members) body.notes[m.user_id] = c.sealToKey(text, c.unb64(m.box_public_key));
            }
            msg.say('Assigning…');
            const res = await api('POST', `/therapist/dyads/${encodeURIComponent(dyad.id)}/assignments`, body);
            const a = (res && res.assignment) || {};
            note.value = '';
            msg.say(`Assigned: ${topicLabel(a.topic || body.topic)} at depth ${a.depth || body.depth}, ` +
                `until ${a.ends_at ? formatDate(a.ends_at) : `${n} days from now`}. ` +
                `${members.map((m) => m.display_name).join(' and ')} see it with their suggested prompt${text ? ', with your note' : ''}.`);
        } catch (err) {
            if (err instanceof ApiError && err.status === 403) {
                msg.alert('Access to this dyad has ended, so the homework was not assigned.');
            } else if (err instanceof ApiError && err.field === 'days') {
                days.setError(err.message);
            } else {
                msg.alert(describeError(err));
            }
        } finally {
            setBusy(form, false);
        }
    });
    return h('section', { class: 'card homework no-print', 'aria-labelledby': 'homework-heading' },
        h('h2', { id: 'homework-heading' }, 'Homework'),
        h('p', null, `A topic and depth for ${members.map((m) => m.display_name).join(' and ') || 'both members'} to share about, ` +
            'shown to both with their suggested prompt. Their comfort still wins: a prompt never goes deeper than ' +
            'the more reserved of them has said they are ready for, even as homework.'),
        form);
}

// ---- private check-ins and entries shared with the therapist ----------------

/**
 * A section that stays closed — its content neither fetched nor in the page —
 * until the therapist opens it; closed again, its content (anything opened
 * with the therapist's key) leaves the page.
 */
function closedSection({ id, cls, title, intro, openLabel, closeLabel, fill }) {
    const bodyId = `${id}-body`;
    const body = h('div', { id: bodyId, class: 'closed-section-body', hidden: true });
    const toggle = h('button', { type: 'button', class: 'secondary', id: `${id}-toggle`, 'aria-expanded': 'false', 'aria-controls': bodyId }, openLabel);
    toggle.addEventListener('click', async () => {
        if (toggle.getAttribute('aria-expanded') === 'true') {
            body.replaceChildren();
            body.hidden = true;
            toggle.setAttribute('aria-expanded', 'false');
            toggle.textContent = openLabel;
            return;
        }
        toggle.setAttribute('aria-expanded', 'true');
        toggle.textContent = closeLabel;
        body.hidden = false;
        await fill(body);
    });
    return h('section', { class: `card ${cls} no-print`, id, 'aria-labelledby': `${id}-heading` },
        h('h2', { id: `${id}-heading` }, title),
        intro,
        h('p', { class: 'actions' }, toggle),
        body);
}

function sectionError(err) {
    if (err instanceof ApiError && err.status === 403) {
        return h('p', { class: 'alert', role: 'alert' }, 'Access to this dyad has ended, so nothing more from it is shown to you.');
    }
    return h('p', { class: 'alert', role: 'alert' }, describeError(err));
}

function privateCheckinsSection(env, acct, dyad) {
    const members = dyad.members || [];
    const names = members.map((m) => m.display_name).join(' and ') || 'the two members';
    return closedSection({
        id: 'private-checkins',
        cls: 'private-checkins',
        title: 'Private check-ins',
        intro: [
            h('p', null, 'A short check-in for one member alone, such as a safety check: couples therapy practice is to ask each partner separately. ' +
                'It appears only on that member’s own home page. Their answers are sealed to your key in their browser — the server cannot read them — ' +
                'and their partner can never see the check-in, or learn that it exists.'),
            h('p', { class: 'hint' }, `Kept closed until you open it, so you can show this page to ${names} together without revealing it. ` +
                'It is never printed with the summary.'),
        ],
        openLabel: 'Open private check-ins',
        closeLabel: 'Close private check-ins',
        fill: (body) => fillPrivate(env, acct, dyad, body),
    });
}

async function fillPrivate(env, acct, dyad, body) {
    const members = dyad.members || [];
    body.replaceChildren(h('p', { class: 'status', role: 'status' }, 'Loading…'));
    let questionnaires;
    let given;
    try {
        [questionnaires, given] = await Promise.all([
            fetchQuestionnaires({ signal: env.signal }),
            fetchPrivateCheckins(dyad.id, { signal: env.signal }),
        ]);
    } catch (err) {
        if (env.signal.aborted || body.hidden) return;
        body.replaceChildren(sectionError(err));
        return;
    }
    if (body.hidden) return; // closed again while loading
    const listBox = h('div', { class: 'pc-given-box', id: 'pc-given' });
    const listMsg = messages();

    function drawList(items) {
        if (!items.length) {
            listBox.replaceChildren(h('p', { class: 'empty' }, 'You have not given a private check-in in this dyad yet.'));
            return;
        }
        listBox.replaceChildren(h('ul', { class: 'pc-given-list', id: 'pc-given-list' },
            items.map((pc) => givenItem(acct, dyad, questionnaires, pc))));
    }

    async function reload(say) {
        const items = await fetchPrivateCheckins(dyad.id, { signal: env.signal });
        drawList(items);
        if (say) {
            const answered = items.filter((p) => p.answered_at).length;
            listMsg.say(`Up to date: ${items.length} given, ${answered} answered.`);
        }
    }

    const refresh = h('button', { type: 'button', class: 'secondary', id: 'pc-refresh' }, 'Check for new answers');
    refresh.addEventListener('click', async () => {
        refresh.disabled = true;
        listMsg.say('Checking…');
        try {
            await reload(true);
        } catch (err) {
            if (!env.signal.aborted) listMsg.alert(describeError(err));
        } finally {
            refresh.disabled = false;
        }
    });

    drawList(given);
    body.replaceChildren(
        h('div', { class: 'pc-not-live', id: 'pc-not-live' },
            h('p', null, h('strong', null, 'Answers are not watched live. '),
                'Nobody is alerted when an answer signals danger — not you, and not anyone else. ' +
                'Read the answers before each session, and follow up with that member alone, not in a joint session.')),
        giveForm(dyad, members, questionnaires, () => reload(false)),
        h('h3', { id: 'pc-given-heading' }, 'Given so far'),
        listBox,
        h('div', { class: 'actions' }, refresh),
        listMsg.el,
        h('p', { class: 'hint' }, 'Each time this list is loaded, your access to a member’s answers is written to that member’s own audit log — ' +
            'never to their partner’s.'));
}

function giveForm(dyad, members, questionnaires, onGiven) {
    const msg = messages();
    const memberErr = h('p', { id: 'pc-member-error', class: 'field-error', hidden: true });
    const member = h('select', { id: 'pc-member', name: 'user_id', required: true, 'aria-describedby': 'pc-member-hint pc-member-error' },
        h('option', { value: '' }, 'Choose a member'),
        members.map((m) => h('option', { value: m.user_id }, m.display_name)));
    const qs = [...questionnaires.values()];
    if (!qs.length) {
        return h('div', { class: 'pc-give-form' },
            h('h3', null, 'Give a private check-in'),
            h('p', { class: 'empty' }, 'This server offers no questionnaires, so there is nothing to give yet.'));
    }
    const questionnaire = h('select', { id: 'pc-questionnaire', name: 'questionnaire', required: true, 'aria-describedby': 'pc-questionnaire-hint' },
        qs.map((q) => h('option', { value: q.id }, q.title || q.id)));
    const qHint = h('p', { id: 'pc-questionnaire-hint', class: 'hint' });
    const describe = () => {
        const q = questionnaires.get(questionnaire.value);
        if (!q) {
            qHint.textContent = '';
            return;
        }
        const count = `${q.items.length} ${q.items.length === 1 ? 'question' : 'questions'}, each of which can be left unanswered.`;
        qHint.textContent = q.intro ? `${count} The member first reads: “${q.intro}”` : count;
    };
    describe();
    questionnaire.addEventListener('change', describe);
    const setMemberError = (text) => {
        memberErr.textContent = text || '';
        memberErr.hidden = !text;
        if (text) member.setAttribute('aria-invalid', 'true');
        else member.removeAttribute('aria-invalid');
    };
    member.addEventListener('change', () => setMemberError(null));

    const form = h('form', { class: 'stack pc-give-form', id: 'pc-give-form', novalidate: true },
        h('h3', { id: 'pc-give-heading' }, 'Give a private check-in'),
        h('div', { class: 'field' },
            h('label', { for: 'pc-member' }, 'For which member'),
            h('p', { id: 'pc-member-hint', class: 'hint' }, 'Only this member sees it. Their partner is not told.'),
            member, memberErr),
        h('div', { class: 'field' },
            h('label', { for: 'pc-questionnaire' }, 'Which check-in'),
            qHint,
            questionnaire),
        h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'pc-give' }, 'Give this check-in')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        msg.clear();
        const who = members.find((m) => m.user_id === member.value);
        if (!who) {
            setMemberError('Choose the member this check-in is for.');
            member.focus();
            return;
        }
        const q = questionnaires.get(questionnaire.value);
        if (!q) {
            msg.alert('Choose a check-in.');
            questionnaire.focus();
            return;
        }
        const partner = members.find((m) => m.user_id !== who.user_id);
        setBusy(form, true);
        msg.say('Giving…');
        try {
            await givePrivateCheckin(dyad.id, who.user_id, q.id);
            member.value = '';
            await onGiven().catch(() => {});
            msg.say(`Given to ${who.display_name}: “${q.title || q.id}”. It waits on ${who.display_name}’s own home page; ` +
                `${partner ? partner.display_name : 'their partner'} cannot see it, or that it exists. The answers appear below once sent.`);
        } catch (err) {
            if (err instanceof ApiError && err.status === 403) {
                msg.alert('Access to this dyad has ended, so the check-in was not given.');
            } else if (err instanceof ApiError && err.field === 'user_id') {
                setMemberError(err.message);
            } else {
                msg.alert(describeError(err));
            }
        } finally {
            setBusy(form, false);
        }
    });
    return form;
}

function givenItem(acct, dyad, questionnaires, pc) {
    const uid = `pcg-${pc.id}`;
    const q = questionnaires.get(pc.questionnaire) || null;
    const title = q ? q.title || q.id : pc.questionnaire;
    const name = nameOf(dyad, pc.user_id);
    const answered = !!pc.answered_at;
    const parts = [
        h('h4', { id: `${uid}-heading` }, `${title} — for ${name}`),
        h('p', { class: `pc-state ${answered ? 'answered' : 'waiting'}` },
            'Given on ', h('time', { datetime: pc.assigned_at }, formatDate(pc.assigned_at)), '. ',
            answered
                ? ['Answered on ', h('time', { datetime: pc.answered_at }, formatDate(pc.answered_at)), '.']
                : 'Waiting for an answer.'),
    ];
    if (answered) {
        const box = h('div', { class: 'pc-answers-box', id: `${uid}-answers`, hidden: true });
        const open = h('button', {
            type: 'button', class: 'secondary', id: `${uid}-open`, 'aria-expanded': 'false', 'aria-controls': box.id, 'aria-describedby': `${uid}-heading`,
        }, 'Open answers');
        open.addEventListener('click', () => {
            if (open.getAttribute('aria-expanded') === 'true') {
                box.replaceChildren();
                box.hidden = true;
                open.setAttribute('aria-expanded', 'false');
                open.textContent = 'Open answers';
                return;
            }
            box.replaceChildren(...answersView(acct, q, pc, name));
            box.hidden = false;
            open.setAttribute('aria-expanded', 'true');
            open.textContent = 'Close answers';
        });
        parts.push(h('p', { class: 'actions' }, open), box);
    }
    return h('li', { class: 'pc-given', id: uid, dataset: { userId: pc.user_id } }, parts);
}

function answersView(acct, q, pc, name) {
    const opened = openAnswers(acct, pc.sealed);
    if (!opened.ok) {
        return [h('p', { class: 'unreadable' }, 'These answers could not be opened with your key. They may have been changed on the server, ' +
            'or sealed to a key that is not yours. Ask ' + name + ' about it in person.')];
    }
    const rows = answerRows(q, opened.answers);
    const dangers = rows.filter((r) => r.danger).length;
    const out = [];
    if (dangers) {
        out.push(h('p', { class: 'pc-danger-summary' },
            h('strong', null, dangers === 1 ? 'One answer is marked as a possible sign of danger. ' : `${dangers} answers are marked as possible signs of danger. `),
            `Nobody was alerted when ${name} gave ${dangers === 1 ? 'it' : 'them'}. Good practice is to follow up with ${name} alone, ` +
            'soon and not in a joint session.'));
    } else {
        out.push(h('p', { class: 'pc-no-danger' }, 'No answer is marked as a sign of danger.'));
    }
    out.push(h('ol', { class: 'pc-answers' }, rows.map((r) => h('li', { class: `pc-answer${r.danger ? ' is-danger' : ''}${r.answered ? '' : ' unanswered'}`, dataset: { item: r.id } },
        h('p', { class: 'pc-question' }, r.question),
        r.danger ? h('p', { class: 'pc-danger-mark' }, 'Possible sign of danger') : null,
        h('p', { class: r.free ? 'pc-answer-text free' : 'pc-answer-text' }, r.answered ? r.answer : 'Not answered')))));
    out.push(h('p', { class: 'hint' }, 'Opened in this browser with your key. “Close answers” takes them off the screen.'));
    return out;
}

function resharesSection(env, acct, dyad) {
    return closedSection({
        id: 'reshares',
        cls: 'reshares',
        title: 'Entries shared with you',
        intro: [
            h('p', null, 'A member can share one of their own entries with you. It is sealed to your key in their browser and opened here: ' +
                'you read only the entries they chose, never anything else either of them writes. Their partner is not told.'),
            h('p', { class: 'hint' }, 'Kept closed until you open it, and never printed with the summary.'),
        ],
        openLabel: 'Open entries shared with you',
        closeLabel: 'Close entries shared with you',
        fill: (body) => fillReshares(env, acct, dyad, body),
    });
}

async function fillReshares(env, acct, dyad, body) {
    body.replaceChildren(h('p', { class: 'status', role: 'status' }, 'Loading…'));
    let list;
    try {
        list = await fetchReshares(dyad.id, { signal: env.signal });
    } catch (err) {
        if (env.signal.aborted || body.hidden) return;
        body.replaceChildren(sectionError(err));
        return;
    }
    if (body.hidden) return; // closed again while loading
    const hint = h('p', { class: 'hint' }, 'Each time these are loaded, it is written to the audit log of the member who shared them — never to their partner’s.');
    if (!list.length) {
        body.replaceChildren(h('p', { class: 'empty', id: 'reshares-empty' }, 'Nobody has shared an entry with you in this dyad yet.'), hint);
        return;
    }
    body.replaceChildren(
        h('ul', { class: 'reshare-list', id: 'reshare-list' }, list.map((x) => {
            const name = nameOf(dyad, x.user_id);
            const opened = openSealedText(acct, x.sealed);
            return h('li', { class: 'reshare', id: `reshare-${x.id}`, dataset: { userId: x.user_id } },
                h('p', { class: 'reshare-meta' },
                    h('strong', null, name), ` shared ${ENTRY_KIND_WORDS[x.entry_kind] || 'an entry'} with you on `,
                    h('time', { datetime: x.created_at }, formatDate(x.created_at)), '.'),
                opened.ok
                    ? h('blockquote', { class: 'reshare-text' }, opened.text)
                    : h('p', { class: 'unreadable' }, 'This entry could not be opened with your key — it may have been changed on the server.'));
        })),
        hint);
}

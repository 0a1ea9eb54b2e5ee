// pages/therapist.js — "/therapist": a therapist's caseload (docs/therapists.md).
//
// Each dyad that has linked this therapist with both members' consent is a
// card: the two partners side by side (the pattern of the last 28 days,
// emotional closeness with its trend, wanted against felt closeness,
// affection), the patterns the insights engine found — explanations to
// explore, never diagnoses — and the last activity, with a link to the dyad
// page. Above the list: the therapist's own code, to give to clients.
//
// Only numbers reach this page: scores and share counts, never a word a
// client wrote. Opening it is written to each listed dyad's audit log, which
// both members see, so it loads once and does not poll.
//
// What it shares with the other therapist pages (words for quadrants and
// findings, the side-by-side table, the code card) is in therapistview.js.

import { api, ApiError, describeError } from '../api.js';
import { h, focusHeading, formatDate } from '../ui.js';
import { codeSection, dyadTitle, findingsList, sideBySide, summaryRows, therapistAccount } from '../therapistview.js';
import { openSealedText } from '../therapistprivate.js';

const FLAG_WORDS = {
    cutoff: (f) => `${f.display_name}’s latest “${f.questionnaire}” score (${f.value}) is past its cut-off: ${f.label}.`,
    worsening: (f) => `${f.display_name}’s “${f.questionnaire}” score has worsened reliably since their first (now ${f.value}).`,
    danger: (f) => `${f.display_name} picked an answer that signals danger in “${f.questionnaire}” (${f.day}).`,
};

// What needs a look, without opening the dyad: scores past a cut-off,
// reliable worsening, danger answers — and private check-in answers whose
// sealed danger signal, opened here with this therapist's key, says so.
function needsALook(acct, dyad) {
    const lines = (dyad.flags || []).filter((f) => FLAG_WORDS[f.kind]).map((f) => FLAG_WORDS[f.kind](f));
    for (const s of dyad.private_signals || []) {
        const opened = openSealedText(acct, s.signal);
        if (opened.ok && opened.text === 'D') {
            lines.push(`${s.display_name} answered a private check-in on ${formatDate(s.answered_at)} with an answer that signals danger. ` +
                'Open the private check-ins on the dyad page, alone.');
        }
    }
    if (!lines.length) return null;
    return h('div', { class: 'case-flags', role: 'note' },
        h('h4', null, 'Needs a look'),
        h('ul', null, lines.map((l) => h('li', { class: 'case-flag' }, l))));
}

function caseCard(acct, dyad) {
    const title = dyadTitle(dyad);
    const headingId = `case-${dyad.id}-heading`;
    return h('li', { class: 'card case', dataset: { dyadId: dyad.id } },
        h('h3', { id: headingId }, h('a', { href: `/therapist/dyads/${encodeURIComponent(dyad.id)}` }, title)),
        h('p', { class: 'case-meta' }, dyad.last_activity
            ? `Last activity: ${formatDate(dyad.last_activity)}`
            : 'No activity yet.',
        ` · the last ${dyad.window || 28} days`),
        sideBySide(dyad, summaryRows(dyad), { caption: `${title}, side by side`, id: `case-${dyad.id}-table` }),
        h('h4', null, 'Patterns to explore'),
        findingsList(dyad),
        needsALook(acct, dyad));
}

export async function render(env) {
    const acct = await therapistAccount(env);
    if (!acct) return;
    let code;
    let caseload;
    try {
        [code, caseload] = await Promise.all([
            api('GET', '/therapist/code', undefined, { signal: env.signal }),
            api('GET', '/therapist/caseload', undefined, { signal: env.signal }),
        ]);
    } catch (err) {
        if (env.signal.aborted) return;
        env.root.replaceChildren(h('h1', null, 'Your caseload'),
            h('p', { class: 'alert', role: 'alert' }, err instanceof ApiError && err.status === 403
                ? 'This account is not a therapist account.'
                : describeError(err)));
        focusHeading(env.root);
        return;
    }
    const dyads = (caseload && caseload.dyads) || [];
    env.root.append(
        h('h1', null, 'Your caseload'),
        h('p', { class: 'lead' }, `Signed in as ${acct.user.display_name}. ` +
            'You see each linked dyad’s check-in scores and how much they share — never a word either of them writes.'),
        h('section', { class: 'caseload', 'aria-labelledby': 'caseload-heading' },
            h('h2', { id: 'caseload-heading' }, dyads.length === 1 ? '1 linked dyad' : `${dyads.length} linked dyads`),
            dyads.length
                ? h('ul', { class: 'case-list', id: 'case-list' }, dyads.map((d) => caseCard(acct, d)))
                : h('p', { class: 'empty', id: 'caseload-empty' }, 'No dyad has linked you yet. A dyad appears here once both of its members ' +
                    'have entered your code; it leaves at once when either of them ends the link.'),
            h('p', { class: 'hint' }, '— means no check-ins in the window, or an item the member has not shared with you. ' +
                'Patterns are what the numbers show over the window, offered as questions to explore together. ' +
                'They are not diagnoses. Opening this page is written to each dyad’s audit log, which both members can read.')),
        codeSection(code.therapist_code));
    focusHeading(env.root);
}

// therapistview.js — what the therapist's pages share (pages/therapist.js,
// pages/therapist-dyad.js, pages/setup.js): words for quadrants and
// findings, numbers in plain words, the side-by-side table of both members,
// the signed-in therapist, and the therapist-code card.

import { h, copyButton, focusHeading } from './ui.js';
import { KIND_LABEL, TOPIC_NAMES, topicLabel } from './words.js';

export const QUADRANT_WORDS = {
    both: 'Emotional closeness and sexual connection',
    emotional_only: 'Emotional closeness without sexual connection',
    sexual_only: 'Sexual connection without emotional closeness',
    neither: 'Neither emotional closeness nor sexual connection, for now',
    not_tracked: 'Sexual connection not tracked',
    insufficient_data: 'Not enough check-ins yet (7 are needed)',
    hidden: 'Not shared with you',
};

export const FINDING_TITLES = {
    sex_without_closeness: 'Sexual connection on days of low closeness',
    need_gap: 'Wanting more closeness than is felt',
    closeness_falling: 'Closeness falling',
    closeness_rising: 'Closeness rising',
    drifting_apart: 'The partners’ closeness moving apart',
    one_sided_sharing: 'Sharing mostly in one direction',
    unanswered_shares: 'Shares left unanswered',
    comfort_gap: 'Different comfort with a topic',
    open_not_understood: 'Opening up without feeling understood',
    understood_not_open: 'Feeling understood, opening up little',
};

export const SEVERITY_WORDS = {
    info: 'For information',
    notice: 'Worth noticing',
    attention: 'Worth talking about',
};

/** A number for people: one decimal by default, no trailing noise. */
export function num(v, digits = 1) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    return v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function percent(v) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    return `${Math.round(v * 100)}%`;
}

/** "—" that a screen reader reads as "none". */
export function none() {
    return h('span', { class: 'none' },
        h('span', { 'aria-hidden': 'true' }, '—'),
        h('span', { class: 'visually-hidden' }, 'none'));
}

/** A Theil–Sen slope in points per day, in words and points per week. */
export function trendWords(slope) {
    if (typeof slope !== 'number' || !Number.isFinite(slope)) return null;
    const week = slope * 7;
    const word = week > 0.25 ? 'rising' : week < -0.25 ? 'falling' : 'steady';
    const sign = week > 0 ? '+' : week < 0 ? '−' : '±';
    return `${word} (${sign}${num(Math.abs(week))} a week)`;
}

export function nameOf(dyad, id) {
    if (id === 'dyad') return 'Both';
    const m = (dyad.members || []).find((x) => x.user_id === id);
    return m ? m.display_name : 'A member';
}

export function dyadTitle(dyad) {
    const names = (dyad.members || []).map((m) => m.display_name);
    const kind = KIND_LABEL[dyad.kind] || dyad.kind;
    return names.length === 2 ? `${kind}: ${names[0]} and ${names[1]}` : kind;
}

function cell(value) {
    return value === null || value === undefined || value === '' ? none() : value;
}

/**
 * The partners side by side, one column each. rows: [[label, (member) → text|null]].
 * The caption names what the table shows; `id` for aria references.
 */
export function sideBySide(dyad, rows, { caption, id }) {
    const members = dyad.members || [];
    return h('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': `${id}-caption`, tabindex: '0' },
        h('table', { class: 'side-by-side', id },
            h('caption', { id: `${id}-caption` }, caption),
            h('thead', null, h('tr', null,
                h('th', { scope: 'col' }, 'Measure'),
                members.map((m) => h('th', { scope: 'col' }, m.display_name)))),
            h('tbody', null, rows.map(([label, get]) => h('tr', null,
                h('th', { scope: 'row' }, label),
                members.map((m) => h('td', null, cell(get(m)))))))));
}

/** The rows the caseload shows for each partner. */
export function summaryRows(dyad) {
    const sexual = (dyad.members || []).some((m) => typeof m.sexual_mean === 'number');
    return [
        ['Pattern', (m) => QUADRANT_WORDS[m.quadrant] || m.quadrant || null],
        ['Check-ins', (m) => (Number.isInteger(m.checkins) ? String(m.checkins) : null)],
        ['Emotional closeness (mean, 0–10)', (m) => num(m.closeness_mean)],
        ['Closeness trend', (m) => trendWords(m.closeness_trend)],
        ['Wanted closeness (mean)', (m) => num(m.closeness_wanted_mean)],
        ['Wanted minus felt', (m) => gapOf(m)],
        ['Affection (mean)', (m) => num(m.affection_mean)],
        // "not tracked" says so: a dash would read as "not shared with you"
        sexual ? ['Sexual connection (mean)', (m) => (m.quadrant === 'not_tracked' ? 'not tracked' : num(m.sexual_mean))] : null,
    ].filter(Boolean);
}

export function gapOf(m) {
    if (typeof m.closeness_wanted_mean !== 'number' || typeof m.closeness_mean !== 'number') return null;
    const g = m.closeness_wanted_mean - m.closeness_mean;
    return `${g > 0 ? '+' : g < 0 ? '−' : '±'}${num(Math.abs(g))}`;
}

function numberLabel(key, dyad) {
    const members = dyad.members || [];
    const m = /^comfort_member_(\d)$/.exec(key);
    if (m && members[Number(m[1])]) return `${members[Number(m[1])].display_name}’s comfort`;
    const words = key.replace(/_/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
}

function numberValue(key, v) {
    if (key === 'topic') return topicLabel(TOPIC_NAMES[v] || String(v));
    if (/(_share|_rate)$/.test(key)) return percent(v);
    if (Number.isInteger(v)) return String(v);
    return num(v, 2);
}

/**
 * The patterns found, as explanations to explore. With `numbers`, each
 * shows the numbers behind it.
 */
export function findingsList(dyad, { numbers = false } = {}) {
    const findings = dyad.findings || [];
    if (!findings.length) return h('p', { class: 'empty' }, 'No pattern stands out in this window.');
    return h('ul', { class: 'findings' }, findings.map((f) => h('li', { class: `finding severity-${f.severity}` },
        h('p', { class: 'finding-title' },
            h('strong', null, FINDING_TITLES[f.code] || f.code),
            ` — ${nameOf(dyad, f.subject)}`,
            h('span', { class: 'finding-severity' }, ` · ${SEVERITY_WORDS[f.severity] || f.severity}`)),
        h('p', { class: 'finding-explanation' }, f.explanation),
        numbers && f.numbers && Object.keys(f.numbers).length
            ? h('dl', { class: 'finding-numbers' }, Object.entries(f.numbers).flatMap(([k, v]) => [
                h('dt', null, numberLabel(k, dyad)), h('dd', null, numberValue(k, v) ?? '—')]))
            : null)));
}

/** The signed-in therapist, or null after telling a member this page is not theirs. */
export async function therapistAccount(env) {
    const acct = await env.account({
        mode: 'login',
        heading: 'Therapist workspace',
        intro: 'Sign in with the e-mail address and password of your therapist account.',
    });
    if (acct.user.role === 'therapist') return acct;
    env.root.replaceChildren(
        h('h1', null, 'Therapist workspace'),
        h('p', null, 'This page is for therapists. Your account is a member’s account: your dyads are on ',
            h('a', { href: '/' }, 'the home page'), '.'));
    focusHeading(env.root);
    return null;
}

/** The therapist's code, shown large, with what to do with it. */
export function codeSection(code) {
    const [lookup, fingerprint] = code.split('-');
    return h('section', { class: 'card therapist-code-card', 'aria-labelledby': 'code-heading' },
        h('h2', { id: 'code-heading' }, 'Your therapist code'),
        h('output', { class: 'therapist-code', id: 'therapist-code', 'aria-label': `Your therapist code: ${code.split('').join(' ')}` },
            h('span', { class: 'code-lookup' }, lookup), '-', h('span', { class: 'code-fingerprint' }, fingerprint)),
        h('p', null, copyButton(() => code, 'Copy the code')),
        h('ol', { class: 'code-steps' },
            h('li', null, 'Give this code to both of your clients in person, or read it out on a call where they can hear you.'),
            h('li', null, 'Each of them enters it in their own dyad settings. The link starts only when both have, ' +
                'and either of them can end it at any moment.'),
            h('li', null, `Its second half (${fingerprint}) is a fingerprint of your keys. Their app checks it against the keys ` +
                'the server gives it, so nobody — not even whoever runs the server — can stand in for you unnoticed.')),
        h('p', { class: 'hint' }, 'Do not send the code through the server or post it where others can change it: ' +
            'its worth is that it comes from you.'));
}

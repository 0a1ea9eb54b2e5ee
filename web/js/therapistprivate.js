// therapistprivate.js — the therapist's side of private check-ins and
// re-shared entries (docs/protocol.md, docs/therapists.md). No DOM here: the API calls and the
// opening of what was sealed, for pages/therapist-dyad.js.
//
// Both come to the therapist sealed to the therapist's own box key, in the
// member's browser (privatecheckin.js, and the shares page's "Share this
// with …"). They are opened here, in the therapist's browser, with the box
// key pair this tab holds (keystore.js): the server, whoever runs it and the
// member's partner can never open them.
//
// The server writes each read of answered check-ins and of re-shared entries
// to the audit log of the member they came from, and only theirs: the
// partner never learns that either exists.

import { api } from './api.js';

const base = (dyadId) => `/therapist/dyads/${encodeURIComponent(dyadId)}`;

export const ENTRY_KIND_WORDS = {
    share: 'a share',
    response: 'a response',
    note: 'a private check-in note',
};

/** The private questionnaires this server offers (those sealed to the
 * therapist; the measures each member answers are given elsewhere). → Map id → questionnaire. */
export async function fetchQuestionnaires({ signal } = {}) {
    const res = await api('GET', '/questionnaires', undefined, { signal });
    const list = res && Array.isArray(res.questionnaires) ? res.questionnaires : [];
    return new Map(list.filter((q) => q && typeof q.id === 'string' && Array.isArray(q.items) && q.answered_by !== 'each_member').map((q) => [q.id, q]));
}

/** The private check-ins this therapist gave in a dyad, newest first. */
export async function fetchPrivateCheckins(dyadId, { signal } = {}) {
    const res = await api('GET', `${base(dyadId)}/private-checkins`, undefined, { signal });
    const list = res && Array.isArray(res.private_checkins) ? res.private_checkins : [];
    return [...list].sort((a, b) => String(b.assigned_at).localeCompare(String(a.assigned_at)));
}

/** Gives one member a private check-in. → { id, user_id, questionnaire, assigned_at }. */
export async function givePrivateCheckin(dyadId, userId, questionnaireId) {
    const res = await api('POST', `${base(dyadId)}/private-checkins`, { user_id: userId, questionnaire: questionnaireId });
    return (res && res.private_checkin) || null;
}

/** The entries members re-shared with this therapist, newest first. */
export async function fetchReshares(dyadId, { signal } = {}) {
    const res = await api('GET', `${base(dyadId)}/reshares`, undefined, { signal });
    const list = res && Array.isArray(res.reshares) ? res.reshares : [];
    return [...list].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
}

/**
 * Opens a sealed value with the therapist's box key pair.
 * → { ok: true, text } or { ok: false } (not for this key, or changed).
 */
export function openSealedText({ c, keys }, sealed) {
    if (typeof sealed !== 'string' || !keys || !keys.boxPk || !keys.boxSk) return { ok: false };
    try {
        return { ok: true, text: c.openSealed(sealed, keys.boxPk, keys.boxSk) };
    } catch {
        return { ok: false };
    }
}

/**
 * Opens a member's sealed answers. → { ok: true, answers } where answers is
 * { item_id: choice index | text }, or { ok: false }.
 */
export function openAnswers(acct, sealed) {
    const opened = openSealedText(acct, sealed);
    if (!opened.ok) return { ok: false };
    let answers;
    try {
        answers = JSON.parse(opened.text);
    } catch {
        return { ok: false };
    }
    if (!answers || typeof answers !== 'object' || Array.isArray(answers)) return { ok: false };
    return { ok: true, answers };
}

/**
 * Each question of `questionnaire` with the answer given, in the
 * questionnaire's order:
 *   { id, question, answered, answer (words or null), danger (bool), free (bool) }
 * Answers to items the questionnaire does not have (it may have changed on
 * the server since) are listed after, by their id. A choice index outside
 * the choices is shown as such, never guessed at.
 */
export function answerRows(questionnaire, answers) {
    const items = questionnaire && Array.isArray(questionnaire.items) ? questionnaire.items : [];
    const rows = items.map((item) => {
        const has = Object.prototype.hasOwnProperty.call(answers, item.id);
        const v = has ? answers[item.id] : undefined;
        const choices = Array.isArray(item.choices) ? item.choices : null;
        if (!has || v === null || v === '') {
            return { id: item.id, question: item.text, answered: false, answer: null, danger: false, free: !choices };
        }
        if (choices && Number.isInteger(v)) {
            const known = v >= 0 && v < choices.length;
            return {
                id: item.id,
                question: item.text,
                answered: true,
                answer: known ? choices[v] : `Answer number ${v + 1}, which this questionnaire no longer has`,
                danger: Array.isArray(item.danger) && item.danger.includes(v),
                free: false,
            };
        }
        return { id: item.id, question: item.text, answered: true, answer: typeof v === 'string' ? v : JSON.stringify(v), danger: false, free: true };
    });
    const known = new Set(items.map((i) => i.id));
    for (const [id, v] of Object.entries(answers)) {
        if (known.has(id)) continue;
        rows.push({
            id,
            question: items.length ? `A question this questionnaire no longer has (“${id}”)` : `Question “${id}” (this questionnaire is no longer on the server)`,
            answered: true,
            answer: typeof v === 'string' ? v : JSON.stringify(v),
            danger: false,
            free: typeof v === 'string',
        });
    }
    return rows;
}

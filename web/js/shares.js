// shares.js — shares and responses: limits, and the encrypted round trip.
// No DOM here. (The words for topics, depths and response kinds are in
// words.js.)
//
// Every body is encrypted in this browser under the dyad key K with the
// entry's id, dyad, author and kind bound as associated data, so an entry
// whose bytes were changed, or which was moved onto another record, fails to
// open and is reported as unreadable — never shown as garbage.

import { api } from './api.js';

export const PAGE_SIZE = 20;

// Topics where the gentle guide is shown.
export const GUIDED_TOPICS = ['anger', 'frustration'];

// The server takes at most 24 KiB of ciphertext: 24 nonce + 16 tag + the
// text padded to 64 bytes. 24 000 bytes of UTF-8 always fits.
export const MAX_TEXT_BYTES = 24000;
export const MAX_TEXT_CHARS = 8000; // UTF-16 units: at most 3 UTF-8 bytes each
export const SMALL_MOMENT_CHARS = 500;

export const UNREADABLE = 'This entry could not be read — it may have been changed on the server.';

export function textBytes(text) {
    return new TextEncoder().encode(text).length;
}

const base = (dyadId) => `/dyads/${encodeURIComponent(dyadId)}/shares`;

/**
 * Encrypts `text` and posts it as a share. → { id, created_at, body }.
 * `reveal` is 'mutual' only together with a promptId.
 */
export async function postShare({ c, user }, K, dyadId, { topic, depth, promptId = null, reveal = 'now', together = false, text }) {
    const id = c.newEntryId();
    const body = c.encryptEntry(K, { dyadId, entryId: id, authorId: user.id, kind: 'share' }, text);
    const payload = { id, topic, depth, body, reveal: promptId ? reveal : 'now' };
    if (promptId) payload.prompt_id = promptId;
    // talked through together in a guided conversation: counts for both, as answered
    if (together) payload.together = true;
    const res = await api('POST', base(dyadId), payload);
    return { id, created_at: res.share.created_at, body };
}

/**
 * Posts a response of `kind`, with optional words (encrypted), to share
 * `shareId`. → the response as GET would list it.
 */
export async function postResponse({ c, user }, K, dyadId, shareId, kind, text) {
    const id = c.newEntryId();
    const words = typeof text === 'string' && text.trim() ? text : null;
    const body = words === null ? null
        : c.encryptEntry(K, { dyadId, entryId: id, authorId: user.id, kind: 'response' }, words);
    const res = await api('POST', `${base(dyadId)}/${encodeURIComponent(shareId)}/responses`, { id, kind, body });
    return { id, author_id: user.id, kind, created_at: res.response.created_at, body };
}

/** Takes back one's own share (its responses go with it). */
export async function deleteShare(dyadId, shareId) {
    await api('DELETE', `${base(dyadId)}/${encodeURIComponent(shareId)}`);
}

/** Takes back one's own response. */
export async function deleteResponse(dyadId, shareId, responseId) {
    await api('DELETE', `${base(dyadId)}/${encodeURIComponent(shareId)}/responses/${encodeURIComponent(responseId)}`);
}

/** One page of shares, newest first; `beforeId` pages on from that share. */
/**
 * Tells the server that this member has now seen the dyad's shares and
 * responses, so the "new" counts on their own home and dyad pages start
 * again. The marker is theirs alone: the other member is never told.
 */
export async function markSeen(dyadId, { signal } = {}) {
    await api('POST', `/dyads/${encodeURIComponent(dyadId)}/seen`, undefined, { signal });
}

export async function fetchShares(dyadId, { beforeId = null, limit = PAGE_SIZE, signal } = {}) {
    const q = new URLSearchParams();
    if (beforeId) q.set('before_id', beforeId);
    q.set('limit', String(limit));
    const res = await api('GET', `${base(dyadId)}?${q}`, undefined, { signal });
    return Array.isArray(res && res.shares) ? res.shares : [];
}

/**
 * Opens one entry body. → { ok: true, text } or { ok: false } when it does
 * not decrypt under K with this entry's own id, dyad, author and kind.
 */
export function openEntry({ c }, K, { dyadId, entryId, authorId, kind }, body) {
    if (typeof body !== 'string' || typeof entryId !== 'string' || typeof authorId !== 'string') return { ok: false };
    try {
        return { ok: true, text: c.decryptEntry(K, { dyadId, entryId, authorId, kind }, body) };
    } catch {
        return { ok: false };
    }
}

/**
 * Where to ask for the next older page, given what is loaded (newest first):
 * the server's cursor is the oldest share's id, so shares made within the
 * same second are never skipped. → { beforeId, limit } or null.
 */
export function olderCursor(loaded, pageSize = PAGE_SIZE) {
    if (!loaded.length) return null;
    return { beforeId: loaded[loaded.length - 1].id, limit: pageSize };
}

let promptCache = null;

/** The prompt library for a dyad kind, fetched once per page load. → Map id → prompt. */
export async function promptsFor(kind, { signal } = {}) {
    if (!promptCache || promptCache.kind !== kind) {
        const loading = api('GET', `/prompts?kind=${encodeURIComponent(kind)}`, undefined, { signal })
            .then((res) => new Map((res.prompts || []).map((p) => [p.id, p])));
        promptCache = { kind, loading };
        loading.catch(() => {
            if (promptCache && promptCache.loading === loading) promptCache = null;
        });
    }
    return promptCache.loading;
}

// ---- re-sharing one's own entry with the dyad's therapist (docs/protocol.md) ----
//
// A member may re-share one entry they wrote — a share or the words of a
// response — with the therapist both members have linked. Its plain text,
// already decrypted on this page, is sealed here to the therapist's box key
// after checking that key against the fingerprint in the therapist's code;
// the server stores only the sealed copy and the partner is never told.

// The server takes at most 8 KiB sealed: 48 bytes of seal and the text
// padded to a multiple of 64 (at least one byte of padding).
export const RESHARE_MAX_BYTES = 8192 - 48 - 64;

/**
 * The dyad's therapist while the link is active (both consented), else null.
 * → { id, display_name, box_public_key, sign_public_key, fingerprint } | null
 */
export async function fetchActiveTherapist(dyadId, { signal } = {}) {
    const res = await api('GET', `/dyads/${encodeURIComponent(dyadId)}/therapist`, undefined, { signal });
    const t = res && res.therapist;
    const link = res && res.link;
    if (!t || !link || link.state !== 'active' || typeof t.display_name !== 'string') return null;
    return t;
}

/** The therapist's box key when the keys match their fingerprint, else null. */
export function therapistBoxKey(c, therapist) {
    try {
        const boxPk = c.unb64(therapist.box_public_key);
        const ok = c.therapistFingerprint(boxPk, c.unb64(therapist.sign_public_key)) === therapist.fingerprint;
        return ok ? boxPk : null;
    } catch {
        return null;
    }
}

export class ReshareKeyError extends Error {
    constructor() {
        super('The therapist’s keys do not match their fingerprint.');
        this.name = 'ReshareKeyError';
    }
}

/**
 * Seals `text` (one's own entry) to the therapist and posts it.
 * kind: 'share' | 'response' | 'note'. → { id, created_at }.
 * Throws ReshareKeyError (nothing sent) when the keys do not match.
 */
export async function reshareEntry({ c }, dyadId, therapist, { entryId, kind, text }) {
    const boxPk = therapistBoxKey(c, therapist);
    if (!boxPk) throw new ReshareKeyError();
    const sealed = c.sealToKey(text, boxPk);
    const res = await api('POST', `/dyads/${encodeURIComponent(dyadId)}/reshares`, { entry_id: entryId, entry_kind: kind, sealed });
    return (res && res.reshare) || { id: null, created_at: new Date().toISOString() };
}

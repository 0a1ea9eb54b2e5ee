// dyads.js — pairing two people into a dyad, and reading a dyad's key K
// (docs/protocol.md). Pages call these; none of them touches the DOM.
//
// Trust rules, each checked by the client rather than taken from the server:
// - the invite secret lives only after '#' in the link and, sealed under the
//   member's own personal key, in `invite_secret_box` — so either member can
//   re-check the other's key_proof on any later page load;
// - the creator seals K for the partner only after the partner's key_proof
//   verifies against that secret;
// - a wrap of K is opened only if it is signed by oneself or by a partner
//   whose key_proof verified.

import { api, ApiError, describeError } from './api.js';
import { h } from './ui.js';

export const INVITE_AD = 'dyadinvite|1';

function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}

/** base64(nonce24 ‖ XChaCha20-Poly1305(secret, ad "dyadinvite|1", personal key)). */
export function boxInviteSecret({ sodium, c, keys }, secret) {
    const nonce = sodium.randombytes_buf(24);
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, INVITE_AD, null, nonce, keys.personal);
    return c.b64(concat(nonce, ct));
}

/** The invite secret from one's own invite_secret_box, or null if it does not open. */
export function openInviteSecret({ sodium, c, keys }, boxB64) {
    if (!boxB64) return null;
    try {
        const raw = c.unb64(boxB64);
        if (raw.length !== 24 + 32 + 16) return null;
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, raw.subarray(24), INVITE_AD, raw.subarray(0, 24), keys.personal);
    } catch {
        return null;
    }
}

export function inviteLink(c, code, secret) {
    return `${location.origin}/join/${encodeURIComponent(code)}#${c.encodeSecret(secret)}`;
}

/**
 * Creates a dyad of `kind`: a fresh K wrapped for oneself, a fresh invite
 * secret, one's key_proof. → { dyad, invite, link }.
 */
export async function createDyad(acct, kind, familyRole = null) {
    const { c, keys } = acct;
    const K = c.newDyadKey();
    const secret = c.newInviteSecret();
    try {
        const wrap = c.sealDyadKey(K, keys.boxPk, keys.signSk);
        const res = await api('POST', '/dyads', {
            kind,
            wrapped_key: wrap.wrapped_key,
            signature: wrap.signature,
            key_proof: c.keyProof(keys.boxPk, keys.signPk, secret),
            invite_secret_box: boxInviteSecret(acct, secret),
            // a family may say who is who; the one who joins gets the counterpart
            ...(kind === 'family' && familyRole && familyRole !== 'none' ? { family_role: familyRole } : {}),
        });
        return { dyad: res.dyad, invite: res.invite, link: inviteLink(c, res.invite.code, secret) };
    } finally {
        c.wipe(K, secret);
    }
}

/** Joins with an invite code and its secret. → { dyad }. */
export async function joinDyad(acct, code, secret) {
    const { c, keys } = acct;
    return api('POST', '/dyads/join', {
        code,
        key_proof: c.keyProof(keys.boxPk, keys.signPk, secret),
        invite_secret_box: boxInviteSecret(acct, secret),
    });
}

export async function fetchDyad(id, opts) {
    const res = await api('GET', `/dyads/${encodeURIComponent(id)}`, undefined, opts);
    return res.dyad;
}

/**
 * What one's own client can tell about a dyad from GET /dyads/{id}:
 * { me, partner, secret, partnerVerified, myKeysMatch, creator, link,
 *   needsPartnerWrap, waitingForKey }.
 * partnerVerified is true/false, or null while there is no partner or no
 * secret to check against.
 */
export function inspectDyad(acct, dyad) {
    const { c, keys, user } = acct;
    const members = dyad.members || [];
    const me = members.find((m) => m.user_id === user.id) || null;
    const partner = members.find((m) => m.user_id !== user.id) || null;
    const secret = openInviteSecret(acct, dyad.my_invite_secret_box);
    let partnerVerified = null;
    if (partner && secret) {
        try {
            partnerVerified = c.verifyKeyProof(partner.key_proof, c.unb64(partner.box_public_key), c.unb64(partner.sign_public_key), secret);
        } catch {
            partnerVerified = false;
        }
    } else if (partner && !secret) {
        partnerVerified = false;
    }
    const myKeysMatch = !!me && me.box_public_key === c.b64(keys.boxPk) && me.sign_public_key === c.b64(keys.signPk);
    const creator = !!dyad.my_wrapped_key && dyad.my_wrap_signer === user.id;
    const link = dyad.invite && secret ? inviteLink(c, dyad.invite.code, secret) : null;
    if (secret) c.wipe(secret);
    return {
        me,
        partner,
        partnerVerified,
        myKeysMatch,
        creator,
        link,
        needsPartnerWrap: dyad.active !== false && creator && !!partner && !partner.has_key,
        waitingForKey: !dyad.my_wrapped_key,
    };
}

export class TrustError extends Error {}

/**
 * Opens K from one's own wrap, or returns null while no wrap exists yet.
 * Throws TrustError when the wrap is signed by someone not trusted, or does
 * not verify or open.
 */
export function openDyadKey(acct, dyad, view) {
    const { c, keys, user } = acct;
    if (!dyad.my_wrapped_key) return null;
    let signPk;
    if (dyad.my_wrap_signer === user.id) signPk = keys.signPk;
    else if (view.partner && dyad.my_wrap_signer === view.partner.user_id && view.partnerVerified) signPk = c.unb64(view.partner.sign_public_key);
    else throw new TrustError('This dyad’s key was wrapped by someone whose keys dyad could not check against your invite link.');
    try {
        return c.openDyadKey(dyad.my_wrapped_key, dyad.my_wrap_signature, signPk, keys.boxPk, keys.boxSk);
    } catch {
        throw new TrustError('This dyad’s key failed its signature check or could not be opened, so it was not used.');
    }
}

/**
 * The creator's half of pairing: when the partner has joined but holds no
 * key, seal K for them — only if their key_proof verified.
 * → 'wrapped' | 'refused' (proof failed) | 'not-needed'.
 */
export async function ensurePartnerWrap(acct, dyad, view) {
    if (!view.needsPartnerWrap) return 'not-needed';
    if (view.partnerVerified !== true) return 'refused';
    const { c, keys } = acct;
    const K = openDyadKey(acct, dyad, view);
    try {
        const wrap = c.sealDyadKey(K, c.unb64(view.partner.box_public_key), keys.signSk);
        await api('PUT', `/dyads/${encodeURIComponent(dyad.id)}/keys/${encodeURIComponent(view.partner.user_id)}`, wrap);
        return 'wrapped';
    } catch (err) {
        if (err instanceof ApiError && err.code === 'conflict') return 'wrapped';
        throw err;
    } finally {
        c.wipe(K);
    }
}

/** First 8 hex characters of BLAKE2b-256(K): the same on both members' devices. */
export function keyCheck({ sodium }, K) {
    return sodium.to_hex(sodium.crypto_generichash(32, K, null)).slice(0, 8);
}

/**
 * The six-group safety code over both members' public keys. One's own half
 * comes from the keys in this browser, not from the server's copy, so a
 * swapped key shows up as codes that differ when compared in person.
 */
export function safetyCodeOf({ c, keys }, view) {
    return c.safetyCode(keys.boxPk, keys.signPk,
        c.unb64(view.partner.box_public_key), c.unb64(view.partner.sign_public_key));
}

/**
 * Where pairing ends (the joiner's page, the creator's home or dyad page as
 * the other person arrives): the safety code on screen at once, with what
 * to do with it. `id` names the <output> (unique on the page).
 */
export function compareCodeCard(acct, view, id) {
    const name = view.partner.display_name;
    const code = safetyCodeOf(acct, view);
    return h('section', { class: 'card compare-code', 'aria-labelledby': `${id}-heading` },
        h('h2', { id: `${id}-heading` }, 'Compare your safety code'),
        h('output', { id, class: 'code', 'aria-label': 'Safety code' },
            code.split(' ').flatMap((g, i) => (i ? [' ', h('span', null, g)] : [h('span', null, g)]))),
        h('p', null, `Compare these 30 digits with ${name}’s, in person or on a call where you can hear each other. ` +
            'If they are the same, only the two of you can read what you write. If they differ, do not write anything, leave the dyad and pair again.'));
}

/**
 * Every dyad page's start: loads dyad `id` as this account sees it (GET
 * /dyads/{id}, then inspectDyad) and, when this member created it and the
 * partner's key proof verified, first seals the dyad key for the partner
 * (ensurePartnerWrap) and loads it again. → { dyad, view }.
 */
export async function loadDyad(acct, id, { signal } = {}) {
    let dyad = await fetchDyad(id, { signal });
    let view = inspectDyad(acct, dyad);
    if (view.needsPartnerWrap && view.partnerVerified) {
        await ensurePartnerWrap(acct, dyad, view);
        dyad = await fetchDyad(id, { signal });
        view = inspectDyad(acct, dyad);
    }
    return { dyad, view };
}

/**
 * The dyad key for a page that reads or writes words, or why there is none:
 * → { K } or { reason, alert }. `alone` says what the page needs when nobody
 * has joined yet; `ended`, when given, refuses an ended dyad with it.
 */
export function keyForWords(env, acct, dyad, view, { alone, ended = null }) {
    if (!view.me) return { reason: 'You are not a member of this dyad.', alert: true };
    if (ended && dyad.active === false) return { reason: ended };
    if (view.partner && view.partnerVerified === false) return { reason: proofWarning(view.partner.display_name), alert: true };
    if (!view.partner) return { reason: alone };
    return keyForPage(env, acct, dyad, view);
}

/**
 * The dyad key for a page that reads or writes words, or why there is none:
 * → { K } (wiped when the page's run ends) or { reason, alert }. The caller
 * has already said what it needs when nobody has joined yet.
 */
export function keyForPage(env, acct, dyad, view) {
    if (!view.myKeysMatch) {
        return {
            reason: 'Warning: the server lists different keys for you than the ones in this browser. ' +
                'Do not write anything here, and tell the person who runs this server.',
            alert: true,
        };
    }
    let K;
    try {
        K = openDyadKey(acct, dyad, view);
    } catch (err) {
        return { reason: err instanceof TrustError ? err.message : describeError(err), alert: true };
    }
    if (!K) {
        return { reason: `Waiting for ${view.partner.display_name}’s device to share this dyad’s key with you. Open the dyad’s page to see where pairing stands.` };
    }
    env.signal.addEventListener('abort', () => acct.c.wipe(K));
    return { K };
}

/** Plain words for a partner whose key_proof did not verify. */
export function proofWarning(name) {
    return `Warning: ${name || 'the other person'}’s keys do not match the secret in your invite link. ` +
        'Someone — possibly whoever runs the server — may be trying to read this dyad. ' +
        'dyad has not shared this dyad’s key with them. Do not write anything here: leave this dyad in Settings, ' +
        'and pair again with a new invite sent in person or by a channel you trust.';
}

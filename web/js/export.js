// export.js — taking one's data away (GDPR Art. 20; docs/protocol.md: whoever
// leaves can take their data with them).
//
// GET /me/export gives everything the server holds about the person, with
// their words still as ciphertext. This browser holds the keys, so it offers
// two files:
//   - the raw JSON, exactly as the server sent it (ciphertext and metadata);
//   - a readable Markdown file, decrypted here: one's shares and responses
//     under each dyad's key K, one's private check-in notes under one's
//     personal key.
// K is opened from the export's own wrap of it. Its signature is checked
// against the signer's key: one's own key when one wrapped it (the creator),
// else the partner's key from GET /dyads/{id}, trusted only if its key proof
// checks out against the invite secret (dyads.js). When that key is not
// available (the dyad has ended and the partner is gone, say), the wrap is
// opened without the signature check, and the readable file says so.
//
// Nothing is stored: the files are built in memory and handed to the browser
// as a download (a Blob behind a temporary object URL, revoked at once after).

import { api, describeError } from './api.js';
import { inspectDyad } from './dyads.js';
import { topicLabel, depthOf, responseLabel, KIND_LABEL } from './words.js';
import { neutralTitle } from './title.js';
import { h, messages, formatDate, otherWords } from './ui.js';

const ITEM_WORDS = {
    closeness: 'How close you felt',
    closeness_wanted: 'How close you wanted to feel',
    opened_up: 'How much you opened up',
    understood: 'How understood you felt',
    safety: 'How safe it felt to be open',
    affection: 'Affection, touch, being near',
    sexual: 'Sexual connection',
};

function isoDay(d = new Date()) {
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function fileBase() {
    return `${neutralTitle() ? 'notes' : 'dyad'}-export-${isoDay()}`;
}

/** Hands `text` to the browser as a download called `name`. */
export function download(name, text, type) {
    const blob = new Blob([text], { type });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    try {
        a.click();
    } finally {
        a.remove();
        // The click has handed the Blob to the download; give the browser a
        // moment to start reading it, then drop the URL.
        setTimeout(() => URL.revokeObjectURL(url), 1000);
    }
}

// ---- opening what can be opened ------------------------------------------

async function dyadDetails(id) {
    try {
        const res = await api('GET', `/dyads/${encodeURIComponent(id)}`);
        return res && res.dyad ? res.dyad : null;
    } catch {
        return null;
    }
}

/**
 * K of one exported dyad. → { K|null, how: 'self'|'partner'|'unchecked'|'none'|'failed', why }.
 */
async function openKey(acct, d) {
    const { c, keys, sodium, user } = acct;
    const mk = d.my_key;
    if (!mk || !mk.wrapped_key) return { K: null, how: 'none' };
    let signPk = null;
    let how = null;
    if (mk.signer === user.id) {
        signPk = keys.signPk;
        how = 'self';
    } else {
        const dyad = await dyadDetails(d.id);
        if (dyad) {
            try {
                const view = inspectDyad(acct, dyad);
                if (view.partner && view.partner.user_id === mk.signer && view.partnerVerified === true) {
                    signPk = c.unb64(view.partner.sign_public_key);
                    how = 'partner';
                }
            } catch {
                signPk = null;
            }
        }
    }
    if (signPk) {
        try {
            return { K: c.openDyadKey(mk.wrapped_key, mk.signature, signPk, keys.boxPk, keys.boxSk), how };
        } catch {
            return { K: null, how: 'failed' };
        }
    }
    try {
        return { K: sodium.crypto_box_seal_open(c.unb64(mk.wrapped_key), keys.boxPk, keys.boxSk), how: 'unchecked' };
    } catch {
        return { K: null, how: 'failed' };
    }
}

function tryOpen(c, key, meta, body) {
    if (typeof body !== 'string' || !body) return { ok: false, empty: true };
    if (!key) return { ok: false };
    try {
        return { ok: true, text: c.decryptEntry(key, meta, body) };
    } catch {
        return { ok: false };
    }
}

// ---- the readable file ------------------------------------------------------

function quote(text) {
    return String(text).split(/\r?\n/).map((l) => (l ? `> ${l}` : '>')).join('\n');
}

// A value from the server, made safe to print inside a Markdown line.
function plain(v) {
    return String(v === null || v === undefined ? '' : v).replace(/[\r\n]+/g, ' ');
}

const KEY_NOTES = {
    unchecked: 'The key for this dyad was opened without checking its signature: the keys of the person who wrapped it ' +
        'could not be checked any more (the dyad has ended, or their keys do not match your invite link). ' +
        'The words below did decrypt under that key, but dyad could not confirm who made the key.',
    none: 'You never received this dyad’s key, so your shares and responses in it could not be decrypted; they are in the JSON file as ciphertext.',
    failed: 'This dyad’s key failed its signature check or did not open, so your shares and responses in it were not decrypted; ' +
        'they are in the JSON file as ciphertext. Someone may have changed the key on the server.',
};

/**
 * Builds both files from GET /me/export. → { json, markdown, counts, problems }.
 */
export async function buildExport(acct) {
    const { c, keys, user } = acct;
    const data = await api('GET', '/me/export');
    const json = `${JSON.stringify(data, null, 2)}\n`;
    const u = data.user || {};
    const out = [];
    let unreadable = 0;
    const counts = { shares: 0, responses: 0, notes: 0 };
    out.push('# Your data from dyad', '');
    out.push(`Exported ${formatDate(data.exported_at || new Date().toISOString())} for ${plain(u.display_name || user.display_name)} (${plain(u.email || user.email)}).`, '');
    out.push('This file holds your own words in plain text: anyone who opens it can read them. ' +
        'Keep it somewhere only you can reach. It was decrypted in your browser, with your keys; the server never saw the words.', '');
    out.push('The other file, ending in .json, is the same data exactly as the server holds it: your words as ciphertext, with the dates and other details.', '');

    out.push('## Your account', '');
    out.push(`- Name: ${plain(u.display_name)}`);
    out.push(`- E-mail: ${plain(u.email)}`);
    if (u.created_at) out.push(`- Created: ${formatDate(u.created_at)}`);
    out.push('');

    const sessions = Array.isArray(data.sessions) ? data.sessions : [];
    out.push('## Where you were signed in', '');
    for (const s of sessions) {
        out.push(`- ${plain(s.user_agent || 'an unnamed browser')} — signed in ${formatDate(s.created_at)}, last active ${formatDate(s.last_seen_at)}${s.current ? ' (the browser that made this file)' : ''}`);
    }
    if (!sessions.length) out.push('- none');
    out.push('');

    for (const d of Array.isArray(data.dyads) ? data.dyads : []) {
        const members = Array.isArray(d.members) ? d.members : [];
        const partner = members.find((m) => m.user_id !== user.id);
        const pname = partner ? plain(partner.display_name) : null;
        const label = KIND_LABEL[d.kind] || plain(d.kind);
        out.push(`## ${label}${pname ? ` with ${pname}` : ''} (${d.active ? 'active' : 'ended'})`, '');
        const key = await openKey(acct, d);
        if (KEY_NOTES[key.how]) out.push(`Note: ${KEY_NOTES[key.how]}`, '');
        const meta = (entryId, kind) => ({ dyadId: d.id, entryId, authorId: user.id, kind });

        const shares = Array.isArray(d.shares) ? d.shares : [];
        out.push(`### What you shared (${shares.length})`, '');
        for (const s of shares) {
            const depth = depthOf(s.depth);
            out.push(`#### ${formatDate(s.created_at)} — ${plain(topicLabel(s.topic))}, depth ${plain(s.depth)}${depth ? ` (${depth.label})` : ''}${s.reveal === 'mutual' ? ', shown once both had answered' : ''}`, '');
            const r = tryOpen(c, key.K, meta(s.id, 'share'), s.body);
            if (r.ok) counts.shares += 1;
            else unreadable += 1;
            out.push(r.ok ? quote(r.text) : '_(could not be decrypted — in the JSON file as ciphertext)_', '');
        }
        const responses = Array.isArray(d.responses) ? d.responses : [];
        out.push(`### Your responses (${responses.length})`, '');
        for (const x of responses) {
            out.push(`#### ${formatDate(x.created_at)} — “${plain(responseLabel(x.kind))}”${pname ? `, to a share by ${pname}` : ''}`, '');
            if (x.body === null || x.body === undefined || x.body === '') {
                out.push('_(no words, just the response)_', '');
                continue;
            }
            const r = tryOpen(c, key.K, meta(x.id, 'response'), x.body);
            if (r.ok) counts.responses += 1;
            else unreadable += 1;
            out.push(r.ok ? quote(r.text) : '_(could not be decrypted — in the JSON file as ciphertext)_', '');
        }
        const checkins = Array.isArray(d.checkins) ? d.checkins : [];
        out.push(`### Your daily check-ins (${checkins.length})`, '');
        for (const ci of checkins) {
            out.push(`#### ${plain(ci.date)}`, '');
            for (const [item, words] of Object.entries(ITEM_WORDS)) {
                if (ci[item] !== null && ci[item] !== undefined) out.push(`- ${words}: ${plain(ci[item])} of 10`);
            }
            if (Array.isArray(ci.emotions) && ci.emotions.length) out.push(`- Feelings: ${ci.emotions.map(plain).join(', ')}`);
            if (ci.wordless === true) out.push('- There were things you could not put into words');
            const shown = Array.isArray(ci.show_partner) ? ci.show_partner : [];
            out.push(`- Shown to ${pname || otherWords(d.kind)}: ${shown.length ? shown.map((s) => plain(ITEM_WORDS[s] || s)).join(', ') : 'nothing'}`);
            if (ci.note) {
                const r = tryOpen(c, keys.personal, meta(ci.date, 'note'), ci.note);
                if (r.ok) counts.notes += 1;
                else unreadable += 1;
                out.push('', 'Private note (only you could ever read it):', '', r.ok ? quote(r.text) : '_(could not be decrypted — in the JSON file as ciphertext)_');
            }
            out.push('');
        }
        const comfort = Array.isArray(d.comfort) ? d.comfort : [];
        if (comfort.length) {
            out.push('### Comfort levels you set', '');
            for (const x of comfort) out.push(`- ${formatDate(x.set_at)}: ${plain(topicLabel(x.topic))} — ${plain(x.level)} of 5`);
            out.push('');
        }
        if (key.K) c.wipe(key.K);
    }
    if (!(data.dyads || []).length) out.push('You are not in any dyad now. A dyad you left is not part of this file.', '');

    out.push('## Not in this file', '');
    out.push('- The words of the people you share a dyad with: they are theirs to take.');
    out.push('- Your answers to a therapist’s private check-in: they were sealed so that only your therapist can open them.');
    out.push('- Dyads you have left: leaving takes them out of your account.');
    out.push('');
    return { json, markdown: `${out.join('\n')}\n`, counts, unreadable };
}

// ---- the buttons -----------------------------------------------------------

/**
 * Two download buttons (readable and raw) with their own messages.
 * opts.idPrefix makes the ids unique where the buttons appear more than once.
 */
export function exportButtons(acct, { idPrefix = 'export' } = {}) {
    const msg = messages();
    const readable = h('button', { type: 'button', class: 'secondary', id: `${idPrefix}-readable` }, 'Download a readable copy');
    const raw = h('button', { type: 'button', class: 'secondary', id: `${idPrefix}-json` }, 'Download the raw data (JSON)');
    async function run(which) {
        readable.disabled = true;
        raw.disabled = true;
        msg.say(which === 'readable' ? 'Fetching and decrypting your data…' : 'Fetching your data…');
        try {
            const built = await buildExport(acct);
            if (which === 'readable') {
                download(`${fileBase()}.md`, built.markdown, 'text/markdown;charset=utf-8');
                msg.say(`Your readable copy is downloading: ${built.counts.shares} shares, ${built.counts.responses} responses and ${built.counts.notes} private notes, in plain text.` +
                    (built.unreadable ? ` ${built.unreadable} could not be decrypted; the file says which.` : '') +
                    ' Keep it somewhere only you can reach.');
            } else {
                download(`${fileBase()}.json`, built.json, 'application/json');
                msg.say('Your raw data is downloading: everything the server holds about you, with your words still encrypted.');
            }
        } catch (err) {
            msg.alert(describeError(err));
        } finally {
            readable.disabled = false;
            raw.disabled = false;
        }
    }
    readable.addEventListener('click', () => run('readable'));
    raw.addEventListener('click', () => run('raw'));
    return h('div', { class: 'export-buttons' }, h('p', { class: 'actions' }, readable, raw), msg.el);
}

/** The "Your data" card on the Settings page. */
export function exportSection(env, acct) {
    return h('section', { class: 'card', id: 'your-data', 'aria-labelledby': 'your-data-heading' },
        h('h2', { id: 'your-data-heading' }, 'Take your data with you'),
        h('p', null, 'Download everything you have written in dyad — your shares, your responses, your daily check-ins and private notes — ' +
            'with your account and sessions. What the other person in a dyad wrote is theirs and is not included.'),
        h('ul', null,
            h('li', null, 'The readable copy is decrypted here, in this browser, into a text file anyone can open. Keep it private.'),
            h('li', null, 'The raw data is exactly what the server holds, your words still encrypted, for another program to read.')),
        exportButtons(acct));
}

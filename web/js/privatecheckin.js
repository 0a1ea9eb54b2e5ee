// privatecheckin.js — the member's side of a therapist's private check-in
// (docs/protocol.md, docs/therapists.md): a short check-in a linked therapist
// gives one member, which the other can never see, nor learn exists.
//
// Pending check-ins appear on the member's own home page, closed: one line
// and a button, so a glance at the screen shows no questions. Opened, the
// form says plainly that nobody watches the answers live, and the moment an
// answer marked as a danger sign is chosen it shows, inline, what to do if
// one is in danger now — without leaving the form (the resources page opens
// in a new tab).
//
// Sending: the therapist's keys come from the server, so before sealing this
// browser checks that they match the fingerprint (the second half of the
// therapist's code, which the member can compare with the code the therapist
// gave them) and refuses otherwise. The answers, as JSON
// {item_id: choice index | text}, with unanswered items left out, are sealed
// to the therapist's box key: the server, the operator and the partner can
// never open them, and nor can this member once sent. Nothing is kept in
// this browser, not even a draft.

import { api, ApiError, describeError } from './api.js';
import { noticeEnded } from './account.js';
import { h, messages, setBusy, formatDate } from './ui.js';

const FREE_TEXT_MAX = 2000;
// The server takes at most 8 KiB sealed: 48 bytes of seal and the text
// padded to a multiple of 64 (at least one byte of padding).
const SEALED_TEXT_MAX = 8192 - 48 - 64;

/** Pending private check-ins for this person. → array (possibly empty). */
export async function fetchPending(signal) {
    const res = await api('GET', '/me/private-checkins', undefined, { signal });
    const list = res && Array.isArray(res.private_checkins) ? res.private_checkins : [];
    return list.filter((p) => !p.answered_at && p.questionnaire && Array.isArray(p.questionnaire.items) && p.therapist);
}

function fingerprintGroups(fp) {
    return String(fp || '').match(/.{1,4}/g)?.join(' ') || '';
}

/**
 * The crisis box: what to do now, shown the moment a danger answer is
 * chosen. An alert region that stays in the page empty and is filled when
 * shown, so screen readers announce it at once.
 */
export function crisisBox(id) {
    return h('div', { class: 'crisis', id, role: 'alert', hidden: true });
}

export function showCrisis(box) {
    if (!box.hidden && box.childNodes.length) return;
    box.replaceChildren(
        h('p', null, h('strong', null, 'If you are in danger now, call your local emergency number.')),
        h('p', null, 'These answers are not watched live: your therapist reads them later, not now. ',
            h('a', { href: '/safety', target: '_blank', rel: 'noopener noreferrer' }, 'Help and safety — people you can talk to now'),
            ' opens in a new tab, so your answers here stay as they are.'));
    box.hidden = false;
}

/**
 * One pending check-in as a closed card with an "Open" button; opened, the
 * form. onDone() is called after it was sent.
 */
export function privateCheckinCard(env, acct, pc, { onDone } = {}) {
    const t = pc.therapist;
    const uid = `pc-${pc.id}`;
    const body = h('div', { class: 'pc-body' });
    const open = h('button', { type: 'button', id: `${uid}-open`, 'aria-expanded': 'false', 'aria-controls': `${uid}-body` }, 'Open it');
    body.id = `${uid}-body`;
    const card = h('section', { class: 'card private-checkin', id: uid, 'aria-labelledby': `${uid}-heading` },
        h('h2', { id: `${uid}-heading` }, `A private check-in from ${t.display_name}`),
        h('p', null, `${t.display_name} asked you this on ${formatDate(pc.assigned_at)}, for you alone. ` +
            'Only you can see it here; the other person in your dyad cannot see it, or that it exists.'),
        h('p', { class: 'actions' }, open),
        body);
    open.addEventListener('click', () => {
        const expanded = open.getAttribute('aria-expanded') === 'true';
        if (expanded) {
            body.replaceChildren();
            open.setAttribute('aria-expanded', 'false');
            open.textContent = 'Open it';
            return;
        }
        body.replaceChildren(form(env, acct, pc, () => {
            open.remove();
            if (onDone) onDone();
        }));
        open.setAttribute('aria-expanded', 'true');
        open.textContent = 'Close it';
        const first = body.querySelector('h3');
        if (first) {
            first.setAttribute('tabindex', '-1');
            first.focus();
        }
    });
    return card;
}

function form(env, acct, pc, sent) {
    const q = pc.questionnaire;
    const t = pc.therapist;
    const uid = `pc-${pc.id}`;
    const msg = messages();
    const crisis = crisisBox(`${uid}-crisis`);
    const dangerChosen = new Set();
    const fields = [];

    const items = q.items.map((item, n) => {
        const itemId = `${uid}-${n}`;
        if (Array.isArray(item.choices) && item.choices.length) {
            const danger = new Set(Array.isArray(item.danger) ? item.danger : []);
            const radios = item.choices.map((choice, i) => {
                const id = `${itemId}-${i}`;
                const input = h('input', { type: 'radio', name: itemId, id, value: String(i) });
                input.addEventListener('change', () => {
                    if (danger.has(i)) dangerChosen.add(item.id);
                    else dangerChosen.delete(item.id);
                    if (!dangerChosen.size || !crisis.hidden) return;
                    // First time: right under the question just answered, in
                    // view. Once shown, the box stays — taking an answer back
                    // does not take the danger away.
                    input.closest('fieldset').after(crisis);
                    showCrisis(crisis);
                });
                return h('div', { class: 'choice' }, input, h('label', { for: id }, choice));
            });
            const clear = h('button', { type: 'button', class: 'link pc-clear' }, 'Leave this one unanswered');
            clear.addEventListener('click', () => {
                for (const r of radios) r.querySelector('input').checked = false;
                dangerChosen.delete(item.id);
            });
            fields.push({ item, kind: 'choice', name: itemId });
            return h('fieldset', { class: 'pc-item' },
                h('legend', null, item.text),
                ...radios,
                h('p', { class: 'pc-clear-row' }, clear));
        }
        const id = itemId;
        const area = h('textarea', { id, name: itemId, rows: 4, maxlength: FREE_TEXT_MAX, 'aria-describedby': `${id}-hint` });
        fields.push({ item, kind: 'text', el: area });
        return h('div', { class: 'field pc-item' },
            h('label', { for: id }, item.text),
            h('p', { class: 'hint', id: `${id}-hint` }, 'Optional. Sealed with your other answers; only your therapist can read it.'),
            area);
    });

    const theForm = h('form', { class: 'stack pc-form', novalidate: true, id: `${uid}-form` },
        ...items,
        crisis,
        h('p', { class: 'hint' }, `Before sending, this browser checks that the keys it seals to are ${t.display_name}’s. ` +
            `To check them yourself: the second half of the code ${t.display_name} gave you should read `,
        h('span', { class: 'fingerprint' }, fingerprintGroups(t.fingerprint)), '.'),
        h('div', { class: 'actions' }, h('button', { type: 'submit', id: `${uid}-send` }, `Seal and send to ${t.display_name}`)),
        msg.el);

    theForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const answers = {};
        for (const f of fields) {
            if (f.kind === 'choice') {
                const chosen = theForm.querySelector(`input[name="${f.name}"]:checked`);
                if (chosen) answers[f.item.id] = Number(chosen.value);
            } else if (f.el.value.trim()) {
                answers[f.item.id] = f.el.value;
            }
        }
        const { c } = acct;
        let boxPk;
        let ok = false;
        try {
            boxPk = c.unb64(t.box_public_key);
            ok = c.therapistFingerprint(boxPk, c.unb64(t.sign_public_key)) === t.fingerprint;
        } catch {
            ok = false;
        }
        if (!ok) {
            msg.alert(`Not sent. The keys the server gave for ${t.display_name} do not match their fingerprint, ` +
                'so this browser did not seal your answers to them. Someone — possibly whoever runs the server — may be ' +
                `trying to stand in for your therapist. Tell ${t.display_name} in person.`);
            return;
        }
        const plainJson = JSON.stringify(answers);
        if (new TextEncoder().encode(plainJson).length > SEALED_TEXT_MAX) {
            msg.alert('Your answers are longer than the server takes. Shorten what you wrote, then send again.');
            return;
        }
        setBusy(theForm, true);
        msg.say('Sealing and sending…');
        try {
            const sealed = c.sealToKey(plainJson, boxPk);
            // One byte, sealed apart, so the therapist's caseload can flag
            // danger without opening the answers; the server cannot tell D from N.
            const signal = c.sealToKey(dangerChosen.size > 0 ? 'D' : 'N', boxPk);
            await api('PUT', `/me/private-checkins/${encodeURIComponent(pc.id)}`, { sealed, signal });
        } catch (err) {
            setBusy(theForm, false);
            if (noticeEnded(err)) return;
            if (err instanceof ApiError && err.status === 409) {
                msg.alert('You have answered this check-in already. Nothing more was sent.');
                return;
            }
            if (err instanceof ApiError && err.status === 404) {
                msg.alert('This check-in is no longer open — the therapist link may have ended. Nothing was sent.');
                return;
            }
            msg.alert(describeError(err));
            return;
        }
        for (const f of fields) if (f.el) f.el.value = '';
        const danger = dangerChosen.size > 0;
        const done = h('div', { class: 'pc-done' },
            h('p', { role: 'status', tabindex: '-1', id: `${uid}-done` },
                `Sent, sealed so that only ${t.display_name} can open it. Nobody reads it until ${t.display_name} does — not the server, and not the other person in your dyad.`),
            danger ? crisisBox(`${uid}-crisis-after`) : null);
        if (danger) showCrisis(done.querySelector('.crisis'));
        theForm.replaceWith(done);
        document.getElementById(`${uid}-done`).focus();
        sent();
    });

    return h('div', { class: 'pc-open' },
        h('h3', null, q.title || 'A private check-in'),
        q.intro ? h('p', null, q.intro) : null,
        h('p', { class: 'pc-live' }, h('strong', null, 'Not watched live: '),
            `${t.display_name} reads your answers later, not as you give them. Every question can be left unanswered. ` +
            'Nothing is saved until you send it, and once sent it cannot be changed.'),
        theForm);
}

/**
 * Fills `container` with the person's pending private check-ins (nothing at
 * all when there are none).
 */
export async function showPending(env, acct, container) {
    let pending;
    try {
        pending = await fetchPending(env.signal);
    } catch (err) {
        if (env.signal.aborted || noticeEnded(err)) return;
        // Quietly: the home page works without this; say it without detail.
        container.append(h('p', { class: 'alert' }, `Private check-ins could not be loaded: ${describeError(err)}`));
        return;
    }
    for (const pc of pending) container.append(privateCheckinCard(env, acct, pc));
}

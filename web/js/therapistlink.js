// therapistlink.js — a member's side of the therapist link, in each dyad's
// block on the Settings page (docs/protocol.md, docs/therapists.md).
//
// - Linking: the member types the code their therapist gave them in person.
//   The server answers with the therapist's public keys; this browser
//   checks that their fingerprint is the second half of the code typed, and
//   if it is not, ends the link at once and says so — a server that swapped
//   the therapist's keys is caught here.
// - The link's state is always in view: waiting for the partner's consent,
//   or active since when, with what the therapist can and cannot see.
// - "End the link now" is one click, for either member, with no one asked.
// - Each member decides alone whether the therapist may see their own
//   sexual-connection scores (off until turned on).
// - "Who looked, and when": the dyad's audit log.

import { api, ApiError, describeError } from './api.js';
import { h, messages, setBusy, formatDate, otherWords } from './ui.js';

const CODE_RE = /^[A-Z2-7]{8}-[A-Z2-7]{16}$/;
const POLL_MS = 8000;
const AUDIT_SHOWN = 10;

const ACTION_WORDS = {
    view_dyad: 'opened this dyad’s scores and share counts',
    view_charts: 'looked at this dyad’s charts',
    view_caseload: 'saw this dyad’s summary in their caseload',
    consent: 'consented to the therapist link',
    revoke: 'ended the therapist link',
    assign: 'assigned homework',
    view_private: 'opened your answers to a private check-in',
    view_reshare: 'read an entry you re-shared with them',
    view_private_signal: 'saw in their caseload whether your private check-in answers signal danger',
    assign_measure: 'asked you both to answer a questionnaire',
    end_measure: 'stopped asking for a questionnaire',
    view_measures: 'looked at both of your questionnaire scores',
    view_homework: 'looked at whether each of you followed the homework',
    research_request: 'asked you both to take part in research',
    research_consent: 'consented to research',
    research_revoke: 'withdrew their research consent',
    research_export: 'exported research data (scores, no words)',
};

/** "abcd2345 efgh…" → "ABCD2345-EFGH…", or null when it cannot be a code. */
export function normalizeCode(text) {
    const s = String(text || '').toUpperCase().replace(/[\s]/g, '');
    const joined = s.replace(/-/g, '');
    if (joined.length !== 24) return null;
    const code = `${joined.slice(0, 8)}-${joined.slice(8)}`;
    return CODE_RE.test(code) ? code : null;
}

/** The fingerprint of the therapist's keys as the server gave them, or null. */
function fingerprintOf(c, therapist) {
    try {
        return c.therapistFingerprint(c.unb64(therapist.box_public_key), c.unb64(therapist.sign_public_key));
    } catch {
        return null;
    }
}

/**
 * The "Therapist" part of one dyad's settings block.
 * dyad: GET /dyads/{id}'s dyad; partnerName: the partner's display name.
 */
export function therapistLinkPart(env, acct, dyad, partnerName) {
    const { c } = acct;
    const partner = partnerName || otherWords(dyad.kind);
    const uid = `therapist-${dyad.id}`;
    const body = h('div', { class: 'therapist-link-body' }, h('p', { class: 'status' }, 'Loading…'));
    const msg = messages();
    const auditBox = h('div', { class: 'audit' });
    const section = h('div', { class: 'therapist-link', id: uid },
        h('h4', null, 'Therapist'),
        body, msg.el, auditBox);
    let shownKey = '';
    let polling = false;

    async function load() {
        const res = await api('GET', `/dyads/${encodeURIComponent(dyad.id)}/therapist`, undefined, { signal: env.signal });
        return res || { therapist: null, link: null };
    }

    function keyOf(res) {
        if (!res.link) return 'none';
        const l = res.link;
        return `${res.therapist && res.therapist.id}|${l.state}|${l.consented_by_me}|${l.consented_by_partner}`;
    }

    function draw(res, { force = false } = {}) {
        const key = keyOf(res);
        if (!force && key === shownKey) return;
        shownKey = key;
        body.replaceChildren(...view(res).filter(Boolean));
        if (res.link && res.link.state === 'pending' && res.link.consented_by_me && !polling) {
            polling = true;
            env.poll(async () => {
                const next = await load();
                if (keyOf(next) !== shownKey) msg.clear();
                draw(next);
                if (next.link && next.link.state === 'pending' && next.link.consented_by_me) return false;
                polling = false;
                loadAudit();
                return true;
            }, POLL_MS);
        }
    }

    async function refresh() {
        try {
            draw(await load(), { force: true });
        } catch (err) {
            if (env.signal.aborted) return;
            body.replaceChildren(h('p', { class: 'alert' }, describeError(err)));
        }
        loadAudit();
    }

    // ---- the views ---------------------------------------------------------

    function view(res) {
        const t = res.therapist;
        const l = res.link;
        if (!t || !l) return noLink();
        const name = t.display_name;
        const fp = fingerprintOf(c, t);
        const keyCheck = h('p', { class: 'hint key-check' }, 'Key check: the second half of ', name, '’s code should read ',
            h('span', { class: 'fingerprint' }, fp || '(unreadable keys)'), '.');
        if (l.state === 'active') {
            return [
                h('p', { class: 'state active', id: `${uid}-state` },
                    `Active since ${formatDate(l.since)}: you and ${partner} have both consented, so ${name} can follow your dyad.`),
                seesList(name),
                keyCheck,
                dyad.kind === 'couple' ? sexualChoice(name) : null,
                endButton(name),
            ];
        }
        if (l.consented_by_me) {
            return [
                h('p', { class: 'state waiting', id: `${uid}-state` },
                    `Waiting for ${partner}’s consent. You have linked ${name}; nothing is shared with ${name} ` +
                    `until ${partner} enters the same code in their own settings.`),
                keyCheck,
                seesList(name),
                endButton(name),
            ];
        }
        return [
            h('p', { class: 'state waiting', id: `${uid}-state` },
                `${partner} has asked to link ${name}. Nothing is shared until you agree too. ` +
                `If you do, enter the code ${name} gave you — your own check of ${name}’s keys.`),
            seesList(name),
            codeForm('Agree and link'),
            endButton(name, 'Decline: end the link now'),
        ];
    }

    function noLink() {
        return [
            h('p', null, 'If you see a therapist together, you can let them follow the pattern between sessions. ' +
                `It starts only when both you and ${partner} have entered their code, and either of you can end it at once.`),
            seesList(null),
            codeForm('Link this therapist'),
        ];
    }

    function seesList(name) {
        return h('details', { class: 'therapist-sees' },
            h('summary', null, `What ${name || 'a therapist'} can and cannot see`),
            h('ul', null,
                h('li', null, 'Can see: your check-in scores, as averages and trends, and the patterns found in them.'),
                h('li', null, 'Can see: how many shares each of you writes, by topic and depth, and how soon they are answered.'),
                h('li', null, 'Can see sexual-connection scores only from a member who allows it; each of you decides for yourself.'),
                h('li', null, 'Never: any words either of you writes — shares, responses, private notes.')),
            h('p', null, 'Every time the therapist looks, it is written to the list below.'));
    }

    function codeForm(label) {
        const id = `${uid}-code`;
        const hintId = `${id}-hint`;
        const errId = `${id}-error`;
        const input = h('input', {
            id, name: 'therapist_code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
            class: 'code-input', 'aria-describedby': `${hintId} ${errId}`, maxlength: 40,
        });
        const error = h('p', { id: errId, class: 'field-error', hidden: true });
        const setError = (text) => {
            error.textContent = text || '';
            error.hidden = !text;
            if (text) input.setAttribute('aria-invalid', 'true');
            else input.removeAttribute('aria-invalid');
        };
        input.addEventListener('input', () => setError(null));
        const form = h('form', { class: 'stack therapist-code-form', novalidate: true },
            h('div', { class: 'field' },
                h('label', { for: id }, 'Therapist code'),
                h('p', { id: hintId, class: 'hint' }, 'The code your therapist gave you in person, like ABCD2345-EFGH2345JKLM6789. ' +
                    'Its second half is a fingerprint of their keys, which this browser checks.'),
                input, error),
            h('div', { class: 'actions' }, h('button', { type: 'submit' }, label)));
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            msg.clear();
            const code = normalizeCode(input.value);
            if (!code) {
                setError('A therapist code has 24 letters and digits, like ABCD2345-EFGH2345JKLM6789. Check it with your therapist.');
                input.focus();
                return;
            }
            setBusy(form, true);
            msg.say('Checking the code…');
            let res;
            try {
                res = await api('POST', `/dyads/${encodeURIComponent(dyad.id)}/therapist`, { therapist_code: code });
            } catch (err) {
                setBusy(form, false);
                if (err instanceof ApiError && err.field === 'therapist_code') {
                    msg.clear();
                    setError(err.message);
                    input.focus();
                } else {
                    msg.alert(describeError(err));
                }
                return;
            }
            const fp = res && res.therapist ? fingerprintOf(c, res.therapist) : null;
            if (!fp || fp !== code.split('-')[1]) {
                // The server's keys for this therapist are not the ones the
                // code vouches for: withdraw at once, before anything is seen.
                let ended = true;
                try {
                    await api('DELETE', `/dyads/${encodeURIComponent(dyad.id)}/therapist`);
                } catch (err) {
                    ended = err instanceof ApiError && err.status === 404;
                }
                await refresh();
                msg.alert('Warning: the keys the server gave for this therapist do not match the code you entered. ' +
                    (ended ? 'dyad ended the link straight away, so nothing was shared. ' : 'dyad could not end the link: end it now with the button above. ') +
                    'Someone — possibly whoever runs the server — may be trying to stand in for your therapist. ' +
                    'Check the code with your therapist in person before trying again.');
                return;
            }
            draw(res, { force: true });
            loadAudit();
            msg.say(res.link.state === 'active'
                ? `Linked. ${res.therapist.display_name} can now follow your dyad; you can end it at any moment.`
                : `Linked on your side. ${res.therapist.display_name} sees nothing until ${partner} agrees too.`);
            focusState();
        });
        return form;
    }

    function focusState() {
        const state = document.getElementById(`${uid}-state`);
        if (state) {
            state.setAttribute('tabindex', '-1');
            state.focus();
        }
    }

    function endButton(name, label = 'End the link now') {
        const button = h('button', { type: 'button', class: 'danger', id: `${uid}-end` }, label);
        button.addEventListener('click', async () => {
            button.disabled = true;
            msg.say('Ending the link…');
            try {
                await api('DELETE', `/dyads/${encodeURIComponent(dyad.id)}/therapist`);
            } catch (err) {
                if (!(err instanceof ApiError && err.status === 404)) {
                    button.disabled = false;
                    msg.alert(describeError(err));
                    return;
                }
            }
            draw({ therapist: null, link: null }, { force: true });
            loadAudit();
            msg.say(`The link has ended. ${name} can no longer see anything from this dyad.`);
            const heading = section.querySelector('h4');
            heading.setAttribute('tabindex', '-1');
            heading.focus();
        });
        return h('div', { class: 'actions end-link' }, button,
            h('p', { class: 'hint' }, `Takes effect at once. ${partner} is not asked.`));
    }

    function sexualChoice(name) {
        const id = `${uid}-sexual`;
        const hintId = `${id}-hint`;
        const note = messages();
        const box = h('input', { type: 'checkbox', id, name: 'therapist_sees_sexual', checked: dyad.therapist_sees_sexual === true, 'aria-describedby': hintId });
        box.addEventListener('change', async () => {
            const want = box.checked;
            box.disabled = true;
            note.say('Saving…');
            try {
                const res = await api('PUT', `/dyads/${encodeURIComponent(dyad.id)}/settings`, { therapist_sees_sexual: want });
                const now = !!(res && res.settings && res.settings.therapist_sees_sexual);
                box.checked = now;
                dyad.therapist_sees_sexual = now;
                note.say(now ? `Saved. ${name} can see your sexual-connection scores.` : `Saved. ${name} cannot see your sexual-connection scores.`);
            } catch (err) {
                box.checked = !want;
                note.alert(describeError(err));
            } finally {
                box.disabled = false;
            }
        });
        return h('div', { class: 'therapist-sexual' },
            h('div', { class: 'choice' }, box, h('label', { for: id }, `Let ${name} see my sexual-connection scores`)),
            h('p', { id: hintId, class: 'hint' }, 'Off unless you turn it on, and only yours: ' +
                `${partner} decides for their own. ` +
                (dyad.track_sexual ? '' : 'You do not track sexual connection at the moment, so there is nothing to see yet. ')),
            note.el);
    }

    // ---- who looked, and when -------------------------------------------------

    async function loadAudit() {
        let audit;
        try {
            const res = await api('GET', `/dyads/${encodeURIComponent(dyad.id)}/audit`, undefined, { signal: env.signal });
            audit = (res && res.audit) || [];
        } catch (err) {
            if (env.signal.aborted) return;
            auditBox.replaceChildren(h('h5', null, 'Who looked, and when'), h('p', { class: 'alert' }, describeError(err)));
            return;
        }
        drawAudit(audit, false);
    }

    function drawAudit(audit, all) {
        const listId = `${uid}-audit`;
        if (!audit.length) {
            auditBox.replaceChildren(h('h5', null, 'Who looked, and when'),
                h('p', { class: 'empty' }, 'No therapist has seen anything from this dyad.'));
            return;
        }
        const shown = all ? audit : audit.slice(0, AUDIT_SHOWN);
        const items = shown.map((e) => {
            const who = e.actor_id === acct.user.id ? 'You'
                : `${e.actor_name || 'Someone'}${e.actor_role === 'therapist' ? ' (therapist)' : ''}`;
            return h('li', { class: `audit-entry ${e.actor_role === 'therapist' ? 'by-therapist' : 'by-member'}` },
                h('time', { datetime: e.at }, formatDate(e.at)), ' — ', who, ' ', ACTION_WORDS[e.action] || e.action, '.');
        });
        auditBox.replaceChildren(...[
            h('h5', null, 'Who looked, and when'),
            h('ul', { class: 'audit-list', id: listId }, items),
            !all && audit.length > AUDIT_SHOWN
                ? h('p', null, h('button', { type: 'button', class: 'link', onclick: () => {
                    drawAudit(audit, true);
                    const list = document.getElementById(listId);
                    const item = list && list.children[AUDIT_SHOWN];
                    if (item) {
                        item.setAttribute('tabindex', '-1');
                        item.focus();
                    }
                } }, `Show all ${audit.length} entries`))
                : null,
        ].filter(Boolean));
    }

    if (!partnerName) {
        // A link needs both members' consent: nothing to ask until both are here.
        body.replaceChildren(h('p', { class: 'hint' }, 'Once someone has joined this dyad, the two of you can link a therapist here.'));
        return section;
    }
    refresh();
    return section;
}

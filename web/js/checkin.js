// checkin.js — the daily check-in on the dyad page (docs/insights.md), and the
// calm list of what the partner chose to show from theirs.
//
// About a minute, on a phone: each 0–10 item is a radio group (one Tab stop,
// arrow keys to choose, "Pass" chosen until something else is), so every
// item can be left unanswered and "pass" is always an answer. Emotional
// closeness, non-sexual affection and sexual connection are three separate
// groups with their own headings, never blended. Sexual connection appears
// only in a couple, and only once the member turned it on in Settings.
//
// The private note is encrypted here under the author's personal key, with
// the day as its entry id (docs/protocol.md): nobody else can open it. The partner
// sees only the items ticked under "What … may see" — a new day starts
// with the ticks of the latest day one saved, none before the first —
// never the note. A PUT replaces the day whole, so the form always sends
// every item; a note that would not decrypt is sent back unchanged unless
// the person writes a new one.

import { api, ApiError, describeError } from './api.js';
import { h, messages, setBusy } from './ui.js';
import { EMOTION_NAMES, emotionLabel } from './words.js';


const NOTE_MAX_BYTES = 4095; // padded to a multiple of 64, at most 4096 (server limit)

// The 0–10 items. `pass` is the label of the null choice; sexual has its own
// zero ("None") beside its 1–10.
function scaleItems(name, kind) {
    return {
        closeness: {
            legend: `How close did you feel to ${name}?`,
            ends: ['not close', 'very close'],
            mine: 'How close you felt',
            theirs: `How close ${name} felt`,
        },
        closeness_wanted: {
            legend: 'How close did you want to feel?',
            ends: ['not close', 'very close'],
            mine: 'How close you wanted to feel',
            theirs: `How close ${name} wanted to feel`,
        },
        opened_up: {
            legend: `How much did you open up to ${name}?`,
            ends: ['not at all', 'a great deal'],
            mine: 'How much you opened up',
            theirs: `How much ${name} opened up`,
        },
        understood: {
            legend: 'How understood, accepted and cared for did you feel?',
            ends: ['not at all', 'completely'],
            pass: 'No chance to tell',
            mine: 'How understood you felt',
            theirs: `How understood ${name} felt`,
        },
        safety: {
            legend: 'How safe did it feel to be open?',
            ends: ['not safe', 'completely safe'],
            mine: 'How safe it felt to be open',
            theirs: `How safe it felt for ${name} to be open`,
        },
        affection: {
            // "not sexual" is said only where sex is part of the dyad's words
            legend: kind === 'couple'
                ? 'How much affection, touch or being near was there — not sexual?'
                : 'How much affection, warmth or being near was there?',
            ends: ['none', 'a lot'],
            mine: 'Affection, touch, being near',
            theirs: 'Affection, touch, being near',
        },
        sexual: {
            legend: 'If there was sex, how connected did it feel?',
            ends: ['barely connected', 'deeply connected'],
            zero: 'None',
            mine: 'Sexual connection',
            theirs: 'Sexual connection',
        },
    };
}

const CLOSENESS_ITEMS = ['closeness', 'closeness_wanted', 'opened_up', 'understood', 'safety'];

// ---- dates: the member's own calendar day --------------------------------

function pad2(n) {
    return String(n).padStart(2, '0');
}

/** This device's calendar date, YYYY-MM-DD. */
export function localDate(d = new Date()) {
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

export function addDays(iso, n) {
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/**
 * The days a check-in can be written for, newest first: today here and the
 * days before it, back to 7 days before the server's UTC date (its rule).
 */
export function writableDays(now = new Date()) {
    const today = localDate(now);
    const oldest = addDays(now.toISOString().slice(0, 10), -7);
    const days = [];
    for (let d = today; d >= oldest && days.length < 9; d = addDays(d, -1)) days.push(d);
    return days;
}

/** "Today", "Yesterday" or "Monday 3 June", for a date near `today`. */
export function dayName(iso, today = localDate()) {
    if (iso === today) return 'Today';
    if (iso === addDays(today, -1)) return 'Yesterday';
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, {
        weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC',
    });
}

/** The same, to go inside a sentence: "today", "yesterday", "Monday 3 June". */
function dayInSentence(iso, today) {
    const n = dayName(iso, today);
    return n === 'Today' || n === 'Yesterday' ? n.toLowerCase() : n;
}

function fullDay(iso) {
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, {
        weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC',
    });
}

// ---- the form's parts ------------------------------------------------------

// A 0–10 item as a radio group: the null choice first (checked until
// something else is), then the numbers.
function scaleGroup(item, spec) {
    const hintId = `ci-${item}-hint`;
    const radio = (value, label, cls) => {
        const id = `ci-${item}-${value}`;
        return h('span', { class: `ci-opt ${cls}` },
            h('input', { type: 'radio', name: item, id, value, class: 'ci-radio', checked: value === 'pass' }),
            h('label', { for: id }, label));
    };
    const numbers = [];
    for (let n = spec.zero ? 1 : 0; n <= 10; n++) numbers.push(radio(String(n), String(n), 'ci-num'));
    const ends = spec.zero ? `1 = ${spec.ends[0]}, 10 = ${spec.ends[1]}` : `0 = ${spec.ends[0]}, 10 = ${spec.ends[1]}`;
    return h('fieldset', { class: 'ci-scale', 'aria-describedby': hintId },
        h('legend', null, spec.legend),
        h('div', { class: 'ci-nulls' },
            radio('pass', spec.pass || 'Pass', 'ci-word'),
            spec.zero ? radio('0', spec.zero, 'ci-word') : null),
        h('div', { class: `ci-numbers${spec.zero ? ' ci-ten' : ''}` }, numbers),
        h('p', { id: hintId, class: 'hint ci-ends' }, ends));
}

function readScale(form, item) {
    const v = form.elements[item] ? form.elements[item].value : '';
    return v === '' || v === 'pass' ? null : Number(v);
}

function setScale(form, item, value) {
    const list = form.elements[item];
    if (!list) return;
    const want = value === null || value === undefined ? 'pass' : String(value);
    for (const r of list) r.checked = r.value === want;
}

/**
 * The check-in card and the partner's card for the open dyad page.
 * → { checkin, fromPartner, loaded } — two sections to place, and a promise
 * that settles when both show the data.
 */
export function checkinParts(env, acct, dyad, partner) {
    const name = partner.display_name;
    const items = scaleItems(name, dyad.kind);
    const tracksSexual = dyad.kind === 'couple' && dyad.track_sexual === true;
    const showable = [...CLOSENESS_ITEMS, 'affection', ...(tracksSexual ? ['sexual'] : []), 'emotions', 'wordless'];
    const scales = [...CLOSENESS_ITEMS, 'affection', ...(tracksSexual ? ['sexual'] : [])];
    const settingsHref = `/settings#dyad-${encodeURIComponent(dyad.id)}`;
    const days = writableDays();
    const today = days[0];
    const rows = new Map(); // own rows by date
    let day = today;
    let keptNote = null; // ciphertext of a note that would not decrypt here

    const msg = messages();
    const daySelect = h('select', { id: 'ci-day', name: 'day' });
    const renderDays = () => {
        daySelect.replaceChildren(...days.map((d) => h('option', { value: d, selected: d === day },
            `${d === today ? `Today, ${fullDay(d)}` : d === addDays(today, -1) ? `Yesterday, ${fullDay(d)}` : fullDay(d)}${rows.has(d) ? ' (saved)' : ''}`)));
    };
    renderDays();

    const chips = EMOTION_NAMES.map((e) => h('button', {
        type: 'button',
        class: 'ci-chip',
        'aria-pressed': 'false',
        dataset: { emotion: e },
        onclick: (ev) => {
            const b = ev.currentTarget;
            b.setAttribute('aria-pressed', b.getAttribute('aria-pressed') === 'true' ? 'false' : 'true');
        },
    }, emotionLabel(e)));

    const wordless = h('input', { type: 'checkbox', id: 'ci-wordless', name: 'wordless', 'aria-describedby': 'ci-wordless-hint' });
    const note = h('textarea', { id: 'ci-note', name: 'note', rows: '3', 'aria-describedby': 'ci-note-hint', spellcheck: 'true' });
    note.addEventListener('input', () => {
        keptNote = null;
    });
    const showBoxes = showable.map((item) => {
        const id = `ci-show-${item}`;
        const label = item === 'emotions' ? 'Which feelings you shared'
            : item === 'wordless' ? 'Whether there was a wordless moment'
                : items[item].mine;
        return h('div', { class: 'choice' },
            h('input', { type: 'checkbox', id, name: 'show', value: item }),
            h('label', { for: id }, label));
    });

    const form = h('form', { id: 'checkin-form', class: 'stack ci-form', novalidate: true, 'aria-labelledby': 'checkin-heading' },
        h('div', { class: 'field' },
            h('label', { for: 'ci-day' }, 'Which day'),
            daySelect,
            h('p', { class: 'hint' }, 'You can fill in or change a check-in for up to a week back.')),

        h('section', { class: 'ci-group ci-closeness', 'aria-labelledby': 'ci-closeness-h' },
            h('h3', { id: 'ci-closeness-h' }, 'Emotional closeness'),
            CLOSENESS_ITEMS.map((i) => scaleGroup(i, items[i]))),

        h('section', { class: 'ci-group ci-affection', 'aria-labelledby': 'ci-affection-h' },
            h('h3', { id: 'ci-affection-h' }, 'Affection'),
            scaleGroup('affection', items.affection)),

        tracksSexual
            ? h('section', { class: 'ci-group ci-sexual', 'aria-labelledby': 'ci-sexual-h' },
                h('h3', { id: 'ci-sexual-h' }, 'Sexual connection'),
                h('p', { class: 'hint' }, 'Kept apart from closeness and affection: each can be there without the others. ' +
                    'Pass if you would rather not say; None if there was no sex.'),
                scaleGroup('sexual', items.sexual))
            : null,
        !tracksSexual && dyad.kind === 'couple'
            ? h('p', { class: 'hint' }, 'Sexual connection is not part of your check-in. ',
                h('a', { href: settingsHref }, 'You can add it in Settings'), ', if and when you want to.')
            : null,

        h('fieldset', { class: 'ci-feelings', 'aria-describedby': 'ci-feelings-hint' },
            h('legend', null, `Which feelings did you share with ${name}?`),
            h('p', { id: 'ci-feelings-hint', class: 'hint' }, 'Choose any. Hard ones count too.'),
            h('div', { class: 'ci-chips' }, chips)),

        h('div', { class: 'choice ci-wordless' },
            wordless,
            h('label', { for: 'ci-wordless' }, 'A moment of closeness without words')),
        h('p', { id: 'ci-wordless-hint', class: 'hint' }, 'A look, a hand held, a quiet time side by side.'),

        h('div', { class: 'field' },
            h('label', { for: 'ci-note' }, 'Private note'),
            h('p', { id: 'ci-note-hint', class: 'hint' },
                `Only you can read it. It is encrypted in this browser with a key only you hold, so nobody else can read it — not ${name}, not the server, not whoever runs it.`),
            note),

        h('fieldset', { class: 'ci-show', 'aria-describedby': 'ci-show-hint' },
            h('legend', null, `What ${name} may see from this day`),
            h('p', { id: 'ci-show-hint', class: 'hint' }, 'Only what is ticked is shown; a new day starts with what you ticked last time. Your private note never is.'),
            showBoxes),

        h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'checkin-save' }, 'Save check-in')),
        msg.el);

    // What one ticked on the latest day one saved (of those loaded: the last
    // week), so that a new day does not start from nothing ticked.
    function lastChoice() {
        let latest = null;
        for (const [date, r] of rows) if (!latest || date > latest[0]) latest = [date, r];
        return latest && Array.isArray(latest[1].show_partner) ? latest[1].show_partner : [];
    }

    function fill(row) {
        const r = row || {};
        for (const item of scales) setScale(form, item, r[item]);
        const feel = new Set(Array.isArray(r.emotions) ? r.emotions : []);
        for (const b of chips) b.setAttribute('aria-pressed', feel.has(b.dataset.emotion) ? 'true' : 'false');
        wordless.checked = r.wordless === true;
        // a day saved shows its own ticks; a new day starts from one's last choice
        const shown = new Set(row ? (Array.isArray(r.show_partner) ? r.show_partner : []) : lastChoice());
        for (const box of form.querySelectorAll('input[name="show"]')) box.checked = shown.has(box.value);
        note.value = '';
        keptNote = null;
        if (r.note) {
            try {
                note.value = acct.c.decryptEntry(acct.keys.personal,
                    { dyadId: dyad.id, entryId: day, authorId: acct.user.id, kind: 'note' }, r.note);
            } catch {
                keptNote = r.note;
                msg.alert('Your note for this day could not be decrypted on this device, so it is not shown. ' +
                    'It stays as it is unless you write a new one.');
            }
        }
    }

    daySelect.addEventListener('change', () => {
        day = daySelect.value;
        const label = dayInSentence(day, today);
        msg.say(rows.has(day) ? `Showing what you saved for ${label}.` : `Nothing saved for ${label}.`);
        fill(rows.get(day)); // after: a note that will not decrypt says so
    });

    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = {};
        for (const item of scales) body[item] = readScale(form, item);
        body.emotions = chips.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.dataset.emotion);
        body.wordless = wordless.checked;
        body.show_partner = [...form.querySelectorAll('input[name="show"]:checked')].map((b) => b.value);
        const text = note.value;
        if (text.trim() !== '') {
            if (new TextEncoder().encode(text).length > NOTE_MAX_BYTES) {
                msg.alert('The note is too long: keep it under about 4,000 characters.');
                note.focus();
                return;
            }
            body.note = acct.c.encryptEntry(acct.keys.personal,
                { dyadId: dyad.id, entryId: day, authorId: acct.user.id, kind: 'note' }, text);
        } else if (keptNote) {
            body.note = keptNote;
        }
        setBusy(form, true);
        msg.say('Saving…');
        try {
            await api('PUT', `/dyads/${encodeURIComponent(dyad.id)}/checkins/${day}`, body, { signal: env.signal });
            rows.set(day, { ...body, note: body.note || null });
            const savedDay = day;
            renderDays();
            const shown = body.show_partner.map((i) => (i === 'emotions' ? 'which feelings you shared'
                : i === 'wordless' ? 'whether there was a wordless moment' : items[i].mine.toLowerCase()));
            const when = dayInSentence(savedDay, today);
            msg.say(shown.length
                ? `Saved for ${when}. ${name} can see: ${shown.join(', ')}.`
                : `Saved for ${when}. ${name} sees nothing from it.`);
        } catch (err) {
            if (env.signal.aborted) return;
            if (err instanceof ApiError && err.field === 'date') {
                msg.alert(`${err.message} This device’s date may differ from the server’s.`);
            } else if (err instanceof ApiError && (err.field === 'sexual' || (err.field === 'show_partner' && body.show_partner.includes('sexual')))) {
                msg.alert(`${err.message} Reload the page to see your current settings.`);
            } else {
                msg.alert(describeError(err));
            }
        } finally {
            setBusy(form, false);
        }
    });

    const checkin = h('section', { class: 'card checkin', id: 'checkin', 'aria-labelledby': 'checkin-heading' },
        h('h2', { id: 'checkin-heading' }, 'Check-in'),
        h('p', { class: 'hint' }, `About a minute. Pass on anything you like; ${name} sees only what you tick at the end.`),
        form);

    const partnerList = h('ul', { class: 'ci-partner-days', id: 'partner-days' });
    const partnerEmpty = h('p', { class: 'empty', id: 'partner-days-empty' },
        `Nothing here yet. When ${name} chooses to show you something from a check-in, it appears here.`);
    const partnerMsg = messages();
    const fromPartner = h('section', { class: 'card ci-partner', id: 'from-partner', 'aria-labelledby': 'from-partner-heading' },
        h('h2', { id: 'from-partner-heading' }, `From ${name}’s check-ins`),
        h('p', { class: 'hint' }, `Only what ${name} chose to show you, from the last week.`),
        partnerMsg.el, partnerList, partnerEmpty);

    function renderPartner(list) {
        partnerList.replaceChildren();
        for (const row of list) {
            const lines = describeShown(row, items, name);
            if (!lines.length) continue;
            partnerList.append(h('li', { class: 'ci-partner-day', dataset: { date: row.date } },
                h('p', { class: 'ci-partner-date' }, dayName(row.date, today)),
                h('ul', { class: 'ci-partner-items' }, lines.map((l) => h('li', null, l)))));
        }
        partnerEmpty.hidden = partnerList.children.length > 0;
    }

    async function load() {
        setBusy(form, true);
        try {
            const from = days[days.length - 1];
            // a day ahead too: the partner may live in a time zone ahead of this one
            const to = addDays(today, 1);
            const res = await api('GET', `/dyads/${encodeURIComponent(dyad.id)}/checkins?from=${from}&to=${to}`, undefined, { signal: env.signal });
            const list = Array.isArray(res.checkins) ? res.checkins : [];
            for (const row of list) if (row.user_id === acct.user.id) rows.set(row.date, row);
            renderDays();
            fill(rows.get(day));
            renderPartner(list.filter((r) => r.user_id === partner.user_id).sort((a, b) => (a.date < b.date ? 1 : -1)));
        } catch (err) {
            if (env.signal.aborted) return;
            msg.alert(`Your earlier check-ins could not be loaded: ${describeError(err)}`);
            partnerMsg.alert(describeError(err));
        } finally {
            if (!env.signal.aborted) setBusy(form, false);
        }
    }

    return { checkin, fromPartner, loaded: load() };
}

// What one row of the partner's holds, in words; nulls and empty lists are
// left out, so there is never a "skipped" or a "no".
function describeShown(row, items, name) {
    const out = [];
    for (const item of [...CLOSENESS_ITEMS, 'affection']) {
        if (typeof row[item] === 'number') out.push(`${items[item].theirs}: ${row[item]} of 10`);
    }
    if (typeof row.sexual === 'number') {
        out.push(row.sexual === 0 ? 'Sexual connection: none that day' : `Sexual connection: ${row.sexual} of 10`);
    }
    if (Array.isArray(row.emotions) && row.emotions.length) {
        out.push(`Feelings ${name} shared: ${row.emotions.map((e) => emotionLabel(e).toLowerCase()).join(', ')}`);
    }
    if (row.wordless === true) out.push('A moment of closeness without words');
    return out;
}

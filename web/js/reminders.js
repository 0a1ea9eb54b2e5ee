// reminders.js — "Reminders" in one's settings: the days, the local time and
// the time zone (the browser's own, filled in), the channels; saved through
// /api/v1/me/reminders and effective at once. A reminder always says the same
// few words, so there is nothing here about what it says beyond that.
//
// A channel the server cannot send on is shown as such ("your server has no
// e-mail relay"): the server lists what it can in `available`. A channel is
// one entry of CHANNELS below; for `push`, each browser turns itself on in
// "Reminders in this browser" (push.js).

import { api, ApiError, describeError } from './api.js';
import { h, messages, setBusy } from './ui.js';

const DAYS = [
    ['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
    ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday'],
];

// name → how the settings page says it, and what it says when the server cannot use it
export const CHANNELS = [
    {
        name: 'email',
        label: (r) => `By e-mail, to ${r.email}`,
        missing: 'Your server has no e-mail relay, so it cannot send e-mail reminders. Whoever runs it can set one up.',
    },
    {
        name: 'push',
        label: () => 'As a notification, in each browser where "Reminders in this browser" is on (below)',
        missing: 'Your server cannot send notifications to browsers.',
    },
];

function browserZone() {
    try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch {
        return 'UTC';
    }
}

function zoneList(current) {
    let zones = [];
    try {
        zones = Intl.supportedValuesOf('timeZone');
    } catch { /* an older browser: the current zone only */ }
    if (!zones.includes('UTC')) zones = ['UTC', ...zones];
    if (current && !zones.includes(current)) zones = [current, ...zones];
    return zones;
}

// "Monday 7 December, 08:00" in the person's zone
function when(iso, zone) {
    try {
        return new Intl.DateTimeFormat('en-GB', {
            weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZone: zone,
        }).format(new Date(iso));
    } catch {
        return iso;
    }
}

export function remindersSection(env) {
    const section = h('section', { class: 'card', id: 'reminders', 'aria-labelledby': 'reminders-heading' },
        h('h2', { id: 'reminders-heading' }, 'Reminders'),
        h('p', null, 'If you like, dyad can remind you on the days and at the time you choose. ' +
            'A reminder always says the same thing — “A moment for dyad, if you like.” — and never says ' +
            'what anyone else did, wrote or did not do. Anyone who sees your inbox can tell you use dyad.'));
    const body = h('div', { class: 'reminders-body' }, h('p', { class: 'hint' }, 'Loading…'));
    section.append(body);
    api('GET', '/me/reminders', undefined, { signal: env.signal }).then(
        (res) => { body.replaceChildren(form(res.reminders)); },
        (err) => { body.replaceChildren(h('p', { class: 'alert', role: 'alert' }, describeError(err))); });
    return section;
}

function form(r) {
    const msg = messages();
    const enabled = h('input', { type: 'checkbox', id: 'reminders-on', name: 'enabled', checked: r.enabled });
    const days = DAYS.map(([value, label]) => {
        const id = `reminders-day-${value}`;
        const box = h('input', { type: 'checkbox', id, name: 'days', value, checked: r.days.includes(value) });
        return { value, box, row: h('div', { class: 'choice' }, box, h('label', { for: id }, label)) };
    });
    const time = h('input', { type: 'time', id: 'reminders-time', name: 'time', value: r.time, required: true, step: 60 });
    const zoneValue = r.zone || browserZone();
    const zone = h('select', { id: 'reminders-zone', name: 'zone' },
        zoneList(zoneValue).map((z) => h('option', { value: z, selected: z === zoneValue }, z.replaceAll('_', ' '))));
    const channels = CHANNELS.map((ch) => {
        const id = `reminders-channel-${ch.name}`;
        const available = r.available.includes(ch.name);
        const box = h('input', { type: 'checkbox', id, name: 'channels', value: ch.name, checked: r.channels.includes(ch.name) });
        return {
            name: ch.name,
            box,
            row: h('div', { class: 'choice' }, box, h('label', { for: id }, ch.label(r)),
                available ? null : h('p', { class: 'hint no-relay', role: 'note' }, ch.missing)),
        };
    });
    const next = h('p', { class: 'state', id: 'reminders-next' });
    function showNext(state) {
        next.textContent = state.enabled && state.next_at
            ? `Next reminder: ${when(state.next_at, state.zone)} (${state.zone.replaceAll('_', ' ')}).`
            : 'Reminders are off.';
        if (state.enabled && !state.channels.some((c) => state.available.includes(c)))
            next.textContent += ' Your server cannot send on the way you chose, so nothing will arrive.';
    }
    showNext(r);
    const el = h('form', { class: 'stack reminders-form', novalidate: true },
        h('div', { class: 'choice' }, enabled, h('label', { for: 'reminders-on' }, 'Remind me')),
        h('fieldset', null, h('legend', null, 'On these days'), days.map((d) => d.row)),
        h('div', { class: 'field' }, h('label', { for: 'reminders-time' }, 'At'), time),
        h('div', { class: 'field' },
            h('label', { for: 'reminders-zone' }, 'Time zone'),
            h('p', { class: 'hint', id: 'reminders-zone-hint' }, `Your browser says ${browserZone().replaceAll('_', ' ')}.`),
            zone),
        h('fieldset', null, h('legend', null, 'How'), channels.map((c) => c.row)),
        next,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save reminders')),
        msg.el);
    zone.setAttribute('aria-describedby', 'reminders-zone-hint');
    el.addEventListener('submit', async (e) => {
        e.preventDefault();
        const payload = {
            enabled: enabled.checked,
            days: days.filter((d) => d.box.checked).map((d) => d.value),
            time: time.value,
            zone: zone.value,
            channels: channels.filter((c) => c.box.checked).map((c) => c.name),
        };
        if (payload.enabled && !payload.days.length) {
            msg.alert('Choose at least one day, or untick “Remind me”.');
            days[0].box.focus();
            return;
        }
        if (payload.enabled && !payload.channels.length) {
            msg.alert('Choose how to be reminded, or untick “Remind me”.');
            channels[0].box.focus();
            return;
        }
        setBusy(el, true);
        try {
            const res = await api('PUT', '/me/reminders', payload);
            showNext(res.reminders);
            msg.say(res.reminders.enabled ? 'Saved. ' + next.textContent : 'Saved. Reminders are off.');
        } catch (err) {
            const what = { days: 'the days', time: 'the time', zone: 'the time zone', channels: 'how to be reminded' };
            msg.alert(err instanceof ApiError && what[err.field] ? `Please check ${what[err.field]}: ${describeError(err)}` : describeError(err));
        } finally {
            setBusy(el, false);
        }
    });
    return el;
}

// devicesettings.js — the settings section "This device is yours": mark this
// browser as one's own (a PIN instead of the password after the automatic
// lock, signed in for 30 days), change the PIN, forget it here, and forget
// other browsers marked before. The flows are in device.js.

import { api, ApiError, describeError } from './api.js';
import { describeBrowser, noticeEnded } from './account.js';
import { markDevice, pinProblem } from './device.js';
import { deviceRecordFor, forgetDeviceHere } from './devicestore.js';
import { dropPushHere } from './pushhere.js';
import { PUSH_CHANGED, rebindPushHere } from './push.js';
import { h, field, messages, setBusy, formatDate } from './ui.js';

export function deviceSection(env, acct) {
    const body = h('div', { class: 'stack' });
    const others = h('ul', { class: 'session-list', id: 'device-list', 'aria-label': 'Devices marked as yours' });
    const msg = messages();
    const section = h('section', { class: 'card', id: 'own-device', 'aria-labelledby': 'own-device-heading' },
        h('h2', { id: 'own-device-heading' }, 'This device is yours'),
        body, others, msg.el);

    async function forget(id, { here }) {
        try {
            await api('DELETE', `/me/devices/${encodeURIComponent(id)}`);
        } catch (err) {
            if (!(err instanceof ApiError && err.status === 404)) {
                msg.alert(describeError(err));
                return false;
            }
        }
        if (here) forgetDeviceHere();
        return true;
    }

    function marked(rec) {
        const until = formatDate(rec.expires_at);
        body.replaceChildren(
            h('p', { id: 'device-status' }, `This browser is marked as yours until ${until}. After the automatic lock, or when you come back, your PIN opens dyad here.`),
            h('p', null, 'Five wrong PINs in a row and this browser is forgotten: then your password is needed again.'),
            h('div', { class: 'actions' },
                h('button', { type: 'button', class: 'secondary', id: 'change-pin', onclick: () => markForm(rec) }, 'Change the PIN'),
                h('button', {
                    type: 'button', class: 'danger', id: 'forget-device', onclick: async () => {
                        if (await forget(rec.device_id, { here: true })) {
                            // its reminders by push belonged to the device: they end here too
                            const hadPush = await dropPushHere();
                            window.dispatchEvent(new Event(PUSH_CHANGED));
                            msg.say('This browser is no longer marked as yours. Your password will be needed after the automatic lock.' +
                                (hadPush ? ' Reminders in this browser are off; you can turn them on again below.' : ''));
                            render();
                        }
                    },
                }, 'Forget this device')));
    }

    function markForm(previous) {
        const password = field({ label: 'Your password', name: 'device-password', type: 'password', autocomplete: 'current-password' });
        const pin = field({
            label: 'A PIN for this device', name: 'new-pin', type: 'password', autocomplete: 'off', inputmode: 'numeric', class: 'short', maxlength: 64,
            hint: 'At least 4 digits; 6 or more are better. Not one the people around you know.',
        });
        const again = field({ label: 'The PIN again', name: 'new-pin2', type: 'password', autocomplete: 'off', inputmode: 'numeric', class: 'short', maxlength: 64 });
        const form = h('form', { class: 'stack', novalidate: true, id: 'mark-device' },
            password.row, pin.row, again.row,
            h('div', { class: 'actions' },
                h('button', { type: 'submit' }, previous ? 'Save the new PIN' : 'Mark this device as mine'),
                previous ? h('button', { type: 'button', class: 'secondary', onclick: () => render() }, 'Cancel') : null));
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            const problems = [];
            if (!password.input.value) problems.push([password, 'Enter your password.']);
            const bad = pinProblem(pin.input.value);
            if (bad) problems.push([pin, bad]);
            else if (pin.input.value !== again.input.value) problems.push([again, 'The two PINs are not the same.']);
            for (const [f, text] of problems) f.setError(text);
            if (problems.length) {
                problems[0][0].input.focus();
                return;
            }
            setBusy(form, true);
            msg.say('Sealing your keys for this device… this takes a few seconds.');
            try {
                // A new PIN replaces the old device; the server forgets it.
                if (previous) await forget(previous.device_id, { here: true });
                await markDevice(acct, password.input.value, pin.input.value);
                // the old device's reminders by push went with it: this browser's go to the new one
                if (previous) await rebindPushHere();
                for (const f of [password, pin, again]) f.input.value = '';
                msg.say(previous ? 'Your new PIN is saved.' : 'This device is marked as yours. After the automatic lock, your PIN opens dyad here.');
                render();
            } catch (err) {
                setBusy(form, false);
                if (err instanceof ApiError && err.field === 'auth_key') {
                    password.setError('That is not your password.');
                    password.input.focus();
                    msg.clear();
                } else {
                    msg.alert(describeError(err));
                }
            }
        });
        body.replaceChildren(
            h('p', null, 'On a phone or computer that only you use, you can stay signed in for 30 days and open dyad with a short PIN ' +
                'instead of your password after the automatic lock.'),
            h('p', null, 'Anyone who holds this device and knows the PIN can open what you wrote, so choose one nobody close to you knows. ' +
                'Five wrong PINs in a row and this device is forgotten.'),
            form);
    }

    async function loadOthers(rec) {
        let res;
        try {
            res = await api('GET', '/me/devices', undefined, { signal: env.signal });
        } catch (err) {
            if (env.signal.aborted || noticeEnded(err)) return;
            others.replaceChildren(h('li', { class: 'alert' }, describeError(err)));
            return;
        }
        const list = (res && Array.isArray(res.devices) ? res.devices : []).filter((d) => !rec || d.id !== rec.device_id);
        others.replaceChildren(...list.map((d) => {
            const labelId = `device-${d.id}`;
            const li = h('li', { class: 'session-item', dataset: { deviceId: d.id } },
                h('p', { class: 'session-name', id: labelId },
                    h('strong', null, describeBrowser(d.user_agent)),
                    ` — marked as yours ${formatDate(d.created_at)}, until ${formatDate(d.expires_at)}`),
                h('p', { class: 'actions' },
                    h('button', {
                        type: 'button', class: 'danger', 'aria-describedby': labelId, onclick: async () => {
                            if (await forget(d.id, { here: false })) {
                                li.remove();
                                msg.say('That device is forgotten: its PIN opens nothing any more.');
                            }
                        },
                    }, 'Forget it')));
            return li;
        }));
        others.hidden = list.length === 0;
    }

    function render() {
        const rec = deviceRecordFor(acct.user.id);
        if (rec) marked(rec);
        else markForm(null);
        loadOthers(rec);
    }

    render();
    return section;
}

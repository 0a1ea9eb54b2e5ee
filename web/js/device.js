// device.js — one's own browser, unlocked with a PIN: marking it, the PIN
// unlock, and the form that asks for the PIN (docs/security.md#unlocking-with-a-pin).
//
// Marking (the keys are open, the password is asked again):
//   pin_key = Argon2id(PIN, fresh salt) · proof → server, with the auth key
//   the server answers the device id and the device value D
//   wrap = BLAKE2b(D, key from pin_key); the keys are sealed under wrap and
//   kept in localStorage (devicestore.js) with the salt — never D, never the PIN.
// Unlocking: the proof again → the server (at most 5 wrong in a row) → D,
// a new session → wrap → the keys, checked against the account's public keys.

import { api, ApiError, describeError, setCsrf } from './api.js';
import { loadCrypto } from './sodium.js';
import { nextPaint, passwordKeys } from './accountkeys.js';
import { deviceRecord, forgetDeviceHere, saveDeviceRecord } from './devicestore.js';
import { dropPushHere } from './pushhere.js';
import { h, field, messages, setBusy, show } from './ui.js';

export const PIN_MIN = 4;

/** Why a PIN would be too easy to guess, or null. */
export function pinProblem(pin) {
    if (typeof pin !== 'string' || pin.length < PIN_MIN) return `Use at least ${PIN_MIN} digits.`;
    if (pin.length > 64) return 'Use at most 64 characters.';
    if (/^(.)\1*$/.test(pin)) return 'Not the same digit over and over: choose a PIN that is hard to guess.';
    if (/^\d+$/.test(pin)) {
        const up = '01234567890123456789';
        const down = '98765432109876543210';
        if (up.includes(pin) || down.includes(pin)) return 'Not a run of digits like 1234: choose a PIN that is hard to guess.';
    }
    return null;
}

/** Marks this browser as acct's own. → the device ({ id, expires_at, … }). Throws ApiError. */
export async function markDevice(acct, password, pin) {
    const { c, sodium, keys, user } = acct;
    const { authKey, wrapKey } = await passwordKeys(user.email, password);
    c.wipe(wrapKey);
    await nextPaint();
    const salt = sodium.randombytes_buf(16);
    const pinKey = c.pinKey(pin, salt);
    const proof = c.pinProof(pinKey);
    let res;
    try {
        res = await api('POST', '/me/devices', { auth_key: c.b64(authKey), proof: c.b64(proof) });
    } finally {
        c.wipe(authKey, proof);
    }
    const value = c.unb64(res.device_value);
    const wrap = c.pinWrapKey(pinKey, value);
    try {
        saveDeviceRecord({
            device_id: res.device.id,
            user: { id: user.id, email: user.email, display_name: user.display_name },
            salt: c.b64(salt),
            sealed: c.sealKeysForDevice(keys, wrap, res.device.id, user.id),
            box_pk: c.b64(keys.boxPk),
            sign_pk: c.b64(keys.signPk),
            expires_at: res.device.expires_at,
        });
    } finally {
        c.wipe(pinKey, value, wrap);
    }
    return res.device;
}

/**
 * The PIN unlock. → { user, csrf, keys }. Throws ApiError: 401 for a wrong
 * PIN (the message says how many tries are left), 404 when the server has
 * forgotten the device (the record here is removed too).
 */
export async function unlockWithPin(pin) {
    const rec = deviceRecord();
    if (!rec) throw new ApiError(404, 'not_found', 'This browser is not marked as yours. Sign in with your password.');
    const { c } = await loadCrypto();
    await nextPaint();
    const pinKey = c.pinKey(pin, c.unb64(rec.salt));
    const proof = c.pinProof(pinKey);
    let res;
    try {
        res = await api('POST', '/auth/device', { device_id: rec.device_id, proof: c.b64(proof) });
    } catch (err) {
        c.wipe(pinKey);
        // forgotten (five wrong PINs, or from elsewhere): its reminders too
        if (err instanceof ApiError && err.status === 404) {
            forgetDeviceHere();
            await dropPushHere();
        }
        throw err;
    } finally {
        c.wipe(proof);
    }
    const value = c.unb64(res.device_value);
    const wrap = c.pinWrapKey(pinKey, value);
    c.wipe(pinKey, value);
    let keys = null;
    try {
        keys = c.openKeysForDevice(rec.sealed, wrap, rec.device_id, res.user.id);
    } catch {
        keys = null;
    } finally {
        c.wipe(wrap);
    }
    if (!keys || c.b64(keys.boxPk) !== res.box_public_key || c.b64(keys.signPk) !== res.sign_public_key) {
        // What this browser keeps does not open with what the server sent:
        // forget the device (signing out does, on the server) and ask for the password.
        setCsrf(res.csrf_token);
        await api('POST', '/auth/logout').catch(() => {});
        setCsrf(null);
        forgetDeviceHere();
        throw new ApiError(404, 'keys', 'The keys kept in this browser could not be opened, so it has been forgotten. Sign in with your password.');
    }
    return { user: res.user, csrf: res.csrf_token, keys };
}

/**
 * The PIN form. opts: { heading, intro, notice, record, onUnlocked(result),
 * onPassword(notice) } — onPassword when the person chooses the password, or
 * when the device has been forgotten (with why).
 */
export function renderPinUnlock(container, opts) {
    const rec = opts.record;
    const pin = field({
        label: 'PIN',
        name: 'pin',
        type: 'password',
        autocomplete: 'off',
        inputmode: 'numeric',
        class: 'short',
        maxlength: 64,
    });
    const msg = messages();
    const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'pin-heading' },
        pin.row,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Unlock')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const value = pin.input.value;
        if (value.length < PIN_MIN) {
            pin.setError(`Your PIN has at least ${PIN_MIN} digits.`);
            pin.input.focus();
            return;
        }
        setBusy(form, true);
        msg.say('Checking your PIN…');
        try {
            const result = await unlockWithPin(value);
            pin.input.value = '';
            msg.say('Unlocked.');
            await opts.onUnlocked(result);
        } catch (err) {
            pin.input.value = '';
            setBusy(form, false);
            if (err instanceof ApiError && err.status === 404) {
                opts.onPassword(describeError(err));
                return;
            }
            msg.alert(describeError(err));
            pin.input.focus();
        }
    });
    const intro = opts.intro ? (typeof opts.intro === 'string' ? h('p', { class: 'lead' }, opts.intro) : opts.intro) : null;
    show(container,
        h('section', { class: 'card auth' },
            opts.heading ? h('h1', null, opts.heading) : null,
            intro,
            opts.notice ? h('p', { class: 'notice', role: 'status' }, opts.notice) : null,
            h('h2', { id: 'pin-heading' }, 'Enter your PIN to unlock'),
            h('p', null, `This device is marked as ${rec.user.display_name}’s own (${rec.user.email}).`),
            form,
            h('p', { class: 'switch' },
                h('button', { type: 'button', class: 'link', id: 'use-password', onclick: () => opts.onPassword(null) }, 'Use your password instead'))));
    pin.input.focus();
}

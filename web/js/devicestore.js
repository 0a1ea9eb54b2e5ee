// devicestore.js — what this browser keeps when a person marked it as their
// own (docs/security.md#unlocking-with-a-pin): one localStorage record with
// the device id, the PIN's salt and the account's keys sealed under a key
// that needs both the PIN and the device value the server releases only
// after a right PIN proof. Nothing in it opens anything by itself.
//
// No imports, so quick exit can wipe it without loading anything.

const RECORD = 'dyad.device';

/** The record ({ v, device_id, user, salt, sealed, box_pk, sign_pk, expires_at }), or null. */
export function deviceRecord() {
    let rec;
    try {
        rec = JSON.parse(localStorage.getItem(RECORD) || 'null');
    } catch {
        return null;
    }
    if (!rec || rec.v !== 1 || typeof rec.device_id !== 'string' || typeof rec.salt !== 'string' ||
        typeof rec.sealed !== 'string' || !rec.user || typeof rec.user.id !== 'string') return null;
    return rec;
}

/** The record when it belongs to userId, else null. */
export function deviceRecordFor(userId) {
    const rec = deviceRecord();
    return rec && rec.user.id === userId ? rec : null;
}

export function saveDeviceRecord(rec) {
    localStorage.setItem(RECORD, JSON.stringify({ v: 1, ...rec }));
}

/** Removes the record from this browser only. */
export function forgetDeviceHere() {
    try {
        localStorage.removeItem(RECORD);
    } catch {
        // storage unavailable: nothing was kept either
    }
}

/**
 * Removes the record and asks the server to forget the device — no session
 * is needed, the id is the proof (only this browser knew it). keepalive
 * lets the request outlive the page (quick exit).
 */
export function forgetDeviceEverywhere({ keepalive = false } = {}) {
    const rec = deviceRecord();
    forgetDeviceHere();
    if (!rec) return Promise.resolve();
    try {
        return fetch('/api/v1/auth/device/forget', {
            method: 'POST',
            keepalive,
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ device_id: rec.device_id }),
        }).then(() => {}, () => {});
    } catch {
        return Promise.resolve();
    }
}

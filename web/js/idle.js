// idle.js — the idle lock's clock, and a signal between this browser's tabs.
//
// The session cookie is shared by every tab, so inactivity is measured across
// all of them: each tab writes the time of the last input to localStorage (a
// timestamp, nothing secret), and the lock engages when no tab has seen input
// for the chosen number of minutes. Locking, logging out and quick exit are
// broadcast through localStorage so every open dyad tab follows at once.

const LAST = 'dyad.lastActivity';
const MINUTES = 'dyad.idleMinutes';
const SIGNAL = 'dyad.signal';

export const IDLE_CHOICES = [5, 15, 30, 60];
export const IDLE_DEFAULT = 15;

export function idleMinutes() {
    const v = Number(localStorage.getItem(MINUTES));
    return IDLE_CHOICES.includes(v) ? v : IDLE_DEFAULT;
}

export function setIdleMinutes(v) {
    if (IDLE_CHOICES.includes(v)) localStorage.setItem(MINUTES, String(v));
}

let lastWrite = 0;

/** Records input now (written at most every few seconds). */
export function noteActivity(force = false) {
    const now = Date.now();
    if (!force && now - lastWrite < 5000) return;
    lastWrite = now;
    localStorage.setItem(LAST, String(now));
}

/** True when no tab has seen input for longer than the idle limit. */
export function isIdle() {
    const last = Number(localStorage.getItem(LAST)) || 0;
    return Date.now() - last > idleMinutes() * 60 * 1000;
}

/** Tells the other tabs: 'lock' (wipe keys), 'logout' or 'exit' (quick exit). */
export function broadcast(type) {
    localStorage.setItem(SIGNAL, JSON.stringify({ type, at: Date.now() }));
}

/** Whether anyone has used dyad in this browser (chooses sign-in over sign-up). */
export function usedHere() {
    return localStorage.getItem(LAST) !== null;
}

/**
 * Removes what localStorage holds about dyad (quick exit). Called after
 * broadcast(): the other tabs still receive the signal, as storage events
 * arrive in order.
 */
export function forgetBrowserTraces() {
    for (const key of [LAST, MINUTES, SIGNAL]) localStorage.removeItem(key);
}

const INPUT_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'input'];

/**
 * Watches for inactivity while keys are held. Calls onIdle() once when the
 * limit passes; returns a function that stops watching.
 */
export function watchIdle(onIdle) {
    const activity = () => noteActivity();
    const check = () => {
        if (isIdle()) {
            stop();
            onIdle();
        }
    };
    for (const ev of INPUT_EVENTS) window.addEventListener(ev, activity, { capture: true, passive: true });
    document.addEventListener('visibilitychange', check);
    const timer = setInterval(check, 15000);
    function stop() {
        for (const ev of INPUT_EVENTS) window.removeEventListener(ev, activity, { capture: true });
        document.removeEventListener('visibilitychange', check);
        clearInterval(timer);
    }
    return stop;
}

/** Calls handler(type) when another tab broadcasts. */
export function onSignal(handler) {
    window.addEventListener('storage', (e) => {
        if (e.key !== SIGNAL || !e.newValue) return;
        try {
            const { type } = JSON.parse(e.newValue);
            if (typeof type === 'string') handler(type);
        } catch {
            // a malformed signal is ignored
        }
    });
}

// quickexit.js — leave dyad in one move: the #quick-exit button in every
// page's shell, or Esc pressed three times within 1.5 seconds.
//
// Order matters: the page is blanked first (nothing stays on screen while the
// rest runs), then this tab's storage is cleared and the other dyad tabs are
// told to do the same, a device marked as one's own is forgotten (here and on
// the server), the session is ended with a keepalive request (errors
// ignored), and the page is *replaced* by a neutral one so Back does not
// return to it. The neutral page (neutral.js) then fills the history with
// copies of itself, so that Back lands on it again rather than on an
// earlier dyad page, and goes on to the operator's outside address
// (DYAD_QUICK_EXIT_URL, the page's <meta name="dyad-exit">) when one is
// set. It cannot erase browser history or defeat spyware; the Help & safety
// page says so.

import { getCsrf } from './api.js';
import { broadcast, forgetBrowserTraces } from './idle.js';
import { wipeAll } from './keystore.js';
import { forgetDeviceEverywhere } from './devicestore.js';
import { dropPushHere } from './pushhere.js';

export const NEUTRAL_PAGE = '/static/neutral.html';
export const EXIT_TO = 'dyad.exit-to'; // read and removed by neutral.js
const ESC_PRESSES = 3;
const ESC_WINDOW_MS = 1500;

let leaving = false;

export function quickExit({ tellOthers = true } = {}) {
    if (leaving) return;
    leaving = true;
    const exitMeta = document.querySelector('meta[name="dyad-exit"]');
    const outside = exitMeta ? exitMeta.getAttribute('content') : '';
    document.documentElement.classList.add('exiting');
    document.body.replaceChildren();
    document.title = 'Weather';
    const csrf = getCsrf();
    try {
        sessionStorage.clear();
    } catch {
        // storage may be unavailable; the keys' CryptoKeys are still dropped below
    }
    try {
        if (tellOthers) broadcast('exit');
        forgetBrowserTraces();
    } catch {
        // storage may be unavailable; other tabs keep their own idle lock
    }
    // One's own device: the sealed keys and PIN salt go from this browser,
    // and the server is asked to forget the device (no session needed).
    forgetDeviceEverywhere({ keepalive: true });
    // The installed app's caches hold only the static shell, nothing
    // personal; they go too, with the service worker (the next dyad page
    // registers it again), so nothing of dyad is left to find.
    let worker = Promise.resolve();
    try {
        if (typeof caches !== 'undefined') caches.keys().then((names) => Promise.all(names.filter((n) => n.startsWith('dyad-')).map((n) => caches.delete(n)))).catch(() => {});
        // This browser's push subscription ends (the server drops its record
        // with the logout and the device); unregistering the worker, started
        // at the same time, ends it too in browsers that implement the Push
        // API's rule that a subscription dies with its registration.
        if (navigator.serviceWorker) {
            worker = Promise.all([
                dropPushHere(),
                navigator.serviceWorker.getRegistrations().then((rs) => Promise.all(rs.map((r) => r.unregister()))),
            ]).catch(() => {});
        }
    } catch {
        // no Cache API or service workers: nothing was cached
    }
    // Without a CSRF token there is no session this page knows of (or the
    // server would refuse the request anyway).
    if (csrf) {
        try {
            fetch('/api/v1/auth/logout', {
                method: 'POST',
                keepalive: true,
                credentials: 'same-origin',
                headers: { 'X-CSRF-Token': csrf },
            }).catch(() => {});
        } catch {
            // ignored: leaving matters more than logging out cleanly
        }
    }
    // The outside address travels to the neutral page in this tab's storage
    // (never in the URL: the neutral page must not be an open redirect), and
    // the neutral page removes it at once.
    try {
        if (/^https?:\/\//.test(outside)) sessionStorage.setItem(EXIT_TO, outside);
    } catch {
        // without storage the neutral page is where it ends
    }
    // Give the IndexedDB wipe and the worker a moment, but never hold the
    // exit up for long.
    const go = () => location.replace(NEUTRAL_PAGE);
    Promise.race([Promise.all([wipeAll(), worker]), new Promise((r) => setTimeout(r, 250))]).then(go, go);
}

export function installQuickExit() {
    const button = document.getElementById('quick-exit');
    if (button) button.addEventListener('click', () => quickExit());
    let presses = [];
    document.addEventListener('keydown', (e) => {
        if (e.key !== 'Escape') return;
        const now = performance.now();
        presses = presses.filter((t) => now - t < ESC_WINDOW_MS);
        presses.push(now);
        if (presses.length >= ESC_PRESSES) quickExit();
    }, { capture: true });
}

// sw.js — dyad's service worker, served at /sw.js (scope "/") by h_sw in
// src/web/h_ops.c, which puts two lines above this file:
//
//   const VERSION = '…';   a hash of every embedded asset's content: a new
//                          build with any changed asset is a new worker
//   const SHELL = [ … ];   what is cached at install (the offline page and
//                          what it needs, the quick-exit page)
//
// What it does, and does not:
// - caches only dyad's own static files (/static/…): never an API answer,
//   never a page (pages carry the session's CSRF token, the server-drawn
//   ones scores), never anything decrypted (that exists only in a page's
//   memory);
// - a page the server cannot be reached for is answered with the plain
//   offline page;
// - a new version installs at once and removes the old caches, so the app
//   updates itself when the server's assets change.
//
// Listeners are grouped by purpose below. Push notifications go in the
// marked section at the end: add the 'push' and 'notificationclick'
// listeners there (docs/architecture.md, "The installed app").

const CACHE = `dyad-shell-${VERSION}`;
const OFFLINE = '/static/offline.html';

// ---- install and update ------------------------------------------------

self.addEventListener('install', (event) => {
    event.waitUntil(caches.open(CACHE)
        .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' }))))
        .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
    event.waitUntil(caches.keys()
        .then((names) => Promise.all(names.filter((n) => n.startsWith('dyad-') && n !== CACHE).map((n) => caches.delete(n))))
        .then(() => self.clients.claim()));
});

// ---- fetch: the static shell only ---------------------------------------

// A content-hashed name (/static/js/app.3fa2c1d09b.js) never changes.
const HASHED = /\.[0-9a-f]{10}\.[a-z0-9]+$/;

async function staticFile(request) {
    const url = new URL(request.url);
    const cache = await caches.open(CACHE);
    if (HASHED.test(url.pathname)) {
        const hit = await cache.match(request);
        if (hit) return hit;
        const res = await fetch(request);
        if (res.ok && res.type === 'basic') cache.put(request, res.clone());
        return res;
    }
    // A plain name may change with the server: ask it first.
    try {
        return await fetch(request);
    } catch (err) {
        const hit = await cache.match(request);
        if (hit) return hit;
        throw err;
    }
}

async function page(request) {
    try {
        return await fetch(request);
    } catch {
        // A static page (the quick-exit page) from the cache; any other the
        // plain offline page — pages themselves are never cached.
        const url = new URL(request.url);
        const hit = url.pathname.startsWith('/static/') ? await caches.match(request, { ignoreSearch: true }) : null;
        if (hit) return hit;
        const offline = await caches.match(OFFLINE);
        return offline || new Response('The server cannot be reached.', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }
}

self.addEventListener('fetch', (event) => {
    const { request } = event;
    if (request.method !== 'GET') return;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (request.mode === 'navigate') {
        event.respondWith(page(request));
        return;
    }
    if (url.pathname.startsWith('/static/')) event.respondWith(staticFile(request));
    // Everything else — /api/v1 above all — goes to the network untouched.
});

// ---- push notifications ----------------------------------------------------
// A reminder's push carries one of the server's fixed sentences and nothing
// else (src/notify: notify_text). The notification shows that sentence only
// when it is one of them — anything else a push could carry is replaced by
// the plain one — under the title "dyad", with one tag so a new reminder
// replaces an unread one rather than piling up.
const REMINDER_TEXTS = [
    'A moment for dyad, if you like.',
    'A short questionnaire is waiting in dyad, if you like.',
];

self.addEventListener('push', (event) => {
    let text = '';
    try {
        text = event.data ? event.data.text() : '';
    } catch { /* not text: the plain sentence */ }
    const body = REMINDER_TEXTS.includes(text) ? text : REMINDER_TEXTS[0];
    event.waitUntil(self.registration.showNotification('dyad', { body, tag: 'dyad-reminder', icon: '/static/icons/icon-192.png' }));
});

// A click opens dyad: an open tab of it is brought forward, else a new one.
self.addEventListener('notificationclick', (event) => {
    event.notification.close();
    event.waitUntil((async () => {
        const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
        for (const c of open) {
            if (new URL(c.url).origin === self.location.origin && 'focus' in c) return c.focus();
        }
        return self.clients.openWindow('/');
    })());
});

// api.js — the one place the browser talks to /api/v1.
//
// Every call goes through api(): it sends JSON, adds the X-CSRF-Token header
// once a session is known, retries a state change once when the server says
// the token is stale (another tab logged in again), and turns every failure —
// an error body, a network failure, a body that is not JSON — into an
// ApiError whose `message` is a sentence a person can read.

const BASE = '/api/v1';

// A page the server renders for a signed-in session carries the session's
// token, so quick exit and the idle lock can end the session from it too.
let csrfToken = typeof document !== 'undefined'
    ? document.querySelector('meta[name="dyad-csrf"]')?.getAttribute('content') || null
    : null;

export function setCsrf(token) {
    csrfToken = token || null;
}

export function getCsrf() {
    return csrfToken;
}

export class ApiError extends Error {
    constructor(status, code, message, field = null, retryAfter = null) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
        this.field = field;
        this.retryAfter = retryAfter;
    }
}

// What each error code means to a person, when the server's own message is
// too technical or missing. The server's message wins for field errors,
// because it names what is wrong with the field.
const PLAIN = {
    network: 'dyad could not reach the server. Check your connection and try again.',
    bad_json: 'The server could not read that request. Reload the page and try again.',
    missing_field: 'Something required is missing.',
    invalid_field: 'Something in the form is not valid.',
    unauthenticated: 'You are not signed in, or your session has ended.',
    csrf: 'This page is out of date. Reload it and try again.',
    forbidden: 'You are not allowed to do that.',
    not_found: 'That does not exist, or is no longer available.',
    conflict: 'That conflicts with something that already exists.',
    too_large: 'That is too large for the server to accept.',
    rate_limited: 'Too many attempts.',
    server: 'The server ran into a problem. Try again in a moment.',
};

function retryText(seconds) {
    if (!seconds) return 'Wait a little and try again.';
    if (seconds < 90) return `Try again in ${seconds} seconds.`;
    return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

async function errorFrom(res) {
    let body = null;
    try {
        body = await res.json();
    } catch {
        // not JSON: fall through to the plain message for the status
    }
    const e = body && typeof body.error === 'object' && body.error ? body.error : {};
    const code = typeof e.code === 'string' ? e.code : res.status >= 500 ? 'server' : 'bad_request';
    let message = typeof e.message === 'string' && e.message ? e.message : PLAIN[code] || `The server refused the request (${res.status}).`;
    const retryAfter = Number.parseInt(res.headers.get('Retry-After') || '', 10) || null;
    if (code === 'rate_limited') message = `${PLAIN.rate_limited} ${retryText(retryAfter)}`;
    if (res.status >= 500) message = PLAIN.server;
    return new ApiError(res.status, code, message, typeof e.field === 'string' ? e.field : null, retryAfter);
}

// Paths where a 401 is an expected answer (not logged in, wrong password),
// not a sign that the session just ended.
const AUTH_PATHS = /^\/(me|auth\/)/;

/**
 * api(method, path, body?, { signal, keepalive }) → parsed JSON, or null for 204.
 * Throws ApiError. A 401 on any other path also fires a `dyad:unauthenticated`
 * event on window so the app can lock itself.
 */
export async function api(method, path, body, { signal, keepalive = false, retried = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
    let res;
    try {
        res = await fetch(BASE + path, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            credentials: 'same-origin',
            cache: 'no-store',
            signal,
            keepalive,
        });
    } catch (e) {
        if (e && e.name === 'AbortError') throw e;
        throw new ApiError(0, 'network', PLAIN.network);
    }
    if (res.status === 204) return null;
    if (res.ok) {
        try {
            return await res.json();
        } catch {
            throw new ApiError(res.status, 'bad_response', 'The server sent an answer dyad could not read.');
        }
    }
    const err = await errorFrom(res);
    if (err.code === 'csrf' && !retried && method !== 'GET') {
        // Another tab may have signed in again and replaced the session: fetch
        // the current token once and repeat the request.
        try {
            const me = await api('GET', '/me', undefined, { signal });
            setCsrf(me.csrf_token);
            return await api(method, path, body, { signal, keepalive, retried: true });
        } catch {
            throw err;
        }
    }
    if (err.status === 401 && !AUTH_PATHS.test(path)) {
        window.dispatchEvent(new CustomEvent('dyad:unauthenticated'));
    }
    throw err;
}

/** The sentence to show for any error thrown while doing something. */
export function describeError(err) {
    if (err instanceof ApiError) return err.message;
    if (err && err.name === 'AbortError') return '';
    return 'Something went wrong in this page. Reload it and try again.';
}

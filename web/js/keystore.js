// keystore.js — keeps a signed-in person's unwrapped keys across page loads
// of one tab, without ever putting them in browser storage in the clear
// (docs/protocol.md).
//
// How: at sign-in the tab makes a fresh AES-256-GCM key with WebCrypto,
// `extractable: false`, so no script can read its bytes. That CryptoKey is
// kept in IndexedDB under a random per-tab id; the id and the keys encrypted
// under the CryptoKey sit in sessionStorage, which belongs to this tab alone
// and is dropped when the tab closes. Either half alone is useless: the blob
// is ciphertext, and the CryptoKey cannot be exported. wipe() removes both;
// wipeAll() also drops every other tab's CryptoKey (used by the idle lock and
// quick exit, which apply to the whole browser).
//
// Layout of the plaintext: box_pk[32] ‖ box_sk[32] ‖ sign_pk[32] ‖ sign_sk[64]
// ‖ personal[32]; the associated data binds it to the tab id and user id.

const DB_NAME = 'dyad-tab-keys';
const STORE = 'wrapping-keys';
const TAB = 'dyad.tab';
const BLOB = 'dyad.keys';
const USER = 'dyad.user';
// A CryptoKey whose tab has been gone this long is dead weight: remove it.
const STALE_MS = 12 * 60 * 60 * 1000;

const PARTS = [['boxPk', 32], ['boxSk', 32], ['signPk', 32], ['signSk', 64], ['personal', 32]];

function toB64(bytes) {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
}

function fromB64(str) {
    const s = atob(str);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
}

function randomHex(n) {
    return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function openDb() {
    return new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
        req.onblocked = () => reject(new Error('keystore: database blocked'));
    });
}

// Runs fn(store) in one transaction; resolves with the last request's result
// once the transaction commits.
async function withStore(mode, fn) {
    const db = await openDb();
    try {
        return await new Promise((resolve, reject) => {
            const tx = db.transaction(STORE, mode);
            const req = fn(tx.objectStore(STORE));
            tx.oncomplete = () => resolve(req ? req.result : undefined);
            tx.onerror = () => reject(tx.error);
            tx.onabort = () => reject(tx.error || new Error('keystore: transaction aborted'));
        });
    } finally {
        db.close();
    }
}

function adFor(tabId, userId) {
    return new TextEncoder().encode(`dyadtab|${tabId}|${userId}`);
}

function pack(keys) {
    const out = new Uint8Array(PARTS.reduce((n, [, len]) => n + len, 0));
    let off = 0;
    for (const [name, len] of PARTS) {
        if (!(keys[name] instanceof Uint8Array) || keys[name].length !== len) throw new Error(`keystore: bad ${name}`);
        out.set(keys[name], off);
        off += len;
    }
    return out;
}

function unpack(bytes) {
    const keys = {};
    let off = 0;
    for (const [name, len] of PARTS) {
        keys[name] = bytes.slice(off, off + len);
        off += len;
    }
    bytes.fill(0);
    return keys;
}

/** The signed-in user this tab holds keys for ({id, email, display_name}), or null. */
export function storedUser() {
    try {
        return JSON.parse(sessionStorage.getItem(USER) || 'null');
    } catch {
        return null;
    }
}

/** Keeps `keys` for this tab, replacing whatever it held. */
export async function save(user, keys) {
    await wipe();
    const tabId = randomHex(16);
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await withStore('readwrite', (s) => s.put({ key, touched: Date.now() }, tabId));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = pack(keys);
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: adFor(tabId, user.id) }, key, plain));
    plain.fill(0);
    const blob = new Uint8Array(iv.length + ct.length);
    blob.set(iv);
    blob.set(ct, iv.length);
    sessionStorage.setItem(TAB, tabId);
    sessionStorage.setItem(BLOB, toB64(blob));
    sessionStorage.setItem(USER, JSON.stringify({ id: user.id, email: user.email, display_name: user.display_name }));
}

/**
 * The keys this tab holds for `userId`, or null (none kept, another user's,
 * or the CryptoKey is gone). Anything inconsistent is wiped.
 */
export async function load(userId) {
    const tabId = sessionStorage.getItem(TAB);
    const blobB64 = sessionStorage.getItem(BLOB);
    const user = storedUser();
    if (!tabId || !blobB64 || !user) return null;
    if (user.id !== userId) {
        await wipe();
        return null;
    }
    try {
        const rec = await withStore('readonly', (s) => s.get(tabId));
        if (!rec || !rec.key) throw new Error('keystore: no key for this tab');
        const blob = fromB64(blobB64);
        const plain = new Uint8Array(await crypto.subtle.decrypt(
            { name: 'AES-GCM', iv: blob.subarray(0, 12), additionalData: adFor(tabId, userId) },
            rec.key, blob.subarray(12)));
        await withStore('readwrite', (s) => s.put({ key: rec.key, touched: Date.now() }, tabId));
        prune().catch(() => {});
        return unpack(plain);
    } catch {
        await wipe();
        return null;
    }
}

/** Forgets this tab's keys: the blob, the tab id and its CryptoKey. */
export async function wipe() {
    const tabId = sessionStorage.getItem(TAB);
    sessionStorage.removeItem(BLOB);
    sessionStorage.removeItem(TAB);
    sessionStorage.removeItem(USER);
    if (tabId) {
        try {
            await withStore('readwrite', (s) => s.delete(tabId));
        } catch {
            // the blob is gone already; a leftover CryptoKey opens nothing
        }
    }
}

/** Forgets this tab's keys and every other tab's CryptoKey in this browser. */
export async function wipeAll() {
    sessionStorage.removeItem(BLOB);
    sessionStorage.removeItem(TAB);
    sessionStorage.removeItem(USER);
    try {
        await withStore('readwrite', (s) => s.clear());
    } catch {
        // nothing more can be done; see wipe()
    }
}

async function prune() {
    const cutoff = Date.now() - STALE_MS;
    await withStore('readwrite', (s) => {
        const req = s.openCursor();
        req.onsuccess = () => {
            const cur = req.result;
            if (!cur) return;
            if (!cur.value || !(cur.value.touched > cutoff)) cur.delete();
            cur.continue();
        };
        return null;
    });
}

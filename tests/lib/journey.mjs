// A shared journey for browser tests that need two people who are already
// paired: it builds both accounts and the dyad through the API, byte for
// byte as the browser client would (web/js/crypto.js under node: real
// Argon2id over a real password, real wrapped keys, a sealed invite secret,
// key proofs and a signed wrap of K for each member), then signs each person
// in on the dyad page in a browser context of their own.
//
// Going through the API instead of the sign-up and join forms takes a few
// seconds instead of half a minute; tests/browser/pairing.test.mjs covers
// the forms themselves.
//
//   const { a, b, dyadId } = await pairInBrowser(browser, server.url, { kind: 'couple' });
//   a.page      the dyad page /dyads/{dyadId}, signed in and showing K open
//   a.context   its browser context (cookies, storage) — a.context.request
//               shares the session cookie, for GETs from the test
//   a.api       a tests/lib/api.mjs Client with a session of its own (CSRF set)
//   a.email, a.password, a.name, a.userId, a.keys (Uint8Arrays; personal, …)
//   a.watch     watchPage() problems for that page (console errors, CSP, …)
//   dyadId, K (the dyad key), kind
import sodium from 'libsodium-wrappers-sumo';
import { createCrypto } from '../../web/js/crypto.js';
import { Client } from './api.mjs';
import { watchPage, allowExpected401 } from './browser.mjs';

await sodium.ready;
export const c = createCrypto(sodium);

let counter = 0;

function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}

/** base64(nonce ‖ XChaCha20-Poly1305(secret, "dyadinvite|1", personal)), as dyads.js makes it. */
export function inviteSecretBox(keys, secret) {
    const nonce = sodium.randombytes_buf(24);
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, 'dyadinvite|1', null, nonce, keys.personal);
    return c.b64(concat(nonce, ct));
}

/**
 * Registers a person through the API with keys derived from `password`
 * exactly as sign-up in the browser derives them, and logs the API client in.
 * With `setupToken` (and the `email` it was made for) the account is a
 * therapist's, set up at the operator's one-time link.
 * → { email, password, name, userId, keys, api }
 */
export async function createPerson(serverUrl, { name, password, email, setupToken } = {}) {
    counter += 1;
    const tag = sodium.to_hex(sodium.randombytes_buf(3));
    name = name || `Person ${counter}`;
    email = email || `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}-${tag}@example.org`;
    password = password || `a long and quiet walk ${tag}`;
    const keys = c.generateUserKeys();
    const salt = sodium.randombytes_buf(16);
    const master = c.deriveMaster(password, salt, c.KDF_OPS, c.KDF_MEM);
    const { authKey, wrapKey } = c.deriveAuthWrap(master);
    const recovery = c.newRecoveryCode();
    const recoveryKey = c.recoveryKey(recovery);
    const api = new Client(serverUrl);
    // a therapist's account comes from the operator's one-time link: its
    // token names the address, so the body has none
    const reg = await api.post(setupToken ? '/api/v1/therapist/setup' : '/api/v1/auth/register', {
        ...(setupToken ? { token: setupToken } : { email }),
        display_name: name,
        kdf_salt: c.b64(salt),
        auth_key: c.b64(authKey),
        box_public_key: c.b64(keys.boxPk),
        sign_public_key: c.b64(keys.signPk),
        wrapped_keys: c.wrapKeys(keys, wrapKey),
        recovery_wrapped_keys: c.wrapKeys(keys, recoveryKey),
    });
    if (reg.status !== 201) throw new Error(`register ${email}: ${reg.status} ${reg.text}`);
    const login = await api.post('/api/v1/auth/login', { email, auth_key: c.b64(authKey) });
    if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${login.text}`);
    api.csrf = login.json.csrf_token;
    c.wipe(master, authKey, wrapKey, recoveryKey);
    return { email, password, name, userId: login.json.user.id, keys, api };
}

/**
 * Pairs two people through the API: A creates a dyad of `kind`, B joins with
 * the invite code, and A seals K for B after checking B's key proof.
 * → { dyadId, K }
 */
export async function pairByApi(a, b, kind = 'couple') {
    const K = c.newDyadKey();
    const secret = c.newInviteSecret();
    const created = await a.api.post('/api/v1/dyads', {
        kind,
        ...c.sealDyadKey(K, a.keys.boxPk, a.keys.signSk),
        key_proof: c.keyProof(a.keys.boxPk, a.keys.signPk, secret),
        invite_secret_box: inviteSecretBox(a.keys, secret),
    });
    if (created.status !== 201) throw new Error(`create dyad: ${created.status} ${created.text}`);
    const dyadId = created.json.dyad.id;
    const joined = await b.api.post('/api/v1/dyads/join', {
        code: created.json.invite.code,
        key_proof: c.keyProof(b.keys.boxPk, b.keys.signPk, secret),
        invite_secret_box: inviteSecretBox(b.keys, secret),
    });
    if (joined.status !== 200) throw new Error(`join: ${joined.status} ${joined.text}`);
    const got = await a.api.get(`/api/v1/dyads/${dyadId}`);
    const bee = got.json.dyad.members.find((m) => m.user_id === b.userId);
    if (!c.verifyKeyProof(bee.key_proof, c.unb64(bee.box_public_key), c.unb64(bee.sign_public_key), secret)) {
        throw new Error('pairByApi: B’s key proof does not verify');
    }
    const wrapped = await a.api.put(`/api/v1/dyads/${dyadId}/keys/${b.userId}`,
        c.sealDyadKey(K, b.keys.boxPk, a.keys.signSk));
    if (wrapped.status !== 204) throw new Error(`wrap for B: ${wrapped.status} ${wrapped.text}`);
    c.wipe(secret);
    return { dyadId, K };
}

/**
 * Opens `path` in a fresh page, signs in with the person's password on the
 * form the page shows, and waits for `ready` (a selector) to appear.
 */
export async function signInAt(page, serverUrl, person, path, ready) {
    await page.goto(`${serverUrl}${path}`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    if (ready) await page.locator(ready).first().waitFor({ timeout: 30000 });
}

/**
 * Two people, paired, each signed in on the dyad page in a browser context
 * of their own. opts: { kind: 'couple'|'friends'|'family', names: [a, b] }.
 */
export async function pairInBrowser(browser, serverUrl, { kind = 'couple', names = ['Ana', 'Bea'] } = {}) {
    const [pa, pb] = await Promise.all([
        createPerson(serverUrl, { name: names[0] }),
        createPerson(serverUrl, { name: names[1] }),
    ]);
    const { dyadId, K } = await pairByApi(pa, pb, kind);
    const out = { dyadId, K, kind };
    for (const [key, p] of [['a', pa], ['b', pb]]) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const watch = watchPage(page, p.name, { allow: allowExpected401 });
        await signInAt(page, serverUrl, p, `/dyads/${dyadId}`, '#key-check');
        out[key] = { ...p, page, context, watch };
    }
    return out;
}

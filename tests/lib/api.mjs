// A small HTTP client for the API tests: keeps one session cookie and the
// CSRF token, sends JSON, returns {status, headers, json, text}.
import sodium from 'libsodium-wrappers-sumo';
import net from 'node:net';

await sodium.ready;
export { sodium };

export const b64 = (u8) => sodium.to_base64(u8, sodium.base64_variants.ORIGINAL);
export const unb64 = (s) => sodium.from_base64(s, sodium.base64_variants.ORIGINAL);

export class Client {
  constructor(base) {
    this.base = base;
    this.cookie = null;
    this.csrf = null;
  }

  async req(method, path, body, { headers = {}, raw } = {}) {
    const h = { ...headers };
    if (body !== undefined && raw === undefined) h['Content-Type'] = 'application/json';
    if (this.cookie) h.Cookie = this.cookie;
    if (this.csrf && method !== 'GET' && !('X-CSRF-Token' in h)) h['X-CSRF-Token'] = this.csrf;
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const set = res.headers.get('set-cookie');
    if (set) {
      const [pair] = set.split(';');
      this.cookie = /=$/.test(pair) || /Max-Age=0/.test(set) ? null : pair;
    }
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, json, text };
  }
  get(path, opts) { return this.req('GET', path, undefined, opts); }
  post(path, body, opts) { return this.req('POST', path, body, opts); }
  put(path, body, opts) { return this.req('PUT', path, body, opts); }
  del(path, body, opts) { return this.req('DELETE', path, body, opts); }
}

// A user as a browser would make one, but with a random auth key instead of
// Argon2id over a password (the server cannot tell the difference, and the
// tests stay fast). withKeys gives real box/sign key pairs for pairing.
export function newUser(tag = 'u') {
  const box = sodium.crypto_box_keypair();
  const sign = sodium.crypto_sign_keypair();
  const n = sodium.to_hex(sodium.randombytes_buf(4));
  return {
    email: `${tag}-${n}@example.org`,
    display_name: `${tag} ${n}`,
    kdf_salt: sodium.randombytes_buf(16),
    auth_key: sodium.randombytes_buf(32),
    box,
    sign,
    personal: sodium.randombytes_buf(32),
  };
}

export function registerBody(u) {
  return {
    email: u.email,
    display_name: u.display_name,
    kdf_salt: b64(u.kdf_salt),
    auth_key: b64(u.auth_key),
    box_public_key: b64(u.box.publicKey),
    sign_public_key: b64(u.sign.publicKey),
    wrapped_keys: b64(sodium.randombytes_buf(168)),
    recovery_wrapped_keys: b64(sodium.randombytes_buf(168)),
  };
}

export async function registerAndLogin(base, tag) {
  const u = newUser(tag);
  const c = new Client(base);
  const r = await c.post('/api/v1/auth/register', registerBody(u));
  if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
  const l = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  if (l.status !== 200) throw new Error(`login: ${l.status} ${l.text}`);
  c.csrf = l.json.csrf_token;
  u.id = l.json.user.id;
  return { u, c };
}

export function keyProof(u, secret) {
  const msg = new Uint8Array(64);
  msg.set(u.box.publicKey, 0);
  msg.set(u.sign.publicKey, 32);
  return b64(sodium.crypto_auth(msg, secret));
}

export function secretBox(u, secret) {
  const nonce = sodium.randombytes_buf(24);
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, 'dyadinvite|1', null, nonce, u.personal);
  const out = new Uint8Array(24 + ct.length);
  out.set(nonce, 0);
  out.set(ct, 24);
  return b64(out);
}

export function wrapFor(K, recipientBoxPk, signer) {
  const wrapped = sodium.crypto_box_seal(K, recipientBoxPk);
  const signature = sodium.crypto_sign_detached(wrapped, signer.sign.privateKey);
  return { wrapped_key: b64(wrapped), signature: b64(signature) };
}

// Sends raw bytes over TCP and returns the whole response text.
export function rawRequest(base, bytes) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(url.port), url.hostname);
    let data = '';
    sock.setTimeout(5000, () => { sock.destroy(); resolve(data); });
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data));
    sock.on('error', (e) => (data ? resolve(data) : reject(e)));
    sock.write(bytes);
  });
}

// Two new people paired into a dyad of `kind` through the API, as their
// browsers would: A creates it with a wrap of K for herself, B joins with
// the invite; with wrap, A also wraps K for B. → {a, b, id, K}
export async function pairDyad(base, kind = 'couple', { wrap = false } = {}) {
  const a = await registerAndLogin(base, 'a');
  const b = await registerAndLogin(base, 'b');
  const K = sodium.randombytes_buf(32);
  const secret = sodium.randombytes_buf(32);
  const r = await a.c.post('/api/v1/dyads', { kind, ...wrapFor(K, a.u.box.publicKey, a.u), key_proof: keyProof(a.u, secret), invite_secret_box: secretBox(a.u, secret) });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
  const id = r.json.dyad.id;
  const j = await b.c.post('/api/v1/dyads/join', { code: r.json.invite.code, key_proof: keyProof(b.u, secret), invite_secret_box: secretBox(b.u, secret) });
  if (j.status !== 200) throw new Error(`join: ${j.status} ${j.text}`);
  if (wrap) await a.c.put(`/api/v1/dyads/${id}/keys/${b.u.id}`, wrapFor(K, b.u.box.publicKey, a.u));
  return { a, b, id, K };
}

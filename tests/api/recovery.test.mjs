// A forgotten password and the recovery code: the browser opens the keys
// with the code, proves it by signing the server's challenge, and wraps the
// same keys under a new password. Nothing else gets in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, b64, sodium } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.stop(); });

async function account(password) {
  const c = new Client(srv.url);
  const salt = sodium.randombytes_buf(16);
  const { authKey, wrapKey } = cr.deriveAuthWrap(cr.deriveMaster(password, salt, 3, 67108864));
  const keys = cr.generateUserKeys();
  const code = cr.newRecoveryCode();
  const email = `r-${sodium.to_hex(sodium.randombytes_buf(3))}@example.org`;
  const r = await c.post('/api/v1/auth/register', {
    email, display_name: 'R', kdf_salt: b64(salt), auth_key: b64(authKey), box_public_key: b64(keys.boxPk),
    sign_public_key: b64(keys.signPk), wrapped_keys: cr.wrapKeys(keys, wrapKey), recovery_wrapped_keys: cr.wrapKeys(keys, cr.recoveryKey(code)),
  });
  assert.equal(r.status, 201);
  const l = await c.post('/api/v1/auth/login', { email, auth_key: b64(authKey) });
  c.csrf = l.json.csrf_token;
  return { c, email, authKey, keys, code: cr.formatRecoveryCode(code) };
}

// What the browser does with the recovery code.
async function recover(email, codeText, newPassword, { tamper } = {}) {
  const c = new Client(srv.url);
  const start = await c.get(`/api/v1/auth/recovery?email=${encodeURIComponent(email)}`);
  assert.equal(start.status, 200);
  const keys = cr.unwrapKeys(start.json.recovery_wrapped_keys, cr.recoveryKey(cr.parseRecoveryCode(codeText)));
  const salt = sodium.randombytes_buf(16);
  const { authKey, wrapKey } = cr.deriveAuthWrap(cr.deriveMaster(newPassword, salt, 3, 67108864));
  const signature = sodium.crypto_sign_detached(`dyad-recover|${start.json.challenge}`, keys.signSk);
  if (tamper) signature[0] ^= 1;
  const r = await c.post('/api/v1/auth/recover', {
    email, challenge: start.json.challenge, signature: b64(signature), new_kdf_salt: b64(salt),
    new_auth_key: b64(authKey), new_wrapped_keys: cr.wrapKeys(keys, wrapKey),
  });
  return { r, authKey, keys };
}

test('the recovery code brings back the same keys under a new password; every session ends', async () => {
  const a = await account('the old password nobody remembers');
  const { r, authKey, keys } = await recover(a.email, a.code, 'a brand new password');
  assert.equal(r.status, 204, r.text);
  assert.deepEqual(keys.signPk, a.keys.signPk, 'the same keys');
  assert.equal((await a.c.get('/api/v1/me')).status, 401, 'old sessions ended');
  const c = new Client(srv.url);
  assert.equal((await c.post('/api/v1/auth/login', { email: a.email, auth_key: b64(a.authKey) })).status, 401);
  const l = await c.post('/api/v1/auth/login', { email: a.email, auth_key: b64(authKey) });
  assert.equal(l.status, 200);
  assert.deepEqual(cr.unwrapKeys(l.json.wrapped_keys, cr.deriveAuthWrap(cr.deriveMaster('a brand new password', sodium.from_base64((await c.get(`/api/v1/auth/kdf?email=${encodeURIComponent(a.email)}`)).json.kdf_salt, sodium.base64_variants.ORIGINAL), 3, 67108864)).wrapKey).personal, a.keys.personal);
});

test('a wrong code, a bad signature or a stale challenge gets nowhere', async () => {
  const a = await account('pw one');
  assert.throws(() => cr.unwrapKeys('x', cr.recoveryKey(cr.newRecoveryCode())));
  const { r } = await recover(a.email, a.code, 'x', { tamper: true });
  assert.equal(r.status, 401);
  assert.equal((await a.c.get('/api/v1/me')).status, 200, 'nothing changed');
  const c = new Client(srv.url);
  const start = await c.get(`/api/v1/auth/recovery?email=${encodeURIComponent(a.email)}`);
  const raw = Buffer.from(start.json.challenge, 'base64url');
  raw.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000) - 3600), 0);
  const keys = cr.unwrapKeys(start.json.recovery_wrapped_keys, cr.recoveryKey(cr.parseRecoveryCode(a.code)));
  const forged = raw.toString('base64url');
  const sig = sodium.crypto_sign_detached(`dyad-recover|${forged}`, keys.signSk);
  const body = { email: a.email, challenge: forged, signature: b64(sig), new_kdf_salt: b64(new Uint8Array(16)), new_auth_key: b64(new Uint8Array(32)), new_wrapped_keys: b64(new Uint8Array(168)) };
  assert.equal((await c.post('/api/v1/auth/recover', body)).status, 401, 'a challenge edited to look older fails its MAC');
  assert.equal((await c.post('/api/v1/auth/recover', { ...body, challenge: 'short' })).json.error.field, 'challenge');
});

test('an unknown address looks the same as a known one', async () => {
  const a = await account('pw');
  const c = new Client(srv.url);
  const known = await c.get(`/api/v1/auth/recovery?email=${encodeURIComponent(a.email)}`);
  const unknown = await c.get('/api/v1/auth/recovery?email=nobody-here@example.org');
  const again = await c.get('/api/v1/auth/recovery?email=nobody-here@example.org');
  assert.equal(unknown.status, 200);
  assert.deepEqual(Object.keys(unknown.json).sort(), Object.keys(known.json).sort());
  assert.equal(unknown.json.recovery_wrapped_keys.length, known.json.recovery_wrapped_keys.length);
  assert.equal(unknown.json.recovery_wrapped_keys, again.json.recovery_wrapped_keys, 'stable');
});

// `dyad client read-export`: an account made exactly as a browser makes it
// (Argon2id over a password, wrapped keys), some words written, the export
// downloaded — and the native client turns it back into readable text with
// nothing but the password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, DYAD_BIN } from '../lib/server.mjs';
import { Client, b64, sodium } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.stop(); });

async function realAccount(name, password) {
  const c = new Client(srv.url);
  const salt = sodium.randombytes_buf(16);
  const { authKey, wrapKey } = cr.deriveAuthWrap(cr.deriveMaster(password, salt, 3, 67108864));
  const keys = cr.generateUserKeys();
  const email = `${name}-${sodium.to_hex(sodium.randombytes_buf(3))}@example.org`;
  const r = await c.post('/api/v1/auth/register', {
    email, display_name: name, kdf_salt: b64(salt), auth_key: b64(authKey),
    box_public_key: b64(keys.boxPk), sign_public_key: b64(keys.signPk),
    wrapped_keys: cr.wrapKeys(keys, wrapKey), recovery_wrapped_keys: cr.wrapKeys(keys, cr.recoveryKey(cr.newRecoveryCode())),
  });
  assert.equal(r.status, 201, r.text);
  const l = await c.post('/api/v1/auth/login', { email, auth_key: b64(authKey) });
  c.csrf = l.json.csrf_token;
  return { c, keys, id: l.json.user.id };
}

test('read-export decrypts shares, responses and notes with the password alone', async () => {
  const a = await realAccount('Ana', 'correct horse battery staple');
  const b = await realAccount('Ben', 'another long passphrase');
  const K = cr.newDyadKey();
  const secret = cr.newInviteSecret();
  const own = cr.sealDyadKey(K, a.keys.boxPk, a.keys.signSk);
  const box = (u) => {
    const n = sodium.randombytes_buf(24);
    return b64(new Uint8Array([...n, ...sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(secret, 'dyadinvite|1', null, n, u.keys.personal)]));
  };
  const d = await a.c.post('/api/v1/dyads', { kind: 'friends', ...own, key_proof: cr.keyProof(a.keys.boxPk, a.keys.signPk, secret), invite_secret_box: box(a) });
  const id = d.json.dyad.id;
  await b.c.post('/api/v1/dyads/join', { code: d.json.invite.code, key_proof: cr.keyProof(b.keys.boxPk, b.keys.signPk, secret), invite_secret_box: box(b) });
  await a.c.put(`/api/v1/dyads/${id}/keys/${b.id}`, cr.sealDyadKey(K, b.keys.boxPk, a.keys.signSk));
  const sid = cr.newEntryId();
  await a.c.post(`/api/v1/dyads/${id}/shares`, { id: sid, topic: 'hope', depth: 1, body: cr.encryptEntry(K, { dyadId: id, entryId: sid, authorId: a.id, kind: 'share' }, 'I hope we keep walking on Sundays.') });
  const bsid = cr.newEntryId();
  await b.c.post(`/api/v1/dyads/${id}/shares`, { id: bsid, topic: 'joy', depth: 1, body: cr.encryptEntry(K, { dyadId: id, entryId: bsid, authorId: b.id, kind: 'share' }, 'Ben writes this.') });
  const rid = cr.newEntryId();
  await a.c.post(`/api/v1/dyads/${id}/shares/${bsid}/responses`, { id: rid, kind: 'with_you', body: cr.encryptEntry(K, { dyadId: id, entryId: rid, authorId: a.id, kind: 'response' }, 'Me too.') });
  const day = new Date().toISOString().slice(0, 10);
  await a.c.put(`/api/v1/dyads/${id}/checkins/${day}`, { closeness: 7, note: cr.encryptEntry(a.keys.personal, { dyadId: id, entryId: day, authorId: a.id, kind: 'note' }, 'Quiet and good.') });

  const exp = await a.c.get('/api/v1/me/export');
  const file = join(srv.dir, 'export.json');
  writeFileSync(file, exp.text);
  const out = execFileSync(DYAD_BIN, ['client', 'read-export', file], { env: { ...process.env, DYAD_PASSWORD: 'correct horse battery staple' } }).toString();
  assert.match(out, /I hope we keep walking on Sundays\./);
  assert.match(out, /Me too\./);
  assert.match(out, /private note: Quiet and good\./);
  assert.match(out, /closeness: 7/);
  assert.ok(!out.includes('Ben writes this.'), 'only one\'s own words');

  const wrong = spawnSync(DYAD_BIN, ['client', 'read-export', file], { env: { ...process.env, DYAD_PASSWORD: 'wrong' } });
  assert.equal(wrong.status, 4, 'a wrong password is an authentication error');
  assert.match(wrong.stderr.toString(), /password does not open/);
  writeFileSync(file, '{"not":"an export"}');
  assert.equal(spawnSync(DYAD_BIN, ['client', 'read-export', file], { env: { ...process.env, DYAD_PASSWORD: 'x' } }).status, 1);
});

// Makes a therapist account the way an operator and a therapist would:
// `dyad therapist add EMAIL` prints a one-time link; the therapist's client
// sets up keys with the token from it. Returns {u, c, code}.
import { execFileSync } from 'node:child_process';
import { Client, newUser, registerBody, b64 } from './api.mjs';
import { DYAD_BIN } from './server.mjs';

export function therapistLink(srv, email) {
  const out = execFileSync(DYAD_BIN, ['therapist', 'add', email, '--db', srv.dbUrl, '--public-url', srv.url], {
    env: { ...process.env, DYAD_SECRET_FILE: `${srv.dir}/dyad.secret` },
  }).toString();
  const m = out.match(/(http:\/\/\S+\/setup\/([A-Za-z0-9_-]{43}))/);
  if (!m) throw new Error(`no setup link in: ${out}`);
  return { link: m[1], token: m[2] };
}

export async function makeTherapist(srv, tag = 't') {
  const u = newUser(tag);
  const { token } = therapistLink(srv, u.email);
  const c = new Client(srv.url);
  const body = registerBody(u);
  delete body.email;
  const r = await c.post('/api/v1/therapist/setup', { token, ...body });
  if (r.status !== 201) throw new Error(`setup: ${r.status} ${r.text}`);
  const l = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) });
  c.csrf = l.json.csrf_token;
  u.id = l.json.user.id;
  return { u, c, code: r.json.therapist_code, token };
}

// A dyad of two fresh members (kind: couple, friends, family) linked to a
// fresh therapist with both consents. → { a, b, t, id, K }.
export async function linkedPair(srv, kind = 'couple') {
  const { registerAndLogin, keyProof, secretBox, wrapFor, sodium } = await import('./api.mjs');
  const a = await registerAndLogin(srv.url, 'a');
  const b = await registerAndLogin(srv.url, 'b');
  const K = sodium.randombytes_buf(32);
  const secret = sodium.randombytes_buf(32);
  const r = await a.c.post('/api/v1/dyads', { kind, ...wrapFor(K, a.u.box.publicKey, a.u), key_proof: keyProof(a.u, secret), invite_secret_box: secretBox(a.u, secret) });
  const id = r.json.dyad.id;
  await b.c.post('/api/v1/dyads/join', { code: r.json.invite.code, key_proof: keyProof(b.u, secret), invite_secret_box: secretBox(b.u, secret) });
  await a.c.put(`/api/v1/dyads/${id}/keys/${b.u.id}`, wrapFor(K, b.u.box.publicKey, a.u));
  const t = await makeTherapist(srv);
  for (const x of [a, b]) {
    const l = await x.c.post(`/api/v1/dyads/${id}/therapist`, { therapist_code: t.code });
    if (l.status !== 200) throw new Error(`link: ${l.status} ${l.text}`);
  }
  return { a, b, t, id, K };
}

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

// The access matrix: every API route of the router (read from
// /api/v1/openapi.json, which is generated from the route table) × every
// role, with the status each cell must answer. A route without an entry
// here fails the test, so a new route cannot ship without its access rule.
// Roles: anonymous; self (A); partner (B); a member of another dyad (C);
// and four therapists: linked with both members' consent, half-consented,
// unlinked, and revoked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { Client, registerAndLogin, keyProof, secretBox, wrapFor, b64, sodium } from '../lib/api.mjs';
import { createCrypto } from '../../web/js/crypto.js';
import { makeTherapist } from '../lib/therapist.mjs';

const cr = createCrypto(sodium);
let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '1000' } }); });
after(async () => { if (srv) await srv.stop(); });

const today = new Date().toISOString().slice(0, 10);

// A and B share dyad D (A created it; A wrote share S); C is in dyad E.
async function fixtures() {
  const A = await registerAndLogin(srv.url, 'a');
  const B = await registerAndLogin(srv.url, 'b');
  const C = await registerAndLogin(srv.url, 'c');
  const C2 = await registerAndLogin(srv.url, 'c2');
  async function dyad(x, y) {
    const K = sodium.randombytes_buf(32);
    const secret = sodium.randombytes_buf(32);
    const r = await x.c.post('/api/v1/dyads', { kind: 'couple', ...wrapFor(K, x.u.box.publicKey, x.u), key_proof: keyProof(x.u, secret), invite_secret_box: secretBox(x.u, secret) });
    await y.c.post('/api/v1/dyads/join', { code: r.json.invite.code, key_proof: keyProof(y.u, secret), invite_secret_box: secretBox(y.u, secret) });
    return { id: r.json.dyad.id, K };
  }
  const D = await dyad(A, B);
  await dyad(C, C2);
  // therapists: Tact linked to D by both; Thalf has one consent for Dhalf;
  // Tun is linked to nothing; Trev was linked to Drev until it was revoked
  const [Tact, Thalf, Tun, Trev] = [await makeTherapist(srv, 'ta'), await makeTherapist(srv, 'th'), await makeTherapist(srv, 'tu'), await makeTherapist(srv, 'tr')];
  const Dhalf = await dyad(await registerAndLogin(srv.url, 'h1'), await registerAndLogin(srv.url, 'h2'));
  const H1 = await registerAndLogin(srv.url, 'h1b');
  const H2 = await registerAndLogin(srv.url, 'h2b');
  const Dh = await dyad(H1, H2);
  await H1.c.post(`/api/v1/dyads/${Dh.id}/therapist`, { therapist_code: Thalf.code });
  const R1 = await registerAndLogin(srv.url, 'r1');
  const R2 = await registerAndLogin(srv.url, 'r2');
  const Drev = await dyad(R1, R2);
  for (const [x, t] of [[A, Tact], [B, Tact], [R1, Trev], [R2, Trev]]) {
    const r = await x.c.post(`/api/v1/dyads/${x === A || x === B ? D.id : Drev.id}/therapist`, { therapist_code: t.code });
    assert.equal(r.status, 200, r.text);
  }
  assert.equal((await R2.c.del(`/api/v1/dyads/${Drev.id}/therapist`)).status, 204);
  void Dhalf;
  const S = cr.newEntryId();
  await A.c.post(`/api/v1/dyads/${D.id}/shares`, { id: S, topic: 'joy', depth: 1, body: cr.encryptEntry(D.K, { dyadId: D.id, entryId: S, authorId: A.u.id, kind: 'share' }, 'x') });
  // a second session of A's, for the session routes
  const A2 = new Client(srv.url);
  await A2.post('/api/v1/auth/login', { email: A.u.email, auth_key: b64(A.u.auth_key) });
  const aSessions = (await A.c.get('/api/v1/me/sessions')).json.sessions;
  const other = aSessions.find((s) => !s.current);
  return {
    A, B, C, D, S, aOtherSession: other.id, anon: new Client(srv.url), Tact, Thalf, Tun, Trev,
    // the dyad each therapist role is asked about
    therapistDyad: { Tact: D.id, Thalf: Dh.id, Tun: D.id, Trev: Drev.id },
  };
}

// status for [anonymous, A, B, C, Tact, Thalf, Tun, Trev]
const ROLES = ['anon', 'A', 'B', 'C', 'Tact', 'Thalf', 'Tun', 'Trev'];
const PUB = Array(8).fill(200);
const SESSION_ONLY = (s) => [401, ...Array(7).fill(s)];
const DYAD = (self, partner = self) => [401, self, partner, 404, 404, 404, 404, 404];
const THERAPIST = (active, others = 403) => [401, 403, 403, 403, active, others, others, others];

const MATRIX = {
  'GET /healthz': { expect: PUB },
  'GET /readyz': { expect: PUB },
  'GET /metrics': { expect: Array(8).fill(404) }, // off unless DYAD_METRICS_TOKEN is set
  'GET /openapi.json': { expect: PUB },
  'GET /auth/kdf': { query: '?email=someone@example.org', expect: PUB },
  'POST /auth/register': { body: {}, expect: Array(8).fill(400) },
  'POST /auth/login': { body: {}, expect: Array(8).fill(400) },
  'GET /auth/recovery': { query: '?email=someone@example.org', expect: PUB },
  'POST /auth/recover': { body: {}, expect: Array(8).fill(400) },
  'POST /auth/logout': { fresh: true, expect: SESSION_ONLY(204) },
  'POST /auth/lock': { fresh: true, expect: SESSION_ONLY(204) },
  'POST /auth/device': { body: {}, expect: Array(8).fill(400) },
  'POST /auth/device/forget': { body: {}, expect: Array(8).fill(400) },
  'POST /me/devices': { body: {}, expect: SESSION_ONLY(400) },
  'GET /me/devices': { expect: SESSION_ONLY(200) },
  'DELETE /me/devices/{did}': { params: () => ({ did: 'v-000000000000000000000000' }), expect: SESSION_ONLY(404) },
  'GET /me': { expect: SESSION_ONLY(200) },
  'POST /me/password': { body: {}, expect: SESSION_ONLY(400) },
  'DELETE /me': { body: {}, expect: SESSION_ONLY(400) },
  'GET /me/export': { expect: SESSION_ONLY(200) },
  'GET /me/sessions': { expect: SESSION_ONLY(200) },
  'GET /me/reminders': { expect: SESSION_ONLY(200) },
  'PUT /me/reminders': { body: {}, expect: SESSION_ONLY(400) },
  'DELETE /me/sessions/{sid}': { fresh: true, params: (f) => ({ sid: f.aOtherSession }), expect: [401, 204, 404, 404, 404, 404, 404, 404] },
  'DELETE /me/notices/{nid}': { params: () => ({ nid: 'n-000000000000000000000000' }), expect: SESSION_ONLY(404) },
  'GET /push/key': { expect: PUB },
  'GET /me/push': { expect: SESSION_ONLY(200) },
  'POST /me/push': { body: {}, expect: SESSION_ONLY(400) },
  'DELETE /me/push': { body: {}, expect: SESSION_ONLY(400) },
  'POST /me/push/test': { expect: SESSION_ONLY(200) },
  'POST /dyads': { body: {}, expect: SESSION_ONLY(400) },
  'POST /dyads/join': { body: {}, expect: SESSION_ONLY(400) },
  'GET /dyads/{id}': { expect: DYAD(200) },
  'PUT /dyads/{id}/keys/{user_id}': { body: {}, params: (f) => ({ id: f.D.id, user_id: f.B.u.id }), expect: DYAD(400) },
  'PUT /dyads/{id}/settings': { body: {}, expect: DYAD(200) },
  'POST /dyads/{id}/leave': { fresh: true, body: {}, expect: DYAD(204) },
  'POST /dyads/{id}/seen': { expect: DYAD(204) },
  'GET /invites/{code}': { params: () => ({ code: 'AAAAAAAAAAAAAAAA' }), expect: Array(8).fill(404) },
  'PUT /dyads/{id}/checkins/{date}': { body: {}, params: (f) => ({ id: f.D.id, date: today }), expect: DYAD(200) },
  'GET /dyads/{id}/checkins': { expect: DYAD(200) },
  'POST /dyads/{id}/shares': { body: {}, expect: DYAD(400) },
  'GET /dyads/{id}/shares': { expect: DYAD(200) },
  'POST /dyads/{id}/shares/{sid}/responses': { body: {}, params: (f) => ({ id: f.D.id, sid: f.S }), expect: DYAD(400) },
  // only the author (A wrote S) may take it back
  'DELETE /dyads/{id}/shares/{sid}': { fresh: true, params: (f) => ({ id: f.D.id, sid: f.S }), expect: DYAD(204, 403) },
  'DELETE /dyads/{id}/shares/{sid}/responses/{rid}': { params: (f) => ({ id: f.D.id, sid: f.S, rid: 'AAAAAAAAAAAAAAAAAAAAAA' }), expect: DYAD(404) },
  'GET /prompts': { expect: PUB },
  'GET /dyads/{id}/comfort': { expect: DYAD(200) },
  'PUT /dyads/{id}/comfort': { body: {}, expect: DYAD(400) },
  'GET /dyads/{id}/next-prompt': { expect: DYAD(200) },
  'GET /dyads/{id}/insights': { expect: DYAD(200) },
  'POST /dyads/{id}/therapist': { body: {}, expect: DYAD(400) },
  'GET /dyads/{id}/therapist': { expect: DYAD(200) },
  'DELETE /dyads/{id}/therapist': { fresh: true, expect: DYAD(204) },
  'GET /dyads/{id}/audit': { expect: DYAD(200) },
  'POST /therapist/setup': { body: {}, expect: Array(8).fill(400) },
  'GET /therapist/code': { expect: THERAPIST(200, 200) },
  'GET /therapist/caseload': { expect: THERAPIST(200, 200) },
  'GET /therapist/dyads/{id}': { expect: THERAPIST(200) },
  'POST /therapist/dyads/{id}/assignments': { body: {}, expect: THERAPIST(400) },
  'GET /therapist/dyads/{id}/assignments': { expect: THERAPIST(200) },
  'GET /dyads/{id}/homework': { expect: DYAD(200) },
  'GET /questionnaires': { expect: PUB },
  'GET /therapist/dyads/{id}/charts': { expect: THERAPIST(200) },
  'POST /therapist/dyads/{id}/private-checkins': { body: {}, expect: THERAPIST(400) },
  'GET /therapist/dyads/{id}/private-checkins': { expect: THERAPIST(200) },
  'GET /me/private-checkins': { expect: SESSION_ONLY(200) },
  'PUT /me/private-checkins/{pid}': { body: {}, params: () => ({ pid: 'p-000000000000000000000000' }), expect: SESSION_ONLY(400) },
  'POST /dyads/{id}/reshares': { body: {}, expect: DYAD(400) },
  'GET /therapist/dyads/{id}/reshares': { expect: THERAPIST(200) },
  'POST /therapist/dyads/{id}/measures': { body: {}, expect: THERAPIST(400) },
  'GET /therapist/dyads/{id}/measures': { expect: THERAPIST(200) },
  'DELETE /therapist/dyads/{id}/measures/{mid}': { params: (f) => ({ id: f.D.id, mid: 'm-000000000000000000000000' }), expect: THERAPIST(404) },
  'GET /dyads/{id}/measures': { expect: DYAD(200) },
  'POST /therapist/dyads/{id}/research': { body: {}, expect: THERAPIST(400) },
  'GET /dyads/{id}/research': { expect: DYAD(200) },
  'PUT /dyads/{id}/research/consent': { body: {}, expect: DYAD(404) },
  'DELETE /dyads/{id}/research/consent': { expect: DYAD(404) },
  'GET /therapist/dyads/{id}/research/export': { expect: THERAPIST(403) },
  'PUT /dyads/{id}/measures/{mid}/answers': { body: {}, params: (f) => ({ id: f.D.id, mid: 'm-000000000000000000000000' }), expect: DYAD(400) },
};

async function routes() {
  const api = await new Client(srv.url).get('/api/v1/openapi.json');
  const out = [];
  for (const [path, item] of Object.entries(api.json.paths))
    for (const [method, op] of Object.entries(item)) out.push({ key: `${method.toUpperCase()} ${path}`, session: !!op.security, method: method.toUpperCase(), path });
  return out;
}

function url(path, params) {
  const p = path.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(params[k]));
  return p === '/healthz' || p === '/readyz' || p === '/metrics' ? p : `/api/v1${p}`;
}

test('every route of the router has an access rule', async () => {
  const missing = (await routes()).filter((r) => !(r.key in MATRIX)).map((r) => r.key);
  assert.deepEqual(missing, [], 'routes without an entry in the access matrix');
  const known = new Set((await routes()).map((r) => r.key));
  assert.deepEqual(Object.keys(MATRIX).filter((k) => !known.has(k)), [], 'entries for routes that no longer exist');
});

test('each role gets exactly its status on each route', async () => {
  const shared = await fixtures();
  const failures = [];
  for (const r of await routes()) {
    const rule = MATRIX[r.key];
    if (!rule) continue;
    for (const [i, role] of ROLES.entries()) {
      // a call that succeeds may change what later cells see: fresh fixtures for it
      const f = rule.fresh && rule.expect[i] < 300 ? await fixtures() : shared;
      const who = role === 'anon' ? f.anon : f[role].c;
      const params = rule.params ? rule.params(f) : { id: role.startsWith('T') ? f.therapistDyad[role] : f.D.id };
      const res = await who.req(r.method, url(r.path, params) + (rule.query || ''), rule.body);
      if (res.status !== rule.expect[i]) failures.push(`${r.key} as ${role}: ${res.status} (wanted ${rule.expect[i]}) ${res.text.slice(0, 120)}`);
      if (res.status >= 500) failures.push(`${r.key} as ${role}: a 5xx`);
    }
  }
  assert.deepEqual(failures, []);
});

test('every state change made within a session needs the CSRF token', async () => {
  const f = await fixtures();
  const failures = [];
  for (const r of await routes()) {
    if (!r.session || r.method === 'GET') continue;
    const rule = MATRIX[r.key];
    const params = rule.params ? rule.params(f) : { id: f.D.id };
    const res = await f.A.c.req(r.method, url(r.path, params), rule.body, { headers: { 'X-CSRF-Token': 'wrong' } });
    if (res.status !== 403 || res.json?.error?.code !== 'csrf') failures.push(`${r.key}: ${res.status}`);
  }
  assert.deepEqual(failures, []);
  assert.equal((await f.A.c.get('/api/v1/me')).status, 200, 'nothing above logged A out');
});

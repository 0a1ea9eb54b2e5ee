// Two dyad servers, one PostgreSQL, through pgbouncer in transaction mode
// with a pool smaller than the servers' connections: one service. A member
// logs in on one and carries on on the other with the same cookie; a write
// through either is read through both; an invite made on one is used on
// the other, once; login throttling and the new-browser notice count
// across servers; a burst of concurrent writes through both all land. No
// state that matters lives in a server's memory. Runs where the suite runs
// on PostgreSQL (make test-pg); the cluster and pgbouncer are the test's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, backend } from '../lib/server.mjs';
import { Client, newUser, registerBody, b64, keyProof, secretBox, wrapFor, sodium } from '../lib/api.mjs';
import { cluster, bouncer } from '../lib/postgres.mjs';
import { createCrypto } from '../../web/js/crypto.js';

const cr = createCrypto(sodium);

function shareBody(K, dyadId, authorId, text) {
  const id = cr.newEntryId();
  return { id, topic: 'joy', depth: 1, body: cr.encryptEntry(K, { dyadId, entryId: id, authorId, kind: 'share' }, text) };
}

async function login(c, u, ua) {
  const r = await c.post('/api/v1/auth/login', { email: u.email, auth_key: b64(u.auth_key) }, ua ? { headers: { 'User-Agent': ua } } : {});
  if (r.status === 200) {
    c.csrf = r.json.csrf_token;
    u.id = r.json.user.id;
  }
  return r;
}

test('two servers over one PostgreSQL behind pgbouncer (transaction mode) serve as one',
  { skip: backend !== 'postgres' && 'the suite runs on SQLite', timeout: 300000 }, async () => {
    const pg = cluster();
    let pool;
    const servers = [];
    try {
      pg.psql('postgres', 'CREATE DATABASE dyad');
      pool = bouncer(pg, 'dyad', { poolSize: 3 });
      // one server secret for both: the fake salts and throttle keys agree
      const shared = mkdtempSync(join(tmpdir(), 'dyad-two-'));
      writeFileSync(join(shared, 'dyad.secret'), Buffer.from(sodium.randombytes_buf(32)), { mode: 0o600 });
      const env = { DYAD_SECRET_FILE: join(shared, 'dyad.secret'), DYAD_REGISTRATIONS_PER_CLIENT: '100', DYAD_THREADS: '4' };
      for (let i = 0; i < 2; i++) servers.push(await startServer({ args: ['--db', pool.url], env }));
      const [A, B] = servers.map((s) => s.url);

      // register on A, log in on B, carry on on A with B's cookie
      const ua = newUser('two-a');
      const ca = new Client(A);
      assert.equal((await ca.post('/api/v1/auth/register', registerBody(ua))).status, 201);
      ca.base = B;
      assert.equal((await login(ca, ua, 'BrowserOne/1.0')).status, 200);
      ca.base = A;
      assert.equal((await ca.get('/api/v1/me')).status, 200, 'a session made on B is known to A');

      // a dyad made on A, joined on B with its invite; the invite works once
      const ub = newUser('two-b');
      const cb = new Client(B);
      assert.equal((await cb.post('/api/v1/auth/register', registerBody(ub))).status, 201);
      assert.equal((await login(cb, ub)).status, 200);
      const K = sodium.randombytes_buf(32);
      const secret = sodium.randombytes_buf(32);
      const made = await ca.post('/api/v1/dyads', { kind: 'friends', ...wrapFor(K, ua.box.publicKey, ua), key_proof: keyProof(ua, secret), invite_secret_box: secretBox(ua, secret) });
      assert.equal(made.status, 201, made.text);
      const dyad = made.json.dyad.id;
      const join1 = { code: made.json.invite.code, key_proof: keyProof(ub, secret), invite_secret_box: secretBox(ub, secret) };
      assert.equal((await cb.post('/api/v1/dyads/join', join1)).status, 200);
      const uc = newUser('two-c');
      const cc = new Client(A);
      await cc.post('/api/v1/auth/register', registerBody(uc));
      await login(cc, uc);
      const again = await cc.post('/api/v1/dyads/join', { ...join1, key_proof: keyProof(uc, secret), invite_secret_box: secretBox(uc, secret) });
      assert.ok([404, 409].includes(again.status), `a used invite on the other server: ${again.status}`);
      assert.equal((await ca.put(`/api/v1/dyads/${dyad}/keys/${ub.id}`, wrapFor(K, ub.box.publicKey, ua))).status, 204);

      // writes through either, read through both
      const s1 = shareBody(K, dyad, ua.id, 'through A');
      assert.equal((await ca.post(`/api/v1/dyads/${dyad}/shares`, s1)).status, 201);
      const s2 = shareBody(K, dyad, ub.id, 'through B');
      assert.equal((await cb.post(`/api/v1/dyads/${dyad}/shares`, s2)).status, 201);
      for (const base of [A, B]) {
        ca.base = base;
        const list = await ca.get(`/api/v1/dyads/${dyad}/shares`);
        assert.deepEqual(list.json.shares.map((s) => s.id).sort(), [s1.id, s2.id].sort(), base);
      }

      // a burst of concurrent writes through both servers, pooled into 3
      // server connections: every one lands, once
      const burst = [];
      for (let i = 0; i < 24; i++) {
        const who = i % 2 ? { c: new Client(B), u: ub } : { c: new Client(A), u: ua };
        who.c.cookie = (i % 2 ? cb : ca).cookie;
        who.c.csrf = (i % 2 ? cb : ca).csrf;
        const body = shareBody(K, dyad, who.u.id, `burst ${i}`);
        burst.push(who.c.post(`/api/v1/dyads/${dyad}/shares`, body).then((r) => ({ r, id: body.id })));
      }
      const done = await Promise.all(burst);
      for (const { r } of done) assert.equal(r.status, 201, r.text);
      cb.base = A;
      const all = await cb.get(`/api/v1/dyads/${dyad}/shares?limit=50`);
      assert.equal(all.json.shares.length, 26);
      for (const { id } of done) assert.ok(all.json.shares.some((s) => s.id === id));

      // the new-browser notice: a second browser on B shows on A
      const other = new Client(B);
      assert.equal((await login(other, ua, 'BrowserTwo/2.0')).status, 200);
      ca.base = A;
      const notices = await ca.get('/api/v1/me');
      assert.equal(notices.status, 200);
      assert.ok(notices.json.notices.some((n) => n.kind === 'new_browser'), JSON.stringify(notices.json));

      // throttling counts failures made on either server
      const wrong = new Client(A);
      const statuses = [];
      for (let i = 0; i < 6; i++) {
        wrong.base = i % 2 ? B : A;
        statuses.push((await wrong.post('/api/v1/auth/login', { email: ub.email, auth_key: b64(sodium.randombytes_buf(32)) })).status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429], 'five failures across both, the sixth waits');
    } finally {
      for (const s of servers) await s.stop();
      if (pool) pool.stop();
      pg.destroy();
    }
  });

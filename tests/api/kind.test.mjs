// What the kind of a dyad changes, end to end: family roles said at pairing
// (the invitee gets the counterpart) and the prompts each member is offered;
// comfort shared by choice, and comfort_gap seen exactly by the viewers who
// may see both members' comfort.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { registerAndLogin, keyProof, secretBox, wrapFor, sodium, pairDyad } from '../lib/api.mjs';
import { makeTherapist } from '../lib/therapist.mjs';

let srv;
before(async () => { srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '200' } }); });
after(async () => { if (srv) await srv.stop(); });

async function familyPair(role) {
  const a = await registerAndLogin(srv.url, 'a');
  const b = await registerAndLogin(srv.url, 'b');
  const K = sodium.randombytes_buf(32);
  const secret = sodium.randombytes_buf(32);
  const body = { kind: 'family', ...wrapFor(K, a.u.box.publicKey, a.u), key_proof: keyProof(a.u, secret), invite_secret_box: secretBox(a.u, secret) };
  if (role) body.family_role = role;
  const r = await a.c.post('/api/v1/dyads', body);
  assert.equal(r.status, 201, r.text);
  const j = await b.c.post('/api/v1/dyads/join', { code: r.json.invite.code, key_proof: keyProof(b.u, secret), invite_secret_box: secretBox(b.u, secret) });
  assert.equal(j.status, 200, j.text);
  return { a, b, id: r.json.dyad.id };
}

const roles = async (p) => Object.fromEntries((await p.b.c.get(`/api/v1/dyads/${p.id}`)).json.dyad.members.map((m) => [m.user_id, m.family_role]));

test('family roles: said at pairing, the counterpart for the invitee, changed for both at once', async () => {
  const p = await familyPair('parent');
  assert.deepEqual(await roles(p), { [p.a.u.id]: 'parent', [p.b.u.id]: 'child' });
  const none = await familyPair(null);
  assert.deepEqual(await roles(none), { [none.a.u.id]: null, [none.b.u.id]: null });
  // the child says they are a grandchild instead: the other becomes the grandparent
  const r = await p.b.c.put(`/api/v1/dyads/${p.id}/settings`, { family_role: 'grandchild' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.settings.family_role, 'grandchild');
  assert.deepEqual(await roles(p), { [p.a.u.id]: 'grandparent', [p.b.u.id]: 'grandchild' });
  assert.equal((await p.b.c.put(`/api/v1/dyads/${p.id}/settings`, { family_role: 'none' })).json.settings.family_role, 'none');
  assert.deepEqual(await roles(p), { [p.a.u.id]: null, [p.b.u.id]: null });
  // refused: a role outside a family, an unknown role
  const f = await pairDyad(srv.url, 'friends');
  const bad = await f.a.c.put(`/api/v1/dyads/${f.id}/settings`, { family_role: 'sibling' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'family_role');
  const odd = await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { family_role: 'cousin' });
  assert.equal(odd.status, 400);
  assert.equal(odd.json.error.field, 'family_role');
  assert.deepEqual(await roles(p), { [p.a.u.id]: null, [p.b.u.id]: null }, 'nothing half-written');
});

test('each family member is offered prompts for anyone or for their own role only', async () => {
  const lib = (await (await registerAndLogin(srv.url, 'l')).c.get('/api/v1/prompts?kind=family')).json.prompts;
  assert.ok(lib.some((x) => x.for === 'parent') && lib.some((x) => x.for === 'child'), 'the library has prompts for each side');
  const p = await familyPair('parent');
  const none = await familyPair(null);
  const topics = [...new Set(lib.map((x) => x.topic))];
  const offered = { parent: [], child: [], none: [] };
  for (const t of topics) {
    for (const [who, c, id] of [['parent', p.a.c, p.id], ['child', p.b.c, p.id], ['none', none.a.c, none.id]]) {
      const r = await c.get(`/api/v1/dyads/${id}/next-prompt?topic=${t}`);
      assert.equal(r.status, 200, r.text);
      if (r.json.prompt) offered[who].push(r.json.prompt);
    }
  }
  for (const who of ['parent', 'child', 'none']) assert.ok(offered[who].length > 0, `${who} was offered prompts`);
  for (const x of offered.parent) assert.ok(x.for === undefined || x.for === 'parent', `parent offered ${x.id} for ${x.for}`);
  for (const x of offered.child) assert.ok(x.for === undefined || x.for === 'child', `child offered ${x.id} for ${x.for}`);
  for (const x of offered.none) assert.equal(x.for, undefined, `no role: offered ${x.id} for ${x.for}`);
});

test('comfort_gap fires once comfort is shared, for exactly the viewers who may see both', async () => {
  const p = await pairDyad(srv.url, 'couple');
  const t = await makeTherapist(srv, 'ct');
  for (const who of [p.a, p.b]) assert.equal((await who.c.post(`/api/v1/dyads/${p.id}/therapist`, { therapist_code: t.code })).status, 200);
  assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 5 })).status, 200);
  assert.equal((await p.b.c.put(`/api/v1/dyads/${p.id}/comfort`, { fear: 1 })).status, 200);
  const sees = async () => {
    const out = {};
    for (const [name, c, path] of [['a', p.a.c, `/api/v1/dyads/${p.id}/insights`], ['b', p.b.c, `/api/v1/dyads/${p.id}/insights`],
      ['therapist', t.c, `/api/v1/therapist/dyads/${p.id}`]]) {
      const r = await c.get(path);
      assert.equal(r.status, 200, `${name}: ${r.text}`);
      const findings = r.json.findings || (r.json.insights && r.json.insights.findings) || [];
      out[name] = findings.some((f) => f.code === 'comfort_gap');
    }
    return out;
  };
  assert.deepEqual(await sees(), { a: false, b: false, therapist: false }, 'nobody shares comfort yet');
  const shown = await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { show_comfort: true });
  assert.equal(shown.status, 200, shown.text);
  assert.equal(shown.json.settings.show_comfort, true);
  assert.equal((await p.a.c.get(`/api/v1/dyads/${p.id}`)).json.dyad.show_comfort, true);
  assert.deepEqual(await sees(), { a: false, b: true, therapist: false }, 'only B may see both levels');
  assert.equal((await p.b.c.put(`/api/v1/dyads/${p.id}/settings`, { show_comfort: true })).status, 200);
  assert.deepEqual(await sees(), { a: true, b: true, therapist: true }, 'both share: everyone');
  const r = await p.b.c.get(`/api/v1/dyads/${p.id}/insights`);
  const f = r.json.findings.find((x) => x.code === 'comfort_gap');
  assert.equal(f.numbers.gap, 4);
  assert.match(f.explanation, /"fear" is 1 and .+'s is 5/);
  // taking it back hides it again at once
  assert.equal((await p.a.c.put(`/api/v1/dyads/${p.id}/settings`, { show_comfort: false })).status, 200);
  assert.deepEqual(await sees(), { a: true, b: false, therapist: false });
});

// vectors.test.mjs — web/js/crypto.js against the known-answer vectors.
//
// tests/vectors/key-design.json is the shared reference set (libsodium.js,
// checked against Debian's libsodium); tests/vectors/dyad-extra.json was made
// by our C code (tests/vectors/gen_extra.c). Every deterministic value must
// come out byte for byte; sealed boxes are opened. tests/unit/test_keys.c runs
// the same checks on src/crypto/keys.c, so the browser and the C side are
// pinned to each other. Run: node --test tests/js/

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sodium from 'libsodium-wrappers-sumo';
import { createCrypto } from '../../web/js/crypto.js';

await sodium.ready;
const c = createCrypto(sodium);

const vectorsDir = new URL('../vectors/', import.meta.url);
const shared = JSON.parse(readFileSync(new URL('key-design.json', vectorsDir), 'utf8'));
const extra = JSON.parse(readFileSync(new URL('dyad-extra.json', vectorsDir), 'utf8'));
const pinVec = JSON.parse(readFileSync(new URL('pin-unlock.json', vectorsDir), 'utf8'));

const hex = (s) => {
    assert.match(s, /^([0-9a-f]{2})*$/);
    return sodium.from_hex(s);
};
const toHex = (b) => sodium.to_hex(b);
const B64 = sodium.base64_variants.ORIGINAL;

function member(m) {
    const personal = m.personal_key_hex ? hex(m.personal_key_hex) : new Uint8Array(32);
    return c.userKeysFromSeeds(hex(m.box_seed_hex), hex(m.sign_seed_hex), personal);
}

function assertSameKeys(got, want) {
    for (const k of ['boxPk', 'boxSk', 'signPk', 'signSk', 'personal']) {
        assert.equal(toHex(got[k]), toHex(want[k]), k);
    }
}

function metaOf(e) {
    return { dyadId: e.dyad_id, entryId: e.entry_id, authorId: e.author_id, kind: e.kind };
}

// The shared file names no key: a note is under its author's (A's) personal key.
function entryKey(e, keys) {
    const name = e.key ?? (e.kind === 'note' ? 'personal_key_a' : 'dyad_key');
    const key = { dyad_key: keys.K, personal_key_a: keys.a?.personal, personal_key_b: keys.b?.personal }[name];
    assert.ok(key, `no key named ${name}`);
    return key;
}

function checkKdf(kdf) {
    const master = c.deriveMaster(kdf.password, hex(kdf.kdf_salt_hex), kdf.opslimit, kdf.memlimit);
    assert.equal(toHex(master), kdf.master_hex);
    const { authKey, wrapKey } = c.deriveAuthWrap(master);
    assert.equal(toHex(authKey), kdf.auth_key_hex);
    assert.equal(toHex(wrapKey), kdf.wrap_key_hex);
}

function checkEntries(entries, keys) {
    assert.ok(entries.length > 0);
    for (const e of entries) {
        const meta = metaOf(e);
        const key = entryKey(e, keys);
        assert.equal(c.entryAd(meta), e.ad);
        const body = c.encryptEntry(key, meta, e.text, hex(e.nonce_hex));
        assert.equal(body, e.body, `body of ${e.entry_id}`);
        assert.equal(sodium.from_base64(body, B64).length - 24 - 16, e.padded_len);
        assert.equal(c.decryptEntry(key, meta, e.body), e.text);
        if (e.text_utf8_len !== undefined) {
            assert.equal(new TextEncoder().encode(e.text).length, e.text_utf8_len);
        }
    }
}

function assertEntryRefused(key, meta, body) {
    assert.throws(() => c.decryptEntry(key, meta, body), (err) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /^entry: /);
        return true;
    });
}

describe('shared reference vectors (key-design.json)', () => {
    const a = member(shared.member_a);
    const b = member(shared.member_b);
    const K = hex(shared.dyad_key.dyad_key_hex);

    test('kdf: master, auth and wrap keys', () => {
        assert.equal(shared.kdf.opslimit, c.KDF_OPS);
        assert.equal(shared.kdf.memlimit, c.KDF_MEM);
        checkKdf(shared.kdf);
    });

    test('member keys from seeds', () => {
        const ma = shared.member_a;
        assert.equal(toHex(a.boxPk), ma.box_public_key_hex);
        assert.equal(toHex(a.boxSk), ma.box_secret_key_hex);
        assert.equal(toHex(a.signPk), ma.sign_public_key_hex);
        assert.equal(toHex(a.signSk), ma.sign_secret_key_hex);
        assert.equal(toHex(a.personal), ma.personal_key_hex);
        assert.equal(toHex(b.boxPk), shared.member_b.box_public_key_hex);
        assert.equal(toHex(b.boxSk), shared.member_b.box_secret_key_hex);
        assert.equal(toHex(b.signPk), shared.member_b.sign_public_key_hex);
    });

    test('wrapped keys', () => {
        const wk = shared.wrapped_keys;
        const wrapKey = hex(shared.kdf.wrap_key_hex);
        assert.equal(wk.ad, 'dyadkeys|1');
        assert.equal(c.wrapKeys(a, wrapKey, hex(wk.nonce_hex)), wk.base64);
        assertSameKeys(c.unwrapKeys(wk.base64, wrapKey), a);
        const fresh = c.wrapKeys(a, wrapKey);
        assert.notEqual(fresh, wk.base64);
        assertSameKeys(c.unwrapKeys(fresh, wrapKey), a);
    });

    test('recovery key and recovery-wrapped keys', () => {
        const r = shared.recovery;
        const code = hex(r.recovery_code_hex);
        const key = c.recoveryKey(code);
        assert.equal(toHex(key), r.recovery_key_hex);
        assert.equal(toHex(c.recoveryKey(c.formatRecoveryCode(code))), r.recovery_key_hex);
        assert.equal(c.wrapKeys(a, key, hex(r.nonce_hex)), r.base64);
        assertSameKeys(c.unwrapKeys(r.base64, key), a);
        const text = c.formatRecoveryCode(code);
        assert.match(text, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){12}$/);
        assert.equal(toHex(c.parseRecoveryCode(text)), r.recovery_code_hex);
    });

    test('key proofs', () => {
        const p = shared.pairing;
        const secret = hex(p.invite_secret_hex);
        assert.equal(c.keyProof(a.boxPk, a.signPk, secret), p.key_proof_a_base64);
        assert.equal(c.keyProof(b.boxPk, b.signPk, secret), p.key_proof_b_base64);
        assert.equal(c.verifyKeyProof(p.key_proof_a_base64, a.boxPk, a.signPk, secret), true);
        assert.equal(c.verifyKeyProof(p.key_proof_b_base64, b.boxPk, b.signPk, secret), true);
        // a proof vouches for these keys under this secret only
        assert.equal(c.verifyKeyProof(p.key_proof_a_base64, b.boxPk, b.signPk, secret), false);
        assert.equal(c.verifyKeyProof(p.key_proof_a_base64, a.boxPk, b.signPk, secret), false);
        const other = secret.slice();
        other[0] ^= 1;
        assert.equal(c.verifyKeyProof(p.key_proof_a_base64, a.boxPk, a.signPk, other), false);
        assert.equal(c.verifyKeyProof('not base64', a.boxPk, a.signPk, secret), false);
        assert.equal(c.verifyKeyProof(undefined, a.boxPk, a.signPk, secret), false);
    });

    test('safety hash and code, in either order', () => {
        const p = shared.pairing;
        assert.equal(toHex(c.safetyHash(a.boxPk, a.signPk, b.boxPk, b.signPk)), p.safety_hash_hex);
        assert.equal(toHex(c.safetyHash(b.boxPk, b.signPk, a.boxPk, a.signPk)), p.safety_hash_hex);
        assert.equal(c.safetyCode(a.boxPk, a.signPk, b.boxPk, b.signPk), p.safety_code);
        assert.equal(c.safetyCode(b.boxPk, b.signPk, a.boxPk, a.signPk), p.safety_code);
    });

    test("B opens the dyad key A sealed and signed", () => {
        const d = shared.dyad_key;
        const sealed = d.sealed_for_b_base64;
        const sig = d.wrap_signature_by_a_base64;
        assert.equal(toHex(c.openDyadKey(sealed, sig, a.signPk, b.boxPk, b.boxSk)), d.dyad_key_hex);
        assert.throws(() => c.openDyadKey(sealed, sig, b.signPk, b.boxPk, b.boxSk), /^Error: dyad key: signature/);
        assert.throws(() => c.openDyadKey(sealed, sig, a.signPk, a.boxPk, a.boxSk), /^Error: dyad key: could not open/);
        const raw = sodium.from_base64(sealed, B64);
        for (let i = 0; i < raw.length; i++) {
            raw[i] ^= 0x20;
            assert.throws(() => c.openDyadKey(c.b64(raw), sig, a.signPk, b.boxPk, b.boxSk), /^Error: dyad key: /);
            raw[i] ^= 0x20;
        }
    });

    test('entry bodies', () => {
        checkEntries(shared.entries, { K, a });
    });
});

describe('extra vectors made by the C code (dyad-extra.json)', () => {
    const a = member(extra.member_a);
    const b = member(extra.member_b);
    const t = member(extra.therapist);
    const K = hex(extra.dyad_key.dyad_key_hex);

    test('kdf with a non-ASCII password', () => {
        checkKdf(extra.kdf);
    });

    test('weak or hostile kdf parameters are refused', () => {
        for (const p of extra.kdf_refused) {
            assert.throws(() => c.checkKdfParams(p), /^Error: kdf: /, JSON.stringify(p));
            if (p.alg === 'argon2id13') {
                assert.throws(() => c.deriveMaster('pw', new Uint8Array(16), p.opslimit, p.memlimit), /^Error: kdf: /);
            }
        }
        assert.throws(() => c.checkKdfParams({ opslimit: '3', memlimit: c.KDF_MEM, alg: 'argon2id13' }));
        assert.throws(() => c.checkKdfParams({ opslimit: 3.5, memlimit: c.KDF_MEM, alg: 'argon2id13' }));
        assert.throws(() => c.checkKdfParams({ opslimit: 3 }));
        assert.throws(() => c.checkKdfParams(undefined));
        c.checkKdfParams({ opslimit: 3, memlimit: 67108864, alg: 'argon2id13' });
        c.checkKdfParams({ opslimit: 4, memlimit: 134217728, alg: 'argon2id13' });
        assert.throws(() => c.deriveMaster('pw', new Uint8Array(15)), /salt/);
    });

    test('member and therapist keys; B wrapped', () => {
        for (const [name, u] of [['member_a', a], ['member_b', b], ['therapist', t]]) {
            const m = extra[name];
            assert.equal(toHex(u.boxPk), m.box_public_key_hex, name);
            assert.equal(toHex(u.boxSk), m.box_secret_key_hex, name);
            assert.equal(toHex(u.signPk), m.sign_public_key_hex, name);
            assert.equal(toHex(u.signSk), m.sign_secret_key_hex, name);
            assert.equal(toHex(u.personal), m.personal_key_hex, name);
        }
        const wk = extra.wrapped_keys;
        const wrapKey = hex(extra.kdf.wrap_key_hex);
        assert.equal(c.wrapKeys(b, wrapKey, hex(wk.nonce_hex)), wk.base64);
        assertSameKeys(c.unwrapKeys(wk.base64, wrapKey), b);
    });

    test('recovery codes: format, key, spellings, refusals', () => {
        const r = extra.recovery;
        for (const code of r.codes) {
            const bytes = hex(code.code_hex);
            assert.equal(c.formatRecoveryCode(bytes), code.formatted);
            assert.equal(toHex(c.parseRecoveryCode(code.formatted)), code.code_hex);
            assert.equal(toHex(c.recoveryKey(bytes)), code.recovery_key_hex);
        }
        for (const spelling of r.accepted_for_codes_2) {
            assert.equal(toHex(c.parseRecoveryCode(spelling)), r.codes[2].code_hex, JSON.stringify(spelling));
        }
        for (const bad of r.rejected) {
            assert.throws(() => c.parseRecoveryCode(bad), /^Error: recovery code: /, JSON.stringify(bad));
        }
        // only ASCII letters fold: 'ſ' upper-cases to 'S' in JavaScript
        assert.throws(() => c.parseRecoveryCode(r.codes[2].formatted.replace('FI5E', 'FI5ſ')), /^Error: recovery code: /);
        assert.throws(() => c.parseRecoveryCode(r.codes[2].formatted.replace('FI5E', 'FI5\u00df').slice(0, -1)), /^Error: recovery code: /);
        assert.throws(() => c.parseRecoveryCode(null));
        const key = c.recoveryKey(hex(r.codes[2].code_hex));
        assert.equal(c.wrapKeys(a, key, hex(r.nonce_hex)), r.base64);
        assertSameKeys(c.unwrapKeys(r.base64, key), a);
    });

    test('invite secret, entry id, proofs, safety codes', () => {
        const p = extra.pairing;
        const secret = hex(p.invite_secret_hex);
        assert.equal(c.encodeSecret(secret), p.invite_secret_encoded);
        assert.equal(toHex(c.decodeSecret(p.invite_secret_encoded)), p.invite_secret_hex);
        for (const bad of [p.invite_secret_encoded + '=', p.invite_secret_encoded.replace(/-/g, '+').replace(/_/g, '/'),
            p.invite_secret_encoded.slice(0, -1), p.invite_secret_encoded.slice(0, -1) + 'p', '', 'AAAA']) {
            assert.throws(() => c.decodeSecret(bad), /^Error: invite secret: /, bad);
        }
        assert.equal(sodium.to_base64(hex(p.entry_id_bytes_hex), sodium.base64_variants.URLSAFE_NO_PADDING), p.entry_id);
        const id = c.newEntryId();
        assert.match(id, /^[A-Za-z0-9_-]{22}$/);
        assert.equal(sodium.from_base64(id, sodium.base64_variants.URLSAFE_NO_PADDING).length, 16);
        assert.equal(c.keyProof(a.boxPk, a.signPk, secret), p.key_proof_a_base64);
        assert.equal(c.keyProof(b.boxPk, b.signPk, secret), p.key_proof_b_base64);
        assert.equal(c.verifyKeyProof(p.key_proof_b_base64, b.boxPk, b.signPk, secret), true);
        assert.equal(toHex(c.safetyHash(b.boxPk, b.signPk, a.boxPk, a.signPk)), p.safety_hash_ab_hex);
        assert.equal(c.safetyCode(b.boxPk, b.signPk, a.boxPk, a.signPk), p.safety_code_ab);
        assert.equal(toHex(c.safetyHash(a.boxPk, a.signPk, t.boxPk, t.signPk)), p.safety_hash_at_hex);
        assert.equal(toHex(c.safetyHash(t.boxPk, t.signPk, a.boxPk, a.signPk)), p.safety_hash_at_hex);
        assert.equal(c.safetyCode(t.boxPk, t.signPk, a.boxPk, a.signPk), p.safety_code_at);
        assert.match(p.safety_code_at, /^\d{5}( \d{5}){5}$/);
    });

    test('dyad key wraps made by C open in JS, and the other way round', () => {
        const d = extra.dyad_key;
        assert.equal(toHex(c.openDyadKey(d.sealed_for_a_base64, d.wrap_signature_by_b_base64, b.signPk, a.boxPk, a.boxSk)), d.dyad_key_hex);
        assert.equal(toHex(c.openDyadKey(d.sealed_for_b_base64, d.wrap_signature_by_a_base64, a.signPk, b.boxPk, b.boxSk)), d.dyad_key_hex);
        assert.throws(() => c.openDyadKey(d.sealed_for_b_base64, d.wrap_signature_by_b_base64, b.signPk, b.boxPk, b.boxSk), /signature/);
        const w = c.sealDyadKey(K, b.boxPk, a.signSk);
        assert.equal(toHex(c.openDyadKey(w.wrapped_key, w.signature, a.signPk, b.boxPk, b.boxSk)), d.dyad_key_hex);
        assert.equal(sodium.from_base64(w.wrapped_key, B64).length, 80);
        assert.equal(sodium.from_base64(w.signature, B64).length, 64);
    });

    test('entry bodies: non-ASCII, block edges, empty, long, BOM, a note', () => {
        checkEntries(extra.entries, { K, a, b });
        const lens = extra.entries.map((e) => e.padded_len);
        assert.ok(lens.includes(128) && lens.includes(256), 'padding beyond one block is covered');
    });

    test('values sealed to the therapist open, for the therapist only', () => {
        for (const s of extra.sealed_to_therapist) {
            assert.equal(c.openSealed(s.sealed_base64, t.boxPk, t.boxSk), s.text);
            assert.throws(() => c.openSealed(s.sealed_base64, a.boxPk, a.boxSk), /^Error: seal: could not open/);
            const fresh = c.sealToKey(s.text, t.boxPk);
            assert.notEqual(fresh, s.sealed_base64);
            assert.equal(sodium.from_base64(fresh, B64).length, 48 + s.padded_len);
            assert.equal(c.openSealed(fresh, t.boxPk, t.boxSk), s.text);
        }
    });
});

describe('therapist code fingerprint', () => {
    test('matches the C side for member_a', () => {
        const m = shared.member_a;
        assert.equal(c.therapistFingerprint(hex(m.box_public_key_hex), hex(m.sign_public_key_hex)),
            extra.therapist_fingerprint.fingerprint);
        const other = hex(m.sign_public_key_hex);
        other[0] ^= 1;
        assert.notEqual(c.therapistFingerprint(hex(m.box_public_key_hex), other), extra.therapist_fingerprint.fingerprint);
    });
});

describe('refusals: tampering, moved records, bad input', () => {
    test('a flipped byte, a cut or a moved body never decrypts', () => {
        for (const file of [shared, extra]) {
            const K = hex(file.dyad_key.dyad_key_hex);
            const entries = file.entries.filter((e) => e.kind !== 'note');
            for (const e of entries) {
                const meta = metaOf(e);
                const raw = sodium.from_base64(e.body, B64);
                for (let i = 0; i < raw.length; i++) {
                    raw[i] ^= 0x01;
                    assertEntryRefused(K, meta, c.b64(raw));
                    raw[i] ^= 0x01;
                }
                assertEntryRefused(K, meta, c.b64(raw.subarray(0, raw.length - 1)));
                assertEntryRefused(K, meta, c.b64(raw.subarray(0, raw.length - 16)));
                const longer = new Uint8Array(raw.length + 1);
                longer.set(raw);
                assertEntryRefused(K, meta, c.b64(longer));
                for (const other of entries) {
                    if (other !== e) assertEntryRefused(K, metaOf(other), e.body);
                }
                assertEntryRefused(K, { ...meta, dyadId: 'd-0002' }, e.body);
                assertEntryRefused(K, { ...meta, entryId: 'AAECAwQFBgcICQoLDA0OEA' }, e.body);
                assertEntryRefused(K, { ...meta, authorId: meta.authorId === 'u-000a' ? 'u-000b' : 'u-000a' }, e.body);
                assertEntryRefused(K, { ...meta, kind: meta.kind === 'share' ? 'response' : 'share' }, e.body);
                assertEntryRefused(K, { ...meta, kind: 'note' }, e.body);
                const wrong = K.slice();
                wrong[31] ^= 0x80;
                assertEntryRefused(wrong, meta, e.body);
                const unpadded = e.body.replace(/=+$/, '');
                for (const bad of ['', '!!!!', e.body + ' ', '\n' + e.body, e.body + '====', null,
                    ...(unpadded !== e.body ? [unpadded] : [])]) {
                    assertEntryRefused(K, meta, bad);
                }
            }
        }
    });

    test('authentic ciphertext of invalid UTF-8 or bad padding is refused, not returned', () => {
        const K = new Uint8Array(32).fill(7);
        const nonce = new Uint8Array(24).fill(9);
        const meta = { dyadId: 'd-1', entryId: 'e-1', authorId: 'u-1', kind: 'share' };
        const ad = c.entryAd(meta);
        const forge = (padded) => c.b64(new Uint8Array([...nonce,
            ...sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, ad, null, nonce, K)]));
        const overlong = new Uint8Array(64);
        overlong.set([0xc0, 0xaf, 0x80]);
        assertEntryRefused(K, meta, forge(overlong));
        assertEntryRefused(K, meta, forge(new Uint8Array(64).fill(0x61)));
        // a lone surrogate in a JS string is encoded as U+FFFD, never as invalid UTF-8
        assert.equal(c.decryptEntry(K, meta, c.encryptEntry(K, meta, 'a\ud800b', nonce)), 'a\ufffdb');
    });

    test('entry ad fields are checked', () => {
        const ok = { dyadId: 'd-1', entryId: '2026-03-01', authorId: 'u-1', kind: 'note' };
        assert.equal(c.entryAd(ok), 'dyad|d-1|2026-03-01|u-1|note|1');
        for (const bad of [{ dyadId: 'd|1' }, { entryId: '' }, { authorId: 'u 1' }, { authorId: 'é' },
            { kind: 'checkin' }, { kind: undefined }, { dyadId: 7 }]) {
            assert.throws(() => c.entryAd({ ...ok, ...bad }), /^Error: entry ad: /, JSON.stringify(bad));
        }
        assert.throws(() => c.entryAd(undefined), /^Error: entry ad: /);
        const longest = { ...ok, entryId: 'e'.repeat(1023 - 'dyad|d-1||u-1|note|1'.length) };
        assert.equal(c.entryAd(longest).length, 1023);
        assert.throws(() => c.entryAd({ ...longest, entryId: longest.entryId + 'e' }), /^Error: entry ad: longer/);
        assert.throws(() => c.encryptEntry(new Uint8Array(32), { ...ok, kind: 'x' }, 'hi'), /^Error: entry ad: /);
        assert.throws(() => c.encryptEntry(new Uint8Array(31), ok, 'hi'), /^Error: entry: key/);
        assert.throws(() => c.encryptEntry(new Uint8Array(32), ok, 42), /^Error: entry: text/);
    });

    test('unwrapping refuses a wrong key, damage and an inconsistent signing key', () => {
        const a = member(shared.member_a);
        const wk = shared.wrapped_keys;
        const wrapKey = hex(shared.kdf.wrap_key_hex);
        const wrong = wrapKey.slice();
        wrong[0] ^= 1;
        assert.throws(() => c.unwrapKeys(wk.base64, wrong), /^Error: keys: could not unwrap/);
        const raw = sodium.from_base64(wk.base64, B64);
        for (let i = 0; i < raw.length; i++) {
            raw[i] ^= 0x04;
            assert.throws(() => c.unwrapKeys(c.b64(raw), wrapKey), /^Error: keys: /);
            raw[i] ^= 0x04;
        }
        assert.throws(() => c.unwrapKeys(c.b64(raw.subarray(0, raw.length - 3)), wrapKey), /wrong length/);
        assert.throws(() => c.unwrapKeys('%%%', wrapKey), /base64/);
        const bad = { ...a, signSk: a.signSk.slice() };
        bad.signSk[63] ^= 1;
        assert.throws(() => c.unwrapKeys(c.wrapKeys(bad, wrapKey, hex(wk.nonce_hex)), wrapKey), /inconsistent/);
    });

    test('base64 is strict', () => {
        assert.deepEqual([...c.unb64('AAAA')], [0, 0, 0]);
        assert.deepEqual([...c.unb64('AA==')], [0]);
        assert.equal(c.unb64('').length, 0);
        for (const bad of ['AAB=', 'AB==', 'A', 'AA', 'AAA', 'AA=', 'A===', 'AAAA ', ' AAAA', 'AA\nAA', 'AAAA=',
            'AA==AA==', '-_AA', 'AA.A', null, 42]) {
            assert.throws(() => c.unb64(bad), /^Error: base64: /, JSON.stringify(bad));
        }
        assert.equal(c.b64(new Uint8Array([0xfb, 0xff])), '+/8=');
        assert.throws(() => c.b64('text'));
    });
});

describe('fresh keys round-trip', () => {
    let u;
    before(() => {
        u = c.generateUserKeys();
    });

    test('generated keys wrap, unwrap, seal the dyad key and prove themselves', () => {
        assert.equal(u.boxPk.length, 32);
        assert.equal(u.signSk.length, 64);
        const wrapKey = sodium.randombytes_buf(32);
        assertSameKeys(c.unwrapKeys(c.wrapKeys(u, wrapKey), wrapKey), u);
        const K = c.newDyadKey();
        assert.equal(K.length, 32);
        const w = c.sealDyadKey(K, u.boxPk, u.signSk);
        assert.equal(toHex(c.openDyadKey(w.wrapped_key, w.signature, u.signPk, u.boxPk, u.boxSk)), toHex(K));
        const secret = c.newInviteSecret();
        assert.equal(toHex(c.decodeSecret(c.encodeSecret(secret))), toHex(secret));
        assert.equal(c.verifyKeyProof(c.keyProof(u.boxPk, u.signPk, secret), u.boxPk, u.signPk, secret), true);
        const code = c.newRecoveryCode();
        assert.equal(toHex(c.parseRecoveryCode(c.formatRecoveryCode(code).toLowerCase())), toHex(code));
        const meta = { dyadId: 'd-9', entryId: c.newEntryId(), authorId: 'u-9', kind: 'share' };
        const text = 'x'.repeat(200) + ' — ✓';
        const body = c.encryptEntry(K, meta, text);
        assert.equal(c.decryptEntry(K, meta, body), text);
        c.wipe(K);
        assert.ok(K.every((x) => x === 0));
    });

    test('createCrypto needs libsodium', () => {
        assert.throws(() => createCrypto(undefined), /libsodium/);
        assert.throws(() => createCrypto({}), /libsodium/);
    });
});

describe('pin-unlock.json (one\'s own browser)', () => {
    test('the PIN key, proof, wrap key and sealed keys come out byte for byte', () => {
        const pinKey = c.pinKey(pinVec.pin, hex(pinVec.pin_salt_hex));
        assert.equal(toHex(pinKey), pinVec.pin_key_hex);
        assert.equal(toHex(c.pinProof(pinKey)), pinVec.proof_hex);
        const wrap = c.pinWrapKey(pinKey, hex(pinVec.device_value_hex));
        assert.equal(toHex(wrap), pinVec.wrap_key_hex);
        assert.equal(c.pinAd(pinVec.device_id, pinVec.user_id), pinVec.ad);
        const a = member(shared.member_a);
        const sealed = c.sealKeysForDevice(a, wrap, pinVec.device_id, pinVec.user_id, hex(pinVec.nonce_hex));
        assert.equal(sealed, pinVec.sealed_base64);
        assertSameKeys(c.openKeysForDevice(pinVec.sealed_base64, wrap, pinVec.device_id, pinVec.user_id), a);
    });
    test('a wrong PIN gives another proof; without the device value nothing opens', () => {
        const wrongKey = c.pinKey(pinVec.wrong_pin, hex(pinVec.pin_salt_hex));
        assert.equal(toHex(c.pinProof(wrongKey)), pinVec.wrong_proof_hex);
        assert.notEqual(pinVec.wrong_proof_hex, pinVec.proof_hex);
        const pinKey = hex(pinVec.pin_key_hex);
        // The right PIN with a made-up device value, a wrong PIN with the
        // right one, and the right keys under another device's id: refused.
        assert.throws(() => c.openKeysForDevice(pinVec.sealed_base64, c.pinWrapKey(pinKey, new Uint8Array(32)), pinVec.device_id, pinVec.user_id), /could not unwrap/);
        assert.throws(() => c.openKeysForDevice(pinVec.sealed_base64, c.pinWrapKey(wrongKey, hex(pinVec.device_value_hex)), pinVec.device_id, pinVec.user_id), /could not unwrap/);
        assert.throws(() => c.openKeysForDevice(pinVec.sealed_base64, hex(pinVec.wrap_key_hex), 'v-ffffffffffffffffffffffff', pinVec.user_id), /could not unwrap/);
    });
    test('a PIN shorter than 4 characters is refused', () => {
        assert.throws(() => c.pinKey('123', hex(pinVec.pin_salt_hex)), /pin/);
    });
});

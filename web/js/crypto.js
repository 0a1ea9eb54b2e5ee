// crypto.js — dyad's client-side key design (docs/protocol.md), byte for byte.
//
// The same module runs in the browser and under node's test runner, so it does
// not import libsodium itself: the caller passes a ready libsodium-wrappers-sumo
// instance to createCrypto(). Every construction here must match
// src/crypto/keys.c exactly; tests/vectors/*.json pin both to the same bytes.
//
// Conventions: keys and nonces are Uint8Array; values that travel in the API
// are standard base64 with padding; the invite secret and entry ids are
// base64url without padding. Every function that can fail throws an Error
// whose message starts with what failed; nothing returns partial or garbage
// output. Callers own the secrets they are given and should wipe() them.

const KDF_OPS = 3;
const KDF_MEM = 67108864; // 64 MiB
const KDF_ALG = 'argon2id13';
// Generous ceilings: a server asking for more is broken or hostile (it would
// stall or crash the tab), not careful.
const KDF_OPS_MAX = 16;
const KDF_MEM_MAX = 1073741824; // 1 GiB

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const NONCE_BYTES = 24;
const MAC_BYTES = 16;
const PAD_BLOCK = 64;
const KEYS_PLAIN_BYTES = 32 + 64 + 32; // box_sk ‖ sign_sk ‖ personal
const SEAL_OVERHEAD = 48; // crypto_box_SEALBYTES
const ENTRY_ID_BYTES = 16;
const AD_MAX = 1023; // as KEYS_AD_MAX in src/crypto/keys.h

const CTX_AUTH = 'dyadauth';
const SUBKEY_AUTH = 1;
const SUBKEY_WRAP = 2;
const SUBKEY_RECOVERY = 3;
const KEYS_AD = 'dyadkeys|1';
const ENTRY_KINDS = ['share', 'response', 'note'];

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const RECOVERY_GROUPS = 13;
const RECOVERY_CHARS = RECOVERY_GROUPS * 4; // 52 characters carry 256 bits + 4 zero bits

export function createCrypto(sodium) {
    if (!sodium || typeof sodium.crypto_pwhash !== 'function') {
        throw new Error('createCrypto: needs a ready libsodium-wrappers-sumo instance');
    }
    const B64 = sodium.base64_variants.ORIGINAL;
    const B64URL = sodium.base64_variants.URLSAFE_NO_PADDING;
    const utf8Encoder = new TextEncoder();
    // fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: keep a leading
    // U+FEFF the author wrote instead of silently dropping it.
    const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

    function fail(what, cause) {
        const err = new Error(what);
        if (cause) err.cause = cause;
        return err;
    }

    function wipe(...bufs) {
        for (const b of bufs) if (b instanceof Uint8Array) sodium.memzero(b);
    }

    function bytes(x, len, what) {
        if (!(x instanceof Uint8Array)) throw fail(`${what}: expected a Uint8Array`);
        if (len !== undefined && x.length !== len) {
            throw fail(`${what}: expected ${len} bytes, got ${x.length}`);
        }
        return x;
    }

    function concat(...parts) {
        let n = 0;
        for (const p of parts) n += p.length;
        const out = new Uint8Array(n);
        let off = 0;
        for (const p of parts) {
            out.set(p, off);
            off += p.length;
        }
        return out;
    }

    function equalBytes(a, b) {
        return a.length === b.length && sodium.memcmp(a, b);
    }

    // ---- base64 ----------------------------------------------------------

    function b64(buf) {
        return sodium.to_base64(bytes(buf, undefined, 'b64'), B64);
    }

    // Strict: only the canonical spelling of a value is accepted, so one
    // value has one encoding (the server compares and stores these strings).
    function unb64(str) {
        if (typeof str !== 'string' || str.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(str)) {
            throw fail('base64: malformed input');
        }
        let out;
        try {
            out = sodium.from_base64(str, B64);
        } catch (e) {
            throw fail('base64: malformed input', e);
        }
        if (sodium.to_base64(out, B64) !== str) throw fail('base64: non-canonical input');
        return out;
    }

    function b64url(buf) {
        return sodium.to_base64(buf, B64URL);
    }

    function unb64url(str, len, what) {
        if (typeof str !== 'string' || !/^[A-Za-z0-9_-]*$/.test(str)) {
            throw fail(`${what}: malformed base64url`);
        }
        let out;
        try {
            out = sodium.from_base64(str, B64URL);
        } catch (e) {
            throw fail(`${what}: malformed base64url`, e);
        }
        if (sodium.to_base64(out, B64URL) !== str) throw fail(`${what}: non-canonical base64url`);
        if (len !== undefined && out.length !== len) {
            throw fail(`${what}: expected ${len} bytes, got ${out.length}`);
        }
        return out;
    }

    // ---- password → master → auth/wrap keys ------------------------------

    function checkKdfParams(params) {
        const { opslimit, memlimit, alg } = params || {};
        if (alg !== KDF_ALG) throw fail(`kdf: algorithm ${String(alg)} refused, need ${KDF_ALG}`);
        if (!Number.isSafeInteger(opslimit) || opslimit < KDF_OPS || opslimit > KDF_OPS_MAX) {
            throw fail(`kdf: opslimit ${String(opslimit)} refused, need ${KDF_OPS}..${KDF_OPS_MAX}`);
        }
        if (!Number.isSafeInteger(memlimit) || memlimit < KDF_MEM || memlimit > KDF_MEM_MAX) {
            throw fail(`kdf: memlimit ${String(memlimit)} refused, need ${KDF_MEM}..${KDF_MEM_MAX}`);
        }
    }

    function deriveMaster(password, saltBytes, ops = KDF_OPS, mem = KDF_MEM) {
        if (typeof password !== 'string') throw fail('kdf: password must be a string');
        bytes(saltBytes, SALT_BYTES, 'kdf: salt');
        checkKdfParams({ opslimit: ops, memlimit: mem, alg: KDF_ALG });
        const pw = utf8Encoder.encode(password);
        try {
            return sodium.crypto_pwhash(KEY_BYTES, pw, saltBytes, ops, mem,
                sodium.crypto_pwhash_ALG_ARGON2ID13);
        } finally {
            wipe(pw);
        }
    }

    function subkey(id, key) {
        return sodium.crypto_kdf_derive_from_key(KEY_BYTES, id, CTX_AUTH, key);
    }

    function deriveAuthWrap(master) {
        bytes(master, KEY_BYTES, 'kdf: master');
        return { authKey: subkey(SUBKEY_AUTH, master), wrapKey: subkey(SUBKEY_WRAP, master) };
    }

    // ---- user keys and their wrapping ------------------------------------

    function generateUserKeys() {
        const box = sodium.crypto_box_keypair();
        const sign = sodium.crypto_sign_keypair();
        return {
            boxPk: box.publicKey,
            boxSk: box.privateKey,
            signPk: sign.publicKey,
            signSk: sign.privateKey,
            personal: sodium.randombytes_buf(KEY_BYTES),
        };
    }

    function userKeysFromSeeds(boxSeed, signSeed, personal) {
        bytes(boxSeed, KEY_BYTES, 'keys: box seed');
        bytes(signSeed, KEY_BYTES, 'keys: sign seed');
        bytes(personal, KEY_BYTES, 'keys: personal key');
        const box = sodium.crypto_box_seed_keypair(boxSeed);
        const sign = sodium.crypto_sign_seed_keypair(signSeed);
        return {
            boxPk: box.publicKey,
            boxSk: box.privateKey,
            signPk: sign.publicKey,
            signSk: sign.privateKey,
            personal: personal.slice(),
        };
    }

    function checkUserKeys(keys) {
        if (!keys) throw fail('keys: missing');
        bytes(keys.boxSk, 32, 'keys: box secret key');
        bytes(keys.signSk, 64, 'keys: sign secret key');
        bytes(keys.personal, KEY_BYTES, 'keys: personal key');
    }

    function wrapKeys(keys, wrapKey, nonce) {
        checkUserKeys(keys);
        bytes(wrapKey, KEY_BYTES, 'keys: wrap key');
        const n = nonce === undefined ? sodium.randombytes_buf(NONCE_BYTES)
            : bytes(nonce, NONCE_BYTES, 'keys: nonce');
        const plain = concat(keys.boxSk, keys.signSk, keys.personal);
        try {
            const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, KEYS_AD, null, n,
                wrapKey);
            return b64(concat(n, ct));
        } finally {
            wipe(plain);
        }
    }

    function unwrapKeys(wrappedB64, wrapKey) {
        bytes(wrapKey, KEY_BYTES, 'keys: wrap key');
        let raw;
        try {
            raw = unb64(wrappedB64);
        } catch (e) {
            throw fail('keys: wrapped keys are not valid base64', e);
        }
        if (raw.length !== NONCE_BYTES + KEYS_PLAIN_BYTES + MAC_BYTES) {
            throw fail('keys: wrapped keys have the wrong length');
        }
        let plain;
        try {
            plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null,
                raw.subarray(NONCE_BYTES), KEYS_AD, raw.subarray(0, NONCE_BYTES), wrapKey);
        } catch (e) {
            throw fail('keys: could not unwrap (wrong password or recovery code, or damaged data)', e);
        }
        const boxSk = plain.slice(0, 32);
        const signSk = plain.slice(32, 96);
        const personal = plain.slice(96, 128);
        wipe(plain);
        // The public keys are not stored inside the wrap: re-derive them, and
        // check the signing key is the one its seed makes.
        const boxPk = sodium.crypto_scalarmult_base(boxSk);
        const seed = signSk.slice(0, 32);
        const sign = sodium.crypto_sign_seed_keypair(seed);
        wipe(seed);
        const same = equalBytes(sign.privateKey, signSk);
        wipe(sign.privateKey);
        if (!same) {
            wipe(boxSk, signSk, personal);
            throw fail('keys: unwrapped signing key is inconsistent');
        }
        return { boxPk, boxSk, signPk: sign.publicKey, signSk, personal };
    }

    // ---- recovery code ---------------------------------------------------

    function newRecoveryCode() {
        return sodium.randombytes_buf(KEY_BYTES);
    }

    function formatRecoveryCode(code) {
        bytes(code, KEY_BYTES, 'recovery code');
        let chars = '';
        let acc = 0;
        let bits = 0;
        for (const byte of code) {
            acc = ((acc << 8) | byte) & 0xffff;
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                chars += BASE32[(acc >> bits) & 31];
            }
        }
        if (bits > 0) chars += BASE32[(acc << (5 - bits)) & 31];
        const groups = [];
        for (let i = 0; i < chars.length; i += 4) groups.push(chars.slice(i, i + 4));
        return groups.join('-');
    }

    function parseRecoveryCode(str) {
        if (typeof str !== 'string') throw fail('recovery code: expected a string');
        // Fold ASCII only: String#toUpperCase would turn 'ſ' into 'S' and 'ß' into 'SS'.
        const chars = str.replace(/[\s-]/g, '').replace(/[a-z]/g, (ch) => ch.toUpperCase());
        if (chars.length !== RECOVERY_CHARS) {
            throw fail(`recovery code: expected ${RECOVERY_CHARS} characters, got ${chars.length}`);
        }
        const out = new Uint8Array(KEY_BYTES);
        let acc = 0;
        let bits = 0;
        let n = 0;
        for (const c of chars) {
            const v = BASE32.indexOf(c);
            if (v < 0) throw fail(`recovery code: "${c}" is not a recovery code character`);
            acc = ((acc << 5) | v) & 0xffff;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (acc >> bits) & 0xff;
            }
        }
        // 52 × 5 = 260 bits: the last 4 must be zero, so each code has one spelling.
        if ((acc & ((1 << bits) - 1)) !== 0) {
            wipe(out);
            throw fail('recovery code: not a valid code (check the last group)');
        }
        return out;
    }

    function recoveryKey(code) {
        const raw = typeof code === 'string' ? parseRecoveryCode(code) : code;
        bytes(raw, KEY_BYTES, 'recovery code');
        try {
            return subkey(SUBKEY_RECOVERY, raw);
        } finally {
            if (raw !== code) wipe(raw);
        }
    }

    // ---- pairing: invite secret, key proofs, safety code -----------------

    function newInviteSecret() {
        return sodium.randombytes_buf(KEY_BYTES);
    }

    function encodeSecret(secret) {
        return b64url(bytes(secret, KEY_BYTES, 'invite secret'));
    }

    function decodeSecret(str) {
        return unb64url(str, KEY_BYTES, 'invite secret');
    }

    function keyProof(boxPk, signPk, secret) {
        bytes(boxPk, 32, 'key proof: box public key');
        bytes(signPk, 32, 'key proof: sign public key');
        bytes(secret, KEY_BYTES, 'key proof: invite secret');
        return b64(sodium.crypto_auth(concat(boxPk, signPk), secret));
    }

    function verifyKeyProof(proofB64, boxPk, signPk, secret) {
        let proof;
        try {
            bytes(boxPk, 32, 'key proof: box public key');
            bytes(signPk, 32, 'key proof: sign public key');
            bytes(secret, KEY_BYTES, 'key proof: invite secret');
            proof = unb64(proofB64);
        } catch {
            return false;
        }
        if (proof.length !== 32) return false;
        return sodium.crypto_auth_verify(proof, concat(boxPk, signPk), secret) === true;
    }

    function compareBytes(a, b) {
        for (let i = 0; i < a.length && i < b.length; i++) {
            if (a[i] !== b[i]) return a[i] - b[i];
        }
        return a.length - b.length;
    }

    function safetyHash(aBoxPk, aSignPk, bBoxPk, bSignPk) {
        const x = concat(bytes(aBoxPk, 32, 'safety: box public key'),
            bytes(aSignPk, 32, 'safety: sign public key'));
        const y = concat(bytes(bBoxPk, 32, 'safety: box public key'),
            bytes(bSignPk, 32, 'safety: sign public key'));
        const [lo, hi] = compareBytes(x, y) <= 0 ? [x, y] : [y, x];
        return sodium.crypto_generichash(32, concat(lo, hi), null);
    }

    // The fingerprint in a therapist code: the first 10 bytes of
    // BLAKE2b-256(box_pk ‖ sign_pk) as 16 base32 characters.
    function therapistFingerprint(boxPk, signPk) {
        const h = sodium.crypto_generichash(32, concat(bytes(boxPk, 32, 'fingerprint: box public key'),
            bytes(signPk, 32, 'fingerprint: sign public key')), null);
        let out = '';
        let acc = 0;
        let bits = 0;
        for (const byte of h.subarray(0, 10)) {
            acc = ((acc << 8) | byte) & 0xffff;
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out += BASE32[(acc >> bits) & 31];
            }
        }
        return out;
    }

    function safetyCode(aBoxPk, aSignPk, bBoxPk, bSignPk) {
        const h = safetyHash(aBoxPk, aSignPk, bBoxPk, bSignPk);
        const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
        const groups = [];
        for (let i = 0; i < 6; i++) {
            groups.push(String(view.getUint32(4 * i, false) % 100000).padStart(5, '0'));
        }
        return groups.join(' ');
    }

    // ---- the dyad key K --------------------------------------------------

    function newDyadKey() {
        return sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    }

    function sealDyadKey(K, memberBoxPk, wrapperSignSk) {
        bytes(K, KEY_BYTES, 'dyad key');
        bytes(memberBoxPk, 32, 'dyad key: member box public key');
        bytes(wrapperSignSk, 64, 'dyad key: wrapper sign secret key');
        const sealed = sodium.crypto_box_seal(K, memberBoxPk);
        const sig = sodium.crypto_sign_detached(sealed, wrapperSignSk);
        return { wrapped_key: b64(sealed), signature: b64(sig) };
    }

    function openDyadKey(wrappedB64, sigB64, signerSignPk, myBoxPk, myBoxSk) {
        bytes(signerSignPk, 32, 'dyad key: signer public key');
        bytes(myBoxPk, 32, 'dyad key: box public key');
        bytes(myBoxSk, 32, 'dyad key: box secret key');
        let sealed;
        let sig;
        try {
            sealed = unb64(wrappedB64);
            sig = unb64(sigB64);
        } catch (e) {
            throw fail('dyad key: wrapped key or signature is not valid base64', e);
        }
        if (sig.length !== 64 || sealed.length !== SEAL_OVERHEAD + KEY_BYTES) {
            throw fail('dyad key: wrapped key or signature has the wrong length');
        }
        if (!sodium.crypto_sign_verify_detached(sig, sealed, signerSignPk)) {
            throw fail('dyad key: signature does not match the signer');
        }
        try {
            return sodium.crypto_box_seal_open(sealed, myBoxPk, myBoxSk);
        } catch (e) {
            throw fail('dyad key: could not open the wrapped key', e);
        }
    }

    // ---- entry bodies ----------------------------------------------------

    function newEntryId() {
        return b64url(sodium.randombytes_buf(ENTRY_ID_BYTES));
    }

    // Each field is printable ASCII without '|', so the ad cannot be read two ways.
    function adField(v, what) {
        if (typeof v !== 'string' || !/^[\x21-\x7b\x7d\x7e]+$/.test(v)) {
            throw fail(`entry ad: ${what} must be non-empty printable ASCII without "|"`);
        }
        return v;
    }

    function entryAd(meta) {
        const { dyadId, entryId, authorId, kind } = meta || {};
        if (!ENTRY_KINDS.includes(kind)) throw fail(`entry ad: kind ${String(kind)} is not one of ${ENTRY_KINDS.join(', ')}`);
        const ad = `dyad|${adField(dyadId, 'dyad id')}|${adField(entryId, 'entry id')}|` +
            `${adField(authorId, 'author id')}|${kind}|1`;
        if (ad.length > AD_MAX) throw fail(`entry ad: longer than ${AD_MAX} bytes`);
        return ad;
    }

    function padText(text, what) {
        if (typeof text !== 'string') throw fail(`${what}: text must be a string`);
        const raw = utf8Encoder.encode(text);
        try {
            return sodium.pad(raw, PAD_BLOCK);
        } finally {
            wipe(raw);
        }
    }

    function unpadText(padded, what) {
        let raw;
        try {
            raw = sodium.unpad(padded, PAD_BLOCK);
        } catch (e) {
            throw fail(`${what}: bad padding`, e);
        }
        try {
            return utf8Decoder.decode(raw);
        } catch (e) {
            throw fail(`${what}: text is not valid UTF-8`, e);
        } finally {
            wipe(raw);
        }
    }

    function encryptEntry(K, meta, text, nonce) {
        bytes(K, KEY_BYTES, 'entry: key');
        const ad = entryAd(meta);
        const n = nonce === undefined ? sodium.randombytes_buf(NONCE_BYTES)
            : bytes(nonce, NONCE_BYTES, 'entry: nonce');
        const padded = padText(text, 'entry');
        try {
            const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, ad, null, n, K);
            return b64(concat(n, ct));
        } finally {
            wipe(padded);
        }
    }

    function decryptEntry(K, meta, bodyB64) {
        bytes(K, KEY_BYTES, 'entry: key');
        const ad = entryAd(meta);
        let raw;
        try {
            raw = unb64(bodyB64);
        } catch (e) {
            throw fail('entry: body is not valid base64', e);
        }
        if (raw.length < NONCE_BYTES + MAC_BYTES + PAD_BLOCK ||
            (raw.length - NONCE_BYTES - MAC_BYTES) % PAD_BLOCK !== 0) {
            throw fail('entry: body has the wrong length');
        }
        let padded;
        try {
            padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null,
                raw.subarray(NONCE_BYTES), ad, raw.subarray(0, NONCE_BYTES), K);
        } catch (e) {
            throw fail('entry: could not decrypt (tampered, or not this record)', e);
        }
        try {
            return unpadText(padded, 'entry');
        } finally {
            wipe(padded);
        }
    }

    // ---- sealing to a therapist ------------------------------------------

    function sealToKey(text, boxPk) {
        bytes(boxPk, 32, 'seal: box public key');
        const padded = padText(text, 'seal');
        try {
            return b64(sodium.crypto_box_seal(padded, boxPk));
        } finally {
            wipe(padded);
        }
    }

    function openSealed(sealedB64, boxPk, boxSk) {
        bytes(boxPk, 32, 'seal: box public key');
        bytes(boxSk, 32, 'seal: box secret key');
        let raw;
        try {
            raw = unb64(sealedB64);
        } catch (e) {
            throw fail('seal: value is not valid base64', e);
        }
        if (raw.length < SEAL_OVERHEAD + PAD_BLOCK || (raw.length - SEAL_OVERHEAD) % PAD_BLOCK !== 0) {
            throw fail('seal: value has the wrong length');
        }
        let padded;
        try {
            padded = sodium.crypto_box_seal_open(raw, boxPk, boxSk);
        } catch (e) {
            throw fail('seal: could not open (tampered, or not for this key)', e);
        }
        try {
            return unpadText(padded, 'seal');
        } finally {
            wipe(padded);
        }
    }

    return Object.freeze({
        KDF_OPS,
        KDF_MEM,
        KDF_ALG,
        checkKdfParams,
        deriveMaster,
        deriveAuthWrap,
        generateUserKeys,
        userKeysFromSeeds,
        wrapKeys,
        unwrapKeys,
        newRecoveryCode,
        formatRecoveryCode,
        parseRecoveryCode,
        recoveryKey,
        newInviteSecret,
        encodeSecret,
        decodeSecret,
        keyProof,
        verifyKeyProof,
        newDyadKey,
        sealDyadKey,
        openDyadKey,
        safetyHash,
        safetyCode,
        therapistFingerprint,
        newEntryId,
        entryAd,
        encryptEntry,
        decryptEntry,
        sealToKey,
        openSealed,
        b64,
        unb64,
        wipe,
    });
}

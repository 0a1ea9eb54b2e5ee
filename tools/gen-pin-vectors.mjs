// gen-pin-vectors.mjs — writes tests/vectors/pin-unlock.json: the PIN unlock
// of one's own browser (docs/security.md#unlocking-with-a-pin) from fixed
// inputs, computed here with libsodium.js primitives one by one (not through
// web/js/crypto.js, which tests/js/vectors.test.mjs checks against this
// file; tests/unit/test_keys.c checks it with Debian's libsodium).
// Run: node tools/gen-pin-vectors.mjs > tests/vectors/pin-unlock.json

import { readFileSync } from 'node:fs';
import sodium from 'libsodium-wrappers-sumo';

await sodium.ready;
const hex = (s) => sodium.from_hex(s);
const toHex = (b) => sodium.to_hex(b);
const B64 = sodium.base64_variants.ORIGINAL;
const enc = new TextEncoder();
const shared = JSON.parse(readFileSync(new URL('../tests/vectors/key-design.json', import.meta.url), 'utf8'));
const a = shared.member_a;

const pin = '2580';
const pinSalt = hex('101112131415161718191a1b1c1d1e1f');
const deviceId = 'v-00112233445566778899aabb';
const userId = 'u-000a';
const serverSecret = hex('5a'.repeat(32));
const seed = hex('a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf');
const nonce = hex('e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7');

function keyedHash2(secret, domain, x, y) {
    const st = sodium.crypto_generichash_init(secret, 32);
    sodium.crypto_generichash_update(st, enc.encode(`${domain}\0`));
    sodium.crypto_generichash_update(st, x);
    sodium.crypto_generichash_update(st, y);
    return sodium.crypto_generichash_final(st, 32);
}

const pinKey = sodium.crypto_pwhash(32, enc.encode(pin), pinSalt, 2, 67108864, sodium.crypto_pwhash_ALG_ARGON2ID13);
const proof = sodium.crypto_kdf_derive_from_key(32, 1, 'dyad_pin', pinKey);
const base = sodium.crypto_kdf_derive_from_key(32, 2, 'dyad_pin', pinKey);
const deviceValue = keyedHash2(serverSecret, 'dyad device value', enc.encode(deviceId), seed);
const wrap = sodium.crypto_generichash(32, deviceValue, base);
const ad = `dyadpin|${deviceId}|${userId}|1`;
const plain = new Uint8Array([...hex(a.box_secret_key_hex), ...hex(a.sign_secret_key_hex), ...hex(a.personal_key_hex)]);
const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad, null, nonce, wrap);
const verifier = keyedHash2(serverSecret, 'dyad device verifier', enc.encode(deviceId), proof);
const wrongKey = sodium.crypto_pwhash(32, enc.encode('2581'), pinSalt, 2, 67108864, sodium.crypto_pwhash_ALG_ARGON2ID13);
const wrongProof = sodium.crypto_kdf_derive_from_key(32, 1, 'dyad_pin', wrongKey);

const out = {
    about: 'PIN unlock of one\'s own browser (docs/security.md#unlocking-with-a-pin). Binary values are hex unless named base64. ' +
        'pin_key = Argon2id13(pin, pin_salt, ops 2, mem 64 MiB); proof = kdf_derive(32, 1, "dyad_pin", pin_key); ' +
        'wrap_key = BLAKE2b-256(device_value, key = kdf_derive(32, 2, "dyad_pin", pin_key)); ' +
        'sealed = nonce || XChaCha20-Poly1305(box_sk || sign_sk || personal of member_a in key-design.json, ad, wrap_key). ' +
        'Server side: verifier = BLAKE2b-256 keyed by server_secret of "dyad device verifier\\0" || device_id || proof; ' +
        'device_value = the same of "dyad device value\\0" || device_id || seed. Made by tools/gen-pin-vectors.mjs.',
    pin,
    pin_salt_hex: toHex(pinSalt),
    opslimit: 2,
    memlimit: 67108864,
    pin_key_hex: toHex(pinKey),
    proof_hex: toHex(proof),
    wrong_pin: '2581',
    wrong_proof_hex: toHex(wrongProof),
    device_id: deviceId,
    user_id: userId,
    server_secret_hex: toHex(serverSecret),
    seed_hex: toHex(seed),
    verifier_hex: toHex(verifier),
    device_value_hex: toHex(deviceValue),
    wrap_key_hex: toHex(wrap),
    ad,
    nonce_hex: toHex(nonce),
    sealed_base64: sodium.to_base64(new Uint8Array([...nonce, ...ct]), B64),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);

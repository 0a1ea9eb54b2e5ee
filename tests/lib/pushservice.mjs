// A push service of the test's own, on loopback (plain HTTP: the server
// allows http://127.0.0.1 endpoints only with DYAD_PUSH_ALLOW_HTTP_LOOPBACK,
// a test setting), and the receiving browser's half of RFC 8291 done with
// node's crypto only (ECDH, HKDF, AES-128-GCM) — not dyad's code.
//
//   const service = await startPushService();   service.received: requests
//   const keys = browserKeys();                 a subscription's key pair
//   openMessage(body, keys)                     → the text the server sent
import http from 'node:http';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';

export const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Records every request; answers `service.answer` (201). */
export async function startPushService() {
    const received = [];
    const service = { received, answer: 201 };
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
            res.writeHead(service.answer).end();
        });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    service.base = `http://127.0.0.1:${server.address().port}`;
    service.stop = () => new Promise((r) => server.close(r));
    return service;
}

/** A browser's subscription keys: a P-256 key pair and a 16-byte auth secret. */
export function browserKeys() {
    const ecdh = crypto.createECDH('prime256v1');
    ecdh.generateKeys();
    return { ecdh, p256dh: ecdh.getPublicKey(), auth: crypto.randomBytes(16) };
}

/** RFC 8291 from the receiving side: one aes128gcm record → its text. */
export function openMessage(body, keys) {
    const salt = body.subarray(0, 16);
    const rs = body.readUInt32BE(16);
    const idlen = body[20];
    const asPublic = body.subarray(21, 21 + idlen);
    const record = body.subarray(21 + idlen);
    assert.equal(idlen, 65);
    assert.ok(record.length <= rs, 'one record');
    const secret = keys.ecdh.computeSecret(asPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.p256dh, asPublic]);
    const ikm = Buffer.from(crypto.hkdfSync('sha256', secret, keys.auth, keyInfo, 32));
    const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const d = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
    d.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([d.update(record.subarray(0, record.length - 16)), d.final()]);
    // the last record: the text, then 0x02, then zero padding
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    assert.equal(padded[end], 2, 'the last-record delimiter');
    return padded.subarray(0, end).toString('utf8');
}

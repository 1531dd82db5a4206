// QUIC packet protection against the worked examples of RFC 9001 Appendix A (v1) and
// RFC 9369 Appendix A (v2), and the TypeScript primitives against Node's crypto.
import { createHash, createHmac, createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesCtrXor, aesEncryptBlock, aesExpandKey } from '../../parsers/quic/aes';
import { fromHex, hex, parseLongHeader, PacketType } from '../../parsers/quic/header';
import { decodePacketNumber, headerMask, headerMaskWebCrypto, initialKeys, initialKeysSync, initialSalt, peek, peekAt, protect, unprotect, hkdfExpandLabel } from '../../parsers/quic/protection';
import { hmacSha256, sha256 } from '../../parsers/quic/sha256';
import { parseFrames } from '../../parsers/quic/frames';
import { handshakeMessages, parseServerHello } from '../../parsers/quic/tls';

const h = (b: Uint8Array): string => hex(b, 0, b.length);

describe('RFC 9001 Appendix A: Initial keys for DCID 8394c8f03e515708', () => {
  const dcid = fromHex('8394c8f03e515708');

  it('A.1 derives the client and server Initial keys', async () => {
    const k = (await initialKeys(dcid, 1))!;
    expect(h(k.client.secret)).toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
    expect(h(k.client.iv)).toBe('fa044b2f42a3fd3b46fb255c');
    expect(h(k.client.hpKey)).toBe('9f50449e04a0e810283a1e9933adedd2');
    expect(h(k.server.secret)).toBe('3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
    expect(h(k.server.iv)).toBe('0ac1493ca1905853b0bba03e');
    expect(h(k.server.hpKey)).toBe('c206b8d9b9f0f37644430b490eeaa314');
    const key = await hkdfExpandLabel('SHA-256', k.client.secret, 'quic key', 16);
    expect(h(key)).toBe('1f369613dd76d5467730efcbe3b1a22d');
  });

  it('A.1 the synchronous derivation gives the same keys, for v1 and v2', async () => {
    for (const v of [1, 0x6b3343cf, 0xff00001d]) {
      const k = (await initialKeys(dcid, v))!;
      for (const [side, want] of [[true, k.client], [false, k.server]] as const) {
        const s = initialKeysSync(dcid, v, side)!;
        for (const f of ['secret', 'key', 'iv', 'hpKey', 'keyExp', 'hp'] as const) expect(h(new Uint8Array(s[f].buffer, s[f].byteOffset, s[f].byteLength))).toBe(h(new Uint8Array(want[f].buffer, want[f].byteOffset, want[f].byteLength)));
        expect(s.version).toBe(v);
        expect(s.suite).toEqual(want.suite);
      }
    }
    expect(initialKeysSync(dcid, 0x1a2a3a4a, true)).toBeNull();
  });

  it('A.2 header protection mask of the client Initial sample', async () => {
    const k = (await initialKeys(dcid, 1))!;
    const sample = fromHex('d1b1c98dd7689fb8ec11d242b123dc9b');
    expect(h(headerMask(k.client.hp, sample)).slice(0, 10)).toBe('437b9aec36');
    // the WebCrypto way (AES-CBC, zero IV, one block) gives the same mask
    expect(h(await headerMaskWebCrypto(k.client.hpKey, sample)).slice(0, 10)).toBe('437b9aec36');
  });

  it('A.3 decrypts the server Initial (ACK + ServerHello)', async () => {
    const pkt = fromHex(
      'cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc42158407dd074ee',
    );
    const hd = parseLongHeader(pkt, 0, pkt.length)!;
    expect(hd.type).toBe(PacketType.INITIAL);
    expect(hex(pkt, hd.scidOff, hd.scidLen)).toBe('f067a5502a4262b5');
    const k = (await initialKeys(dcid, 1))!;
    const r = (await unprotect(pkt, hd.pnOff, true, k.server, -1))!;
    expect(r).not.toBeNull();
    expect(r.pn).toBe(1);
    const frames = parseFrames(r.payload);
    expect(frames.map((f) => f.type)).toEqual(['ack', 'crypto']);
    const cf = frames[1] as { type: 'crypto'; data: Uint8Array };
    const sh = parseServerHello(handshakeMessages(cf.data)[0].body)!;
    expect(sh.cipherSuite).toBe(0x1301);
    // the client's keys do not open it
    expect(await unprotect(pkt, hd.pnOff, true, k.client, -1)).toBeNull();
  });

  it('peek (unauthenticated) reads what unprotect reads, also inside a datagram', async () => {
    const k = (await initialKeys(dcid, 1))!;
    // a client Initial header: 4-byte packet number 2, no SCID, no token
    const header = fromHex('c3' + '00000001' + '08' + '8394c8f03e515708' + '00' + '00' + '44d0' + '00000002');
    for (const size of [20, 33, 1162]) {
      const payload = randomBytes(size);
      const pnOff = header.length - 4;
      const pkt = await protect(header, pnOff, 4, 2, payload, k.client, true);
      const r = (await unprotect(pkt, pnOff, true, k.client, -1))!;
      expect(h(r.payload)).toBe(h(payload));
      const p = peek(pkt, pnOff, true, k.client, -1)!;
      expect(p.pn).toBe(2);
      expect(h(p.payload)).toBe(h(payload));
      const dgram = new Uint8Array(pkt.length + 10);
      dgram.set(pkt, 7);
      const scratch = new Uint8Array(2000);
      const q = peekAt(dgram, 7, 7 + pkt.length, pnOff, true, k.client, -1, scratch)!;
      expect(q.payload.buffer).toBe(scratch.buffer);
      expect(h(q.payload)).toBe(h(payload));
    }
  });

  it('A.5-style round trip: protect then unprotect a short-header packet', async () => {
    const k = (await initialKeys(dcid, 1))!;
    const header = fromHex('41' + 'f067a5502a4262b5' + '0102');
    const payload = fromHex('01' + '00'.repeat(30));
    const pkt = await protect(header, 9, 2, 0x0102, payload, k.client, false);
    const r = (await unprotect(pkt, 9, false, k.client, 0x100))!;
    expect(r.pn).toBe(0x0102);
    expect(h(r.payload)).toBe(h(payload));
  });
});

describe('RFC 9369 Appendix A: QUIC v2 Initial keys', () => {
  it('uses the v2 salt and the quicv2 labels', async () => {
    expect(h(initialSalt(0x6b3343cf)!)).toBe('0dede3def700a6db819381be6e269dcbf9bd2ed9');
    const k = (await initialKeys(fromHex('8394c8f03e515708'), 0x6b3343cf))!;
    expect(h(k.client.iv)).toBe('91f73e2351d8fa91660e909f');
    expect(h(k.client.hpKey)).toBe('45b95e15235d6f45a6b19cbcb0294ba9');
    expect(h(k.server.iv)).toBe('dd13c276499c0249d3310652');
    expect(h(k.server.hpKey)).toBe('edf6d05c83121201b436e16877593c3a');
  });

  it('knows the draft salts (23..28, 29..32, 33/34 = v1)', () => {
    expect(h(initialSalt(0xff00001d)!)).toBe('afbfec289993d24c9e9786f19c6111e04390a899');
    expect(h(initialSalt(0xff000017)!)).toBe('c3eef712c72ebb5a11a7d2432bb46365bef9f502');
    expect(h(initialSalt(0xff000022)!)).toBe('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');
    expect(initialSalt(0x1a2a3a4a)).toBeNull();
  });
});

describe('primitives', () => {
  it('RFC 9000 A.3 packet number decoding', () => {
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
    expect(decodePacketNumber(-1, 0, 8)).toBe(0);
    expect(decodePacketNumber(255, 1, 8)).toBe(257);
  });

  it('SHA-256 / HMAC-SHA-256 match Node', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 300]) {
      const d = randomBytes(n), k = randomBytes(n % 90);
      expect(h(sha256(d))).toBe(createHash('sha256').update(d).digest('hex'));
      expect(h(hmacSha256(k, d))).toBe(createHmac('sha256', k).update(d).digest('hex'));
    }
  });

  it('one-block AES-128/256 matches Node AES-ECB', () => {
    for (const len of [16, 32]) {
      for (let i = 0; i < 20; i++) {
        const key = randomBytes(len), block = randomBytes(16);
        const e = createCipheriv(len === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null);
        e.setAutoPadding(false);
        expect(h(aesEncryptBlock(aesExpandKey(key), block))).toBe(e.update(block).toString('hex'));
      }
    }
  });

  it('AES-CTR keystream (GCM counter layout) matches Node AES-CTR', () => {
    for (const len of [16, 32]) {
      for (const n of [0, 1, 15, 16, 17, 100, 1200]) {
        const key = randomBytes(len), iv = randomBytes(12), src = randomBytes(n + 5);
        const counter = Buffer.concat([iv, Buffer.from([0, 0, 0, 2])]);
        const e = createCipheriv(len === 16 ? 'aes-128-ctr' : 'aes-256-ctr', key, counter);
        const want = e.update(src.subarray(5, 5 + n));
        const out = new Uint8Array(n + 3);
        aesCtrXor(aesExpandKey(key), iv, 2, src, 5, n, out, 3);
        expect(h(out.subarray(3))).toBe(want.toString('hex'));
      }
    }
  });
});

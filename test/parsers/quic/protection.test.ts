// QUIC packet protection against the worked examples of RFC 9001 Appendix A (v1) and
// RFC 9369 Appendix A (v2); our AES, our HKDF labels over @noble/hashes and the AES-GCM
// suites against OpenSSL through node:crypto. The ChaCha20 suite: chacha.test.ts.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesCtrXor, aesEncryptBlock, aesExpandKey } from '../../../parsers/quic/aes';
import { fromHex, hex, parseLongHeader, PacketType } from '../../../parsers/quic/header';
import { decodePacketNumber, headerMask, headerMaskWebCrypto, hkdfExpandLabel, initialKeys, initialKeysSync, initialSalt, packetKeys, peek, peekAt, protect, suiteOf, unprotect, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 } from '../../../parsers/quic/protection';
import { parseFrames } from '../../../parsers/quic/frames';
import { handshakeMessages, parseServerHello } from '../../../parsers/quic/tls';

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
    const key = hkdfExpandLabel('SHA-256', k.client.secret, 'quic key', 16);
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

  it('HKDF-Expand-Label builds the RFC 8446 7.1 HkdfLabel, for SHA-256 and SHA-384', () => {
    for (const [hash, node] of [['SHA-256', 'sha256'], ['SHA-384', 'sha384']] as const) {
      const hashLen = hash === 'SHA-256' ? 32 : 48;
      for (const [label, len] of [['quic key', 16], ['quic key', 32], ['quic iv', 12], ['quicv2 hp', 32], ['quic ku', hashLen]] as const) {
        const secret = randomBytes(hashLen);
        const full = Buffer.from('tls13 ' + label);
        // one HKDF-Expand block: HMAC(secret, HkdfLabel ‖ 0x01), HkdfLabel = length ‖ label ‖ empty context
        const info = Buffer.concat([Buffer.from([len >> 8, len & 0xff, full.length]), full, Buffer.from([0, 1])]);
        expect(h(hkdfExpandLabel(hash, secret, label, len))).toBe(createHmac(node, secret).update(info).digest('hex').slice(0, 2 * len));
      }
    }
  });

  it('a packet secret gives its key, iv and hp labels whatever was derived before (prepared HMACs, one scratch state per hash)', async () => {
    // RFC 5869 2.3 over OpenSSL's HMAC: T(1) ‖ T(2) …, each T(n) = HMAC(secret, T(n-1) ‖ info ‖ n)
    const expand = (node: string, secret: Uint8Array, label: string, len: number): string => {
      const full = Buffer.from('tls13 ' + label);
      const info = Buffer.concat([Buffer.from([len >> 8, len & 0xff, full.length]), full, Buffer.from([0])]);
      let t = Buffer.alloc(0), out = Buffer.alloc(0);
      for (let n = 1; out.length < len; n++) out = Buffer.concat([out, (t = createHmac(node, secret).update(Buffer.concat([t, info, Buffer.from([n])])).digest())]);
      return out.subarray(0, len).toString('hex');
    };
    // the suites alternate, so each derivation follows one with the other hash
    for (const id of [TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256]) {
      const suite = suiteOf(id)!;
      const node = suite.hash === 'SHA-256' ? 'sha256' : 'sha384';
      const secret = randomBytes(suite.hashLen);
      const k = await packetKeys(secret, suite, 1);
      expect(h(k.key)).toBe(expand(node, secret, 'quic key', suite.keyLen));
      expect(h(k.iv)).toBe(expand(node, secret, 'quic iv', 12));
      expect(h(k.hpKey)).toBe(expand(node, secret, 'quic hp', suite.keyLen));
    }
    // longer than one hash block (never in QUIC): noble's HKDF-Expand, two blocks
    const secret = randomBytes(32);
    expect(h(hkdfExpandLabel('SHA-256', secret, 'quic key', 40))).toBe(expand('sha256', secret, 'quic key', 40));
  });

  it('the AES-GCM suites seal as OpenSSL opens, with the mask of OpenSSL AES-ECB', async () => {
    for (const [id, cipher] of [[TLS_AES_128_GCM_SHA256, 'aes-128'], [TLS_AES_256_GCM_SHA384, 'aes-256']] as const) {
      const k = await packetKeys(randomBytes(48), suiteOf(id)!, 1);
      expect(k.key.length).toBe(cipher === 'aes-128' ? 16 : 32);
      // a short header, 2-byte packet number 0x1234 of the full number 0x51234
      const header = fromHex('41' + 'f067a5502a4262b5' + '1234');
      const payload = randomBytes(300);
      const pkt = await protect(header, 9, 2, 0x51234, payload, k, false);
      // OpenSSL: the mask, then AES-GCM with the nonce IV XOR packet number and the header as AAD
      const ecb = createCipheriv(`${cipher}-ecb`, k.hpKey, null).setAutoPadding(false);
      const mask = ecb.update(pkt.subarray(13, 29));
      expect(pkt[0] ^ (mask[0] & 0x1f)).toBe(0x41);
      expect(h(Uint8Array.of(pkt[9] ^ mask[1], pkt[10] ^ mask[2]))).toBe('1234');
      const nonce = Buffer.from(k.iv);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ 0x51234) >>> 0, 8);
      const d = createDecipheriv(`${cipher}-gcm`, k.key, nonce).setAAD(header).setAuthTag(pkt.subarray(pkt.length - 16));
      expect(h(Buffer.concat([d.update(pkt.subarray(11, pkt.length - 16)), d.final()]))).toBe(h(payload));
      const r = (await unprotect(pkt, 9, false, k, 0x51200))!;
      expect(r.pn).toBe(0x51234);
      expect(h(r.payload)).toBe(h(payload));
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

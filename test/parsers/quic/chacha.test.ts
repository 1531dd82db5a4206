// The TLS_CHACHA20_POLY1305_SHA256 suite through protection.ts (ChaCha20-Poly1305 and
// ChaCha20 header protection from @noble/ciphers): RFC 9001 Appendix A.5, RFC 8439 2.8.2
// through our AEAD path, and the header mask against OpenSSL (node:crypto, the oracle;
// the core itself cannot use Node) for every block counter, 0xffffffff included.
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, hex } from '../../../parsers/quic/header';
import { chachaHeaderMask, packetKeys, protect, suiteOf, unprotect, updatedKeys, TLS_CHACHA20_POLY1305_SHA256, type PacketKeys } from '../../../parsers/quic/protection';

const h = (b: Uint8Array): string => hex(b, 0, b.length);
const CHACHA = suiteOf(TLS_CHACHA20_POLY1305_SHA256)!;

describe('RFC 9001 A.5: ChaCha20-Poly1305 short header packet', () => {
  const secret = fromHex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
  const packet = '4cfe4189655e5cd55c41f69080575d7999c25a5bfb';

  it('derives the keys, the mask and the key update of the example', async () => {
    const k = await packetKeys(secret, CHACHA, 1);
    expect(h(k.key)).toBe('c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8');
    expect(h(k.iv)).toBe('e0459b3474bdd0e44a41c144');
    expect(h(k.hpKey)).toBe('25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4');
    expect(h(chachaHeaderMask(k.hpKey, fromHex('5e5cd55c41f69080575d7999c25a5bfb')))).toBe('aefefe7d03');
    const next = await updatedKeys(k);
    expect(h(next.secret)).toBe('1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9');
    expect(next.hpKey).toBe(k.hpKey);
  });

  it('protects the PING of packet number 654360564 into the example packet, and back', async () => {
    const k = await packetKeys(secret, CHACHA, 1);
    expect(h(await protect(fromHex('4200bff4'), 1, 3, 654360564, fromHex('01'), k, false))).toBe(packet);
    const r = (await unprotect(fromHex(packet), 1, false, k, 654360563))!;
    expect(r.pn).toBe(654360564);
    expect(r.firstByte).toBe(0x42);
    expect(h(r.payload)).toBe('01');
    // a changed byte, or the wrong keys, do not open it
    const bad = fromHex(packet);
    bad[10] ^= 1;
    expect(await unprotect(bad, 1, false, k, 654360563)).toBeNull();
    expect(await unprotect(fromHex(packet), 1, false, await updatedKeys(k), 654360563)).toBeNull();
  });
});

describe('RFC 8439 2.8.2: the AEAD example through protect / unprotect', () => {
  it('seals the sunscreen text with the example key, nonce and AAD', async () => {
    // the AAD is the packet header: first byte 0x50 (1-byte packet number 0xc7 at offset 11);
    // the IV is chosen so that IV XOR 0xc7 is the example's nonce 070000004041424344454647
    const keys: PacketKeys = {
      ...(await packetKeys(randomBytes(32), CHACHA, 1)),
      key: fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
      iv: fromHex('070000004041424344454680'),
    };
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const plain = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const pkt = await protect(aad, 11, 1, 0xc7, plain, keys, false);
    expect(h(pkt.subarray(12))).toBe(
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
      '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
      '3ff4def08e4b7a9de576d26586cec64b6116' + '1ae10b594f09e26a7e902ecbd0600691',
    );
    const r = (await unprotect(pkt, 11, false, keys, -1))!;
    expect(r.pn).toBe(0xc7);
    expect(new TextDecoder().decode(r.payload)).toBe(new TextDecoder().decode(plain));
  });
});

describe('RFC 9001 5.4.4: the ChaCha20 header mask', () => {
  it('is OpenSSL chacha20 (16-byte IV = LE counter ‖ nonce = the sample) of five zero bytes, at any counter', async () => {
    const k = await packetKeys(randomBytes(32), CHACHA, 1);
    for (let t = 0; t < 50; t++) {
      const sample = randomBytes(16);
      // the counter's extremes: 0, 0xfffffffe and 0xffffffff (which noble's chacha20 refuses)
      if (t < 3) sample.writeUInt32LE([0, 0xfffffffe, 0xffffffff][t], 0);
      const want = createCipheriv('chacha20', k.hpKey, sample).update(Buffer.alloc(5));
      expect(h(chachaHeaderMask(k.hpKey, sample))).toBe(want.toString('hex'));
    }
  });
});

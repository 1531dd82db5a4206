// ChaCha20-Poly1305 in TypeScript (parsers/quic/chacha.ts) against OpenSSL's through
// node:crypto (the oracle; the core itself cannot use Node), on random keys, nonces and
// lengths around every block boundary, plus RFC 8439's own Poly1305 example.
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chacha20Block, chachaHeaderMask, chachaPolyOpen, chachaPolySeal, poly1305 } from '../../parsers/quic/chacha';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/[\s:]/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function opensslSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plain.length });
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return new Uint8Array(Buffer.concat([ct, c.getAuthTag()]));
}

describe('ChaCha20', () => {
  it('gives the keystream of OpenSSL chacha20 (16-byte IV = LE counter ‖ nonce) at any counter', () => {
    for (let t = 0; t < 50; t++) {
      const key = randomBytes(32), nonce = randomBytes(12);
      const counter = t === 0 ? 0 : t === 1 ? 0xffffffff : randomBytes(4).readUInt32LE(0);
      const iv = Buffer.alloc(16);
      iv.writeUInt32LE(counter, 0);
      nonce.copy(iv, 4);
      const want = createCipheriv('chacha20', key, iv).update(Buffer.alloc(64));
      expect(toHex(chacha20Block(key, counter, nonce))).toBe(want.toString('hex'));
    }
  });

  it('makes the RFC 9001 5.4.4 header mask: counter and nonce from the sample, first 5 bytes', () => {
    const hp = randomBytes(32), sample = randomBytes(16);
    const want = createCipheriv('chacha20', hp, sample).update(Buffer.alloc(5));
    expect(toHex(chachaHeaderMask(hp, sample))).toBe(want.toString('hex'));
  });
});

describe('Poly1305', () => {
  it('computes the RFC 8439 2.5.2 example tag', () => {
    const key = hex('85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b');
    const msg = new TextEncoder().encode('Cryptographic Forum Research Group');
    expect(toHex(poly1305(key, msg))).toBe('a8061dc1305136c6c22b8baf0c0127a9');
  });
});

/** Poly1305 straight from RFC 8439 2.5.1 with BigInt: the reference for edge cases. */
function polyRef(key: Uint8Array, msg: Uint8Array): string {
  const le = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  const p = (1n << 130n) - 5n;
  let acc = 0n;
  for (let o = 0; o < msg.length; o += 16) {
    const blk = msg.subarray(o, Math.min(o + 16, msg.length));
    acc = ((acc + le(blk) + (1n << BigInt(8 * blk.length))) * r) % p;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++, tag >>= 8n) out[i] = Number(tag & 0xffn);
  return toHex(out);
}

describe('Poly1305 against the BigInt reference', () => {
  it('agrees on random and extreme keys and messages (all-ones blocks push h towards p)', () => {
    const maxKey = new Uint8Array(32).fill(0xff);
    const ones = new Uint8Array(1024).fill(0xff);
    const cases: [Uint8Array, Uint8Array][] = [[maxKey, ones], [maxKey, ones.subarray(0, 17)], [maxKey, new Uint8Array(0)], [new Uint8Array(32), ones]];
    for (let t = 0; t < 200; t++) cases.push([t % 2 ? maxKey.map((x, i) => (i < 16 ? x : randomBytes(1)[0])) : randomBytes(32), t % 3 ? randomBytes(t * 7) : ones.subarray(0, t * 5)]);
    for (const [k, m] of cases) expect(toHex(poly1305(k, m))).toBe(polyRef(k, m));
  });
});

describe('AEAD_CHACHA20_POLY1305', () => {
  it('seals as OpenSSL does and opens what OpenSSL sealed, for every length 0..200 and some larger', () => {
    const lengths = [...Array.from({ length: 201 }, (_, i) => i), 1200, 1350, 4096];
    for (const n of lengths) {
      const key = randomBytes(32), nonce = randomBytes(12), aad = randomBytes(n % 37), plain = randomBytes(n);
      const sealed = opensslSeal(key, nonce, aad, plain);
      expect(toHex(chachaPolySeal(key, nonce, aad, plain))).toBe(toHex(sealed));
      expect(toHex(chachaPolyOpen(key, nonce, aad, sealed)!)).toBe(toHex(plain));
    }
  });

  it('refuses a wrong tag, a changed byte, a changed AAD and a wrong key', () => {
    const key = randomBytes(32), nonce = randomBytes(12), aad = randomBytes(20), plain = randomBytes(100);
    const sealed = opensslSeal(key, nonce, aad, plain);
    const flip = (b: Uint8Array, i: number): Uint8Array => { const c = b.slice(); c[i] ^= 1; return c; };
    expect(chachaPolyOpen(key, nonce, aad, flip(sealed, sealed.length - 1))).toBeNull();
    expect(chachaPolyOpen(key, nonce, aad, flip(sealed, 5))).toBeNull();
    expect(chachaPolyOpen(key, nonce, flip(aad, 0), sealed)).toBeNull();
    expect(chachaPolyOpen(randomBytes(32), nonce, aad, sealed)).toBeNull();
    expect(chachaPolyOpen(key, nonce, aad, sealed.subarray(0, 10))).toBeNull();
  });
});

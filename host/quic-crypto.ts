// The QUIC Initial crypto over node:crypto (OpenSSL), registered by the Node hosts (the
// CLI, `stateline serve`, the Electron analysis worker) in place of the core's pure-JS
// default (parsers/quic/backend.ts): the key schedule's HMACs, and the AES-CTR keystream
// of the unauthenticated ClientHello peek.

import { createCipheriv, createHmac } from 'node:crypto';
import { setQuicCrypto, type QuicCrypto } from '../parsers/quic/backend';

const HASH = { 'SHA-256': 'sha256', 'SHA-384': 'sha384' } as const;
const CIPHER = { 16: 'aes-128-ctr', 32: 'aes-256-ctr' } as Record<number, string>;

/** The counter block iv ‖ ctr (reused: createCipheriv copies it). */
const counterBlock = new Uint8Array(16);
const TWO_32 = 2 ** 32;

export const nodeQuicCrypto: QuicCrypto = {
  hmac(hash, key, msg) {
    const d = createHmac(HASH[hash], key).update(msg).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.length);
  },

  aesCtr(key, iv, ctr0, src, s, n, out, o) {
    const name = CIPHER[key.length];
    if (name === undefined) throw new RangeError('AES-CTR key must be 16 or 32 bytes');
    // OpenSSL's CTR carries into the whole 128-bit block; GCM's counter wraps in its low
    // 32 bits. Split where the counter would wrap (never for a QUIC packet's ≤ 4096 blocks from 2).
    let ctr = ctr0 >>> 0;
    let done = 0;
    while (done < n) {
      const blocks = Math.min(Math.ceil((n - done) / 16), TWO_32 - ctr);
      const len = Math.min(n - done, blocks * 16);
      counterBlock.set(iv.subarray(0, 12));
      counterBlock[12] = ctr >>> 24;
      counterBlock[13] = (ctr >>> 16) & 0xff;
      counterBlock[14] = (ctr >>> 8) & 0xff;
      counterBlock[15] = ctr & 0xff;
      out.set(createCipheriv(name, key, counterBlock).update(src.subarray(s + done, s + done + len)), o + done);
      done += len;
      ctr = (ctr + blocks) % TWO_32;
    }
  },
};

/** Register node:crypto as the QUIC crypto backend (idempotent). */
export function useNodeQuicCrypto(): void {
  setQuicCrypto(nodeQuicCrypto);
}

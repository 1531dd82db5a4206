// A native crypto backend a host may inject for the QUIC Initial crypto (the core keeps
// its pure-JS default: @noble/hashes' HMAC, aes.ts' CTR). In the bench capture's profile
// these ran in JS once per connection: the HMACs of the Initial key schedule (and the
// compilation of noble's SHA-256 they warm up), and the CTR keystream of the
// unauthenticated ClientHello peek (~1.2 kB). The header protection mask (one AES block
// per packet) is not here: a native cipher object per block costs more than our JS
// block. The Node hosts register host/quic-crypto.ts (node:crypto).
//
// Both functions must give exactly what the default gives (test/parsers/quic/backend.test.ts
// runs the RFC 9001 vectors and the QUIC fixtures through both).

export interface QuicCrypto {
  /** HMAC(key, msg) with the hash; the whole digest (32 or 48 bytes). The caller copies what it keeps. */
  hmac?(hash: 'SHA-256' | 'SHA-384', key: Uint8Array, msg: Uint8Array): Uint8Array;
  /**
   * AES-CTR as GCM counts (NIST SP 800-38D inc32): out[o, o+n) = src[s, s+n) XOR
   * AES(key, iv ‖ ctr), ctr = ctr0, ctr0 + 1, … modulo 2^32 (the 12-byte iv never
   * carries), key the raw 16 or 32 bytes.
   */
  aesCtr?(key: Uint8Array, iv: Uint8Array, ctr0: number, src: Uint8Array, s: number, n: number, out: Uint8Array, o: number): void;
}

let backend: QuicCrypto = {};

/** Use these functions for the QUIC Initial crypto from now on (null, or omitted functions: the pure-JS default). */
export function setQuicCrypto(c: QuicCrypto | null): void {
  backend = c ?? {};
}

/** The registered backend (its functions undefined where the default runs). */
export function quicCrypto(): QuicCrypto {
  return backend;
}

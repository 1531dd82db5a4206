// AES encryption (FIPS 197) in plain TypeScript: the one piece of QUIC crypto not taken
// from @noble (README, design notes). It makes the header protection mask (RFC 9001 5.4.3:
// AES-ECB of a 16-byte sample; WebCrypto has no ECB, and a WebCrypto call per packet costs
// far more than these ten rounds) and the CTR keystream of the unauthenticated ClientHello
// peek, where @noble/ciphers' AES, whose 64K-entry tables fall out of cache between two
// connections, costs more than 5% of a full analysis (the Node hosts inject OpenSSL's
// CTR for the peek, ./backend; a native cipher object per mask block costs ~5-14x this
// block). The AEAD stays with WebCrypto.

const SBOX = new Uint8Array(256);
// Int32 tables and state: the round arithmetic stays in 32-bit integers (uint32 values above 2^31 would be doubles).
const T0 = new Int32Array(256), T1 = new Int32Array(256), T2 = new Int32Array(256), T3 = new Int32Array(256);

(function init(): void {
  // multiplicative inverse via log/antilog tables over GF(2^8) with generator 3
  const exp = new Uint8Array(256), log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= (x << 1) ^ (x & 0x80 ? 0x1b : 0);
    x &= 0xff;
  }
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]) % 255];
    let s = inv;
    for (let k = 1; k < 5; k++) s ^= ((inv << k) | (inv >> (8 - k))) & 0xff;
    SBOX[i] = s ^ 0x63;
  }
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i];
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x1b : 0)) & 0xff;
    const s3 = s2 ^ s;
    const t = (s2 << 24) | (s << 16) | (s << 8) | s3;
    T0[i] = t;
    T1[i] = (t >>> 8) | (t << 24);
    T2[i] = (t >>> 16) | (t << 16);
    T3[i] = (t >>> 24) | (t << 8);
  }
})();

/**
 * Expanded encryption key (AES-128 or AES-256), as int32 words: read from a Uint32Array,
 * words above 2^31 would be doubles, and every round key XOR would convert them.
 */
export function aesExpandKey(key: Uint8Array): Int32Array {
  const nk = key.length / 4;
  if (nk !== 4 && nk !== 6 && nk !== 8) throw new RangeError('AES key must be 16, 24 or 32 bytes');
  const rounds = nk + 6;
  const w = new Int32Array(4 * (rounds + 1));
  for (let i = 0; i < nk; i++) w[i] = (key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3];
  let rcon = 1;
  for (let i = nk; i < w.length; i++) {
    let t = w[i - 1];
    if (i % nk === 0) {
      t = ((SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) | (SBOX[t & 0xff] << 8) | SBOX[t >>> 24]) ^ (rcon << 24);
      rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x1b : 0)) & 0xff;
    } else if (nk > 6 && i % nk === 4) {
      t = (SBOX[t >>> 24] << 24) | (SBOX[(t >>> 16) & 0xff] << 16) | (SBOX[(t >>> 8) & 0xff] << 8) | SBOX[t & 0xff];
    }
    w[i] = w[i - nk] ^ t;
  }
  return w;
}

/** Encrypt one 16-byte block with an expanded key. */
export function aesEncryptBlock(w: Int32Array, input: Uint8Array, inOff = 0): Uint8Array {
  const out = new Uint8Array(16);
  aesEncryptBlockTo(w, input, inOff, out, 0);
  return out;
}

/** Encrypt one 16-byte block into out[outOff..outOff+16) (no allocation; out may be input). */
export function aesEncryptBlockTo(w: Int32Array, input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
  const rounds = w.length / 4 - 1;
  let s0 = ((input[inOff] << 24) | (input[inOff + 1] << 16) | (input[inOff + 2] << 8) | input[inOff + 3]) ^ w[0];
  let s1 = ((input[inOff + 4] << 24) | (input[inOff + 5] << 16) | (input[inOff + 6] << 8) | input[inOff + 7]) ^ w[1];
  let s2 = ((input[inOff + 8] << 24) | (input[inOff + 9] << 16) | (input[inOff + 10] << 8) | input[inOff + 11]) ^ w[2];
  let s3 = ((input[inOff + 12] << 24) | (input[inOff + 13] << 16) | (input[inOff + 14] << 8) | input[inOff + 15]) ^ w[3];
  let k = 4;
  for (let r = 1; r < rounds; r++) {
    const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 0xff] ^ T2[(s2 >>> 8) & 0xff] ^ T3[s3 & 0xff] ^ w[k++];
    const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 0xff] ^ T2[(s3 >>> 8) & 0xff] ^ T3[s0 & 0xff] ^ w[k++];
    const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 0xff] ^ T2[(s0 >>> 8) & 0xff] ^ T3[s1 & 0xff] ^ w[k++];
    const t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 0xff] ^ T2[(s1 >>> 8) & 0xff] ^ T3[s2 & 0xff] ^ w[k++];
    s0 = t0; s1 = t1; s2 = t2; s3 = t3;
  }
  lastRound(out, outOff, s0, s1, s2, s3, w[k]);
  lastRound(out, outOff + 4, s1, s2, s3, s0, w[k + 1]);
  lastRound(out, outOff + 8, s2, s3, s0, s1, w[k + 2]);
  lastRound(out, outOff + 12, s3, s0, s1, s2, w[k + 3]);
}

function lastRound(out: Uint8Array, o: number, a: number, b: number, c: number, d: number, kw: number): void {
  const v = ((SBOX[a >>> 24] << 24) | (SBOX[(b >>> 16) & 0xff] << 16) | (SBOX[(c >>> 8) & 0xff] << 8) | SBOX[d & 0xff]) ^ kw;
  out[o] = v >>> 24;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}

/**
 * AES-CTR as GCM uses it (NIST SP 800-38D): out[o, o+n) = src[s, s+n) XOR the keystream
 * AES(iv ‖ counter), counter = ctr0, ctr0 + 1, … (32-bit, big-endian), iv 12 bytes.
 * One function with the whole loop inside, so that a packet's worth of blocks runs
 * optimized after the first few (a call per block stays in the slow tiers longer).
 */
export function aesCtrXor(w: Int32Array, iv: Uint8Array, ctr0: number, src: Uint8Array, s: number, n: number, out: Uint8Array, o: number): void {
  const rounds = (w.length >> 2) - 1;
  const i0 = (iv[0] << 24) | (iv[1] << 16) | (iv[2] << 8) | iv[3];
  const i1 = (iv[4] << 24) | (iv[5] << 16) | (iv[6] << 8) | iv[7];
  const i2 = (iv[8] << 24) | (iv[9] << 16) | (iv[10] << 8) | iv[11];
  let ctr = ctr0 | 0;
  for (let off = 0; off < n; off += 16, ctr = (ctr + 1) | 0) {
    let s0 = i0 ^ w[0], s1 = i1 ^ w[1], s2 = i2 ^ w[2], s3 = ctr ^ w[3];
    let k = 4;
    for (let r = 1; r < rounds; r++, k += 4) {
      const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 0xff] ^ T2[(s2 >>> 8) & 0xff] ^ T3[s3 & 0xff] ^ w[k];
      const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 0xff] ^ T2[(s3 >>> 8) & 0xff] ^ T3[s0 & 0xff] ^ w[k + 1];
      const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 0xff] ^ T2[(s0 >>> 8) & 0xff] ^ T3[s1 & 0xff] ^ w[k + 2];
      const t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 0xff] ^ T2[(s1 >>> 8) & 0xff] ^ T3[s2 & 0xff] ^ w[k + 3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    const k0 = ((SBOX[s0 >>> 24] << 24) | (SBOX[(s1 >>> 16) & 0xff] << 16) | (SBOX[(s2 >>> 8) & 0xff] << 8) | SBOX[s3 & 0xff]) ^ w[k];
    const k1 = ((SBOX[s1 >>> 24] << 24) | (SBOX[(s2 >>> 16) & 0xff] << 16) | (SBOX[(s3 >>> 8) & 0xff] << 8) | SBOX[s0 & 0xff]) ^ w[k + 1];
    const k2 = ((SBOX[s2 >>> 24] << 24) | (SBOX[(s3 >>> 16) & 0xff] << 16) | (SBOX[(s0 >>> 8) & 0xff] << 8) | SBOX[s1 & 0xff]) ^ w[k + 2];
    const k3 = ((SBOX[s3 >>> 24] << 24) | (SBOX[(s0 >>> 16) & 0xff] << 16) | (SBOX[(s1 >>> 8) & 0xff] << 8) | SBOX[s2 & 0xff]) ^ w[k + 3];
    const a = s + off, b = o + off;
    if (n - off >= 16) {
      xorWord(out, b, src, a, k0);
      xorWord(out, b + 4, src, a + 4, k1);
      xorWord(out, b + 8, src, a + 8, k2);
      xorWord(out, b + 12, src, a + 12, k3);
    } else {
      // the last, partial block
      for (let i = 0; i < n - off; i++) {
        const kw = i < 4 ? k0 : i < 8 ? k1 : i < 12 ? k2 : k3;
        out[b + i] = src[a + i] ^ ((kw >>> (24 - 8 * (i & 3))) & 0xff);
      }
    }
  }
}

function xorWord(out: Uint8Array, b: number, src: Uint8Array, a: number, kw: number): void {
  out[b] = src[a] ^ (kw >>> 24);
  out[b + 1] = src[a + 1] ^ ((kw >>> 16) & 0xff);
  out[b + 2] = src[a + 2] ^ ((kw >>> 8) & 0xff);
  out[b + 3] = src[a + 3] ^ (kw & 0xff);
}

// One-block AES encryption (FIPS 197) in plain TypeScript, for QUIC header protection
// (RFC 9001 5.4.3: the mask is AES-ECB of a 16-byte sample). WebCrypto has no ECB, and a
// WebCrypto call per packet costs far more than these ten rounds; the AEAD itself stays
// with WebCrypto.

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

/** Expanded encryption key (AES-128 or AES-256). */
export function aesExpandKey(key: Uint8Array): Uint32Array {
  const nk = key.length / 4;
  if (nk !== 4 && nk !== 6 && nk !== 8) throw new RangeError('AES key must be 16, 24 or 32 bytes');
  const rounds = nk + 6;
  const w = new Uint32Array(4 * (rounds + 1));
  for (let i = 0; i < nk; i++) w[i] = ((key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3]) >>> 0;
  let rcon = 1;
  for (let i = nk; i < w.length; i++) {
    let t = w[i - 1];
    if (i % nk === 0) {
      t = ((SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) | (SBOX[t & 0xff] << 8) | SBOX[t >>> 24]) ^ (rcon << 24);
      rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x1b : 0)) & 0xff;
    } else if (nk > 6 && i % nk === 4) {
      t = (SBOX[t >>> 24] << 24) | (SBOX[(t >>> 16) & 0xff] << 16) | (SBOX[(t >>> 8) & 0xff] << 8) | SBOX[t & 0xff];
    }
    w[i] = (w[i - nk] ^ t) >>> 0;
  }
  return w;
}

/** Encrypt one 16-byte block with an expanded key. */
export function aesEncryptBlock(w: Uint32Array, input: Uint8Array, inOff = 0): Uint8Array {
  const out = new Uint8Array(16);
  aesEncryptBlockTo(w, input, inOff, out, 0);
  return out;
}

/** Encrypt one 16-byte block into out[outOff..outOff+16) (no allocation; out may be input). */
export function aesEncryptBlockTo(w: Uint32Array, input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
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

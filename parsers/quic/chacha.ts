// ChaCha20 and Poly1305 (RFC 8439) for QUIC's TLS_CHACHA20_POLY1305_SHA256 suite:
//   RFC 9001 5.3    AEAD_CHACHA20_POLY1305 packet protection (RFC 8439 2.8)
//   RFC 9001 5.4.4  ChaCha20-based header protection
// WebCrypto has no ChaCha20, so both run in TypeScript. ChaCha20 works on 32-bit words
// (`| 0`, `>>> 0`: exact in JavaScript numbers). Poly1305 works modulo 2^130 − 5 with
// ten 13-bit limbs, so every product and sum of products stays below 2^53 and is exact
// in a double (26-bit limbs, as C implementations use, would need 64-bit integers).

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

const state = new Uint32Array(16);
const work = new Uint32Array(16);

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

function quarter(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[a] = x[a] + x[b]; x[d] = rotl(x[d] ^ x[a], 16);
  x[c] = x[c] + x[d]; x[b] = rotl(x[b] ^ x[c], 12);
  x[a] = x[a] + x[b]; x[d] = rotl(x[d] ^ x[a], 8);
  x[c] = x[c] + x[d]; x[b] = rotl(x[b] ^ x[c], 7);
}

/** RFC 8439 2.3: one 64-byte keystream block for a 32-byte key, a block counter and a 12-byte nonce. */
export function chacha20Block(key: Uint8Array, counter: number, nonce: Uint8Array, out = new Uint8Array(64)): Uint8Array {
  if (key.length !== 32) throw new Error(`ChaCha20 key of ${key.length} bytes (expected 32)`);
  if (nonce.length < 12) throw new Error(`ChaCha20 nonce of ${nonce.length} bytes (expected 12)`);
  const s = state;
  s[0] = SIGMA[0]; s[1] = SIGMA[1]; s[2] = SIGMA[2]; s[3] = SIGMA[3];
  for (let i = 0; i < 8; i++) s[4 + i] = le32(key, 4 * i);
  s[12] = counter >>> 0;
  s[13] = le32(nonce, 0);
  s[14] = le32(nonce, 4);
  s[15] = le32(nonce, 8);
  const x = work;
  x.set(s);
  for (let r = 0; r < 10; r++) {
    quarter(x, 0, 4, 8, 12); quarter(x, 1, 5, 9, 13); quarter(x, 2, 6, 10, 14); quarter(x, 3, 7, 11, 15);
    quarter(x, 0, 5, 10, 15); quarter(x, 1, 6, 11, 12); quarter(x, 2, 7, 8, 13); quarter(x, 3, 4, 9, 14);
  }
  for (let i = 0; i < 16; i++) {
    const v = (x[i] + s[i]) >>> 0;
    out[4 * i] = v & 0xff;
    out[4 * i + 1] = (v >>> 8) & 0xff;
    out[4 * i + 2] = (v >>> 16) & 0xff;
    out[4 * i + 3] = v >>> 24;
  }
  return out;
}

/** RFC 8439 2.4: `data` XOR the keystream starting at block `counter`. */
export function chacha20Xor(key: Uint8Array, counter: number, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  const block = new Uint8Array(64);
  for (let o = 0, c = counter; o < data.length; o += 64, c++) {
    chacha20Block(key, c, nonce, block);
    const n = Math.min(64, data.length - o);
    for (let i = 0; i < n; i++) out[o + i] = data[o + i] ^ block[i];
  }
  return out;
}

/**
 * RFC 9001 5.4.4: the header protection mask. The sample's first 4 bytes are the block
 * counter (little-endian), the other 12 the nonce; the mask is the keystream's first
 * 5 bytes (ChaCha20 of five zero bytes).
 */
export function chachaHeaderMask(hpKey: Uint8Array, sample: Uint8Array): Uint8Array {
  return chacha20Block(hpKey, le32(sample, 0), sample.subarray(4, 16)).subarray(0, 5);
}

/** RFC 8439 2.5: the 16-byte Poly1305 tag of `msg` under a one-time 32-byte key. */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  // r (clamped) and the accumulator h in ten 13-bit limbs: limb i holds bits 13i .. 13i+12.
  const r = limbs13(clamp(key.subarray(0, 16)), 0);
  const h = new Float64Array(10);
  const block = new Uint8Array(17);
  const c = new Float64Array(10);
  const d = new Float64Array(10);
  for (let o = 0; o < msg.length; o += 16) {
    const n = Math.min(16, msg.length - o);
    block.fill(0);
    block.set(msg.subarray(o, o + n));
    block[n] = 1; // the 2^(8n) bit: 0x01 after the block's bytes
    limbs13(block, 0, c);
    for (let i = 0; i < 10; i++) h[i] += c[i];
    // d = h * r mod 2^130 − 5: limbs past the tenth wrap around times 5 (2^130 ≡ 5).
    for (let i = 0; i < 10; i++) {
      let sum = 0;
      for (let j = 0; j < 10; j++) sum += h[j] * (j <= i ? r[i - j] : 5 * r[i + 10 - j]);
      d[i] = sum;
    }
    carry(d);
    h.set(d);
  }
  // Full reduction modulo p, then add s modulo 2^128.
  const out = freeze(h);
  let carryS = 0;
  const bytes = toBytes(out);
  for (let i = 0; i < 16; i++) {
    const v = bytes[i] + key[16 + i] + carryS;
    bytes[i] = v & 0xff;
    carryS = v >> 8;
  }
  return bytes.subarray(0, 16);
}

function clamp(r: Uint8Array): Uint8Array {
  const c = new Uint8Array(17);
  c.set(r);
  c[3] &= 15; c[7] &= 15; c[11] &= 15; c[15] &= 15;
  c[4] &= 252; c[8] &= 252; c[12] &= 252;
  return c;
}

/** Bytes (little-endian, up to 17 of them) → ten 13-bit limbs. */
function limbs13(b: Uint8Array, off: number, out = new Float64Array(10)): Float64Array {
  for (let i = 0; i < 10; i++) {
    const bit = 13 * i;
    const byte = off + (bit >> 3), shift = bit & 7;
    const v = b[byte] | ((b[byte + 1] ?? 0) << 8) | ((b[byte + 2] ?? 0) << 16);
    out[i] = (v >>> shift) & 0x1fff;
  }
  return out;
}

/** Carry limbs down to 13 bits each, folding the overflow of the top limb back times 5. */
function carry(d: Float64Array): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < 10; i++) {
      const hi = Math.floor(d[i] / 8192);
      d[i] -= hi * 8192;
      if (i < 9) d[i + 1] += hi;
      else d[0] += 5 * hi;
    }
  }
}

/** h mod p exactly (h < 2p after carrying): subtract p once if h ≥ p. */
function freeze(h: Float64Array): Float64Array {
  carry(h);
  // g = h + 5 − 2^130: if it does not go negative, h ≥ p and the result is g.
  const g = new Float64Array(10);
  let c = 5;
  for (let i = 0; i < 10; i++) {
    const v = h[i] + c;
    g[i] = v % 8192;
    c = Math.floor(v / 8192);
  }
  return c >= 1 ? g : h; // the carry out of bit 130 is the 2^130 subtracted
}

/** Ten 13-bit limbs → 17 little-endian bytes. */
function toBytes(h: Float64Array): Uint8Array {
  const out = new Uint8Array(17);
  for (let i = 0; i < 10; i++) {
    const bit = 13 * i;
    let v = h[i] * 2 ** (bit & 7);
    for (let byte = bit >> 3; v > 0 && byte < 17; byte++) {
      const sum = out[byte] + (v % 256);
      out[byte] = sum & 0xff;
      v = Math.floor(v / 256) + (sum >> 8);
    }
  }
  return out;
}

/**
 * RFC 8439 2.8: AEAD_CHACHA20_POLY1305 decryption of `sealed` (ciphertext + 16-byte
 * tag) with `aad`. Returns the plaintext, or null when the tag does not verify.
 */
export function chachaPolyOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  const ct = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  const want = poly1305(chacha20Block(key, 0, nonce).subarray(0, 32), macData(aad, ct));
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= want[i] ^ tag[i];
  if (diff !== 0) return null;
  return chacha20Xor(key, 1, nonce, ct);
}

/** RFC 8439 2.8: encryption (for tests and round trips): ciphertext followed by the tag. */
export function chachaPolySeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Uint8Array {
  const ct = chacha20Xor(key, 1, nonce, plain);
  const tag = poly1305(chacha20Block(key, 0, nonce).subarray(0, 32), macData(aad, ct));
  const out = new Uint8Array(ct.length + 16);
  out.set(ct);
  out.set(tag, ct.length);
  return out;
}

/** aad ‖ pad16 ‖ ciphertext ‖ pad16 ‖ le64(len aad) ‖ le64(len ciphertext). */
function macData(aad: Uint8Array, ct: Uint8Array): Uint8Array {
  const pad = (n: number): number => (16 - (n % 16)) % 16;
  const a = aad.length + pad(aad.length), c = ct.length + pad(ct.length);
  const m = new Uint8Array(a + c + 16);
  m.set(aad, 0);
  m.set(ct, a);
  const lens = new DataView(m.buffer, a + c, 16);
  lens.setUint32(0, aad.length, true);
  lens.setUint32(8, ct.length, true);
  return m;
}

// SHA-256 and HMAC-SHA-256 (FIPS 180-4, RFC 2104) in plain TypeScript, for the QUIC
// key schedule: HKDF over a few dozen bytes is a handful of compressions, far cheaper
// than a round trip through WebCrypto's job queue (which the AEAD still uses).

// Int32 arrays: the arithmetic stays in 32-bit integers (uint32 values above 2^31 would be doubles).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const W = new Int32Array(64);

function compress(h: Int32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) W[i] = (b[off + 4 * i] << 24) | (b[off + 4 * i + 1] << 16) | (b[off + 4 * i + 2] << 8) | b[off + 4 * i + 3];
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15], y = W[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & bb) ^ (a & c) ^ (bb & c);
    const t2 = (S0 + maj) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + bb) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
}

/** Scratch message buffer (grown on demand) and state: sha256 is synchronous, so one of each serves every call. */
let scratch = new Uint8Array(256);
const H = new Int32Array(8);

export function sha256(...parts: Uint8Array[]): Uint8Array {
  return sha256of(parts[0] ?? EMPTY, parts[1] ?? EMPTY, parts.length > 2 ? parts.slice(2) : null);
}

const EMPTY = new Uint8Array(0);

function sha256of(a: Uint8Array, b: Uint8Array, more: Uint8Array[] | null): Uint8Array {
  return digest(null, 0, a, b, more);
}

/**
 * SHA-256 of a ‖ b ‖ more…, continuing from `init` (the state after `prefix` bytes, a
 * multiple of 64) or from the IV, into `out` (32 bytes; a new array by default).
 */
function digest(init: Int32Array | null, prefix: number, a: Uint8Array, b: Uint8Array, more: Uint8Array[] | null, out = new Uint8Array(32)): Uint8Array {
  let len = a.length + b.length;
  if (more) for (const p of more) len += p.length;
  const total = ((len + 9 + 63) >> 6) << 6;
  if (scratch.length < total) scratch = new Uint8Array(total * 2);
  const buf = scratch;
  buf.set(a, 0);
  buf.set(b, a.length);
  let o = a.length + b.length;
  if (more) for (const p of more) { buf.set(p, o); o += p.length; }
  buf.fill(0, len, total);
  buf[len] = 0x80;
  const bits = (len + prefix) * 8;
  buf[total - 4] = (bits >>> 24) & 0xff;
  buf[total - 3] = (bits >>> 16) & 0xff;
  buf[total - 2] = (bits >>> 8) & 0xff;
  buf[total - 1] = bits & 0xff;
  buf[total - 5] = Math.floor(bits / 2 ** 32) & 0xff;
  const h = H;
  if (init) h.set(init);
  else h.set(IV);
  for (let i = 0; i < total; i += 64) compress(h, buf, i);
  for (let i = 0; i < 8; i++) {
    out[4 * i] = h[i] >>> 24; out[4 * i + 1] = (h[i] >>> 16) & 0xff; out[4 * i + 2] = (h[i] >>> 8) & 0xff; out[4 * i + 3] = h[i] & 0xff;
  }
  return out;
}

const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const ipad = new Uint8Array(64), opad = new Uint8Array(64);

/** A key's HMAC states after its inner and outer pad blocks (HKDF signs several labels with one secret). */
export interface HmacKey {
  inner: Int32Array;
  outer: Int32Array;
}

interface PadState extends HmacKey {
  key: Uint8Array;
}
const padStates = new WeakMap<Uint8Array, PadState>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function padState(key: Uint8Array): PadState {
  const cached = padStates.get(key);
  if (cached !== undefined && sameBytes(cached.key, key)) return cached;
  const st = { key: key.slice(), ...hmacSha256Key(key) };
  padStates.set(key, st);
  return st;
}

/**
 * A key's HMAC pad states, not cached (for a secret used for a few labels and dropped),
 * written into `into` when given (a caller's reusable state).
 */
export function hmacSha256Key(key: Uint8Array, into?: HmacKey): HmacKey {
  const k = key.length > 64 ? sha256of(key, EMPTY, null) : key;
  for (let i = 0; i < 64; i++) {
    const b = i < k.length ? k[i] : 0;
    ipad[i] = b ^ 0x36;
    opad[i] = b ^ 0x5c;
  }
  const st = into ?? { inner: new Int32Array(8), outer: new Int32Array(8) };
  st.inner.set(IV);
  st.outer.set(IV);
  compress(st.inner, ipad, 0);
  compress(st.outer, opad, 0);
  return st;
}

/** The inner hash, read at once by the outer one. */
const innerOut = new Uint8Array(32);

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmacSha256With(padState(key), data);
}

export function hmacSha256With(k: HmacKey, data: Uint8Array): Uint8Array {
  return digest(k.outer, 64, digest(k.inner, 64, data, EMPTY, null, innerOut), EMPTY, null);
}

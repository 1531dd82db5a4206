// QUIC packet protection, in code that runs in Node and in a browser worker alike:
//   RFC 9001 5.1  key derivation: HKDF (RFC 5869) and HKDF-Expand-Label (RFC 8446 7.1)
//                 over @noble/hashes' HMAC, its key schedules reused (see below)
//   RFC 9001 5.2  Initial secrets (salts for v1, v2 = RFC 9369 3.3.1, drafts 22..34)
//   RFC 9001 5.3  AEAD: AES-128-GCM and AES-256-GCM with the platform's WebCrypto
//                 (globalThis.crypto.subtle); ChaCha20-Poly1305 with @noble/ciphers
//                 (WebCrypto has none)
//   RFC 9001 5.4  header protection: AES-ECB of the sample with our one-block AES (aes.ts;
//                 headerMaskWebCrypto does it as AES-CBC with a zero IV, the cross-check);
//                 ChaCha20 from @noble/ciphers
// Decryption calls are async (WebCrypto); trackers collect bytes first and decrypt after
// the read, except the unauthenticated ClientHello peek, which is synchronous.
// A host may inject native HMAC and AES-CTR (./backend: setQuicCrypto) for the key
// schedule and the peek's payload keystream; without one, the above runs.

import { chacha20poly1305, hchacha } from '@noble/ciphers/chacha.js';
import { expand } from '@noble/hashes/hkdf.js';
import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { aesCtrXor, aesEncryptBlock, aesExpandKey } from './aes';
import { quicCrypto } from './backend';
import { draftOf, QUIC_V2 } from './header';

const subtle = (): SubtleCrypto => {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle) throw new Error('WebCrypto (crypto.subtle) is not available');
  return c.subtle;
};

export const TLS_AES_128_GCM_SHA256 = 0x1301;
export const TLS_AES_256_GCM_SHA384 = 0x1302;
export const TLS_CHACHA20_POLY1305_SHA256 = 0x1303;

export interface Suite {
  id: number;
  hash: 'SHA-256' | 'SHA-384';
  hashLen: number;
  keyLen: number;
  /** The AEAD and, with it, the header protection (RFC 9001 5.4.3 AES, 5.4.4 ChaCha20). */
  aead: 'aes-gcm' | 'chacha20-poly1305';
}

export function suiteOf(id: number): Suite | null {
  if (id === TLS_AES_128_GCM_SHA256) return { id, hash: 'SHA-256', hashLen: 32, keyLen: 16, aead: 'aes-gcm' };
  if (id === TLS_AES_256_GCM_SHA384) return { id, hash: 'SHA-384', hashLen: 48, keyLen: 32, aead: 'aes-gcm' };
  if (id === TLS_CHACHA20_POLY1305_SHA256) return { id, hash: 'SHA-256', hashLen: 32, keyLen: 32, aead: 'chacha20-poly1305' };
  return null;
}

/** The header protection mask of the keys' suite (at least 5 bytes). */
function maskOf(keys: PacketKeys, sample: Uint8Array): Uint8Array {
  return keys.suite.aead === 'chacha20-poly1305' ? chachaHeaderMask(keys.hpKey, sample) : headerMask(keys.hp, sample);
}

const INITIAL_SUITE = suiteOf(TLS_AES_128_GCM_SHA256)!;
const HASHES = { 'SHA-256': sha256, 'SHA-384': sha384 } as const;

function hexBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

const SALT_V1 = hexBytes('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');
const SALT_V2 = hexBytes('0dede3def700a6db819381be6e269dcbf9bd2ed9');
const SALT_D29 = hexBytes('afbfec289993d24c9e9786f19c6111e04390a899');
const SALT_D23 = hexBytes('c3eef712c72ebb5a11a7d2432bb46365bef9f502');
const SALT_D22 = hexBytes('7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a');

/** The Initial salt of a version, or null when we do not know it. */
export function initialSalt(version: number): Uint8Array | null {
  if (version === 1) return SALT_V1;
  if (version === QUIC_V2) return SALT_V2;
  const d = draftOf(version);
  if (d >= 33 && d <= 34) return SALT_V1;
  if (d >= 29 && d <= 32) return SALT_D29;
  if (d >= 23 && d <= 28) return SALT_D23;
  if (d === 22) return SALT_D22;
  return null;
}

/** Label prefix of the packet protection keys: "quic " for v1 and drafts, "quicv2 " for v2. */
export function labelPrefix(version: number): string {
  return version === QUIC_V2 ? 'quicv2 ' : 'quic ';
}

const enc = new TextEncoder();

/** HkdfLabel structures by label and length, each followed by HKDF-Expand's block counter 0x01 (a handful of distinct ones; never modified). */
const labelInfos = new Map<string, Uint8Array>();

function labelInfo(label: string, length: number): Uint8Array {
  const key = label + '/' + length;
  let info = labelInfos.get(key);
  if (info !== undefined) return info;
  const full = enc.encode('tls13 ' + label);
  info = new Uint8Array(2 + 1 + full.length + 1 + 1);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = 0; // empty context
  info[4 + full.length] = 1; // HKDF-Expand's counter of block T(1)
  labelInfos.set(key, info);
  return info;
}

// Key derivation runs once per connection (the Initial keys of its first DCID, for the
// ClientHello read during the capture), so its cost is that of building HMACs: an HMAC
// from a key hashes the padded key twice (inner and outer state) and allocates four hash
// objects. A prepared HMAC (hmac.create) holds those two states; cloning it into a
// scratch instance (_cloneInto, no allocation) and hashing one message costs two
// compressions. The Initial salt is one such key for every connection, and a packet
// secret is the key of its three labels (key, iv, hp): a connection's Initial keys
// (extract, "client in", key, iv, hp: five HMACs) prepare two keys instead of five.
/** A prepared HMAC of SHA-256 or SHA-384 (typed by SHA-256's hash state: both hashes have the same interface). */
type Hmac = _HMAC<ReturnType<typeof sha256.create>>;
/** Scratch HMAC instance per hash, cloned into (its states are overwritten by each clone). */
const scratchHmac: Partial<Record<Suite['hash'], Hmac>> = {};
/** Scratch for an HMAC output (at least the longest hash, SHA-384's 48 bytes). */
const macOut = new Uint8Array(64);
/** The key of the scratch HMACs as made (any: each use clones a prepared key's states into it). */
const NO_KEY = new Uint8Array(0);

/** HMAC(prepared key, msg), its first `length` bytes (a new array). */
function macWith(hash: Suite['hash'], prepared: Hmac, msg: Uint8Array, length: number): Uint8Array {
  // the scratch is made by the constructor, as every other HMAC: clone() makes another
  // object shape, and noble's update and digest would then deoptimize on either
  const s = (scratchHmac[hash] ??= hmac.create(HASHES[hash], NO_KEY));
  prepared._cloneInto(s).update(msg).digestInto(macOut);
  return macOut.slice(0, length);
}

/** The first `length` bytes of the injected backend's HMAC(key, msg), as a new array. */
function nativeMac(mac: NonNullable<ReturnType<typeof quicCrypto>['hmac']>, hash: Suite['hash'], key: Uint8Array, msg: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(mac(hash, key, msg).subarray(0, length));
  return out;
}

/**
 * HKDF-Expand-Label (RFC 8446 7.1, empty context) with the secret's prepared HMAC, or
 * with the secret through the injected backend (prepared null). QUIC's lengths are at
 * most the hash length, where HKDF-Expand (RFC 5869 2.3) is the one block
 * T(1) = HMAC(secret, HkdfLabel ‖ 0x01).
 */
function expandLabelWith(hash: Suite['hash'], secret: Uint8Array, prepared: Hmac | null, label: string, length: number): Uint8Array {
  const info = labelInfo(label, length);
  return prepared !== null ? macWith(hash, prepared, info, length) : nativeMac(quicCrypto().hmac!, hash, secret, info, length);
}

/** A prepared HMAC of the secret, or null when the injected backend does the HMACs. */
function preparedOf(hash: Suite['hash'], secret: Uint8Array): Hmac | null {
  return quicCrypto().hmac !== undefined ? null : hmac.create(HASHES[hash], secret);
}

/** HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
export function hkdfExpandLabel(hash: Suite['hash'], secret: Uint8Array, label: string, length: number): Uint8Array {
  const H = HASHES[hash];
  // longer than one block: noble's HKDF-Expand (its info without our counter byte)
  if (length > H.outputLen) return expand(H, secret, labelInfo(label, length).subarray(0, -1), length);
  return expandLabelWith(hash, secret, preparedOf(hash, secret), label, length);
}

/** Prepared HMACs keyed by the Initial salts (HKDF-Extract's key, RFC 5869 2.2). */
const saltHmacs = new Map<Uint8Array, Hmac>();

/** RFC 9001 5.2: initial_secret = HKDF-Extract(salt, client's first DCID), with the salt's prepared HMAC. */
function initialSecret(dcid: Uint8Array, salt: Uint8Array): Uint8Array {
  const mac = quicCrypto().hmac;
  if (mac !== undefined) return nativeMac(mac, 'SHA-256', salt, dcid, 32);
  let prepared = saltHmacs.get(salt);
  if (prepared === undefined) saltHmacs.set(salt, (prepared = hmac.create(sha256, salt)));
  return macWith('SHA-256', prepared, dcid, 32);
}

/** Keys for one direction of one packet number space. */
export interface PacketKeys {
  suite: Suite;
  secret: Uint8Array;
  /** Raw AEAD key, its AES key schedule (for the unauthenticated peek) and the WebCrypto key (imported on first use). */
  key: Uint8Array;
  keyExp: Int32Array;
  aead: Promise<CryptoKey> | null;
  iv: Uint8Array;
  /** Header protection key: raw, and expanded for the one-block AES of the mask. */
  hpKey: Uint8Array;
  hp: Int32Array;
  version: number;
}

/** The WebCrypto AES-GCM key, imported once per key. */
export function aeadKey(k: PacketKeys): Promise<CryptoKey> {
  return (k.aead ??= subtle().importKey('raw', k.key as BufferSource, { name: 'AES-GCM' }, false, ['decrypt', 'encrypt']));
}

/** The keys of a secret (the key schedule is synchronous; the promise is for the tracker's await). */
export function packetKeys(secret: Uint8Array, suite: Suite, version: number): Promise<PacketKeys> {
  return Promise.resolve(keysOf(secret, suite, version));
}

function keysOf(secret: Uint8Array, suite: Suite, version: number, hp?: { hpKey: Uint8Array; hp: Int32Array }): PacketKeys {
  const p = labelPrefix(version);
  const prepared = preparedOf(suite.hash, secret);
  const key = expandLabelWith(suite.hash, secret, prepared, p + 'key', suite.keyLen);
  const iv = expandLabelWith(suite.hash, secret, prepared, p + 'iv', 12);
  const hpKey = hp?.hpKey ?? expandLabelWith(suite.hash, secret, prepared, p + 'hp', suite.keyLen);
  return { suite, secret, key, keyExp: aesExpandKey(key), aead: null, iv, hpKey, hp: hp?.hp ?? aesExpandKey(hpKey), version };
}

/** RFC 9001 6.1: the next generation of 1-RTT keys ("quic ku"); the hp key does not change. */
export function updatedKeys(k: PacketKeys): Promise<PacketKeys> {
  const secret = hkdfExpandLabel(k.suite.hash, k.secret, labelPrefix(k.version) + 'ku', k.suite.hashLen);
  return Promise.resolve(keysOf(secret, k.suite, k.version, k));
}

/** RFC 9001 5.2: the client's and the server's Initial keys from the client's first DCID. */
export async function initialKeys(dcid: Uint8Array, version: number): Promise<{ client: PacketKeys; server: PacketKeys } | null> {
  const k = await initialKeysLazy(dcid, version);
  if (!k) return null;
  return { client: await k.side(true), server: await k.side(false) };
}

/** Initial keys derived per side on demand (a tracker often needs only the client's). */
export function initialKeysLazy(dcid: Uint8Array, version: number): Promise<{ side(client: boolean): Promise<PacketKeys> } | null> {
  const salt = initialSalt(version);
  if (!salt) return Promise.resolve(null);
  const initial = initialSecret(dcid, salt);
  const memo: (Promise<PacketKeys> | undefined)[] = [undefined, undefined];
  return Promise.resolve({
    side(client: boolean): Promise<PacketKeys> {
      return (memo[client ? 0 : 1] ??= Promise.resolve(initialSideKeys(initial, version, client)));
    },
  });
}

/** One side's Initial keys, for reading a client Initial while the capture is being read. */
export function initialKeysSync(dcid: Uint8Array, version: number, client: boolean): PacketKeys | null {
  const salt = initialSalt(version);
  return salt ? initialSideKeys(initialSecret(dcid, salt), version, client) : null;
}

function initialSideKeys(initial: Uint8Array, version: number, client: boolean): PacketKeys {
  return keysOf(hkdfExpandLabel('SHA-256', initial, client ? 'client in' : 'server in', 32), INITIAL_SUITE, version);
}

/** RFC 9001 5.4.3: the header protection mask, AES-ECB of the 16-byte sample. */
export function headerMask(hp: Int32Array, sample: Uint8Array): Uint8Array {
  return aesEncryptBlock(hp, sample, 0);
}

/**
 * The same mask through WebCrypto, which has no ECB: AES-CBC with a zero IV over one
 * block gives AES(sample) as its first 16 bytes. Kept as the cross-check of the
 * TypeScript AES (a WebCrypto round trip per packet is too slow for the hot path).
 */
export async function headerMaskWebCrypto(hpKey: Uint8Array, sample: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', hpKey as BufferSource, { name: 'AES-CBC' }, false, ['encrypt']);
  const out = await subtle().encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, k, sample.slice(0, 16) as BufferSource);
  return new Uint8Array(out, 0, 16);
}

/** "expand 32-byte k", the ChaCha20 constants (RFC 8439 2.3), as the words hchacha reads. */
const SIGMA = Uint8Array.from(enc.encode('expand 32-byte k'));
const SIGMA_WORDS = new Uint32Array(SIGMA.buffer);
const le32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/**
 * RFC 9001 5.4.4: the ChaCha20 mask, the first 5 bytes of the ChaCha20 block whose
 * counter ‖ nonce is the sample. noble's chacha20 refuses the counter 0xffffffff (its
 * policy against counter wrap), which a sample can hold; its hchacha runs the same 20
 * rounds on that state for any counter and returns words 0-3 without the final addition
 * of the constants, which we add back.
 */
export function chachaHeaderMask(hpKey: Uint8Array, sample: Uint8Array): Uint8Array {
  const key = new Uint8Array(32), state = new Uint8Array(16), out = new Uint8Array(32);
  key.set(hpKey);
  state.set(sample.subarray(0, 16));
  hchacha(SIGMA_WORDS, new Uint32Array(key.buffer), new Uint32Array(state.buffer), new Uint32Array(out.buffer));
  const w0 = (le32(out, 0) + le32(SIGMA, 0)) >>> 0, w1 = (le32(out, 4) + le32(SIGMA, 4)) >>> 0;
  return Uint8Array.of(w0 & 0xff, (w0 >>> 8) & 0xff, (w0 >>> 16) & 0xff, w0 >>> 24, w1 & 0xff);
}

/** RFC 9000 A.3: the full packet number from its truncated encoding. */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const half = win / 2;
  const mask = win - 1;
  const candidate = (expected - (expected % win)) + (truncated & mask);
  if (candidate <= expected - half && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + half && candidate >= win) return candidate - win;
  return candidate;
}

export interface Unprotected {
  pn: number;
  /** The first byte with header protection removed. */
  firstByte: number;
  keyPhase: number;
  /** Decrypted frames. */
  payload: Uint8Array;
  /** Offset after the packet number (the AAD end). */
  headerLen: number;
}

/**
 * Remove header protection and decrypt one packet. `pkt` holds exactly the packet (its
 * first byte at 0, the end of its Length at pkt.length; short headers run to the end of
 * the datagram). `pnOff` is the packet number's offset. Returns null when the AEAD tag
 * does not verify (wrong keys, or not this packet number space).
 */
export async function unprotect(pkt: Uint8Array, pnOff: number, long: boolean, keys: PacketKeys, largestPn: number, keysNext?: () => Promise<PacketKeys | null>): Promise<Unprotected | null> {
  if (pnOff + 4 + 16 > pkt.length) return null;
  const mask = maskOf(keys, pkt.subarray(pnOff + 4, pnOff + 20));
  const hdr = pkt.slice(0, pnOff + 4);
  hdr[0] ^= mask[0] & (long ? 0x0f : 0x1f);
  const pnLen = (hdr[0] & 3) + 1;
  let truncated = 0;
  for (let i = 0; i < pnLen; i++) {
    hdr[pnOff + i] ^= mask[1 + i];
    truncated = truncated * 256 + hdr[pnOff + i];
  }
  const headerLen = pnOff + pnLen;
  const aad = hdr.subarray(0, headerLen);
  const pn = decodePacketNumber(largestPn, truncated, pnLen * 8);
  const keyPhase = long ? 0 : (hdr[0] >> 2) & 1;
  const ct = pkt.subarray(headerLen);
  const tryKeys = async (k: PacketKeys): Promise<Uint8Array | null> => {
    const nonce = k.iv.slice();
    let x = pn;
    for (let i = 11; i >= 4 && x > 0; i--) {
      nonce[i] ^= x % 256;
      x = Math.floor(x / 256);
    }
    try {
      if (k.suite.aead === 'chacha20-poly1305') return chacha20poly1305(k.key, nonce, aad).decrypt(ct);
      return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad as BufferSource, tagLength: 128 }, await aeadKey(k), ct as BufferSource));
    } catch {
      return null; // the tag does not verify
    }
  };
  let payload = await tryKeys(keys);
  if (!payload && keysNext) {
    const nk = await keysNext();
    if (nk) payload = await tryKeys(nk);
  }
  if (!payload) return null;
  return { pn, firstByte: hdr[0], keyPhase, payload, headerLen };
}

/**
 * Remove header protection and decrypt WITHOUT checking the AEAD tag: GCM's counter
 * mode keystream (AES of nonce ‖ counter from 2) in TypeScript, or the injected backend's
 * AES-CTR. For the one pass that pays, reading the ClientHello of each connection's first
 * client Initial: no WebCrypto round trip per connection. The caller must validate what it reads (a wrong key gives
 * noise, which the TLS parser refuses) and uses `unprotect` where authenticity matters
 * (CONNECTION_CLOSE, key-log decryption).
 */
const peekMask = new Uint8Array(16);
const peekIv = new Uint8Array(12);
/** The header protection sample's first 12 bytes, and the zeros its keystream block is XORed with (peekAt's mask). */
const sampleIv = new Uint8Array(12);
const ZERO_BLOCK = new Uint8Array(16);

export function peek(pkt: Uint8Array, pnOff: number, long: boolean, keys: PacketKeys, largestPn: number): Unprotected | null {
  return peekAt(pkt, 0, pkt.length, pnOff, long, keys, largestPn, null);
}

/**
 * `peek` of the packet at d[start, end) (inside its datagram, no copy), pnOff counted from
 * start. The payload is written to `out` when it fits (a scratch buffer the caller reuses
 * and reads before the next call), else to a new array.
 */
export function peekAt(d: Uint8Array, start: number, end: number, pnOff: number, long: boolean, keys: PacketKeys, largestPn: number, out: Uint8Array | null): Unprotected | null {
  const len = end - start;
  if (pnOff + 4 + 16 > len) return null;
  // The mask, AES-ECB of the sample (RFC 9001 5.4.3), is the CTR keystream block whose
  // counter block is the sample (its first 12 bytes as the IV, its last 4 as the
  // counter): the payload's AES loop makes it, one function compiled and warm for both,
  // where a second one-block function ran cold once per connection.
  const mask = peekMask;
  const so = start + pnOff + 4;
  for (let i = 0; i < 12; i++) sampleIv[i] = d[so + i];
  aesCtrXor(keys.hp, sampleIv, (d[so + 12] << 24) | (d[so + 13] << 16) | (d[so + 14] << 8) | d[so + 15], ZERO_BLOCK, 0, 16, mask, 0);
  const b0 = d[start] ^ (mask[0] & (long ? 0x0f : 0x1f));
  const pnLen = (b0 & 3) + 1;
  let truncated = 0;
  for (let i = 0; i < pnLen; i++) truncated = truncated * 256 + (d[start + pnOff + i] ^ mask[1 + i]);
  const headerLen = pnOff + pnLen;
  const pn = decodePacketNumber(largestPn, truncated, pnLen * 8);
  const n = len - headerLen - 16;
  if (n <= 0) return null;
  // the nonce: the IV XOR the packet number (RFC 9001 5.3); GCM's counter starts at 2
  const iv = peekIv;
  iv.set(keys.iv);
  let x = pn;
  for (let i = 11; i >= 4 && x > 0; i--) {
    iv[i] ^= x % 256;
    x = Math.floor(x / 256);
  }
  const payload = out !== null && out.length >= n ? out.subarray(0, n) : new Uint8Array(n);
  const ctr = quicCrypto().aesCtr;
  if (ctr !== undefined) ctr(keys.key, iv, 2, d, start + headerLen, n, payload, 0);
  else aesCtrXor(keys.keyExp, iv, 2, d, start + headerLen, n, payload, 0);
  return { pn, firstByte: b0, keyPhase: long ? 0 : (b0 >> 2) & 1, payload, headerLen };
}

/** Protect a packet (used by tests to build vectors, and the reverse check of unprotect). */
export async function protect(header: Uint8Array, pnOff: number, pnLen: number, pn: number, payload: Uint8Array, keys: PacketKeys, long: boolean): Promise<Uint8Array> {
  const nonce = keys.iv.slice();
  let x = pn;
  for (let i = 11; i >= 4 && x > 0; i--) {
    nonce[i] ^= x % 256;
    x = Math.floor(x / 256);
  }
  const ct = keys.suite.aead === 'chacha20-poly1305'
    ? chacha20poly1305(keys.key, nonce, header).encrypt(payload)
    : new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: header as BufferSource, tagLength: 128 }, await aeadKey(keys), payload as BufferSource));
  const pkt = new Uint8Array(header.length + ct.length);
  pkt.set(header);
  pkt.set(ct, header.length);
  const mask = maskOf(keys, pkt.subarray(pnOff + 4, pnOff + 20));
  pkt[0] ^= mask[0] & (long ? 0x0f : 0x1f);
  for (let i = 0; i < pnLen; i++) pkt[pnOff + i] ^= mask[1 + i];
  return pkt;
}

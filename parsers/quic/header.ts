// QUIC packet headers (RFC 8999 invariants, RFC 9000 17, RFC 9369 3.2 for v2's type
// bits, the IETF drafts 23..34). Allocation-free where the hot path calls it: the caller
// gets offsets into the datagram, not copies.

/** Long-header packet types, normalised across versions (v2 permutes the type bits). */
export const PacketType = {
  INITIAL: 0,
  ZERO_RTT: 1,
  HANDSHAKE: 2,
  RETRY: 3,
  VERSION_NEGOTIATION: 4,
  ONE_RTT: 5,
} as const;
export type PacketTypeCode = (typeof PacketType)[keyof typeof PacketType];

export const PACKET_TYPE_NAMES = ['Initial', '0-RTT', 'Handshake', 'Retry', 'VersionNegotiation', '1-RTT'] as const;

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

/** Draft number for 0xff0000NN (IETF drafts) — 0 when the version is no draft. */
export function draftOf(version: number): number {
  if ((version >>> 8) === 0xff0000) return version & 0xff;
  return 0;
}

/** Versions whose long headers, Initial keys and frames we understand. */
export function isKnownVersion(version: number): boolean {
  if (version === QUIC_V1 || version === QUIC_V2) return true;
  const d = draftOf(version);
  return d >= 22 && d <= 34;
}

/** RFC 9000 15: versions of the form 0x?a?a?a?a are reserved to exercise version negotiation. */
export function isGreaseVersion(version: number): boolean {
  return (version & 0x0f0f0f0f) === 0x0a0a0a0a;
}

/** Map the 2 type bits of a long header to a normalised PacketType for this version. */
export function longType(version: number, bits: number): PacketTypeCode {
  if (version === QUIC_V2) {
    // RFC 9369 3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
    return bits === 1 ? PacketType.INITIAL : bits === 2 ? PacketType.ZERO_RTT : bits === 3 ? PacketType.HANDSHAKE : PacketType.RETRY;
  }
  return bits as PacketTypeCode;
}

export function versionHex(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/** Read a QUIC variable-length integer (RFC 9000 16); returns -1 when out of bounds. `varintLen` gives its size. */
export function readVarint(d: Uint8Array, off: number, end: number): number {
  if (off >= end) return -1;
  const b = d[off];
  const n = 1 << (b >> 6);
  if (off + n > end) return -1;
  let v = b & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + d[off + i];
  return v;
}

export function varintLen(firstByte: number): number {
  return 1 << (firstByte >> 6);
}

/** A parsed long header, with offsets into the datagram. */
export interface LongHeader {
  /** Offset of this packet's first byte in the datagram. */
  start: number;
  /** Offset one past this packet (coalesced packets follow). */
  end: number;
  version: number;
  type: PacketTypeCode;
  dcidOff: number;
  dcidLen: number;
  scidOff: number;
  scidLen: number;
  /** Initial: the token; Retry: the retry token (without the 16-byte integrity tag). */
  tokenOff: number;
  tokenLen: number;
  /** Offset of the (protected) packet number; -1 for Retry / Version Negotiation / opaque packets. */
  pnOff: number;
  /** A reserved (GREASE, 0x?a?a?a?a) version: only the invariant fields are known (RFC 8999). */
  opaque: boolean;
}

/**
 * Parse the long header at `off` (first byte has 0x80 set). Returns null when the bytes
 * cannot be a QUIC long header of a version we know, or of the version-independent
 * shape (Version Negotiation). Strict enough to not take DNS or other UDP for QUIC:
 * fixed bit, CID lengths ≤ 20, a known version, a Length that fits.
 */
export function parseLongHeader(d: Uint8Array, off: number, end: number): LongHeader | null {
  if (end - off < 7) return null;
  const b0 = d[off];
  if ((b0 & 0x80) === 0) return null;
  const version = ((d[off + 1] << 24) | (d[off + 2] << 16) | (d[off + 3] << 8) | d[off + 4]) >>> 0;
  let p = off + 5;
  const dcidLen = d[p++];
  if (dcidLen > 20 || p + dcidLen >= end) return null;
  const dcidOff = p;
  p += dcidLen;
  const scidLen = d[p++];
  if (scidLen > 20 || p + scidLen > end) return null;
  const scidOff = p;
  p += scidLen;
  const h: LongHeader = { start: off, end, version, type: PacketType.VERSION_NEGOTIATION, dcidOff, dcidLen, scidOff, scidLen, tokenOff: 0, tokenLen: 0, pnOff: -1, opaque: false };
  if (version === 0) {
    // Version Negotiation: a list of 32-bit versions, at least one.
    const n = end - p;
    if (n < 4 || n % 4 !== 0) return null;
    return h;
  }
  if (!isKnownVersion(version)) {
    // A client forcing version negotiation with a reserved version (RFC 9000 6.3): the
    // rest of the packet follows that version's rules, unknown to us. Taken as an
    // Initial only when it is the whole datagram and the DCID has the 8 bytes a
    // client's first DCID must have (RFC 9000 7.2).
    if (!isGreaseVersion(version) || dcidLen < 8) return null;
    h.type = PacketType.INITIAL;
    h.opaque = true;
    return h;
  }
  // The fixed bit may be greased to 0 once the peer allowed it (RFC 9287); callers that
  // create a connection from this header insist on it.
  h.type = longType(version, (b0 >> 4) & 3);
  if (h.type === PacketType.RETRY) {
    if (end - p < 16) return null;
    h.tokenOff = p;
    h.tokenLen = end - p - 16;
    return h;
  }
  if (h.type === PacketType.INITIAL) {
    const tl = readVarint(d, p, end);
    if (tl < 0) return null;
    p += varintLen(d[p]);
    if (p + tl > end) return null;
    h.tokenOff = p;
    h.tokenLen = tl;
    p += tl;
  }
  const len = readVarint(d, p, end);
  if (len < 0) return null;
  p += varintLen(d[p]);
  if (len < 1 + 16 || p + len > end) return null; // pn + AEAD tag at least
  h.pnOff = p;
  h.end = p + len;
  return h;
}

/** Does a first byte look like a short header (form 0, fixed bit 1)? */
export function isShortHeaderByte(b0: number): boolean {
  return (b0 & 0xc0) === 0x40;
}

/** Short header form with the fixed bit possibly greased (RFC 9287): any byte below 0x80 (the DCID decides). */
export function isShortHeaderForm(b0: number): boolean {
  return (b0 & 0x80) === 0;
}

/** Character codes of each byte's two hex digits. */
const HEX_CODES = new Uint16Array(512);
for (let b = 0; b < 256; b++) {
  const hi = b >> 4, lo = b & 15;
  HEX_CODES[2 * b] = hi < 10 ? 48 + hi : 87 + hi;
  HEX_CODES[2 * b + 1] = lo < 10 ? 48 + lo : 87 + lo;
}
let hexScratch = new Uint16Array(64);
/**
 * For a CID's length (up to 20 bytes): one plain array of character codes per length.
 * String.fromCharCode.apply reads a packed array of small integers directly; a typed
 * array (a subarray, allocated per call) goes through the generic array-like path, at
 * about twice the cost of such a short key.
 */
const HEX_SHORT: number[][] = Array.from({ length: 21 }, (_, n) => new Array<number>(2 * n).fill(48));

/**
 * Hex of a byte range (CIDs as map keys and in the JSON). Built as one flat string: a
 * `+=` chain leaves a tree of two-character strings behind every key that is kept.
 */
export function hex(d: Uint8Array, off: number, len: number): string {
  if (len <= 0) return '';
  if (len <= 20) {
    const a = HEX_SHORT[len];
    for (let i = 0; i < len; i++) {
      const b = d[off + i] * 2;
      a[2 * i] = HEX_CODES[b];
      a[2 * i + 1] = HEX_CODES[b + 1];
    }
    return String.fromCharCode.apply(null, a);
  }
  if (len > 4096) return hex(d, off, 4096) + hex(d, off + 4096, len - 4096);
  if (hexScratch.length < 2 * len) hexScratch = new Uint16Array(4 * len);
  const c = hexScratch;
  for (let i = 0; i < len; i++) {
    const b = d[off + i] * 2;
    c[2 * i] = HEX_CODES[b];
    c[2 * i + 1] = HEX_CODES[b + 1];
  }
  return String.fromCharCode.apply(null, c.subarray(0, 2 * len) as unknown as number[]);
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** Versions listed in a Version Negotiation packet. */
export function vnVersions(d: Uint8Array, h: LongHeader): number[] {
  const out: number[] = [];
  for (let p = h.scidOff + h.scidLen; p + 4 <= h.end; p += 4) out.push(((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0);
  return out;
}

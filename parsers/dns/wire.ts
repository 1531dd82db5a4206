// DNS wire format (RFC 1035 4.1), read by hand.
//
// Why not `dns-packet` here: its full decode costs about 8 µs a message (1.1 s for the
// 131,000 DNS messages of the 1,000,000-packet bench capture, near the whole analysis
// budget), it needs Node's `buffer` module (absent in the browser worker the core also
// runs in) and its types pull @types/node into the core's type check. Pairing needs
// only the header and the first question, so `readHeader` + `readQuestion` read just
// those (no allocation beyond the question's name string); the answer section is
// formatted later, and only for the responses the JSON or the UI shows
// (`formatAnswers`, `decodeMessage`). The tests check this reader against `dns-packet`
// on every DNS message of the reference captures and the fixtures.

/** The fixed 12-byte header, decoded into one reused object. */
export class DnsHeader {
  id = 0;
  /** 1 for a response (QR bit). */
  qr = 0;
  opcode = 0;
  aa = 0;
  tc = 0;
  rd = 0;
  ra = 0;
  /** The 4-bit RCODE of the header (the OPT record may extend it). */
  rcode = 0;
  qdcount = 0;
  ancount = 0;
  nscount = 0;
  arcount = 0;
}

/** The first question, decoded into one reused object. */
export class DnsQuestion {
  /** Name as sent (case kept), with the trailing dot: "Example.com.", "." for the root. */
  name = '';
  type = 0;
  /** Class with the mDNS unicast-response / cache-flush bit removed. */
  qclass = 0;
  /** The top bit of the class (mDNS QU / cache flush). */
  classTopBit = 0;
  /** Offset just after the question. */
  end = 0;
}

/** Why a name could not be read, or '' when it could. */
export let nameError = '';

const MAX_POINTER_HOPS = 64;
// Reused buffer of char codes for one name (a name is at most 255 octets; escaped
// characters take up to 4 codes each).
const CODES = new Uint16Array(255 * 4 + 8);

/**
 * Reads the 12-byte header at data[off..off+len). Returns false when the message is
 * shorter than a header.
 */
export function readHeader(data: Uint8Array, off: number, len: number, h: DnsHeader): boolean {
  if (len < 12 || off + 12 > data.length) return false;
  const f1 = data[off + 2];
  const f2 = data[off + 3];
  h.id = (data[off] << 8) | data[off + 1];
  h.qr = f1 >> 7;
  h.opcode = (f1 >> 3) & 15;
  h.aa = (f1 >> 2) & 1;
  h.tc = (f1 >> 1) & 1;
  h.rd = f1 & 1;
  h.ra = f2 >> 7;
  h.rcode = f2 & 15;
  h.qdcount = (data[off + 4] << 8) | data[off + 5];
  h.ancount = (data[off + 6] << 8) | data[off + 7];
  h.nscount = (data[off + 8] << 8) | data[off + 9];
  h.arcount = (data[off + 10] << 8) | data[off + 11];
  return true;
}

/**
 * Reads a (possibly compressed) name starting at `pos` of the message that begins at
 * `msgOff` and is `msgLen` long. Compression pointers are followed with a hop limit
 * and must point inside the message; the name may not exceed 255 octets (RFC 1035
 * 3.1). Returns the name text ("www.example.com.", "." for the root; bytes outside
 * printable ASCII and dots inside labels escaped as dig and RFC 4343 do) and sets
 * `nameEnd` to the offset after the name's bytes at `pos`; returns null when the
 * name is malformed (`nameError` says why).
 */
export function readName(data: Uint8Array, msgOff: number, msgLen: number, pos: number): string | null {
  const limit = msgOff + msgLen;
  let p = pos;
  if (p < nameLo) nameLo = p;
  let end = -1;
  let hops = 0;
  let wire = 0; // octets of the uncompressed name, length bytes included
  let n = 0;
  for (;;) {
    if (p >= limit) {
      nameError = `name at byte ${pos - msgOff} runs past the end of the message`;
      return null;
    }
    const b = data[p];
    if (b === 0) {
      if (end < 0) end = p + 1;
      break;
    }
    const kind = b & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= limit) {
        nameError = `compression pointer at byte ${p - msgOff} is cut short`;
        return null;
      }
      const target = ((b & 0x3f) << 8) | data[p + 1];
      if (end < 0) end = p + 2;
      if (++hops > MAX_POINTER_HOPS) {
        nameError = `compression pointers loop (more than ${MAX_POINTER_HOPS} hops) at byte ${pos - msgOff}`;
        return null;
      }
      if (target >= msgLen) {
        nameError = `compression pointer at byte ${p - msgOff} points past the message (to ${target})`;
        return null;
      }
      if (p + 2 > nameHi) nameHi = p + 2;
      p = msgOff + target;
      if (p < nameLo) nameLo = p;
      continue;
    }
    if (kind !== 0) {
      nameError = `label type 0x${kind.toString(16)} at byte ${p - msgOff} is not supported`;
      return null;
    }
    if (p + 1 + b > limit) {
      nameError = `label at byte ${p - msgOff} runs past the end of the message`;
      return null;
    }
    wire += b + 1;
    if (wire > 254) {
      nameError = `name at byte ${pos - msgOff} is longer than 255 octets`;
      return null;
    }
    for (let i = p + 1; i <= p + b; i++) {
      const c = data[i];
      if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c && c !== 0x22 && c !== 0x28 && c !== 0x29 && c !== 0x3b && c !== 0x40 && c !== 0x24) CODES[n++] = c;
      else if (c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x40 || c === 0x24) {
        CODES[n++] = 0x5c;
        CODES[n++] = c;
      } else {
        CODES[n++] = 0x5c;
        CODES[n++] = 0x30 + ((c / 100) | 0);
        CODES[n++] = 0x30 + (((c / 10) | 0) % 10);
        CODES[n++] = 0x30 + (c % 10);
      }
    }
    CODES[n++] = 0x2e;
    p += 1 + b;
    if (p > nameHi) nameHi = p;
  }
  if (p + 1 > nameHi) nameHi = p + 1;
  nameEnd = end;
  if (n === 0) return '.';
  return codesToString(n);
}

/** Offset after the name read last by readName. */
export let nameEnd = 0;
// The lowest pointer target and the highest end of the bytes readName visited since
// the last reset (answerTextsCached keys its cache on the bytes the answers depend on).
let nameLo = 0;
let nameHi = 0;

// Names repeat (the same few hundred names in most captures): the text of a name is
// looked up by a hash of its characters and reused, so reading a known name allocates
// nothing.
const NAME_CACHE = new Map<number, string>();
const NAME_CACHE_MAX = 16384;

function codesToString(n: number): string {
  let h = 0x811c9dc5 ^ n;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ CODES[i], 0x01000193);
  const hit = NAME_CACHE.get(h);
  if (hit !== undefined && hit.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (hit.charCodeAt(i) !== CODES[i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const str = codesToStringNew(n);
  if (NAME_CACHE.size >= NAME_CACHE_MAX) NAME_CACHE.clear();
  NAME_CACHE.set(h, str);
  return str;
}

function codesToStringNew(n: number): string {
  if (n <= 64) return String.fromCharCode.apply(null, CODES.subarray(0, n) as unknown as number[]);
  let s = '';
  for (let i = 0; i < n; i += 64) s += String.fromCharCode.apply(null, CODES.subarray(i, Math.min(n, i + 64)) as unknown as number[]);
  return s;
}

// Question names by their wire bytes: a name sent before (uncompressed, as questions
// are) is found by a hash of its bytes and a byte comparison, without building its
// text again. Entries hold the bytes in one arena; all are dropped when it is full.
// The hash → entry index is an open-addressing table in one typed array, a slot being
// [hash, entry + 1 (0: free)] side by side (one cache line per probe), not a Map: a
// 32-bit hash is no small integer to V8, and a Map keyed by it boxed it on each lookup.
let WIRE_ARENA = new Uint8Array(0);
const WIRE_MAX = 16384;
const WIRE_OFF = new Int32Array(WIRE_MAX);
const WIRE_LEN = new Int32Array(WIRE_MAX);
const WIRE_TEXT: string[] = new Array<string>(WIRE_MAX).fill('');
const WIRE_SLOT_MASK = WIRE_MAX * 4 - 1;
const WIRE_SLOTS = new Int32Array(WIRE_MAX * 8);
let wireUsed = 0;
let wireCount = 0;

/** readName for a question's name, through the wire-bytes cache when the name has no pointer. */
function readQuestionName(data: Uint8Array, msgOff: number, msgLen: number, pos: number): string | null {
  const limit = msgOff + msgLen;
  // The labels first (lengths only): a pointer, a cut label or a long name takes readName.
  let p = pos;
  for (;;) {
    if (p >= limit) return readName(data, msgOff, msgLen, pos);
    const b = data[p];
    if (b === 0) break;
    if (b & 0xc0 || p + 1 + b > limit) return readName(data, msgOff, msgLen, pos);
    p += 1 + b;
    if (p - pos > 254) return readName(data, msgOff, msgLen, pos);
  }
  // The hash of the bytes before the root label, four at a time (a shorter chain of multiplies).
  let h = 0x811c9dc5;
  let i = pos;
  for (; i + 4 <= p; i += 4) h = Math.imul(h ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)), 0x01000193);
  for (; i < p; i++) h = Math.imul(h ^ data[i], 0x01000193);
  const wlen = p + 1 - pos;
  // Probe the slots of hash h: an entry with the same hash, length and bytes is the name.
  let slot = (h ^ (h >>> 16)) & WIRE_SLOT_MASK;
  for (let k = WIRE_SLOTS[2 * slot + 1]; k !== 0; slot = (slot + 1) & WIRE_SLOT_MASK, k = WIRE_SLOTS[2 * slot + 1]) {
    const e = k - 1;
    if (WIRE_SLOTS[2 * slot] !== h || WIRE_LEN[e] !== wlen) continue;
    const o = WIRE_OFF[e] - pos;
    let same = true;
    for (let j = pos; j < p; j++) {
      if (WIRE_ARENA[o + j] !== data[j]) {
        same = false;
        break;
      }
    }
    if (same) {
      nameEnd = p + 1;
      return WIRE_TEXT[e];
    }
  }
  const name = readName(data, msgOff, msgLen, pos);
  if (name === null) return null;
  if (WIRE_ARENA.length === 0) WIRE_ARENA = new Uint8Array(1 << 20);
  if (wireCount === WIRE_MAX || wireUsed + wlen > WIRE_ARENA.length) {
    WIRE_SLOTS.fill(0);
    wireCount = 0;
    wireUsed = 0;
    slot = (h ^ (h >>> 16)) & WIRE_SLOT_MASK;
  }
  const k = wireCount++;
  WIRE_OFF[k] = wireUsed;
  WIRE_LEN[k] = wlen;
  WIRE_TEXT[k] = name;
  for (let j = 0; j < wlen; j++) WIRE_ARENA[wireUsed + j] = data[pos + j];
  wireUsed += wlen;
  // `slot` is the free one the probe ended on (or the home slot after the reset)
  WIRE_SLOTS[2 * slot] = h;
  WIRE_SLOTS[2 * slot + 1] = k + 1;
  return name;
}

/**
 * Reads the first question (after the header) of a message of `len` bytes at `off`.
 * Returns '' on success and the reason otherwise. `mdns` strips the top class bit.
 */
export function readQuestion(data: Uint8Array, off: number, len: number, q: DnsQuestion, mdns: boolean): string {
  const name = readQuestionName(data, off, len, off + 12);
  if (name === null) return nameError;
  const p = nameEnd;
  if (p + 4 > off + len) return `question of ${name} is cut short (type and class missing)`;
  q.name = name;
  q.type = (data[p] << 8) | data[p + 1];
  const c = (data[p + 2] << 8) | data[p + 3];
  q.classTopBit = mdns ? c >> 15 : 0;
  q.qclass = mdns ? c & 0x7fff : c;
  q.end = p + 4;
  return '';
}

/** Case-insensitive name comparison (RFC 4343); names are ASCII with escapes. */
export function sameName(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0x41 && x <= 0x5a) x |= 0x20;
    if (y >= 0x41 && y <= 0x5a) y |= 0x20;
    if (x !== y) return false;
  }
  return true;
}

// ---------------------------------------------------------------- mnemonics

const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL', 11: 'WKS',
  12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 19: 'X25', 20: 'ISDN',
  21: 'RT', 22: 'NSAP', 24: 'SIG', 25: 'KEY', 26: 'PX', 27: 'GPOS', 28: 'AAAA', 29: 'LOC', 30: 'NXT',
  33: 'SRV', 35: 'NAPTR', 36: 'KX', 37: 'CERT', 38: 'A6', 39: 'DNAME', 41: 'OPT', 42: 'APL', 43: 'DS',
  44: 'SSHFP', 45: 'IPSECKEY', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3',
  51: 'NSEC3PARAM', 52: 'TLSA', 53: 'SMIMEA', 55: 'HIP', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY',
  62: 'CSYNC', 63: 'ZONEMD', 64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 249: 'TKEY', 250: 'TSIG', 251: 'IXFR',
  252: 'AXFR', 253: 'MAILB', 254: 'MAILA', 255: 'ANY', 256: 'URI', 257: 'CAA',
};

const CLASS_NAMES: Record<number, string> = { 1: 'IN', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' };

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 11: 'DSOTYPENI', 16: 'BADVERS', 17: 'BADKEY',
  18: 'BADTIME', 19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG', 22: 'BADTRUNC', 23: 'BADCOOKIE',
};

/** "A", "AAAA", … or "TYPE65280" (RFC 3597). */
export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

/** "IN", "CH", … or "CLASS7" (RFC 3597). */
export function className(c: number): string {
  return CLASS_NAMES[c] ?? `CLASS${c}`;
}

/** "NOERROR", "NXDOMAIN", … or "RCODE12". */
export function rcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}

const OPCODE_NAMES: Record<number, string> = { 0: 'QUERY', 1: 'IQUERY', 2: 'STATUS', 4: 'NOTIFY', 5: 'UPDATE', 6: 'DSO' };

/** "QUERY", "NOTIFY", … or "OPCODE3". */
export function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? `OPCODE${op}`;
}

/** The header flags set, in header order (RFC 1035 4.1.1, RFC 4035 3.2 for AD and CD). */
export function headerFlags(msg: Uint8Array): string[] {
  if (msg.length < 4) return [];
  const b2 = msg[2], b3 = msg[3];
  const out: string[] = [];
  if (b2 & 0x80) out.push('QR');
  if (b2 & 0x04) out.push('AA');
  if (b2 & 0x02) out.push('TC');
  if (b2 & 0x01) out.push('RD');
  if (b3 & 0x80) out.push('RA');
  if (b3 & 0x20) out.push('AD');
  if (b3 & 0x10) out.push('CD');
  return out;
}

/** "example.com. A IN" */
export function questionText(name: string, type: number, qclass: number): string {
  return `${name} ${typeName(type)} ${className(qclass)}`;
}

// ---------------------------------------------------------------- full messages

export interface DnsRecord {
  name: string;
  type: number;
  /** Class (for OPT: the requestor's UDP payload size). */
  rclass: number;
  /** TTL (for OPT: extended RCODE, version and flags). */
  ttl: number;
  /** Presentation of the RDATA ("1.2.3.4", "10 mx.example.com.", RFC 3597 "\# 4 0a000001" for types we do not spell out; OPT: its options as "code:hex"). */
  data: string;
}

export interface DnsMessage {
  id: number;
  qr: number;
  opcode: number;
  aa: number;
  tc: number;
  rd: number;
  ra: number;
  /** RCODE including the OPT record's extended bits (RFC 6891 6.1.3). */
  rcode: number;
  questions: { name: string; type: number; qclass: number }[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

const HEX = '0123456789abcdef';

function hex(data: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += HEX[data[i] >> 4] + HEX[data[i] & 15];
  return s;
}

function ipv6Text(d: Uint8Array, o: number): string {
  // RFC 5952: lower case, no leading zeros, longest run (>= 2) of zero groups as '::'.
  let bs = -1, bl = 0;
  for (let i = 0; i < 8;) {
    if (d[o + 2 * i] !== 0 || d[o + 2 * i + 1] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && d[o + 2 * j] === 0 && d[o + 2 * j + 1] === 0) j++;
    if (j - i > bl) { bs = i; bl = j - i; }
    i = j;
  }
  if (bl < 2) bs = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bs) {
      s += '::';
      i += bl - 1;
      continue;
    }
    if (s.length && s.charCodeAt(s.length - 1) !== 0x3a) s += ':';
    const v = (d[o + 2 * i] << 8) | d[o + 2 * i + 1];
    s += v < 0x10 ? HEX[v] : v < 0x100 ? HEX[v >> 4] + HEX[v & 15] : v < 0x1000 ? HEX[v >> 8] + HEX[(v >> 4) & 15] + HEX[v & 15] : HEX[v >> 12] + HEX[(v >> 8) & 15] + HEX[(v >> 4) & 15] + HEX[v & 15];
  }
  return s;
}

function characterStrings(d: Uint8Array, p: number, end: number): string | null {
  const parts: string[] = [];
  while (p < end) {
    const l = d[p];
    if (p + 1 + l > end) return null;
    let s = '';
    for (let i = p + 1; i <= p + l; i++) {
      const c = d[i];
      if (c === 0x22 || c === 0x5c) s += '\\' + String.fromCharCode(c);
      else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
      else s += '\\' + String(c).padStart(3, '0');
    }
    parts.push(`"${s}"`);
    p += 1 + l;
  }
  return parts.join(' ');
}

function u16(d: Uint8Array, p: number): number {
  return (d[p] << 8) | d[p + 1];
}

function u32(d: Uint8Array, p: number): number {
  return ((d[p] << 24) >>> 0) + ((d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]);
}

/** RFC 3597 presentation of RDATA we do not spell out: "\\# 4 0a000001". */
function genericRdata(d: Uint8Array, p: number, rdlen: number): string {
  return `\\# ${rdlen}${rdlen ? ' ' + hex(d, p, p + rdlen) : ''}`;
}

/** Presentation text of one record's RDATA at d[p..p+rdlen) of the message at msgOff/msgLen. */
function rdataText(d: Uint8Array, msgOff: number, msgLen: number, type: number, p: number, rdlen: number): string {
  const end = p + rdlen;
  switch (type) {
    case 1: // A
      return rdlen === 4 ? `${d[p]}.${d[p + 1]}.${d[p + 2]}.${d[p + 3]}` : genericRdata(d, p, rdlen);
    case 28: // AAAA
      return rdlen === 16 ? ipv6Text(d, p) : genericRdata(d, p, rdlen);
    case 2: case 5: case 12: case 39: { // NS CNAME PTR DNAME
      const n = readName(d, msgOff, msgLen, p);
      return n ?? genericRdata(d, p, rdlen);
    }
    case 15: { // MX
      if (rdlen < 3) return genericRdata(d, p, rdlen);
      const n = readName(d, msgOff, msgLen, p + 2);
      return n === null ? genericRdata(d, p, rdlen) : `${u16(d, p)} ${n}`;
    }
    case 16: case 99: // TXT SPF
      return characterStrings(d, p, end) ?? genericRdata(d, p, rdlen);
    case 6: { // SOA
      const m = readName(d, msgOff, msgLen, p);
      if (m === null) return genericRdata(d, p, rdlen);
      const r = readName(d, msgOff, msgLen, nameEnd);
      if (r === null || nameEnd + 20 > end) return genericRdata(d, p, rdlen);
      const q = nameEnd;
      return `${m} ${r} ${u32(d, q)} ${u32(d, q + 4)} ${u32(d, q + 8)} ${u32(d, q + 12)} ${u32(d, q + 16)}`;
    }
    case 33: { // SRV
      if (rdlen < 7) return genericRdata(d, p, rdlen);
      const n = readName(d, msgOff, msgLen, p + 6);
      return n === null ? genericRdata(d, p, rdlen) : `${u16(d, p)} ${u16(d, p + 2)} ${u16(d, p + 4)} ${n}`;
    }
    case 64: case 65: { // SVCB HTTPS: priority, target, then parameters as key=hex
      if (rdlen < 3) return genericRdata(d, p, rdlen);
      const n = readName(d, msgOff, msgLen, p + 2);
      if (n === null || nameEnd > end) return genericRdata(d, p, rdlen);
      let s = `${u16(d, p)} ${n}`;
      let q = nameEnd;
      while (q + 4 <= end) {
        const key = u16(d, q), l = u16(d, q + 2);
        if (q + 4 + l > end) return genericRdata(d, p, rdlen);
        s += ` ${svcParam(d, key, q + 4, l)}`;
        q += 4 + l;
      }
      return s;
    }
    case 257: { // CAA
      if (rdlen < 2 || p + 2 + d[p + 1] > end) return genericRdata(d, p, rdlen);
      const tag = String.fromCharCode(...d.subarray(p + 2, p + 2 + d[p + 1]));
      const value = characterStringsRaw(d, p + 2 + d[p + 1], end);
      return `${d[p]} ${tag} "${value}"`;
    }
    default:
      return genericRdata(d, p, rdlen);
  }
}

function characterStringsRaw(d: Uint8Array, p: number, end: number): string {
  let s = '';
  for (let i = p; i < end; i++) s += d[i] >= 0x20 && d[i] < 0x7f && d[i] !== 0x22 ? String.fromCharCode(d[i]) : '\\' + String(d[i]).padStart(3, '0');
  return s;
}

function svcParam(d: Uint8Array, key: number, p: number, l: number): string {
  const end = p + l;
  switch (key) {
    case 1: { // alpn
      const ids: string[] = [];
      for (let q = p; q < end;) {
        const n = d[q];
        ids.push(String.fromCharCode(...d.subarray(q + 1, Math.min(end, q + 1 + n))));
        q += 1 + n;
      }
      return `alpn=${ids.join(',')}`;
    }
    case 2: return 'no-default-alpn';
    case 3: return l === 2 ? `port=${u16(d, p)}` : `key3=${hex(d, p, end)}`;
    case 4: {
      const a: string[] = [];
      for (let q = p; q + 4 <= end; q += 4) a.push(`${d[q]}.${d[q + 1]}.${d[q + 2]}.${d[q + 3]}`);
      return `ipv4hint=${a.join(',')}`;
    }
    case 6: {
      const a: string[] = [];
      for (let q = p; q + 16 <= end; q += 16) a.push(ipv6Text(d, q));
      return `ipv6hint=${a.join(',')}`;
    }
    default:
      return `key${key}=${hex(d, p, end)}`;
  }
}

/** Thrown by decodeMessage for a message it cannot read; `message` gives the reason. */
export class DnsDecodeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'DnsDecodeError';
  }
}

/**
 * Decodes a whole message (header, every question and record) at data[off..off+len).
 * Used for the responses shown (answers in the JSON, the UI's message view), never on
 * the per-packet path. Throws DnsDecodeError when the message is malformed.
 */
export function decodeMessage(data: Uint8Array, off: number, len: number): DnsMessage {
  const h = new DnsHeader();
  if (!readHeader(data, off, len, h)) throw new DnsDecodeError(`message of ${len} bytes is shorter than the 12-byte header`, 0);
  const msg: DnsMessage = {
    id: h.id, qr: h.qr, opcode: h.opcode, aa: h.aa, tc: h.tc, rd: h.rd, ra: h.ra, rcode: h.rcode,
    questions: [], answers: [], authorities: [], additionals: [],
  };
  const limit = off + len;
  let p = off + 12;
  for (let i = 0; i < h.qdcount; i++) {
    const name = readName(data, off, len, p);
    if (name === null) throw new DnsDecodeError(`question ${i + 1}: ${nameError}`, p - off);
    p = nameEnd;
    if (p + 4 > limit) throw new DnsDecodeError(`question ${i + 1} (${name}) is cut short`, p - off);
    msg.questions.push({ name, type: u16(data, p), qclass: u16(data, p + 2) });
    p += 4;
  }
  const sections: [number, DnsRecord[], string][] = [[h.ancount, msg.answers, 'answer'], [h.nscount, msg.authorities, 'authority'], [h.arcount, msg.additionals, 'additional']];
  for (const [count, list, what] of sections) {
    for (let i = 0; i < count; i++) {
      const name = readName(data, off, len, p);
      if (name === null) throw new DnsDecodeError(`${what} record ${i + 1}: ${nameError}`, p - off);
      p = nameEnd;
      if (p + 10 > limit) throw new DnsDecodeError(`${what} record ${i + 1} (${name}) is cut short`, p - off);
      const type = u16(data, p);
      const rclass = u16(data, p + 2);
      const ttl = u32(data, p + 4);
      const rdlen = u16(data, p + 8);
      p += 10;
      if (p + rdlen > limit) throw new DnsDecodeError(`${what} record ${i + 1} (${name} ${typeName(type)}): its ${rdlen} bytes of data run past the end of the message`, p - off);
      if (type === 41) msg.rcode = ((ttl >>> 24) << 4) | h.rcode; // OPT: extended RCODE
      list.push({ name, type, rclass, ttl, data: type === 41 ? ednsOptionsText(data, p, rdlen) : rdataText(data, off, len, type, p, rdlen) });
      p += rdlen;
    }
  }
  return msg;
}

/** An OPT record's options (RFC 6891 6.1.2) as "code:hex" each (the class is the UDP payload size). */
function ednsOptionsText(data: Uint8Array, p: number, rdlen: number): string {
  const out: string[] = [];
  for (let q = p, end = p + rdlen; q + 4 <= end;) {
    const code = u16(data, q), n = u16(data, q + 2);
    const stop = Math.min(end, q + 4 + n);
    out.push(`${code}:${hex(data, q + 4, stop)}`);
    q = stop;
  }
  return out.join(' ');
}

/** "example.com. 300 A 1.2.3.4" */
export function recordText(r: DnsRecord): string {
  return `${r.name} ${r.ttl} ${typeName(r.type)} ${r.data}`;
}

/** Offset after the name at `p` without reading it into text, or -1 when malformed. */
export function skipName(data: Uint8Array, limit: number, p: number): number {
  for (let labels = 0; labels < 128; labels++) {
    if (p >= limit) return -1;
    const b = data[p];
    if (b === 0) return p + 1;
    if ((b & 0xc0) === 0xc0) return p + 2 <= limit ? p + 2 : -1;
    if (b & 0xc0) return -1;
    p += 1 + b;
  }
  return -1;
}

/** Result of walkRecords: '' when every record fits, else the reason. */
export class RecordWalk {
  error = '';
  /** RCODE with the OPT record's extended bits, -1 when there is no OPT record. */
  extendedRcode = -1;
}

/**
 * Checks that the records after the first question fit the message (names, fixed
 * fields, RDATA lengths) without decoding them; finds the OPT record's extended
 * RCODE. `p` is the offset after the first question, `h` the message's header.
 */
export function walkRecords(data: Uint8Array, off: number, len: number, p: number, h: DnsHeader, out: RecordWalk): void {
  out.error = '';
  out.extendedRcode = -1;
  const limit = off + len;
  for (let i = 1; i < h.qdcount; i++) {
    const e = skipName(data, limit, p);
    if (e < 0 || e + 4 > limit) {
      out.error = `question ${i + 1} at byte ${p - off} runs past the end of the message`;
      return;
    }
    p = e + 4;
  }
  const total = h.ancount + h.nscount + h.arcount;
  for (let i = 0; i < total; i++) {
    const e = skipName(data, limit, p);
    if (e < 0 || e + 10 > limit) {
      const what = i < h.ancount ? 'answer' : i < h.ancount + h.nscount ? 'authority' : 'additional';
      out.error = `${what} record at byte ${p - off} runs past the end of the message (${total - i} of ${total} records left)`;
      return;
    }
    const rdlen = (data[e + 8] << 8) | data[e + 9];
    if (e + 10 + rdlen > limit) {
      out.error = `record at byte ${p - off}: its ${rdlen} bytes of data run past the end of the message`;
      return;
    }
    if (data[e] === 0 && data[e + 1] === 41) out.extendedRcode = (data[e + 4] << 4) | h.rcode;
    p = e + 10 + rdlen;
  }
}

const ANS_OFFS = new Int32Array(16);
const ANS_NAMES: string[] = new Array<string>(16).fill('');

/**
 * Offset of the answer section after the questions, or -1 when the message has no
 * answers or its question section is malformed.
 */
function answerSectionStart(data: Uint8Array, off: number, len: number): number {
  if (len < 12) return -1;
  const qd = (data[off + 4] << 8) | data[off + 5], an = (data[off + 6] << 8) | data[off + 7];
  if (an === 0) return -1;
  const limit = off + len;
  let p = off + 12;
  for (let i = 0; i < qd; i++) {
    p = skipName(data, limit, p);
    if (p < 0 || p + 4 > limit) return -1;
    p += 4;
  }
  return p;
}

/**
 * The answer section as text ("example.com. 300 A 1.2.3.4"), reading only the
 * questions and answers (what dns[].answers shows). Returns [] when the message is
 * malformed (the tracker reported it as dns.malformed).
 */
export function answerTexts(data: Uint8Array, off = 0, len = data.length): string[] {
  let p = answerSectionStart(data, off, len);
  if (p < 0) return [];
  const an = (data[off + 6] << 8) | data[off + 7];
  const limit = off + len;
  const out: string[] = [];
  // Answer owner names are nearly always a compression pointer to a name read before
  // (the question's, a CNAME's target): remember the names read by their offset.
  let cacheN = 0;
  for (let i = 0; i < an; i++) {
    let name: string | null = null;
    if ((data[p] & 0xc0) === 0xc0 && p + 1 < limit) {
      const target = off + (((data[p] & 0x3f) << 8) | data[p + 1]);
      for (let k = 0; k < cacheN; k++) if (ANS_OFFS[k] === target) { name = ANS_NAMES[k]; break; }
      if (name === null) {
        name = readName(data, off, len, target);
        if (name === null) return out;
        if (cacheN < ANS_OFFS.length) { ANS_OFFS[cacheN] = target; ANS_NAMES[cacheN++] = name; }
      }
      p += 2;
    } else {
      name = readName(data, off, len, p);
      if (name === null) return out;
      if (cacheN < ANS_OFFS.length) { ANS_OFFS[cacheN] = p; ANS_NAMES[cacheN++] = name; }
      p = nameEnd;
    }
    if (p + 10 > limit) return out;
    const type = u16(data, p);
    const ttl = u32(data, p + 4);
    const rdlen = u16(data, p + 8);
    p += 10;
    if (p + rdlen > limit) return out;
    out.push(`${name} ${ttl} ${typeName(type)} ${type === 41 ? `udp ${u16(data, p - 8)}` : rdataText(data, off, len, type, p, rdlen)}`);
    p += rdlen;
  }
  return out;
}

// Answer texts by message bytes: responses repeat (the same question answered the same
// way), so the texts of a response are kept under a hash of the bytes they were read
// from (header after the ID, questions and answers) and reused when a later response
// has the same bytes. Only responses whose names were read entirely from those bytes
// are kept; the entries' bytes live in one arena, dropped when full.
let ANS_ARENA = new Uint8Array(0);
const ANS_MAX = 16384;
const ANS_C_OFF = new Int32Array(ANS_MAX);
const ANS_C_LEN = new Int32Array(ANS_MAX);
const ANS_C_TEXT: string[][] = [];
const ANS_MAP = new Map<number, number>();
let ansUsed = 0;
let ansCount = 0;

/**
 * answerTexts, through a cache of earlier responses with the same bytes (the same
 * result as answerTexts; a new array each call).
 */
export function answerTextsCached(data: Uint8Array, off: number, len: number): string[] {
  let p = answerSectionStart(data, off, len);
  if (p < 0) return [];
  const an = (data[off + 6] << 8) | data[off + 7];
  const limit = off + len;
  for (let i = 0; i < an; i++) {
    p = skipName(data, limit, p);
    if (p < 0 || p + 10 > limit) return answerTexts(data, off, len);
    p += 10 + ((data[p + 8] << 8) | data[p + 9]);
    if (p > limit) return answerTexts(data, off, len);
  }
  const from = off + 2, to = p;
  let h = 0x811c9dc5 ^ (to - from);
  for (let i = from; i < to; i++) h = Math.imul(h ^ data[i], 0x01000193);
  const e = ANS_MAP.get(h);
  if (e !== undefined && ANS_C_LEN[e] === to - from) {
    const o = ANS_C_OFF[e] - from;
    let same = true;
    for (let i = from; i < to; i++) {
      if (ANS_ARENA[o + i] !== data[i]) {
        same = false;
        break;
      }
    }
    if (same) return ANS_C_TEXT[e].slice();
  }
  nameLo = limit;
  nameHi = 0;
  const out = answerTexts(data, off, len);
  if (out.length !== an || nameLo < from || nameHi > to || to - from > 4096) return out;
  if (ANS_ARENA.length === 0) ANS_ARENA = new Uint8Array(1 << 22);
  if (ansCount === ANS_MAX || ansUsed + (to - from) > ANS_ARENA.length) {
    ANS_MAP.clear();
    ansCount = 0;
    ansUsed = 0;
  }
  const k = ansCount++;
  ANS_C_OFF[k] = ansUsed;
  ANS_C_LEN[k] = to - from;
  ANS_C_TEXT[k] = out.slice();
  for (let i = from; i < to; i++) ANS_ARENA[ansUsed++] = data[i];
  ANS_MAP.set(h, k);
  return out;
}

// gzip (RFC 1952) around DEFLATE (RFC 1951), decompressed here rather than by the
// platform's DecompressionStream, because of what happens at damage:
//  - zlib (Node's DecompressionStream, and so Electron's) drops the output of the call
//    that meets the error: a flipped CRC byte or garbage after the member loses the last
//    16 KiB decompressed, which on a small file is all of it (a 22-packet capture read
//    as nothing) and on a big one turns into a spurious "cut short";
//  - the stream API says neither where the damage is nor where a member ends;
//  - Node's DecompressionStream keeps references to written chunks after the write
//    resolves, which a source that reuses its buffers (host/file-source.ts) overwrites.
// This decoder is synchronous and push-based like the capture reader: every byte it
// decodes before damage is handed on, the damage is reported with its compressed
// offset, members follow each other, zero padding after the last member is accepted and
// other trailing data is reported, not fatal. It keeps no reference to a pushed chunk
// (only a copy of the few unconsumed bytes at its end).
//
// Pure TypeScript: no Node APIs, no DOM (tsconfig.core.json).

/** Why the compressed data cannot be read further; `offset` is in compressed bytes. */
export interface GzipDamage {
  kind: 'corrupt' | 'cut-short' | 'check' | 'trailing';
  offset: number;
  message: string;
}

// ---------------------------------------------------------------- CRC-32 (slicing by 8)

const CRC = new Int32Array(2048);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC[n] = c;
}
for (let n = 0; n < 256; n++) for (let t = 1; t < 8; t++) CRC[t * 256 + n] = CRC[CRC[(t - 1) * 256 + n] & 0xff] ^ (CRC[(t - 1) * 256 + n] >>> 8);

/** CRC-32 (ISO-HDLC, as gzip) of d[from, to), continuing from `crc`. */
export function crc32(crc: number, d: Uint8Array, from: number, to: number): number {
  const T = CRC;
  let c = ~crc;
  let i = from;
  for (const end8 = to - 7; i < end8; i += 8) {
    c ^= d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24);
    const h = d[i + 4] | (d[i + 5] << 8) | (d[i + 6] << 16) | (d[i + 7] << 24);
    c = T[1792 + (c & 0xff)] ^ T[1536 + ((c >>> 8) & 0xff)] ^ T[1280 + ((c >>> 16) & 0xff)] ^ T[1024 + (c >>> 24)] ^
      T[768 + (h & 0xff)] ^ T[512 + ((h >>> 8) & 0xff)] ^ T[256 + ((h >>> 16) & 0xff)] ^ T[h >>> 24];
  }
  for (; i < to; i++) c = T[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------- Huffman tables

const LEN_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LEN_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
const CL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** Bits of a table's first level; longer codes continue in second-level tables. */
const ROOT = 10;
/** Room for a table: the first level and up to 320 second-level tables of 32 entries. */
const TABLE_SIZE = (1 << ROOT) + 320 * 32;

/**
 * A decoding table indexed by the next `bits` input bits (LSB first). An entry is
 * symbol << 5 | code length (0 where no code starts with those bits), or, for codes
 * longer than `bits`, offset << 5 | 16 | n: the code goes on in the second-level table
 * at `offset`, indexed by the next n bits.
 */
interface Table {
  t: Int32Array;
  bits: number;
}

const count = new Uint16Array(16);
const nextCode = new Uint16Array(16);

/** Canonical Huffman code of `lens[0, n)` into `into`; null when the lengths are over-subscribed or (but for one code) incomplete. */
function buildTable(lens: Uint8Array, n: number, into: Int32Array): Table | null {
  count.fill(0);
  let max = 0;
  for (let s = 0; s < n; s++) {
    count[lens[s]]++;
    if (lens[s] > max) max = lens[s];
  }
  count[0] = 0;
  if (max === 0) return { t: into.subarray(0, 2).fill(0), bits: 1 }; // no codes: any use is an error
  let left = 1;
  for (let l = 1; l <= 15; l++) {
    left = (left << 1) - count[l];
    if (left < 0) return null;
  }
  if (left > 0 && !(max === 1 && count[1] === 1)) return null;
  let code = 0;
  for (let l = 1; l <= 15; l++) {
    code = (code + count[l - 1]) << 1;
    nextCode[l] = code;
  }
  const root = Math.min(max, ROOT);
  const size = 1 << root;
  const subBits = max - root;
  into.fill(0, 0, size);
  let next = size;
  for (let s = 0; s < n; s++) {
    const l = lens[s];
    if (l === 0) continue;
    let c = nextCode[l]++;
    let r = 0;
    for (let k = 0; k < l; k++) {
      r = (r << 1) | (c & 1);
      c >>>= 1;
    }
    const e = (s << 5) | l;
    if (l <= root) {
      for (let i = r; i < size; i += 1 << l) into[i] = e;
      continue;
    }
    const at = r & (size - 1);
    let ptr = into[at];
    if ((ptr & 16) === 0) {
      ptr = (next << 5) | 16 | subBits;
      into[at] = ptr;
      into.fill(0, next, next + (1 << subBits));
      next += 1 << subBits;
    }
    const sub = ptr >>> 5;
    for (let i = r >>> root; i < 1 << subBits; i += 1 << (l - root)) into[sub + i] = e;
  }
  return { t: into.subarray(0, next), bits: root };
}

const FIXED_LIT: Table = (() => {
  const l = new Uint8Array(288);
  l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return buildTable(l, 288, new Int32Array(TABLE_SIZE))!;
})();
const FIXED_DIST: Table = (() => {
  // 32 codes of 5 bits; 30 and 31 are invalid (caught when decoded).
  return buildTable(new Uint8Array(32).fill(5), 32, new Int32Array(TABLE_SIZE))!;
})();

// ---------------------------------------------------------------- the decoder

const WINDOW = 32768;
/** Output is handed on in pieces of up to this many bytes. */
const OUT_PIECE = 256 * 1024;
/** Input bytes one literal/length + distance step can need (48 bits), rounded up. */
const STEP_BYTES = 8;
/** Input bytes a dynamic block header can need (< 560), rounded up. */
const DYN_HEADER_BYTES = 640;
/** A gzip header longer than this (a huge FEXTRA, FNAME or FCOMMENT) is taken for damage. */
const MAX_GZIP_HEADER = 1 << 20;

const enum S {
  /** Before a member's gzip header (or after the last member). */
  Member,
  Block,
  Stored,
  Codes,
  Trailer,
  Done,
}

const EMPTY = new Uint8Array(0);

/**
 * Push compressed chunks in, get the decompressed bytes out through `sink` (a view
 * valid only during the call). After `end()`, `damage` says what stopped it, if
 * anything; `members` counts the members read to their end.
 */
export class Gunzip {
  damage: GzipDamage | null = null;
  members = 0;

  private state = S.Member;
  /** The input being decoded and the bit position in it; `base` = compressed offset of buf[0]. */
  private buf: Uint8Array = EMPTY;
  private bp = 0;
  private base = 0;
  private final = false;
  private lastBlock = false;
  private storedLeft = 0;
  private lit: Table = FIXED_LIT;
  private dist: Table = FIXED_DIST;
  private readonly litBuf = new Int32Array(TABLE_SIZE);
  private readonly distBuf = new Int32Array(TABLE_SIZE);
  private readonly lens = new Uint8Array(320);
  private readonly out = new Uint8Array(WINDOW + OUT_PIECE + 258);
  private op = 0;
  /** out[flushed, op) is decoded but not yet handed on. */
  private flushed = 0;
  /** Bytes of this member decoded so far (for the distance check and ISIZE). */
  private memberBytes = 0;
  private crc = 0;
  /** Set by the sink to stop decoding (the capture reader stopped). */
  stopped = false;

  constructor(private readonly sink: (data: Uint8Array) => void) {}

  /** Decode what `chunk` makes decodable; the chunk is not referenced after the call. */
  push(chunk: Uint8Array): void {
    if (this.state === S.Done || this.stopped || chunk.length === 0) return;
    // Node Buffers are Uint8Array subclasses: plain views keep the hot loop monomorphic.
    if (chunk.constructor !== Uint8Array) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    const have = this.buf.length - (this.bp >> 3);
    if (have <= 0 && (this.bp & 7) === 0) {
      this.base += this.buf.length;
      this.buf = chunk;
      this.bp = 0;
    } else {
      const from = this.bp >> 3;
      const next = new Uint8Array(have + chunk.length);
      next.set(this.buf.subarray(from), 0);
      next.set(chunk, have);
      this.base += from;
      this.buf = next;
      this.bp &= 7;
    }
    this.run();
    // What this chunk made decodable goes on now (the reader's progress, a stalled source).
    this.flush();
    this.keepTail();
  }

  /** The source ended: decode the rest, then report a member cut short. */
  end(): void {
    this.final = true;
    if (this.state !== S.Done && !this.stopped) this.run();
    this.flush();
    if (this.state !== S.Done && !this.stopped && this.damage === null) {
      if (this.state !== S.Member) this.fail('cut-short', this.base + (this.bp >> 3), 'the gzip data is cut short');
      else this.state = S.Done;
    }
    this.buf = EMPTY;
  }

  /** Copies the unconsumed bytes, so that the caller may reuse its chunk. */
  private keepTail(): void {
    if (this.state === S.Done) {
      this.buf = EMPTY;
      return;
    }
    const from = this.bp >> 3;
    if (this.buf.length - from > 0 || (this.bp & 7) !== 0) {
      this.buf = this.buf.slice(from);
      this.base += from;
      this.bp &= 7;
    } else {
      this.base += this.buf.length;
      this.buf = EMPTY;
      this.bp = 0;
    }
  }

  /** Stops at damage; data cut short is reported where the data ends. */
  private fail(kind: GzipDamage['kind'], offset: number, message: string): void {
    this.flush();
    this.damage = { kind, offset: kind === 'cut-short' ? this.base + this.buf.length : offset, message };
    this.state = S.Done;
  }

  /** Bytes available from the current position. */
  private avail(): number {
    return this.buf.length - (this.bp >> 3);
  }

  private bits(n: number): number {
    const d = this.buf, bp = this.bp, o = bp >> 3;
    const v = ((d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> (bp & 7)) & ((1 << n) - 1);
    this.bp = bp + n;
    return v;
  }

  private run(): void {
    while (!this.stopped) {
      switch (this.state) {
        case S.Member:
          if (!this.member()) return;
          break;
        case S.Block:
          if (!this.blockHeader()) return;
          break;
        case S.Stored:
          if (!this.stored()) return;
          break;
        case S.Codes:
          if (!this.codes()) return;
          break;
        case S.Trailer:
          if (!this.trailer()) return;
          break;
        case S.Done:
          return;
      }
    }
  }

  /** A gzip member header (or padding, or trailing data); false when more input is needed. */
  private member(): boolean {
    const d = this.buf;
    let p = this.bp >> 3;
    const n = d.length;
    const at = this.base + p;
    if (this.members > 0) {
      // After a member: zero padding is accepted (as gzip(1) and zlib do).
      while (p < n && d[p] === 0) p++;
      this.bp = p << 3;
      if (p === n) return false;
    }
    if (n - p < 2 && !this.final) return false;
    if (n - p < 2 || d[p] !== 0x1f || d[p + 1] !== 0x8b) {
      if (this.members === 0) this.fail('corrupt', at, 'the gzip data is corrupt (no gzip signature)');
      else this.fail('trailing', this.base + p, 'data that is not gzip follows the gzip data: ignored');
      return false;
    }
    // The whole header must be in the buffer: find its end.
    let q = p + 10;
    if (n < q) return this.needHeader(n - p, at);
    const method = d[p + 2], flags = d[p + 3];
    if (method !== 8) return this.headerFail(at, 'unknown compression method');
    if (flags & 0xe0) return this.headerFail(at, 'reserved flags set in the gzip header');
    if (flags & 4) {
      if (n < q + 2) return this.needHeader(n - p, at);
      q += 2 + (d[q] | (d[q + 1] << 8));
      if (n < q) return this.needHeader(n - p, at);
    }
    for (const flag of [8, 16]) {
      if (!(flags & flag)) continue;
      while (q < n && d[q] !== 0) q++;
      if (q >= n) return this.needHeader(n - p, at);
      q++;
    }
    if (flags & 2) {
      if (n < q + 2) return this.needHeader(n - p, at);
      if ((crc32(0, d, p, q) & 0xffff) !== (d[q] | (d[q + 1] << 8))) return this.headerFail(at, 'the gzip header fails its CRC check');
      q += 2;
    }
    this.bp = q << 3;
    this.state = S.Block;
    this.lastBlock = false;
    this.memberBytes = 0;
    this.crc = 0;
    return true;
  }

  private needHeader(have: number, at: number): boolean {
    if (this.final) this.fail('cut-short', at, 'the gzip data is cut short in a gzip header');
    else if (have > MAX_GZIP_HEADER) this.fail('corrupt', at, 'the gzip data is corrupt (a gzip header longer than 1 MiB)');
    return false;
  }

  private headerFail(at: number, why: string): boolean {
    this.fail('corrupt', at, `the gzip data is corrupt (${why})`);
    return false;
  }

  /** Where in the compressed input the bit position is (for messages). */
  private here(): number {
    return this.base + (this.bp >> 3);
  }

  private blockHeader(): boolean {
    if (this.lastBlock) {
      // After the final block: to a byte boundary, then the trailer.
      this.bp = (this.bp + 7) & ~7;
      this.state = S.Trailer;
      return true;
    }
    const avail = this.avail();
    if (avail < STEP_BYTES && !this.final) return false;
    const start = this.bp;
    const at = this.here();
    const head = this.bits(3);
    // Set only once the block is committed to (a header may be re-read with more input).
    const last = (head & 1) === 1;
    const type = head >> 1;
    if (type === 0) {
      this.bp = (this.bp + 7) & ~7;
      if (this.avail() < 4) {
        if (this.final) this.fail('cut-short', at, 'the gzip data is cut short in a stored block header');
        else this.bp = start;
        return false;
      }
      const len = this.bits(16), nlen = this.bits(16);
      if ((len ^ 0xffff) !== nlen) {
        this.fail('corrupt', at, 'the gzip data is corrupt (a stored block length fails its check)');
        return false;
      }
      this.storedLeft = len;
      this.lastBlock = last;
      this.state = S.Stored;
      return true;
    }
    if (type === 1) {
      this.lit = FIXED_LIT;
      this.dist = FIXED_DIST;
      this.lastBlock = last;
      this.state = S.Codes;
      return true;
    }
    if (type === 3) {
      this.fail('corrupt', at, 'the gzip data is corrupt (a reserved block type)');
      return false;
    }
    if (avail < DYN_HEADER_BYTES && !this.final) {
      this.bp = start;
      return false;
    }
    const why = this.dynamicHeader();
    if (why !== null) {
      if (this.bp > this.buf.length * 8) this.fail('cut-short', at, 'the gzip data is cut short in a block header');
      else this.fail('corrupt', at, `the gzip data is corrupt (${why})`);
      return false;
    }
    if (this.bp > this.buf.length * 8) {
      this.fail('cut-short', at, 'the gzip data is cut short in a block header');
      return false;
    }
    this.lastBlock = last;
    this.state = S.Codes;
    return true;
  }

  /** Reads a dynamic block's code lengths and builds its tables; the reason when they are bad. */
  private dynamicHeader(): string | null {
    const nlit = this.bits(5) + 257, ndist = this.bits(5) + 1, ncl = this.bits(4) + 4;
    if (nlit > 286 || ndist > 30) return 'too many length or distance codes';
    const lens = this.lens;
    lens.fill(0, 0, 19);
    for (let i = 0; i < ncl; i++) lens[CL_ORDER[i]] = this.bits(3);
    const cl = buildTable(lens, 19, this.litBuf);
    if (cl === null) return 'invalid code lengths set';
    const total = nlit + ndist;
    const clt = cl.t, clBits = cl.bits;
    let i = 0;
    while (i < total) {
      if (this.bp > this.buf.length * 8) return 'cut short';
      const e = clt[this.peek(clBits)]; // at most 7 bits: one level
      if ((e & 15) === 0) return 'invalid code lengths set';
      this.bp += e & 15;
      const sym = e >>> 5;
      if (sym < 16) {
        lens[i++] = sym;
        continue;
      }
      let rep: number, v = 0;
      if (sym === 16) {
        if (i === 0) return 'invalid bit length repeat';
        v = lens[i - 1];
        rep = 3 + this.bits(2);
      } else if (sym === 17) rep = 3 + this.bits(3);
      else rep = 11 + this.bits(7);
      if (i + rep > total) return 'invalid bit length repeat';
      lens.fill(v, i, i + rep);
      i += rep;
    }
    if (lens[256] === 0) return 'no end-of-block code';
    const lit = buildTable(lens, nlit, this.litBuf);
    if (lit === null) return 'invalid literal/length code set';
    const dist = buildTable(lens.subarray(nlit, total), ndist, this.distBuf);
    if (dist === null) return 'invalid distance code set';
    this.lit = lit;
    this.dist = dist;
    return null;
  }

  private peek(n: number): number {
    const d = this.buf, bp = this.bp, o = bp >> 3;
    return ((d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> (bp & 7)) & ((1 << n) - 1);
  }

  private stored(): boolean {
    const d = this.buf;
    while (this.storedLeft > 0) {
      const p = this.bp >> 3;
      const take = Math.min(this.storedLeft, d.length - p, this.out.length - this.op);
      if (take <= 0) {
        if (d.length - p <= 0) {
          if (this.final) this.fail('cut-short', this.here(), 'the gzip data is cut short in a stored block');
          return false;
        }
        this.flushOut();
        continue;
      }
      this.out.set(d.subarray(p, p + take), this.op);
      this.op += take;
      this.memberBytes += take;
      this.storedLeft -= take;
      this.bp = (p + take) << 3;
      if (this.op === this.out.length) this.flushOut();
      if (this.stopped) return false;
    }
    this.state = S.Block;
    return true;
  }

  /** The hot loop: literals and matches of one Huffman block, through a 32-bit bit buffer. */
  private codes(): boolean {
    const d = this.buf, out = this.out;
    const lt = this.lit.t, lbits = this.lit.bits, lmask = (1 << lbits) - 1;
    const dt = this.dist.t, dbits = this.dist.bits, dmask = (1 << dbits) - 1;
    const dlen = d.length;
    // Without the final input, stop while a whole step (at most 7 bytes) is surely in
    // the buffer; with it, read on (past the end as zeros) and check for an overrun.
    const safe = this.final ? dlen : dlen - STEP_BYTES;
    const flushAt = out.length - 258;
    let p = this.bp >> 3;
    let bb = d[p++] >>> (this.bp & 7), bc = 8 - (this.bp & 7);
    let op = this.op;
    let memberBytes = this.memberBytes;
    let done = false, overrun = false;
    let why: string | null = null;
    while (p <= safe) {
      if (op >= flushAt) {
        this.op = op;
        this.memberBytes = memberBytes;
        this.flushOut();
        op = this.op;
        if (this.stopped) break;
      }
      if (bc < 15) {
        bb |= d[p++] << bc;
        bc += 8;
        bb |= d[p++] << bc;
        bc += 8;
      }
      let e = lt[bb & lmask];
      if (e & 16) e = lt[(e >>> 5) + ((bb >>> lbits) & ((1 << (e & 15)) - 1))];
      let l = e & 15;
      if (l === 0) {
        why = 'invalid literal/length code';
        break;
      }
      bb >>>= l;
      bc -= l;
      let sym = e >>> 5;
      if (p > dlen && p * 8 - bc > dlen * 8) {
        overrun = true;
        break;
      }
      if (sym < 256) {
        out[op++] = sym;
        memberBytes++;
        continue;
      }
      if (sym === 256) {
        done = true;
        break;
      }
      sym -= 257;
      if (sym >= 29) {
        why = 'invalid literal/length code';
        break;
      }
      let len = LEN_BASE[sym];
      let x = LEN_EXTRA[sym];
      if (x) {
        if (bc < x) {
          bb |= d[p++] << bc;
          bc += 8;
        }
        len += bb & ((1 << x) - 1);
        bb >>>= x;
        bc -= x;
      }
      if (bc < 15) {
        bb |= d[p++] << bc;
        bc += 8;
        bb |= d[p++] << bc;
        bc += 8;
      }
      e = dt[bb & dmask];
      if (e & 16) e = dt[(e >>> 5) + ((bb >>> dbits) & ((1 << (e & 15)) - 1))];
      l = e & 15;
      sym = e >>> 5;
      if (l === 0 || sym >= 30) {
        why = 'invalid distance code';
        break;
      }
      bb >>>= l;
      bc -= l;
      let dist = DIST_BASE[sym];
      x = DIST_EXTRA[sym];
      if (x) {
        if (bc < x) {
          bb |= d[p++] << bc;
          bc += 8;
          if (bc < x) {
            bb |= d[p++] << bc;
            bc += 8;
          }
        }
        dist += bb & ((1 << x) - 1);
        bb >>>= x;
        bc -= x;
      }
      if (p > dlen && p * 8 - bc > dlen * 8) {
        overrun = true;
        break;
      }
      if (dist > memberBytes) {
        why = 'invalid distance too far back';
        break;
      }
      let src = op - dist;
      memberBytes += len;
      if (dist >= len && len > 16) {
        out.copyWithin(op, src, src + len);
        op += len;
      } else {
        while (len-- > 0) out[op++] = out[src++];
      }
    }
    this.bp = Math.min(p * 8 - bc, dlen * 8);
    this.op = op;
    this.memberBytes = memberBytes;
    if (why !== null) {
      this.fail('corrupt', this.here(), `the gzip data is corrupt (${why})`);
      return false;
    }
    if (done) {
      this.state = S.Block;
      return true;
    }
    if (overrun || (this.final && !this.stopped)) this.fail('cut-short', this.here(), 'the gzip data is cut short in a compressed block');
    return false;
  }

  private trailer(): boolean {
    if (this.avail() < 8) {
      if (this.final) this.fail('cut-short', this.here(), 'the gzip data is cut short in a gzip trailer');
      return false;
    }
    this.flush();
    const d = this.buf, p = this.bp >> 3;
    const crc = (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24)) >>> 0;
    const size = (d[p + 4] | (d[p + 5] << 8) | (d[p + 6] << 16) | (d[p + 7] << 24)) >>> 0;
    const at = this.base + p;
    this.bp = (p + 8) << 3;
    this.members++;
    if (crc !== this.crc || size !== this.memberBytes % 4294967296) {
      this.fail('check', at, `the gzip member fails its ${crc !== this.crc ? 'CRC-32' : 'length'} check: its data is damaged somewhere`);
      return false;
    }
    this.state = S.Member;
    return true;
  }

  /** Hands on everything decoded so far. */
  private flush(): void {
    if (this.op > this.flushed) {
      const from = this.flushed, to = this.op;
      this.crc = crc32(this.crc, this.out, from, to);
      this.flushed = to;
      this.sink(this.out.subarray(from, to));
    }
  }

  /** Hands on the output and slides the window to the front of the buffer. */
  private flushOut(): void {
    this.flush();
    const op = this.op;
    if (op > WINDOW) {
      this.out.copyWithin(0, op - WINDOW, op);
      this.op = this.flushed = WINDOW;
    }
  }
}

// pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks
//   type (4) | total length (4) | body | total length (4)
// in sections, each opened by a Section Header Block whose byte-order magic 1a2b3c4d
// decides the byte order of that section alone. Interface ids in packet blocks are
// numbered per section; we hand out one running id per Interface Description Block of
// the file, so CaptureRecord.interfaceId is unique across sections.

import { NotACaptureError, type CaptureInterface, type CaptureRecord } from './types';
import type { FormatParser, ParserHost } from './parser';

export const PCAPNG_MAGIC = 0x0a0d0d0a;
/** No block of a sane file is larger (256 MiB); a longer length means the header is garbage. */
export const PCAPNG_MAX_BLOCK = 256 * 1024 * 1024;

const BT_IDB = 0x00000001;
const BT_PB = 0x00000002; // obsolete Packet Block
const BT_SPB = 0x00000003;
const BT_NRB = 0x00000004;
const BT_ISB = 0x00000005;
const BT_EPB = 0x00000006;
const BT_DSB = 0x0000000a;
const BT_SHB = PCAPNG_MAGIC;
const BT_CUSTOM = 0x00000bad;
const BT_CUSTOM_NOCOPY = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const OPT_COMMENT = 1;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const NRB_IPV4 = 1;
const NRB_IPV6 = 2;

/** Timestamps with up to this many units per second are converted with float-exact integer math. */
const NUMBER_UNITS_MAX = 2 ** 36;
const TWO32 = 4294967296;

const utf8 = new TextDecoder('utf-8');

function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

function blockName(type: number): string {
  switch (type) {
    case BT_SHB: return 'section header block';
    case BT_IDB: return 'interface description block';
    case BT_PB: return 'packet block';
    case BT_SPB: return 'simple packet block';
    case BT_NRB: return 'name resolution block';
    case BT_ISB: return 'interface statistics block';
    case BT_EPB: return 'enhanced packet block';
    case BT_DSB: return 'decryption secrets block';
    case BT_CUSTOM:
    case BT_CUSTOM_NOCOPY: return 'custom block';
    default: return `block of type ${hex32(type)}`;
  }
}

/** "an enhanced packet block", "a simple packet block". */
function aBlock(type: number): string {
  const name = blockName(type);
  return (/^[aeiou]/.test(name) ? 'an ' : 'a ') + name;
}

function isPacketBlock(type: number): boolean {
  return type === BT_EPB || type === BT_SPB || type === BT_PB;
}

function u64(dv: DataView, off: number, le: boolean): number {
  return le
    ? dv.getUint32(off + 4, true) * TWO32 + dv.getUint32(off, true)
    : dv.getUint32(off, false) * TWO32 + dv.getUint32(off + 4, false);
}

function i64(dv: DataView, off: number, le: boolean): number {
  return le
    ? dv.getInt32(off + 4, true) * TWO32 + dv.getUint32(off, true)
    : dv.getInt32(off, false) * TWO32 + dv.getUint32(off + 4, false);
}

/** Zero-terminated (or ending) UTF-8 strings in buf[s, e). */
function strings(buf: Uint8Array, s: number, e: number): string[] {
  const out: string[] = [];
  let a = s;
  for (let i = s; i <= e; i++) {
    if (i === e || buf[i] === 0) {
      if (i > a) out.push(utf8.decode(buf.subarray(a, i)));
      a = i + 1;
    }
  }
  return out;
}

/** RFC 5952 text form of the IPv6 address at buf[s, s+16). */
export function ipv6Text(buf: Uint8Array, s: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((buf[s + 2 * i] << 8) | buf[s + 2 * i + 1]);
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number, b: number): string => g.slice(a, b).map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** Calls fn for each option in [s, e) until opt_endofopt or the end; stops at a malformed one. */
function eachOption(dv: DataView, s: number, e: number, le: boolean, fn: (code: number, vs: number, len: number) => void): void {
  while (e - s >= 4) {
    const code = dv.getUint16(s, le);
    const len = dv.getUint16(s + 2, le);
    if (code === OPT_END) return;
    const vs = s + 4;
    if (vs + len > e) return;
    fn(code, vs, len);
    s = vs + ((len + 3) & ~3);
  }
}

export class PcapngParser implements FormatParser {
  readonly headerLen = 12;
  private readonly host: ParserHost;
  /** Byte order of the current section. */
  private le = true;
  private section = -1;
  /** Running id of the current section's interface 0, and how many it has. */
  private sectionBase = 0;
  private sectionIfs = 0;
  // Per interface (running id), flat for the hot loop.
  private readonly ifLink: number[] = [];
  private readonly ifSnap: number[] = [];
  /** Units per second when ≤ 2^36 (number path), else 0 (BigInt path). */
  private readonly ifDiv: number[] = [];
  /** 1e9 / units when that is an integer, else 0. */
  private readonly ifNsMul: number[] = [];
  private readonly ifBig: bigint[] = [];
  private readonly ifOffset: number[] = [];

  constructor(host: ParserHost) {
    this.host = host;
    host.info.format = 'pcapng';
    host.info.resolution = null;
  }

  get headerRead(): boolean {
    return this.host.info.sections > 0;
  }

  /** Byte order of the section header block at p, or null if its magic is wrong. */
  private shbLe(dv: DataView, p: number): boolean | null {
    const b = dv.getUint32(p + 8, true);
    if (b === BYTE_ORDER_MAGIC) return true;
    if (b === 0x4d3c2b1a) return false;
    return null;
  }

  private where(type: number, offset: number): string {
    const frame = this.host.info.records + 1;
    return isPacketBlock(type) ? `record ${frame} at offset ${offset}` : `${blockName(type)} at offset ${offset} (before record ${frame})`;
  }

  /**
   * Reading cannot go on. Before the first section header the input is not a capture,
   * and its error says only `plain`, which quotes none of the file's bytes (a path
   * opened by a client must not leak the content of a file that is not a capture).
   */
  private fail(type: number, offset: number, what: string, plain: string): void {
    const host = this.host;
    if (host.info.sections === 0) throw new NotACaptureError(`not a pcapng file: the section header block at offset ${offset}: ${plain}`, offset);
    host.error(host.info.records + 1, offset, `${this.where(type, offset)}: ${what}`, 'stopped');
    host.stopped = true;
  }

  /** This block is left out; reading goes on after it. */
  private skip(type: number, offset: number, what: string): void {
    const host = this.host;
    host.error(host.info.records + 1, offset, `${this.where(type, offset)}: ${what}`, 'skipped');
  }

  recordLength(dv: DataView, p: number, base: number): number {
    const type = dv.getUint32(p, this.le);
    let le = this.le;
    if (type === BT_SHB) {
      const l = this.shbLe(dv, p);
      if (l === null) {
        this.fail(type, base + p, `byte-order magic ${hex32(dv.getUint32(p + 8, false))} is neither 1a2b3c4d nor 4d3c2b1a`, 'its byte-order magic is neither 1a2b3c4d nor 4d3c2b1a');
        return -1;
      }
      le = l;
    }
    const len = dv.getUint32(p + 4, le);
    if (len < 12) this.fail(type, base + p, `block length ${len} is less than the minimum 12`, 'its block length is less than the minimum 12');
    else if ((len & 3) !== 0) this.fail(type, base + p, `block length ${len} is not a multiple of 4`, 'its block length is not a multiple of 4');
    else if (len > PCAPNG_MAX_BLOCK) this.fail(type, base + p, `block length ${len} exceeds the maximum ${PCAPNG_MAX_BLOCK}`, `its block length exceeds the maximum ${PCAPNG_MAX_BLOCK}`);
    else return len;
    return -1;
  }

  // The hot loop: EPBs inline; everything else is rare and may allocate.
  parse(buf: Uint8Array, dv: DataView, p: number, end: number, base: number): number {
    const host = this.host;
    const info = host.info;
    const rec = host.rec;
    const onRecord = host.onRecord;
    let le = this.le;
    while (end - p >= 12) {
      const len = this.recordLength(dv, p, base);
      if (len < 0) return p;
      if (end - p < len) break;
      const type = dv.getUint32(p, le);
      const ble = type === BT_SHB ? (this.shbLe(dv, p) as boolean) : le;
      const trail = dv.getUint32(p + len - 4, ble);
      if (trail !== len) {
        this.fail(type, base + p, `trailing block length ${trail} does not match the leading block length ${len}`, 'its trailing block length does not match the leading one');
        return p;
      }
      if (type === BT_EPB || type === BT_PB) {
        if (len < 32) {
          this.skip(type, base + p, `block length ${len} is too short for ${aBlock(type)} (minimum 32)`);
          p += len;
          continue;
        }
        const ifl = type === BT_EPB ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
        if (ifl >= this.sectionIfs) {
          this.noInterface(type, base + p, ifl);
          p += len;
          continue;
        }
        const capLen = dv.getUint32(p + 20, le);
        if (capLen > len - 32) {
          this.skip(type, base + p, `captured length ${capLen} exceeds the ${len - 32} bytes of room in the block`);
          p += len;
          continue;
        }
        const ifg = this.sectionBase + ifl;
        const origLen = dv.getUint32(p + 24, le);
        this.timestamp(rec, ifg, dv.getUint32(p + 12, le), dv.getUint32(p + 16, le));
        const frame = ++info.records;
        rec.frame = frame;
        rec.offset = base + p;
        rec.dataOffset = base + p + 28;
        rec.interfaceId = ifg;
        rec.linkType = this.ifLink[ifg];
        rec.capLen = capLen;
        rec.origLen = origLen;
        rec.at(buf, p + 28);
        const optStart = p + 28 + ((capLen + 3) & ~3);
        rec.comments = optStart < p + len - 4 ? this.comments(buf, dv, optStart, p + len - 4, le) : null;
        if (capLen > origLen || (capLen > this.ifSnap[ifg] && this.ifSnap[ifg] !== 0)) this.oddLength(frame, base + p, capLen, origLen, this.ifSnap[ifg]);
        onRecord(rec);
      } else if (type === BT_SPB) {
        this.simplePacket(buf, dv, p, len, base);
      } else if (type === BT_SHB) {
        if (!this.sectionHeader(dv, p, len, base)) return p;
        le = this.le;
      } else if (type === BT_IDB) {
        this.interfaceDescription(buf, dv, p, len, base);
      } else if (type === BT_NRB) {
        this.nameResolution(buf, dv, p, len, base);
      } else if (type === BT_ISB) {
        this.interfaceStatistics(dv, p, len, base);
      } else if (type === BT_DSB) {
        this.decryptionSecrets(buf, dv, p, len, base);
      } else {
        // Custom blocks (0x00000BAD, 0x40000BAD), systemd journal exports, types to come.
        info.skippedBlocks++;
      }
      p += len;
    }
    return p;
  }

  cutShort(dv: DataView, have: number, base: number): void {
    const host = this.host;
    const info = host.info;
    if (have < 12) {
      if (info.sections === 0) throw new NotACaptureError(`truncated pcapng section header block: ${have} of at least 28 bytes present at offset ${base}`, base);
      const what = `is cut short: ${have} of the 12 block header bytes present`;
      const msg = have >= 4 ? `${this.where(dv.getUint32(0, this.le), base)} ${what}` : `block at offset ${base} (before record ${info.records + 1}) ${what}`;
      host.error(info.records + 1, base, msg, 'stopped');
      return;
    }
    const type = dv.getUint32(0, this.le);
    const le = type === BT_SHB ? (this.shbLe(dv, 0) ?? this.le) : this.le;
    const len = dv.getUint32(4, le);
    if (info.sections === 0) throw new NotACaptureError(`truncated pcapng section header block: only ${have} bytes present at offset ${base}`, base);
    host.error(info.records + 1, base, `${this.where(type, base)} is cut short: block length says ${len} bytes, ${have} present`, 'stopped');
  }

  /** Sets rec.tsSec/tsNsec from a 64-bit count of the interface's units. */
  private timestamp(rec: CaptureRecord, ifg: number, hi: number, lo: number): void {
    const d = this.ifDiv[ifg];
    if (d === 0) {
      const u = this.ifBig[ifg];
      const t = (BigInt(hi) << 32n) | BigInt(lo);
      rec.tsSec = Number(t / u) + this.ifOffset[ifg];
      rec.tsNsec = Number(((t % u) * 1000000000n) / u);
      return;
    }
    let sec: number;
    let rem: number;
    if (hi < 0x200000) {
      // Below 2^53: the count itself is exact as a double.
      const t = hi * TWO32 + lo;
      sec = Math.floor(t / d);
      rem = t - sec * d;
    } else {
      // Long division in 16-bit limbs; every intermediate stays below 2^53.
      let c = hi >>> 16;
      const q3 = Math.floor(c / d);
      let r = c - q3 * d;
      c = r * 65536 + (hi & 0xffff);
      const q2 = Math.floor(c / d);
      r = c - q2 * d;
      c = r * 65536 + (lo >>> 16);
      const q1 = Math.floor(c / d);
      r = c - q1 * d;
      c = r * 65536 + (lo & 0xffff);
      const q0 = Math.floor(c / d);
      r = c - q0 * d;
      sec = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
      rem = r;
    }
    if (rem < 0) {
      sec -= 1;
      rem += d;
    } else if (rem >= d) {
      sec += 1;
      rem -= d;
    }
    const m = this.ifNsMul[ifg];
    rec.tsSec = sec + this.ifOffset[ifg];
    // Exact for 10^0..10^9 and 2^0..2^9 units per second; the nearest nanosecond below otherwise.
    rec.tsNsec = m !== 0 ? rem * m : Math.floor((rem * 1e9) / d);
  }

  /** opt_comment values of a packet block's options, or null (no allocation without one). */
  private comments(buf: Uint8Array, dv: DataView, s: number, e: number, le: boolean): string[] | null {
    let out: string[] | null = null;
    while (e - s >= 4) {
      const code = dv.getUint16(s, le);
      const len = dv.getUint16(s + 2, le);
      if (code === OPT_END) break;
      const vs = s + 4;
      if (vs + len > e) break;
      if (code === OPT_COMMENT) (out ??= []).push(utf8.decode(buf.subarray(vs, vs + len)));
      s = vs + ((len + 3) & ~3);
    }
    return out;
  }

  private noInterface(type: number, offset: number, ifl: number): void {
    const n = this.sectionIfs;
    this.skip(type, offset, `interface ${ifl} does not exist (section ${this.section} has ${n} interface${n === 1 ? '' : 's'})`);
  }

  private oddLength(frame: number, offset: number, capLen: number, origLen: number, snaplen: number): void {
    const host = this.host;
    if (capLen > snaplen && snaplen !== 0)
      host.error(frame, offset, `record ${frame} at offset ${offset}: captured length ${capLen} exceeds the snapshot length ${snaplen}`, 'delivered');
    if (capLen > origLen)
      host.error(frame, offset, `record ${frame} at offset ${offset}: captured length ${capLen} exceeds original length ${origLen}`, 'delivered');
  }

  private simplePacket(buf: Uint8Array, dv: DataView, p: number, len: number, base: number): void {
    const host = this.host;
    const le = this.le;
    if (len < 16) {
      this.skip(BT_SPB, base + p, `block length ${len} is too short for a simple packet block (minimum 16)`);
      return;
    }
    if (this.sectionIfs === 0) {
      this.noInterface(BT_SPB, base + p, 0);
      return;
    }
    const ifg = this.sectionBase;
    const origLen = dv.getUint32(p + 8, le);
    const snap = this.ifSnap[ifg];
    // No captured length field: the packet is what fits, up to the snapshot length.
    let capLen = Math.min(origLen, len - 16);
    if (snap !== 0 && snap < capLen) capLen = snap;
    const rec = host.rec;
    const frame = ++host.info.records;
    rec.frame = frame;
    rec.offset = base + p;
    rec.dataOffset = base + p + 12;
    rec.interfaceId = ifg;
    rec.linkType = this.ifLink[ifg];
    rec.tsSec = 0;
    rec.tsNsec = 0;
    rec.capLen = capLen;
    rec.origLen = origLen;
    rec.at(buf, p + 12);
    rec.comments = null;
    host.onRecord(rec);
  }

  private sectionHeader(dv: DataView, p: number, len: number, base: number): boolean {
    const info = this.host.info;
    const le = this.shbLe(dv, p) as boolean;
    if (len < 28) {
      this.fail(BT_SHB, base + p, `block length ${len} is too short for a section header block (minimum 28)`, 'its block length is too short for a section header block (minimum 28)');
      return false;
    }
    const major = dv.getUint16(p + 12, le);
    const minor = dv.getUint16(p + 14, le);
    if (major !== 1) {
      this.fail(BT_SHB, base + p, `unsupported pcapng version ${major}.${minor} (expected 1.x)`, 'unsupported pcapng version (expected 1.x)');
      return false;
    }
    this.le = le;
    this.section++;
    this.sectionBase = this.ifLink.length;
    this.sectionIfs = 0;
    info.sections++;
    if (info.sections === 1) {
      info.version = `${major}.${minor}`;
      info.byteOrder = le ? 'little' : 'big';
    }
    return true;
  }

  private interfaceDescription(buf: Uint8Array, dv: DataView, p: number, len: number, base: number): void {
    const le = this.le;
    if (len < 20) {
      this.skip(BT_IDB, base + p, `block length ${len} is too short for an interface description block (minimum 20)`);
      return;
    }
    const linkType = dv.getUint16(p + 8, le);
    const snaplen = dv.getUint32(p + 12, le);
    let name: string | null = null;
    let description: string | null = null;
    let resol = 6;
    let tsOffset = 0;
    eachOption(dv, p + 16, p + len - 4, le, (code, vs, olen) => {
      if (code === IF_NAME) name = utf8.decode(buf.subarray(vs, vs + olen));
      else if (code === IF_DESCRIPTION) description = utf8.decode(buf.subarray(vs, vs + olen));
      else if (code === IF_TSRESOL && olen >= 1) resol = buf[vs];
      else if (code === IF_TSOFFSET && olen >= 8) tsOffset = i64(dv, vs, le);
    });
    let units: number;
    let big: bigint;
    if (resol & 0x80) {
      units = 2 ** (resol & 0x7f);
      big = 1n << BigInt(resol & 0x7f);
    } else {
      units = 10 ** resol;
      big = 10n ** BigInt(resol);
    }
    const div = units <= NUMBER_UNITS_MAX ? units : 0;
    const id = this.ifLink.length;
    this.ifLink.push(linkType);
    this.ifSnap.push(snaplen);
    this.ifDiv.push(div);
    this.ifNsMul.push(div !== 0 && 1e9 % div === 0 ? 1e9 / div : 0);
    this.ifBig.push(big);
    this.ifOffset.push(tsOffset);
    this.sectionIfs++;
    const iface: CaptureInterface = {
      id,
      section: this.section,
      linkType,
      snaplen,
      tsUnitsPerSec: units,
      tsOffset,
      name,
      description,
    };
    this.host.info.interfaces.push(iface);
  }

  private nameResolution(buf: Uint8Array, dv: DataView, p: number, len: number, base: number): void {
    const le = this.le;
    const names = this.host.info.names;
    const e = p + len - 4;
    let s = p + 8;
    while (e - s >= 4) {
      const rt = dv.getUint16(s, le);
      const rl = dv.getUint16(s + 2, le);
      if (rt === 0) return; // nrb_record_end
      const vs = s + 4;
      if (vs + rl > e) {
        this.skip(BT_NRB, base + p, `record at block offset ${s - p} of length ${rl} runs past the block`);
        return;
      }
      if (rt === NRB_IPV4 && rl >= 4) {
        names.push({ address: `${buf[vs]}.${buf[vs + 1]}.${buf[vs + 2]}.${buf[vs + 3]}`, names: strings(buf, vs + 4, vs + rl) });
      } else if (rt === NRB_IPV6 && rl >= 16) {
        names.push({ address: ipv6Text(buf, vs), names: strings(buf, vs + 16, vs + rl) });
      }
      s = vs + ((rl + 3) & ~3);
    }
  }

  private interfaceStatistics(dv: DataView, p: number, len: number, base: number): void {
    const le = this.le;
    if (len < 24) {
      this.skip(BT_ISB, base + p, `block length ${len} is too short for an interface statistics block (minimum 24)`);
      return;
    }
    const ifl = dv.getUint32(p + 8, le);
    if (ifl >= this.sectionIfs) {
      this.noInterface(BT_ISB, base + p, ifl);
      return;
    }
    const interfaceId = this.sectionBase + ifl;
    let received: number | null = null;
    let dropped: number | null = null;
    eachOption(dv, p + 20, p + len - 4, le, (code, vs, olen) => {
      if (code === ISB_IFRECV && olen >= 8) received = u64(dv, vs, le);
      else if (code === ISB_IFDROP && olen >= 8) dropped = u64(dv, vs, le);
    });
    // Writers may add one per interface at intervals; the last one holds the totals.
    const stats = this.host.info.statistics;
    const prev = stats.find((s) => s.interfaceId === interfaceId);
    if (prev) {
      if (received !== null) prev.received = received;
      if (dropped !== null) prev.dropped = dropped;
    } else stats.push({ interfaceId, received, dropped });
  }

  private decryptionSecrets(buf: Uint8Array, dv: DataView, p: number, len: number, base: number): void {
    const le = this.le;
    if (len < 20) {
      this.skip(BT_DSB, base + p, `block length ${len} is too short for a decryption secrets block (minimum 20)`);
      return;
    }
    const type = dv.getUint32(p + 8, le);
    const slen = dv.getUint32(p + 12, le);
    if (slen > len - 20) {
      this.skip(BT_DSB, base + p, `secrets length ${slen} exceeds the ${len - 20} bytes of room in the block`);
      return;
    }
    // A copy: the chunk it lies in is gone after this call.
    this.host.info.secrets.push({ type, data: buf.slice(p + 16, p + 16 + slen), offset: base + p });
  }
}

// Classic libpcap files (draft-ietf-opsawg-pcap): a 24-byte global header, then records
// of a 16-byte header (ts_sec, ts_usec|ts_nsec, incl_len, orig_len) and incl_len bytes.
// Magic a1b2c3d4 = microseconds, a1b23c4d = nanoseconds, in the writer's byte order.

import { NotACaptureError } from './types';
import type { FormatParser, ParserHost } from './parser';

export const PCAP_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

/**
 * The largest record length we accept, as Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD.
 * A record between the snapshot length and this is delivered with a warning (Wireshark
 * tolerates it); a longer one means the record header is garbage and reading stops.
 * When the file's own snapshot length is larger, that is the limit, up to HARD_MAX.
 */
export const PCAP_MAX_RECORD = 262144;
/** No record of any capture is larger than this (256 MiB). */
export const PCAP_HARD_MAX = 256 * 1024 * 1024;

/** {littleEndian, nanoseconds} for a magic read big-endian, or null. */
export function pcapMagic(magicBE: number): { le: boolean; ns: boolean } | null {
  switch (magicBE >>> 0) {
    case 0xa1b2c3d4: return { le: false, ns: false };
    case 0xd4c3b2a1: return { le: true, ns: false };
    case 0xa1b23c4d: return { le: false, ns: true };
    case 0x4d3cb2a1: return { le: true, ns: true };
    default: return null;
  }
}

export class PcapParser implements FormatParser {
  readonly headerLen = RECORD_HEADER_LEN;
  readonly headerRead = true;
  private readonly host: ParserHost;
  private readonly le: boolean;
  /** ts fraction → nanoseconds. */
  private readonly nsMul: number;
  private readonly snaplen: number;
  private readonly linkType: number;
  private readonly maxRecord: number;

  /** `head` holds the 24-byte global header; throws NotACaptureError when it is unusable. */
  constructor(host: ParserHost, head: Uint8Array) {
    this.host = host;
    const dv = new DataView(head.buffer, head.byteOffset, PCAP_HEADER_LEN);
    const m = pcapMagic(dv.getUint32(0, false));
    if (m === null) throw new NotACaptureError('not a classic pcap file');
    const le = m.le;
    const major = dv.getUint16(4, le);
    const minor = dv.getUint16(6, le);
    // Not a capture yet: the message quotes none of the file's bytes.
    if (major !== 2) throw new NotACaptureError('unsupported pcap version at offset 4 (expected 2.x)', 4);
    this.le = le;
    this.nsMul = m.ns ? 1 : 1000;
    this.snaplen = dv.getUint32(16, le);
    // The network field: link type in the low 16 bits, FCS length and flags above (ignored).
    this.linkType = dv.getUint32(20, le) & 0xffff;
    this.maxRecord = this.snaplen > PCAP_MAX_RECORD ? Math.min(this.snaplen, PCAP_HARD_MAX) : PCAP_MAX_RECORD;

    const info = host.info;
    info.format = 'pcap';
    info.resolution = m.ns ? 'ns' : 'us';
    info.byteOrder = le ? 'little' : 'big';
    info.version = `${major}.${minor}`;
    info.sections = 1;
    info.interfaces.push({
      id: 0,
      section: 0,
      linkType: this.linkType,
      snaplen: this.snaplen,
      tsUnitsPerSec: m.ns ? 1e9 : 1e6,
      tsOffset: 0,
      name: null,
      description: null,
    });
    const rec = host.rec;
    rec.interfaceId = 0;
    rec.linkType = this.linkType;
    rec.comments = null;
  }

  recordLength(dv: DataView, p: number, base: number): number {
    const capLen = dv.getUint32(p + 8, this.le);
    if (capLen > this.maxRecord) {
      this.tooLong(capLen, base + p);
      return -1;
    }
    return RECORD_HEADER_LEN + capLen;
  }

  // The hot loop: no allocation, no closures, no try/catch.
  parse(buf: Uint8Array, dv: DataView, p: number, end: number, base: number): number {
    const host = this.host;
    const info = host.info;
    const rec = host.rec;
    const onRecord = host.onRecord;
    const le = this.le;
    const nsMul = this.nsMul;
    const max = this.maxRecord;
    const snap = this.snaplen;
    const linkType = this.linkType;
    while (end - p >= RECORD_HEADER_LEN) {
      const capLen = dv.getUint32(p + 8, le);
      if (capLen > max) {
        this.tooLong(capLen, base + p);
        return p;
      }
      const next = p + RECORD_HEADER_LEN + capLen;
      if (next > end) break;
      const origLen = dv.getUint32(p + 12, le);
      const frame = ++info.records;
      rec.frame = frame;
      rec.offset = base + p;
      rec.dataOffset = base + p + RECORD_HEADER_LEN;
      rec.interfaceId = 0;
      rec.linkType = linkType;
      rec.tsSec = dv.getUint32(p, le);
      rec.tsNsec = dv.getUint32(p + 4, le) * nsMul;
      rec.capLen = capLen;
      rec.origLen = origLen;
      rec.at(buf, p + RECORD_HEADER_LEN); // its data view only if the sink asks
      if (capLen > origLen || (capLen > snap && snap !== 0)) this.oddLength(frame, base + p, capLen, origLen);
      onRecord(rec);
      p = next;
    }
    return p;
  }

  cutShort(dv: DataView, have: number, base: number): void {
    const host = this.host;
    const frame = host.info.records + 1;
    if (have < RECORD_HEADER_LEN) {
      host.error(frame, base, `record ${frame} at offset ${base} is cut short: ${have} of its ${RECORD_HEADER_LEN} header bytes present`, 'stopped');
      return;
    }
    const capLen = dv.getUint32(8, this.le);
    host.error(frame, base, `record ${frame} at offset ${base} is cut short: header says ${capLen} bytes, ${have - RECORD_HEADER_LEN} present`, 'stopped');
  }

  private tooLong(capLen: number, offset: number): void {
    const host = this.host;
    const frame = host.info.records + 1;
    host.error(frame, offset, `record ${frame} at offset ${offset}: record length ${capLen} exceeds the maximum ${this.maxRecord}`, 'stopped');
    host.stopped = true;
  }

  /** Warnings; the record is still delivered (Wireshark shows it too). */
  private oddLength(frame: number, offset: number, capLen: number, origLen: number): void {
    const host = this.host;
    if (capLen > this.snaplen && this.snaplen !== 0)
      host.error(frame, offset, `record ${frame} at offset ${offset}: captured length ${capLen} exceeds the snapshot length ${this.snaplen}`, 'delivered');
    if (capLen > origLen)
      host.error(frame, offset, `record ${frame} at offset ${offset}: captured length ${capLen} exceeds original length ${origLen}`, 'delivered');
  }
}

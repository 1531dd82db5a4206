// Test helpers: hex <-> bytes and a minimal pcap / pcapng / gzip reader, so the decoder
// tests do not depend on parsers/capture (built in parallel) to read a capture.

import { gunzipSync } from 'node:zlib';
import { Decoder, Packet, type DecoderOptions } from '../../../parsers/decode/index';

export function unhex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  if (clean.length % 2 !== 0) throw new Error('odd hex length');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

export interface TestRecord {
  /** 1-based, as Wireshark numbers frames. */
  frame: number;
  linkType: number;
  /** Seconds since the epoch (float). */
  time: number;
  data: Uint8Array;
}

/** Records of a pcap or pcapng file (gzip sniffed). Throws on anything else. */
export function readRecords(file: Uint8Array): TestRecord[] {
  let b = file;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) b = new Uint8Array(gunzipSync(b));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, false);
  const out: TestRecord[] = [];
  if (magic === 0x0a0d0d0a) return readPcapng(b, dv);
  let le: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    le = false;
    nano = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    le = true;
    nano = magic === 0x4d3cb2a1;
  } else throw new Error(`not a capture (magic ${magic.toString(16)})`);
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  let o = 24;
  let frame = 0;
  while (o + 16 <= b.length) {
    const sec = dv.getUint32(o, le);
    const frac = dv.getUint32(o + 4, le);
    const capLen = dv.getUint32(o + 8, le);
    if (o + 16 + capLen > b.length) break;
    out.push({ frame: ++frame, linkType, time: sec + frac / (nano ? 1e9 : 1e6), data: b.slice(o + 16, o + 16 + capLen) });
    o += 16 + capLen;
  }
  return out;
}

function readPcapng(b: Uint8Array, dv: DataView): TestRecord[] {
  const out: TestRecord[] = [];
  let le = true;
  let ifaces: { linkType: number; unitsPerSec: number }[] = [];
  let o = 0;
  let frame = 0;
  while (o + 12 <= b.length) {
    let type = dv.getUint32(o, le);
    if (type === 0x0a0d0d0a) {
      le = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const len = dv.getUint32(o + 4, le);
    if (len < 12 || o + len > b.length) break;
    if (type === 1) {
      // IDB: linktype u16, reserved, snaplen, options (if_tsresol = 9)
      let unitsPerSec = 1e6;
      let p = o + 16;
      while (p + 4 <= o + len - 4) {
        const code = dv.getUint16(p, le);
        const olen = dv.getUint16(p + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = b[p + 4];
          unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
        }
        p += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linkType: dv.getUint16(o + 8, le), unitsPerSec });
    } else if (type === 6 || type === 2) {
      // EPB (6) / obsolete PB (2): interface id (u32, or u16 in PB), ts hi, ts lo, caplen
      const ifId = type === 6 ? dv.getUint32(o + 8, le) : dv.getUint16(o + 8, le);
      const ts = dv.getUint32(o + 12, le) * 2 ** 32 + dv.getUint32(o + 16, le);
      const capLen = dv.getUint32(o + 20, le);
      const itf = ifaces[ifId] ?? { linkType: 1, unitsPerSec: 1e6 };
      out.push({ frame: ++frame, linkType: itf.linkType, time: ts / itf.unitsPerSec, data: b.slice(o + 28, o + 28 + capLen) });
    } else if (type === 3) {
      // SPB: original length, data up to the snaplen
      const origLen = dv.getUint32(o + 8, le);
      const capLen = Math.min(origLen, len - 16);
      out.push({ frame: ++frame, linkType: ifaces[0]?.linkType ?? 1, time: 0, data: b.slice(o + 12, o + 12 + capLen) });
    }
    o += len;
  }
  return out;
}

/** Decode one record with a fresh Decoder. */
export function decodeOne(data: Uint8Array, linkType: number, opts?: DecoderOptions): { pkt: Packet; dec: Decoder } {
  const dec = new Decoder(opts);
  const pkt = new Packet();
  dec.decode(pkt, data, linkType, 1);
  return { pkt, dec };
}

/** Concatenate byte arrays (building frames from pieces of real ones). */
export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

/** Text of the transport payload of a decoded packet. */
export function payloadText(pkt: Packet): string {
  return new TextDecoder().decode(pkt.data.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen));
}

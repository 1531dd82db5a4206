// Builds small classic pcaps of one TCP conversation for the state-machine tests
// (smoltcp style: every segment written out by hand). Ethernet + IPv4 + TCP with
// correct checksums, so tshark reads them exactly as it reads a real capture — the
// tests that need Wireshark's opinion write the same bytes to a file and ask tshark.

export interface Seg {
  /** Seconds since the start of the capture. */
  t: number;
  /** 'c' = client (10.81.0.1:40000), 's' = server (10.81.0.2:80). */
  from: 'c' | 's';
  /** Letters: S=SYN A=ACK F=FIN R=RST P=PSH. */
  flags: string;
  seq: number;
  ack?: number;
  win?: number;
  /** Payload bytes (filled with 'x'). */
  len?: number;
  mss?: number;
  ws?: number;
  sackPerm?: boolean;
  ts?: [number, number];
  sack?: [number, number][];
  /** IP TTL (default 64). */
  ttl?: number;
}

export const CLIENT = { ip: [10, 81, 0, 1], port: 40000 };
export const SERVER = { ip: [10, 81, 0, 2], port: 80 };
export const T0 = 1_700_000_000;

function flagBits(s: string): number {
  let f = 0;
  for (const ch of s) f |= ({ F: 1, S: 2, R: 4, P: 8, A: 16, U: 32 } as Record<string, number>)[ch] ?? 0;
  return f;
}

function sum16(b: Uint8Array, off: number, len: number, acc: number): number {
  for (let i = 0; i + 1 < len; i += 2) acc += (b[off + i] << 8) | b[off + i + 1];
  if (len & 1) acc += b[off + len - 1] << 8;
  return acc;
}
const fold = (x: number): number => {
  while (x > 0xffff) x = (x & 0xffff) + (x >>> 16);
  return ~x & 0xffff;
};

export function frame(s: Seg): Uint8Array {
  const opts: number[] = [];
  if (s.mss !== undefined) opts.push(2, 4, s.mss >> 8, s.mss & 255);
  if (s.sackPerm) opts.push(4, 2);
  if (s.ts) {
    const [v, e] = s.ts;
    opts.push(8, 10, v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255, e >>> 24, (e >>> 16) & 255, (e >>> 8) & 255, e & 255);
  }
  if (s.sack && s.sack.length) {
    opts.push(1, 1, 5, 2 + 8 * s.sack.length);
    for (const [l, r] of s.sack) for (const v of [l >>> 0, r >>> 0]) opts.push(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  }
  if (s.ws !== undefined) opts.push(1, 3, 3, s.ws);
  while (opts.length % 4) opts.push(0);
  const len = s.len ?? 0;
  const thl = 20 + opts.length;
  const ipl = 20 + thl + len;
  const b = new Uint8Array(14 + ipl);
  const v = new DataView(b.buffer);
  const c = s.from === 'c';
  const src = c ? CLIENT : SERVER, dst = c ? SERVER : CLIENT;
  b.set([2, 0, 0, 0, 0, c ? 2 : 1, 2, 0, 0, 0, 0, c ? 1 : 2], 0);
  v.setUint16(12, 0x0800);
  b[14] = 0x45;
  v.setUint16(16, ipl);
  v.setUint16(20, 0x4000);
  b[22] = s.ttl ?? 64;
  b[23] = 6;
  b.set(src.ip, 26);
  b.set(dst.ip, 30);
  v.setUint16(24, fold(sum16(b, 14, 20, 0)));
  const o = 34;
  v.setUint16(o, src.port);
  v.setUint16(o + 2, dst.port);
  v.setUint32(o + 4, s.seq >>> 0);
  v.setUint32(o + 8, (s.ack ?? 0) >>> 0);
  b[o + 12] = (thl / 4) << 4;
  b[o + 13] = flagBits(s.flags);
  v.setUint16(o + 14, s.win ?? 64240);
  b.set(opts, o + 20);
  for (let i = 0; i < len; i++) b[o + thl + i] = 0x78;
  let acc = sum16(b, 26, 8, 0) + 6 + thl + len;
  acc = sum16(b, o, thl + len, acc);
  v.setUint16(o + 16, fold(acc));
  return b;
}

/** A classic pcap (µs, Ethernet) of the segments, in the order given. */
export function pcap(segs: Seg[]): Uint8Array {
  const frames = segs.map(frame);
  const total = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, 1, true);
  let p = 24;
  segs.forEach((s, i) => {
    const us = Math.round(s.t * 1e6);
    v.setUint32(p, T0 + Math.floor(us / 1e6), true);
    v.setUint32(p + 4, us % 1e6, true);
    v.setUint32(p + 8, frames[i].length, true);
    v.setUint32(p + 12, frames[i].length, true);
    out.set(frames[i], p + 16);
    p += 16 + frames[i].length;
  });
  return out;
}

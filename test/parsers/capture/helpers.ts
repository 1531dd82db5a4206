// Shared by the capture reader's tests: read a capture into plain copies of its records,
// whole or in chunks, and build small pcap/pcapng files in memory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CaptureReader,
  readCapture,
  type CaptureInfo,
  type CaptureRecord,
  type ReadOptions,
} from '../../../parsers/capture/index';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const badDir = resolve(projectRoot, 'fixtures/bad');
export const sharedCaptures = resolve(projectRoot, '../shared/captures');
export const haveShared = existsSync(sharedCaptures);

export const bad = (name: string): Uint8Array => new Uint8Array(readFileSync(resolve(badDir, name)));

/** A record copied out of the reader (its data is only valid during the callback; the copy has no buffer behind it). */
export type Rec = Omit<CaptureRecord, 'bytes' | 'bytesOff'>;

export function copy(r: CaptureRecord): Rec {
  return {
    frame: r.frame,
    offset: r.offset,
    dataOffset: r.dataOffset,
    interfaceId: r.interfaceId,
    linkType: r.linkType,
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    capLen: r.capLen,
    origLen: r.origLen,
    data: r.data.slice(),
    comments: r.comments ? [...r.comments] : null,
  };
}

export interface Result {
  info: CaptureInfo;
  records: Rec[];
}

/** readCapture over a Uint8Array or an async iterable, collecting copies of the records. */
export async function read(source: Uint8Array | AsyncIterable<Uint8Array>, opts: Partial<ReadOptions> = {}): Promise<Result> {
  const records: Rec[] = [];
  const info = await readCapture(source, { ...opts, onRecord: (r) => records.push(copy(r)) });
  return { info, records };
}

/** A deterministic PRNG (mulberry32) for the chunk-boundary fuzz. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes into chunks: a fixed size, or random sizes 1..max from a seed. */
export function split(bytes: Uint8Array, size: number | { seed: number; max: number }): Uint8Array[] {
  const out: Uint8Array[] = [];
  const next = typeof size === 'number' ? () => size : ((r) => () => 1 + Math.floor(r() * size.max))(rng(size.seed));
  for (let i = 0; i < bytes.length; ) {
    const n = next();
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** The synchronous core, pushed the given chunks. Throws what push()/end() throw. */
export function pushAll(chunks: Uint8Array[]): Result {
  const records: Rec[] = [];
  const cr = new CaptureReader((r) => records.push(copy(r)));
  for (const c of chunks) cr.push(c);
  const info = cr.end();
  return { info, records };
}

export async function* asIterable(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/** Runs fn and returns the error it throws (sync or async), failing if it does not. */
export async function thrown(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an exception');
}

// ------------------------------------------------------------------ builders

export class Bytes {
  private parts: number[] = [];
  constructor(readonly le = true) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    v >>>= 0;
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    v = BigInt.asUintN(64, v);
    const hi = Number(v >> 32n), lo = Number(v & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

export function pcapHeader(o: { le?: boolean; ns?: boolean; snaplen?: number; network?: number } = {}): Uint8Array {
  return new Bytes(o.le ?? true)
    .u32(o.ns ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0)
    .u32(o.snaplen ?? 65535).u32(o.network ?? 1).build();
}

export function pcapRecord(o: { le?: boolean; sec: number; frac: number; data: Uint8Array; capLen?: number; origLen?: number }): Uint8Array {
  return new Bytes(o.le ?? true)
    .u32(o.sec).u32(o.frac).u32(o.capLen ?? o.data.length).u32(o.origLen ?? o.data.length).bytes(o.data).build();
}

type Opt = [code: number, value: Uint8Array];
const utf8 = new TextEncoder();
export const text = (s: string): Uint8Array => utf8.encode(s);

function withOptions(b: Bytes, opts: Opt[]): Bytes {
  if (opts.length === 0) return b;
  for (const [code, v] of opts) b.u16(code).u16(v.length).bytes(v).pad4();
  return b.u32(0);
}

export function block(type: number, body: (b: Bytes) => Bytes, le = true): Uint8Array {
  const inner = body(new Bytes(le)).pad4().build();
  return new Bytes(le).u32(type).u32(inner.length + 12).bytes(inner).u32(inner.length + 12).build();
}

export const shb = (le = true, major = 1): Uint8Array =>
  block(0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d).u16(major).u16(0).u64(-1n), le);

export const idb = (le = true, o: { linkType?: number; snaplen?: number; opts?: Opt[] } = {}): Uint8Array =>
  block(1, (b) => withOptions(b.u16(o.linkType ?? 1).u16(0).u32(o.snaplen ?? 0), o.opts ?? []), le);

export const epb = (le: boolean, o: { ifid?: number; ts: bigint; data: Uint8Array; capLen?: number; origLen?: number; opts?: Opt[] }): Uint8Array =>
  block(6, (b) =>
    withOptions(
      b.u32(o.ifid ?? 0).u32(Number(o.ts >> 32n)).u32(Number(o.ts & 0xffffffffn))
        .u32(o.capLen ?? o.data.length).u32(o.origLen ?? o.data.length).bytes(o.data).pad4(),
      o.opts ?? [],
    ), le);

export const spb = (le: boolean, data: Uint8Array, origLen = data.length): Uint8Array =>
  block(3, (b) => b.u32(origLen).bytes(data), le);

/** if_tsresol option value. */
export const tsresol = (v: number): Opt => [9, Uint8Array.of(v)];
export const tsoffset = (sec: bigint, le = true): Opt => [14, new Bytes(le).u64(sec).build()];

/** A few bytes that look like a frame (the tests care about framing, not content). */
export function frame(n: number, seed = n): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** One line per record, bytes in hex: cheap to compare (deep equality of typed arrays is slow). */
export const lines = (records: Rec[]): string[] =>
  records.map((r) => `${r.frame} @${r.offset} if${r.interfaceId} lt${r.linkType} ${r.tsSec}.${r.tsNsec} ${r.capLen}/${r.origLen} ${JSON.stringify(r.comments)} ${hex(r.data)}`);

/** The first IPv4 packet (EtherType 0x0800) of a classic little-endian Ethernet pcap. */
export function firstIpPacket(pcap: Uint8Array): Uint8Array {
  const dv = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  for (let o = 24; o + 16 <= pcap.length; o += 16 + dv.getUint32(o + 8, true)) {
    const data = pcap.subarray(o + 16, o + 16 + dv.getUint32(o + 8, true));
    if (data.length > 14 && data[12] === 0x08 && data[13] === 0x00) return data;
  }
  throw new Error('no IPv4 packet');
}

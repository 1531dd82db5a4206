// The fuzz cases: seeded mutations of the fixtures (fixtures/**: recorded captures and
// the damaged ones), each read the two ways Stateline reads a file — as `stateline
// analyze` does (analysis, JSON, the summary text) and as the app does (a session over
// the validated API: every view's queries) — and checked:
//   - nothing throws but NotACaptureError (a file that is no capture), and that one
//     says where (an offset);
//   - the JSON is valid, with no NaN or Infinity turned into null on the way;
//   - every capture error names a frame (≥ 1) and a byte offset (≥ 0).
// A case is a pure function of (seed, index): `npm run fuzz -- --seed S --case I` runs
// one again in-process, with its stack trace.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { analyzeCapture } from '../../analysis/analyze';
import { dispatch, type ApiMethod, type FlowRow, type Page, type Summary } from '../../analysis/api';
import { flowCounts, toJson } from '../../analysis/output';
import { StatelineSession } from '../../analysis/session';
import { renderSummary } from '../../cli/summary';
import { dnsPacketView } from '../../host/dns-message';
import { NotACaptureError } from '../../parsers/capture/index';
import { fmtDate } from '../../renderer/format';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Seed {
  name: string;
  bytes: Uint8Array;
  keylog: string | null;
}

/** Every capture under fixtures/, with the key log recorded beside it (if any). */
export function corpus(): Seed[] {
  const out: Seed[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e.name)) {
        let keylog: string | null = null;
        try {
          keylog = readFileSync(p.replace(/(-dsb)?\.pcapng?$/, '.keylog.txt'), 'utf8');
        } catch {
          /* no key log */
        }
        out.push({ name: relative(ROOT, p), bytes: new Uint8Array(readFileSync(p)), keylog });
      }
    }
  };
  walk(join(ROOT, 'fixtures'));
  return out;
}

/** mulberry32: a small seeded PRNG. */
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

// Values that sit at the edges of the checks: lengths, magics, extremes.
const U32 = [0, 1, 2, 4, 8, 11, 12, 16, 24, 28, 32, 64, 65535, 65536, 262144, 262145, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x0a0d0d0a, 0x1a2b3c4d, 0x4d3c2b1a, 0xa1b2c3d4, 0xa1b23c4d, 0x0000000a];
const U16 = [0, 1, 0x0800, 0x86dd, 0x8100, 0x88a8, 0x8847, 53, 443, 4433, 0xffff, 0x7fff, 9, 14];

export interface Case {
  index: number;
  /** What was done, for the report. */
  what: string;
  bytes: Uint8Array;
  keylog: string | null;
  /** 0: one Uint8Array; otherwise the largest chunk of a random chunking. */
  chunkMax: number;
  chunkSeed: number;
  /** A small flow-table bound now and then, to reach the "flow table full" stop. */
  maxFlows: number | undefined;
}

/** Case `index` of the campaign `seed`. */
export function makeCase(seeds: Seed[], seed: number, index: number): Case {
  const r = rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const base = pick(seeds);
  let b = Uint8Array.from(base.bytes);
  const ops: string[] = [];
  const at = (): number => (r() < 0.4 ? Math.floor(r() * Math.min(b.length, 128)) : Math.floor(r() * b.length));
  for (let n = 1 + Math.floor(r() * 4); n > 0 && b.length > 0; n--) {
    const op = Math.floor(r() * 9);
    const o = at();
    if (op === 0) {
      for (let k = 1 + Math.floor(r() * 8); k > 0; k--) b[at()] ^= 1 << Math.floor(r() * 8);
      ops.push('bits');
    } else if (op === 1) {
      b[o] = pick([0, 0xff, Math.floor(r() * 256)]);
      ops.push(`byte@${o}`);
    } else if (op === 2 && o + 4 <= b.length) {
      const v = r() < 0.2 ? pick([b.length, b.length - o, b.length + 1]) >>> 0 : pick(U32);
      new DataView(b.buffer).setUint32(o & ~(r() < 0.7 ? 3 : 0), v, r() < 0.5);
      ops.push(`u32@${o}`);
    } else if (op === 3 && o + 2 <= b.length) {
      new DataView(b.buffer).setUint16(o, pick(U16), r() < 0.5);
      ops.push(`u16@${o}`);
    } else if (op === 4) {
      b = b.slice(0, o);
      ops.push(`cut@${o}`);
    } else if (op === 5) {
      const len = Math.floor(r() * Math.min(256, b.length - o));
      b = Uint8Array.from([...b.subarray(0, o), ...b.subarray(o + len)]);
      ops.push(`del@${o}+${len}`);
    } else if (op === 6) {
      const from = at(), len = Math.floor(r() * 128);
      b = Uint8Array.from([...b.subarray(0, o), ...b.subarray(from, from + len), ...b.subarray(o)]);
      ops.push(`dup@${o}`);
    } else if (op === 7) {
      const other = pick(seeds).bytes;
      b = Uint8Array.from([...b.subarray(0, o), ...other.subarray(Math.floor(r() * other.length))]);
      ops.push(`splice@${o}`);
    } else {
      // A block or record header's length field at a 4-aligned place near the start.
      const p = (Math.floor(r() * Math.min(b.length, 512)) & ~3) + 4;
      if (p + 4 <= b.length) new DataView(b.buffer).setUint32(p, pick(U32), true);
      ops.push(`len@${p}`);
    }
  }
  // Some cases go through gzip: a mutated capture compressed, or a compressed one damaged.
  const g = r();
  if (g < 0.12) {
    b = new Uint8Array(gzipSync(b, { level: Math.floor(r() * 10) }));
    ops.push('gzip');
  } else if (g < 0.2 && b.length > 0) {
    b = new Uint8Array(gzipSync(b));
    for (let k = 1 + Math.floor(r() * 3); k > 0; k--) b[10 + Math.floor(r() * Math.max(1, b.length - 10))] ^= 1 << Math.floor(r() * 8);
    ops.push('gzip+damage');
  }
  return {
    index,
    what: `${base.name}: ${ops.join(' ')}`,
    bytes: b,
    keylog: base.keylog && r() < 0.7 ? base.keylog : null,
    chunkMax: r() < 0.3 ? 0 : 1 + Math.floor(r() * (r() < 0.5 ? 64 : 8192)),
    chunkSeed: Math.floor(r() * 2 ** 31),
    maxFlows: r() < 0.05 ? 1 + Math.floor(r() * 5) : undefined,
  };
}

async function* chunks(c: Case): AsyncGenerator<Uint8Array> {
  const r = rng(c.chunkSeed);
  for (let i = 0; i < c.bytes.length; ) {
    const n = 1 + Math.floor(r() * c.chunkMax);
    yield c.bytes.slice(i, i + n);
    i += n;
  }
}

const source = (c: Case): AsyncIterable<Uint8Array> | Uint8Array => (c.chunkMax === 0 ? c.bytes : chunks(c));

/** An invariant that does not hold: a real failure (a crash), not an input the reader refused. */
export class FuzzFailure extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new FuzzFailure(what);
}

/** Every number in a JSON-bound value is finite (JSON.stringify would turn NaN into null). */
function finite(v: unknown, path: string): void {
  if (typeof v === 'number') check(Number.isFinite(v), `${path} is ${v}`);
  else if (Array.isArray(v)) v.forEach((x, i) => finite(x, `${path}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) finite(x, `${path}.${k}`);
}

function validJson(v: unknown, what: string): void {
  finite(v, what);
  const text = JSON.stringify(v);
  check(JSON.stringify(JSON.parse(text)) === text, `${what}: the JSON does not read back`);
}

function checkErrors(errors: { frame: number; offset: number; message: string }[]): void {
  for (const e of errors) {
    check(Number.isInteger(e.frame) && e.frame >= 1, `a capture error without a frame: ${JSON.stringify(e)}`);
    check(Number.isInteger(e.offset) && e.offset >= 0, `a capture error without an offset: ${JSON.stringify(e)}`);
    check(typeof e.message === 'string' && e.message.length > 0, `a capture error without a message: ${JSON.stringify(e)}`);
  }
}

export type Outcome = 'read' | 'not-a-capture';

/** Runs one case both ways; throws on a failure, returns how the file was taken. */
export async function runCase(c: Case): Promise<Outcome> {
  // 1. As `stateline analyze` reads it.
  let outcome: Outcome = 'read';
  try {
    const a = await analyzeCapture(source(c), { trackerOptions: c.keylog ? { keylog: c.keylog } : {}, maxFlows: c.maxFlows });
    const json = toJson(a);
    validJson(json, 'analyze --json');
    checkErrors(json.capture.errors);
    check(typeof renderSummary(toJson(a, { transactions: false, maxFlows: 100 }), 'fuzz', flowCounts(a)) === 'string', 'summary');
  } catch (e) {
    if (!(e instanceof NotACaptureError)) throw e;
    check(typeof e.message === 'string' && e.message.length > 0 && Number.isInteger(e.offset) && e.offset >= 0, `NotACaptureError without a message or offset: ${e.message}`);
    outcome = 'not-a-capture';
  }

  // 2. As the app reads it: a session over the validated API, every view's queries.
  const session = new StatelineSession({ decodeDns: dnsPacketView });
  const whole = async function* (): AsyncGenerator<Uint8Array> {
    yield c.bytes;
  };
  session.openSource({ source: c.chunkMax === 0 ? whole() : chunks(c), size: c.bytes.length }, { name: 'fuzz', size: c.bytes.length, keylog: c.keylog });
  await session.whenSettled();
  const call = async <T>(m: ApiMethod, args: unknown = {}): Promise<T> => {
    const v = await dispatch(session, m, args);
    validJson(v, m);
    return v as T;
  };
  const st = await call<{ state: string; error: { frame: number | null; offset: number | null } | null }>('status');
  if (st.state === 'error') {
    check(outcome === 'not-a-capture', `the app could not read what the CLI read: ${JSON.stringify(st.error)}`);
    return outcome;
  }
  check(st.state === 'ready', `session state ${st.state}`);
  const sum = (await call<Summary>('summary'))!;
  checkErrors(sum.capture.errors);
  fmtDate(sum.capture.start);
  fmtDate(sum.capture.end);
  await call('timeline', { flow: null, maxPoints: 300 });
  await call('events', { limit: 50 });
  await call('dnsTransactions', { limit: 50 });
  await call('quicConnections', { maxPoints: 100 });
  await call('exportFlowsCsv', { sort: { key: 'bytes', dir: 'desc' } });
  const flows = await call<Page<FlowRow>>('flows', { sort: { key: 'packets', dir: 'desc' }, limit: 3 });
  for (const f of flows.rows) {
    await call('flow', { id: f.id });
    await call('timeline', { flow: f.id, maxPoints: 400 });
    await call('timeline', { flow: f.id, from: f.start, to: f.start + f.duration / 2, maxPoints: 50 });
    await call('packets', { flow: f.id, limit: 50 });
  }
  const dns = await call<Page<unknown>>('dnsTransactions', { limit: 1 });
  if (dns.total > 0) await call('dnsMessage', { index: dns.total - 1 });
  return outcome;
}

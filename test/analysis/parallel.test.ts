// The TCP tracker on a second reading (issue 16): analyzeCapture with remoteTcp — here
// trackTcp in-process, its result through structured clone with the buffers
// transferred, as a worker thread hands it over — gives the JSON of one reading, byte
// for byte, on every fixture and every shared capture; and the tracker's transfer
// round-trips to the same state.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture, trackTcp, type AnalyzeOptions } from '../../analysis/analyze';
import { jsonText } from '../../analysis/output';
import { tcpTrackerOf } from '../../analysis/tcp/query';
import { TcpTracker } from '../../analysis/tcp/tracker';

const root = resolve(__dirname, '../..');
const SHARED = '/work/shared/captures';

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** The remote reading, in this thread: what a worker would post, cloned as postMessage clones it. */
const inProcess = (bytes: Uint8Array): AnalyzeOptions['remoteTcp'] => async (req, signal) => {
  const r = await trackTcp(bytes, req, signal);
  return structuredClone(r, { transfer: TcpTracker.transferList(r.tracker) });
};

/** The JSON, or the error of a file that cannot be read at all (the same either way too). */
const jsonOrError = (a: Promise<Parameters<typeof jsonText>[0]>): Promise<string> =>
  a.then((x) => [...jsonText(x)].join(''), (e: Error) => `${e.name}: ${e.message}`);

async function both(bytes: Uint8Array, opts: AnalyzeOptions = {}): Promise<[string, string]> {
  const one = await jsonOrError(analyzeCapture(bytes, opts));
  const two = await jsonOrError(analyzeCapture(bytes, { ...opts, remoteTcp: inProcess(bytes) }));
  return [one, two];
}

describe('the TCP tracker on a second reading', () => {
  it('gives the JSON of one reading on every fixture', async () => {
    const files = captures(join(root, 'fixtures'));
    expect(files.length).toBeGreaterThan(50);
    let read = 0;
    for (const f of files) {
      const [one, two] = await both(new Uint8Array(readFileSync(f)));
      expect(two === one, f).toBe(true);
      if (one.startsWith('{')) read++;
    }
    expect(read).toBeGreaterThan(50);
  }, 120_000);

  it('gives the JSON of one reading on every shared capture', async (ctx) => {
    if (!existsSync(SHARED)) {
      console.log(`${SHARED} absent: shared captures skipped`);
      ctx.skip();
    }
    const files = captures(SHARED);
    for (const f of files) {
      const [one, two] = await both(new Uint8Array(readFileSync(f)));
      expect(two === one, f).toBe(true);
    }
  }, 120_000);

  it('gives the same JSON with a flow bound, merged VLANs and another idle threshold', async () => {
    const bytes = new Uint8Array(readFileSync(join(root, 'fixtures/incidents/syn-flood-scan.pcap')));
    for (const opts of [{ maxFlows: 50 }, { mergeVlans: true }, { trackerOptions: { tcpIdleSeconds: 0.5 } }] as AnalyzeOptions[]) {
      const [one, two] = await both(bytes, opts);
      expect(JSON.parse(one).capture.errors.length + JSON.parse(one).events.length).toBeGreaterThan(0);
      expect(two === one, JSON.stringify(opts)).toBe(true);
    }
  });

  it('the tracker round-trips through its transfer', async () => {
    const file = join(root, 'fixtures/fidelity/lossy-client-side.pcap');
    expect(statSync(file).size).toBeGreaterThan(10_000);
    const bytes = new Uint8Array(readFileSync(file));
    const a = await analyzeCapture(bytes);
    const t = tcpTrackerOf(a)!;
    const frames = a.packets;
    const before = { relSeq: [] as number[], window: [] as number[], bits: [] as number[], rtt: [] as number[] };
    for (let i = 0; i < frames; i++) {
      before.relSeq.push(t.columns.relSeq(i));
      before.window.push(t.columns.window(i));
      before.bits.push(t.columns.bits(i));
      before.rtt.push(t.columns.rttAt(i + 1));
    }
    const flowJson = a.flows.flows.map((f) => JSON.stringify(t.flowJson(f) ?? null));
    const conns = t.conns.map((c) => ({ firstFrame: c.firstFrame, st: [...c.st], h: c.h.map((h) => ({ ...h })), rtt: c.rttSum }));
    const copy = structuredClone(t.toTransfer(), { transfer: TcpTracker.transferList(t.toTransfer()) });
    const back = TcpTracker.fromTransfer(copy, a.flows.flows);
    expect(back.conns.length).toBe(conns.length);
    expect(back.conns.length).toBeGreaterThan(0);
    expect(back.conns.map((c) => ({ firstFrame: c.firstFrame, st: [...c.st], h: c.h.map((h) => ({ ...h })), rtt: c.rttSum }))).toEqual(conns);
    for (const c of back.conns) expect(c.flow.tracker).toBe(c);
    expect(a.flows.flows.map((f) => JSON.stringify(back.flowJson(f) ?? null))).toEqual(flowJson);
    const after = { relSeq: [] as number[], window: [] as number[], bits: [] as number[], rtt: [] as number[] };
    for (let i = 0; i < frames; i++) {
      after.relSeq.push(back.columns.relSeq(i));
      after.window.push(back.columns.window(i));
      after.bits.push(back.columns.bits(i));
      after.rtt.push(back.columns.rttAt(i + 1));
    }
    expect(after).toEqual(before);
    expect(before.bits.some((b) => b !== 0) && before.rtt.some((r) => !Number.isNaN(r))).toBe(true);
  });
});

// The TCP tracker on another thread (issue 16): analyzeCapture with remoteTcp — here a
// TcpFeedTracker in-process, the segment batches and its result through structured
// clone with the buffers transferred, as between a worker thread and the analysis —
// gives the JSON of one thread, byte for byte, on every fixture and every shared
// capture; and the tracker's transfer round-trips to the same state.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture, type AnalyzeOptions } from '../../analysis/analyze';
import { TcpFeedTracker } from '../../analysis/tcp-feed';
import { jsonText } from '../../analysis/output';
import { tcpTrackerOf } from '../../analysis/tcp/query';
import { Flow } from '../../analysis/flows';
import { TcpConn, TcpTracker, type TcpHalf } from '../../analysis/tcp/tracker';

const root = resolve(__dirname, '../..');
const SHARED = resolve(root, '..', 'shared', 'captures');

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** The remote tracker, in this thread: what goes to a worker and back, cloned as postMessage clones it. */
const inProcess: AnalyzeOptions['remoteTcp'] = (req) => {
  const t = new TcpFeedTracker(req);
  return {
    send: (b) => t.push(structuredClone(b, { transfer: [b.words.buffer as ArrayBuffer, b.times.buffer as ArrayBuffer, b.flows.buffer as ArrayBuffer] })),
    end: async () => {
      const r = t.result();
      return structuredClone(r, { transfer: TcpTracker.transferList(r.tracker) });
    },
  };
};

/** The JSON, or the error of a file that cannot be read at all (the same either way too). */
const jsonOrError = (a: Promise<Parameters<typeof jsonText>[0]>): Promise<string> =>
  a.then((x) => [...jsonText(x)].join(''), (e: Error) => `${e.name}: ${e.message}`);

async function both(bytes: Uint8Array, opts: AnalyzeOptions = {}): Promise<[string, string]> {
  const one = await jsonOrError(analyzeCapture(bytes, opts));
  const two = await jsonOrError(analyzeCapture(bytes, { ...opts, remoteTcp: inProcess }));
  return [one, two];
}

describe('the TCP tracker on another thread', () => {
  it('gives the JSON of one thread on every fixture', async () => {
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

  it('gives the JSON of one thread on every shared capture', async (ctx) => {
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

  it('gives the same JSON with a flow bound, merged VLANs, another idle threshold and no packet detail', async () => {
    const bytes = new Uint8Array(readFileSync(join(root, 'fixtures/incidents/syn-flood-scan.pcap')));
    for (const opts of [{ maxFlows: 50 }, { mergeVlans: true }, { trackerOptions: { tcpIdleSeconds: 0.5 } }, { packetDetail: false }] as AnalyzeOptions[]) {
      const [one, two] = await both(bytes, opts);
      expect(JSON.parse(one).capture.errors.length + JSON.parse(one).events.length).toBeGreaterThan(0);
      expect(two === one, JSON.stringify(opts)).toBe(true);
    }
  });

  it('keeps no TCP per-packet numbers on either thread when the analysis keeps no packet detail', async () => {
    const bytes = new Uint8Array(readFileSync(join(root, 'fixtures/tcp-clean-close.pcap')));
    const withDetail = await analyzeCapture(bytes, { remoteTcp: inProcess });
    const without = await analyzeCapture(bytes, { packetDetail: false, remoteTcp: inProcess });
    expect(tcpTrackerOf(withDetail)!.columns.byteLength).toBeGreaterThan(0);
    expect(tcpTrackerOf(without)!.columns.byteLength).toBe(0);
    expect(tcpTrackerOf(without)!.columns.detail).toBe(false);
  });

  it('the transfer carries every number and boolean field of a connection, its halves and Zeek endpoints', () => {
    const t = new TcpTracker();
    const flow = new Flow();
    flow.id = 1;
    const c = new TcpConn(flow, t.stateLog);
    t.conns.push(c);
    // each field a value of its own, unlike its default (a field the transfer leaves out comes back as the default)
    let v = 1;
    const fill = (o: object) => {
      const r = o as Record<string, unknown>;
      for (const k of Object.keys(r)) {
        if (k === 'ringCap' || k === 'ringHead' || k === 'ringCount') continue; // no ring: it stays null
        if (typeof r[k] === 'number') r[k] = 1000 + v++;
        else if (typeof r[k] === 'boolean') r[k] = !r[k];
      }
    };
    for (const o of [c, ...c.h, c.zeek.orig, c.zeek.resp]) fill(o);
    const sent = t.toTransfer();
    const back = TcpTracker.fromTransfer(structuredClone(sent, { transfer: TcpTracker.transferList(sent) }), [flow]).conns[0];
    const scalars = (o: object) => Object.fromEntries(Object.entries(o).filter(([, x]) => typeof x === 'number' || typeof x === 'boolean'));
    expect(v).toBeGreaterThan(100);
    for (const [x, y] of [[back, c], [back.h[0], c.h[0]], [back.h[1], c.h[1]], [back.zeek.orig, c.zeek.orig], [back.zeek.resp, c.zeek.resp]] as [object, object][])
      expect(scalars(x)).toEqual(scalars(y));
  });

  it('the tracker round-trips through its transfer', async () => {
    // between them: holes, rings whose oldest segment is not in slot 0, SYN and retransmission lists
    const names = ['fidelity/lossy-client-side.pcap', 'incidents/host-lost-state.pcap', 'tcp/tcp-unanswered.pcap', 'fidelity/stale-server-port-reuse.pcap', 'fidelity/one-sided-client-only.pcap'];
    const seen = { rotatedRing: false, holes: false, synFrames: false, retxFrames: false, oneSided: false };
    // every field of each connection, its halves and Zeek endpoints; a ring by its live segments, oldest first
    const half = (h: TcpHalf) => {
      const { ring, ringHead, ...rest } = h;
      const live = Array.from({ length: h.ringCount * 5 }, (_, x) => ring![((ringHead + Math.floor(x / 5)) % h.ringCap) * 5 + (x % 5)]);
      return { ...rest, live, holes: h.holes && Array.from(h.holes) };
    };
    const view = (c: TcpConn) => ({ ...c, flow: c.flow.id, log: null, h: c.h.map(half), zeek: { ...c.zeek, orig: { ...c.zeek.orig }, resp: { ...c.zeek.resp } }, oneSided: c.oneSided && { ...c.oneSided } });
    for (const name of names) {
      const a = await analyzeCapture(new Uint8Array(readFileSync(join(root, 'fixtures', name))));
      const t = tcpTrackerOf(a)!;
      const frames = a.packets;
      const columns = (tr: TcpTracker) => Array.from({ length: frames }, (_, i) => [tr.columns.relSeq(i), tr.columns.relAck(i), tr.columns.window(i), tr.columns.inFlight(i), tr.columns.bits(i), tr.columns.rttAt(i + 1)]);
      const before = columns(t);
      const flowJson = a.flows.flows.map((f) => JSON.stringify(t.flowJson(f) ?? null));
      const conns = t.conns.map(view);
      for (const h of t.conns.flatMap((c) => c.h)) {
        if (h.ringCount > 0 && h.ringHead > 0) seen.rotatedRing = true;
        if (h.holes !== null) seen.holes = true;
        if (h.synFrames !== null) seen.synFrames = true;
        if (h.retxFrames !== null) seen.retxFrames = true;
      }
      if (t.conns.some((c) => c.oneSided !== null)) seen.oneSided = true;
      const sent = t.toTransfer();
      const back = TcpTracker.fromTransfer(structuredClone(sent, { transfer: TcpTracker.transferList(sent) }), a.flows.flows);
      expect(back.conns.length, name).toBeGreaterThan(0);
      expect(back.conns.map(view), name).toEqual(conns);
      for (const c of back.conns) expect(c.flow.tracker).toBe(c);
      expect(a.flows.flows.map((f) => JSON.stringify(back.flowJson(f) ?? null)), name).toEqual(flowJson);
      expect(columns(back), name).toEqual(before);
      expect([back.unexpected, back.unexpectedCount]).toEqual([t.unexpected, t.unexpectedCount]);
    }
    expect(seen).toEqual({ rotatedRing: true, holes: true, synFrames: true, retxFrames: true, oneSided: true });
  });
});

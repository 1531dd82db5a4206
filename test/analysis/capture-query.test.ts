// The query layer (analysis/capture-query.ts, session.ts, flow-filter.ts, tcp/query.ts) over recorded fixtures: what the UI asks.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { ApiArgumentError, checkCall, FLOW_SORT_KEYS } from '../../analysis/api';
import { toJson } from '../../analysis/output';
import { CaptureQuery } from '../../analysis/capture-query';
import { endpointSortKey, ipv4EndpointNumber, parseFlowFilter } from '../../analysis/flow-filter';
import { StatelineSession } from '../../analysis/session';
import { downsample, TcpFlowColumns } from '../../analysis/tcp/query';

const ROOT = join(__dirname, '../..');
const SAMPLE = join(ROOT, 'fixtures', 'sample.pcapng');

function fsSession(): StatelineSession {
  return new StatelineSession({
    samplePath: SAMPLE,
    openPath: async (p) => {
      const size = statSync(p).size;
      return { source: createReadStream(p), size };
    },
  });
}

async function queryOf(file: string): Promise<CaptureQuery> {
  const a = await analyzeCapture(readFileSync(file));
  return new CaptureQuery(a, file);
}

describe('StatelineSession', () => {
  it('opens the sample, reports progress and the summary', async () => {
    const s = fsSession();
    const st0 = await s.openSample();
    expect(st0.state).toBe('loading');
    await s.whenSettled();
    const st = await s.status();
    expect(st.state).toBe('ready');
    expect(st.progress.packets).toBeGreaterThan(0);
    expect(st.progress.bytesRead).toBe(statSync(SAMPLE).size);
    const sum = (await s.summary())!;
    expect(sum.capture.packets).toBe(st.progress.packets);
    expect(sum.flows).toBeGreaterThan(0);
    expect(sum.flowsByProtocol.reduce((n, p) => n + p.count, 0)).toBe(sum.flows);
    expect(await s.exportJson()).toEqual(toJson(s.query!.analysis));
  });

  it('says why a file is not a capture', async () => {
    const s = fsSession();
    await s.openPath({ path: join(ROOT, 'package.json') });
    await s.whenSettled();
    const st = await s.status();
    expect(st.state).toBe('error');
    expect(st.error!.message).toMatch(/capture|pcap|magic/i);
    expect(await s.summary()).toBeNull();
  });

  it('reports a missing file as an error, not an exception', async () => {
    const st = await fsSession().openPath({ path: '/nonexistent/x.pcap' });
    expect(st.state).toBe('error');
    expect(st.error!.message).toMatch(/ENOENT|no such/i);
  });

  it('cancels reading', async () => {
    const s = fsSession();
    // A source that never ends until aborted.
    let stop = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield readFileSync(SAMPLE);
      while (!stop) {
        await new Promise((r) => setTimeout(r, 5));
        yield new Uint8Array(0);
      }
    }
    s.openSource({ source: endless(), size: null, close: () => (stop = true) }, { name: 'endless', size: null });
    await new Promise((r) => setTimeout(r, 20));
    expect((await s.status()).state).toBe('loading');
    await s.cancel();
    await s.whenSettled();
    stop = true;
    expect((await s.status()).state).toBe('cancelled');
  });

  it('status with waitMs: answered when the analysis ends, after at most its wait (capped at 1 s) while it runs, at once otherwise', async () => {
    const s = fsSession();
    // a source that goes on until released
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let ended = false;
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield readFileSync(SAMPLE);
      await gate;
      ended = true;
    }
    s.openSource({ source: slow(), size: null }, { name: 'slow', size: null });
    // still reading: a short wait ends with the state unchanged
    let t = performance.now();
    expect((await s.status({ waitMs: 30 })).state).toBe('loading');
    expect(performance.now() - t).toBeGreaterThanOrEqual(25);
    // a long one (capped at 1 s) is answered once the analysis ends, as 'ready'
    const waiting = s.status({ waitMs: 60_000 });
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    release();
    const st = await waiting;
    expect(ended).toBe(true);
    expect(st.state).toBe('ready');
    expect((s as unknown as { waiting: unknown[] }).waiting).toEqual([]);
    // not reading: at once
    t = performance.now();
    expect((await s.status({ waitMs: 60_000 })).state).toBe('ready');
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('status with waitMs never waits longer than 1 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const s = fsSession();
      async function* never(): AsyncGenerator<Uint8Array> {
        yield readFileSync(SAMPLE);
        await new Promise(() => undefined);
      }
      s.openSource({ source: never(), size: null }, { name: 'never', size: null });
      let st: { state: string } | null = null;
      void s.status({ waitMs: 60_000 }).then((x) => (st = x));
      await vi.advanceTimersByTimeAsync(999);
      expect(st).toBeNull();
      await vi.advanceTimersByTimeAsync(2);
      expect(st).toMatchObject({ state: 'loading' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('a new open supersedes the one in progress', async () => {
    const s = fsSession();
    await s.openSample();
    await s.openSample();
    await s.whenSettled();
    const st = await s.status();
    expect(st.generation).toBe(2);
    expect(st.state).toBe('ready');
  });
});

describe('CaptureQuery', () => {
  it('sorts every column like a stable comparison sort, filtered or not, ties by id', async () => {
    const q = await queryOf(SAMPLE);
    const all = q.flows({ limit: 100_000 }).rows;
    const cmpOf = (key: (typeof FLOW_SORT_KEYS)[number], sign: number) => (x: (typeof all)[number], y: (typeof all)[number]) => {
      const a = x[key], b = y[key];
      let c: number;
      if (typeof a === 'number' && typeof b === 'number') c = a - b;
      else if (key === 'client' || key === 'server') c = endpointSortKey(String(a)) < endpointSortKey(String(b)) ? -1 : endpointSortKey(String(a)) > endpointSortKey(String(b)) ? 1 : 0;
      else c = String(a).localeCompare(String(b));
      return sign * c || x.id - y.id;
    };
    for (const key of FLOW_SORT_KEYS)
      for (const dir of ['asc', 'desc'] as const) {
        const want = [...all].sort(cmpOf(key, dir === 'asc' ? 1 : -1)).map((r) => r.id);
        expect(q.flows({ sort: { key, dir }, limit: 100_000 }).rows.map((r) => r.id), `${key} ${dir}`).toEqual(want);
        const tcpWant = want.filter((id) => all.find((r) => r.id === id)!.transport === 'tcp');
        expect(q.flows({ sort: { key, dir }, filter: { q: 'tcp' }, limit: 100_000 }).rows.map((r) => r.id)).toEqual(tcpWant);
      }
  });

  it('orders endpoints numerically', () => {
    expect(ipv4EndpointNumber('10.0.0.2:80')).toBe(((10 * 256 ** 3 + 2) * 65536) + 80);
    expect(ipv4EndpointNumber('1.2.3.4')).toBe((256 ** 3 + 2 * 65536 + 3 * 256 + 4) * 65536);
    for (const bad of ['1.2.3', '1.2.3.256:1', '1.2.3.4:', '1.2.3.4:70000', '[::1]:53', 'x']) expect(ipv4EndpointNumber(bad), bad).toBe(-1);
    const sorted = ['[2001:db8::10]:443', '10.0.0.10:80', '10.0.0.2:80', '10.0.0.2:1024', '[::1]:53', 'weird'].sort((a, b) => (endpointSortKey(a) < endpointSortKey(b) ? -1 : 1));
    expect(sorted).toEqual(['10.0.0.2:80', '10.0.0.2:1024', '10.0.0.10:80', '[::1]:53', '[2001:db8::10]:443', 'weird']);
  });

  it('pages, sorts and filters flows', async () => {
    const q = await queryOf(SAMPLE);
    const all = q.flows({ limit: 1000 });
    expect(all.total).toBe(q.exportJson().flows.length);
    expect(all.rows.map((r) => r.id)).toEqual([...all.rows.map((r) => r.id)].sort((a, b) => a - b));
    const page = q.flows({ offset: 2, limit: 3 });
    expect(page.rows.map((r) => r.id)).toEqual(all.rows.slice(2, 5).map((r) => r.id));
    const byBytes = q.flows({ sort: { key: 'bytes', dir: 'desc' }, limit: 1000 }).rows.map((r) => r.bytes);
    expect(byBytes).toEqual([...byBytes].sort((a, b) => b - a));
    for (const key of FLOW_SORT_KEYS)
      expect(q.flows({ sort: { key, dir: 'asc' } }).total).toBe(all.total);
    const tcp = q.flows({ filter: { q: 'tcp' }, limit: 1000 }).rows;
    expect(tcp.length).toBeGreaterThan(0);
    expect(tcp.every((r) => r.transport === 'tcp')).toBe(true);
    const port = Number(tcp[0].server.split(':').pop());
    expect(q.flows({ filter: { q: `:${port}` }, limit: 1000 }).rows.every((r) => r.client.endsWith(`:${port}`) || r.server.endsWith(`:${port}`))).toBe(true);
    const breaks = q.flows({ filter: { hasBreaks: true }, limit: 1000 }).rows;
    expect(breaks.every((r) => r.breaks > 0)).toBe(true);
    expect(q.flows({ filter: { q: 'breaks' } }).total).toBe(breaks.length);
    const addr = tcp[0].client.split(':')[0];
    expect(q.flows({ filter: { q: addr }, limit: 1000 }).rows.every((r) => r.client.includes(addr) || r.server.includes(addr))).toBe(true);
  });

  it('filters by event kind', async () => {
    const q = await queryOf(SAMPLE);
    const kind = q.exportJson().events.find((e) => e.flow !== null)?.kind;
    if (!kind) return; // trackers not present
    const rows = q.flows({ filter: { q: kind }, limit: 1000 }).rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.kinds.includes(kind))).toBe(true);
  });

  it('parses the filter box', () => {
    expect(parseFlowFilter({ q: 'TCP :443 10.0.0.1 tcp.refused kind:dns breaks' })).toEqual({
      protocols: ['tcp'],
      ports: [443],
      kinds: ['tcp.refused', 'dns'],
      text: ['10.0.0.1'],
      vlans: [],
      hasBreaks: true,
    });
    expect(parseFlowFilter({ q: 'vlan:10 VLAN:300/20 vlan:x vlan:' }).vlans).toEqual([[10], [300, 20]]);
  });

  it('gives flow rows their VLAN IDs and filters by vlan:ID (any depth) and vlan:OUTER/INNER (the stack)', async () => {
    // fidelity/vlan-key.pcap: flow 1 untagged, 2 on VID 10, 3 on 300 outside 20
    const q = await queryOf(join(ROOT, 'fixtures', 'fidelity', 'vlan-key.pcap'));
    const rows = q.flows({}).rows;
    expect(rows.map((r) => [r.id, r.vlan])).toEqual([[1, undefined], [2, [10]], [3, [300, 20]]]);
    expect(q.flow(3)!.row.vlan).toEqual([300, 20]);
    const ids = (f: string) => q.flows({ filter: { q: f } }).rows.map((r) => r.id);
    expect(ids('vlan:10')).toEqual([2]);
    expect(ids('vlan:20')).toEqual([3]);
    expect(ids('vlan:300')).toEqual([3]);
    expect(ids('vlan:300/20')).toEqual([3]);
    expect(ids('vlan:20/300')).toEqual([]);
    expect(ids('vlan:11')).toEqual([]);
    expect(ids('tcp vlan:10 10.91.0.1')).toEqual([2]);
    expect(ids('tcp')).toEqual([1, 2, 3]);
  });

  it('gives a TCP flow its packets with relative numbers and its state lanes', async () => {
    const q = await queryOf(SAMPLE);
    const f = q.exportJson().flows.find((x) => x.transport === 'tcp' && x.packets > 4)!;
    const pk = q.packets({ flow: f.id, limit: 1000 });
    expect(pk.total).toBe(f.packets);
    expect(pk.rows[0].frame).toBe(f.firstFrame);
    expect(pk.rows[pk.rows.length - 1].frame).toBe(f.lastFrame);
    // `at`: the page starts at the first packet at or after a time.
    const mid = pk.rows[Math.floor(pk.rows.length / 2)];
    const at = q.packets({ flow: f.id, at: mid.time, limit: 2 });
    expect(at.rows[0].time).toBeGreaterThanOrEqual(mid.time);
    expect(at.offset === 0 || pk.rows[at.offset - 1].time < mid.time).toBe(true);
    expect(q.packets({ flow: f.id, at: -1, limit: 1 }).offset).toBe(0);
    if (f.clientBy === 'syn') {
      expect(pk.rows[0].flags).toContain('SYN');
      expect(pk.rows[0].seq).toBe(0);
    }
    const d = q.flow(f.id)!;
    expect(d.row.id).toBe(f.id);
    if (f.tcp) {
      expect(d.lanes!.client.length).toBeGreaterThan(0);
      expect(d.lanes!.client[0].frame).toBe(f.tcp.states[0].frame);
    }
    expect(q.flow(999999)).toBeNull();
  });

  it('never returns more points than asked for', async () => {
    const q = await queryOf(SAMPLE);
    for (const maxPoints of [1, 5, 50]) {
      const t = q.timeline({ flow: null, maxPoints });
      expect(t.rate.length).toBeLessThanOrEqual(maxPoints);
      expect(t.markers.length).toBeLessThanOrEqual(maxPoints);
      expect(t.rate.reduce((n, r) => n + r.packets, 0)).toBe(q.exportJson().capture.packets);
    }
    const f = q.exportJson().flows.find((x) => x.transport === 'tcp' && x.packets > 10)!;
    const t = q.timeline({ flow: f.id, maxPoints: 4 });
    expect(t.points!.length).toBeLessThanOrEqual(4);
    expect(q.timeline({ flow: f.id, maxPoints: 1000 }).points!.length).toBe(f.packets);
  });

  it('downsampling keeps flagged points and the highest segment per bucket, in time order', () => {
    const c = new TcpFlowColumns(10_000);
    for (let i = 0; i < 10_000; i++) {
      c.t[i] = i;
      c.frame[i] = i + 1;
      c.dir[i] = i % 2;
      c.seq[i] = i * 100;
      c.len[i] = 100;
      c.flags[i] = i === 5000 ? 0x04 : 0x10; // one RST
      c.hasKinds[i] = i % 997 === 0 ? 1 : 0;
    }
    const out = downsample(c, Uint32Array.from({ length: 10_000 }, (_, i) => i), 200, 0, 9999);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.length).toBeGreaterThan(150);
    const frames = [...out].map((k) => c.frame[k]);
    for (let i = 0; i < 10_000; i += 997) expect(frames).toContain(i + 1);
    expect(frames).toContain(5001);
    for (let j = 1; j < out.length; j++) expect(c.t[out[j]]).toBeGreaterThan(c.t[out[j - 1]]);
    // Fewer packets than the budget: all of them, untouched.
    const few = Uint32Array.of(3, 4, 5);
    expect(downsample(c, few, 200, 0, 9999)).toBe(few);
  });

  it('gives the same points for a TCP flow from the columns as the packet list does', async () => {
    const q = await queryOf(SAMPLE);
    const f = q.exportJson().flows.find((x) => x.transport === 'tcp' && x.packets > 10)!;
    const pts = q.seqPoints(f.id);
    const rows = q.packets({ flow: f.id, limit: 1000 }).rows;
    expect(pts.length).toBe(f.packets);
    expect(rows.map((r) => [r.frame, r.seq, r.ack, r.win])).toEqual(pts.map((p) => [p.frame, p.seq, p.ack, p.win]));
    // The first segment of each direction starts at relative 0; SYN/FIN count one.
    expect(pts.find((p) => p.dir === 0)!.seq).toBe(0);
    expect(pts.find((p) => p.dir === 1)!.seq).toBe(0);
    const tl = q.timeline({ flow: f.id, maxPoints: 1000 }).points!;
    expect(tl).toEqual(pts);
  });

  it('builds the chart columns of the largest TCP flows while idle, after the sort orders', async () => {
    const q = await queryOf(SAMPLE);
    const cache = (q as unknown as { seqCache: Map<number, unknown> }).seqCache;
    cache.clear();
    q.warmUp();
    const tcp = q.exportJson().flows.filter((f) => f.transport === 'tcp').sort((a, b) => b.packets - a.packets || a.id - b.id);
    // the four largest, and the fifth, whose opening is rehearsed (its timeline builds them)
    await expect.poll(() => cache.size, { timeout: 5000 }).toBe(Math.min(5, tcp.length));
    expect(cache.has(tcp[0].id)).toBe(true);
    // and they are what a timeline call would build
    expect(q.timeline({ flow: tcp[0].id, maxPoints: 1000 }).points).toEqual(q.seqPoints(tcp[0].id));
  });

  it('rehearses opening a flow while idle, on a TCP flow that is not one of the four largest', async () => {
    const q = await queryOf(join(ROOT, 'fixtures', 'incidents', 'server-restart.pcap'));
    const tcp = q.exportJson().flows.filter((f) => f.transport === 'tcp').sort((a, b) => b.packets - a.packets || a.id - b.id);
    expect(tcp.length).toBeGreaterThan(4);
    const flow = vi.spyOn(q, 'flow');
    const timeline = vi.spyOn(q, 'timeline');
    const opened: number[] = [];
    // the host's part (the session dissects the flow's first packets) is awaited before the next round
    let inHost = 0, overlapped = false;
    q.warmUp(undefined, async (id) => {
      opened.push(id);
      overlapped ||= inHost > 0;
      inHost++;
      await new Promise((r) => setTimeout(r, 5));
      inHost--;
    });
    await expect.poll(() => opened.length, { timeout: 5000 }).toBe(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(opened).toEqual([tcp[4].id, tcp[4].id, tcp[4].id]);
    expect(overlapped).toBe(false);
    expect(flow.mock.calls.map((c) => c[0])).toEqual(opened);
    // each round: its whole timeline, and a zoom into its middle tenth
    const calls = timeline.mock.calls.map((c) => c[0]);
    expect(calls.length).toBe(6);
    const f = q.flow(tcp[4].id)!.row;
    for (let i = 0; i < 3; i++) {
      expect(calls[2 * i]).toEqual({ flow: tcp[4].id, maxPoints: 1000 });
      expect(calls[2 * i + 1].from).toBeCloseTo(f.start + f.duration * 0.45, 9);
      expect(calls[2 * i + 1].to).toBeCloseTo(f.start + f.duration * 0.55, 9);
    }
  });

  it('builds the DNS rows while idle, after the tables and before the sort orders, as a first ask would', async () => {
    const file = join(ROOT, 'fixtures', 'dns-udp-tcp.pcap');
    const q = await queryOf(file);
    const inner = q as unknown as { dnsQuery: unknown; built: unknown; buildDnsSlice(): boolean; sortedOrder(s: unknown): unknown };
    // what each idle task did: a slice of the DNS rows (with the tables built by then), or a sort order
    const seen: string[] = [];
    const slice = inner.buildDnsSlice.bind(q), order = inner.sortedOrder.bind(q);
    inner.buildDnsSlice = () => (seen.push(`dns ${inner.built !== null}`), slice());
    inner.sortedOrder = (x) => (seen.push('sort'), order(x));
    q.warmUp();
    expect(inner.dnsQuery).toBeNull();
    await expect.poll(() => inner.dnsQuery !== null && seen.includes('sort'), { timeout: 5000 }).toBe(true);
    const firstSort = seen.indexOf('sort');
    expect(seen.slice(0, firstSort).length).toBeGreaterThan(0);
    expect(new Set(seen.slice(0, firstSort))).toEqual(new Set(['dns true']));
    const fresh = await queryOf(file);
    const rows = q.dnsTransactions({ limit: 1e6 });
    expect(rows.total).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).toBe(JSON.stringify(fresh.dnsTransactions({ limit: 1e6 })));
  });

  it('dnsTransactions with at: the page starts at the first transaction that begins at or after it', async () => {
    const q = await queryOf(join(ROOT, 'fixtures', 'dns-udp-tcp.pcap'));
    const all = q.dnsTransactions({ limit: 1e6 }).rows;
    expect(all.length).toBeGreaterThan(2);
    const t = all[2].queryTime;
    const p = q.dnsTransactions({ at: t, limit: 1 });
    expect(p.offset).toBe(all.findIndex((r) => r.queryTime >= t));
    expect(p.rows).toEqual([all[p.offset]]);
    // just after a transaction's start: the next one
    expect(q.dnsTransactions({ at: t + 1e-9, limit: 0 }).offset).toBe(all.findIndex((r) => r.queryTime >= t + 1e-9));
    // before the first: 0; after the last: the total, and no rows
    expect(q.dnsTransactions({ at: 0, limit: 1 }).offset).toBe(0);
    const past = q.dnsTransactions({ at: all.at(-1)!.queryTime + 1, limit: 5 });
    expect(past).toEqual({ total: all.length, offset: all.length, rows: [] });
  });

  it('stops rehearsing when the analysis is replaced', async () => {
    const q = await queryOf(SAMPLE);
    let current = true;
    const opened: number[] = [];
    q.warmUp(() => current, async (id) => {
      opened.push(id);
      current = false;
    });
    await expect.poll(() => opened.length, { timeout: 5000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(opened.length).toBe(1);
  });

  it('builds the tables while idle in slices, giving the event loop back between them', async () => {
    const q = await queryOf(SAMPLE);
    const built = (): unknown => (q as unknown as { built: unknown }).built;
    q.warmUp();
    // the first slice runs in the warm-up's first task; a task queued after it runs before the last
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setImmediate(r));
    expect(built()).toBeNull();
    // a flows request in the middle finishes the flows' facts at once (the QUIC rows are
    // built after them), with the same rows as a fresh query; a QUIC request finishes the rest
    const mid = q.flows({ limit: 1e6 });
    expect((q as unknown as { factsBuilt: boolean }).factsBuilt).toBe(true);
    const other = await queryOf(SAMPLE);
    expect(mid).toEqual(other.flows({ limit: 1e6 }));
    expect(mid.total).toBeGreaterThan(1);
    expect(q.quicConnections({})).toEqual(other.quicConnections({}));
    expect(built()).not.toBeNull();
  });

  it('exports the flows as CSV', async () => {
    const q = await queryOf(SAMPLE);
    const csv = q.flowsCsv({}).trim().split('\n');
    expect(csv[0]).toBe('id,protocol,client,server,start,duration,packets,bytes,state,breaks,warnings,kinds');
    expect(csv.length).toBe(q.exportJson().flows.length + 1);
  });
});

describe('the API map', () => {
  it('validates arguments', () => {
    expect(() => checkCall('flows', { limit: -1 })).toThrow(ApiArgumentError);
    expect(() => checkCall('flows', { bogus: 1 })).toThrow(/no such field/);
    expect(() => checkCall('flow', {})).toThrow(/flow.id/);
    expect(() => checkCall('nope', {})).toThrow(/unknown method/);
    expect(() => checkCall('timeline', { flow: null, maxPoints: 1e9 })).toThrow();
    expect(() => checkCall('flows', { sort: { key: 'x', dir: 'asc' } })).toThrow();
    expect(checkCall('flows', { filter: { q: 'tcp' }, limit: 10 })).toEqual({ filter: { q: 'tcp' }, limit: 10 });
    expect(checkCall('status', undefined)).toEqual({});
  });
});

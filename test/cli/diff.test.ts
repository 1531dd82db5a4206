// `stateline diff` on the lossy pair of fixtures/fidelity: the same transfer captured at
// the client (A) and at the server (B) through the impairing bridge, whose log
// (lossy.bridge.txt) says which frames it dropped. The diff must list exactly those
// frames as lost and no other; its delay and offset figures must equal what an
// independent reading of the two files gives (pcap-parser, the test oracle, and the
// headers read here by hand: packets matched by IP ID, port, seq and length as the
// recording's own bridge-frames.py matches them).
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiffJson } from '../../analysis/diff/diff';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'stateline.mjs');
const FID = join(root, 'fixtures', 'fidelity');
const A = join(FID, 'lossy-client-side.pcap');
const B = join(FID, 'lossy-server-side.pcap');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The bridge's log: what it did to which frame of each side ('-' = not in that capture). */
function bridgeLog(): { action: string; dir: 'ab' | 'ba'; clientFrame: number | null; serverFrame: number | null }[] {
  return readFileSync(join(FID, 'lossy.bridge.txt'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const c = l.split('\t');
      const num = (s: string): number | null => (s === '-' ? null : Number(s));
      return { action: c[0], dir: c[1] as 'ab' | 'ba', clientFrame: num(c[9]), serverFrame: num(c[10]) };
    });
}

interface OraclePacket {
  frame: number;
  time: number;
  key: string;
  fromClient: boolean;
  proto: number;
  sport: number;
  /** The transport payload. */
  payload: Buffer;
}

const pcapParser = createRequire(import.meta.url)('pcap-parser') as {
  parse(s: NodeJS.ReadableStream): { on(ev: string, fn: (p: { header: { timestampSeconds: number; timestampMicroseconds: number }; data: Buffer }) => void): unknown };
};

/** Ethernet / IPv4 / TCP read by hand: the identity bridge-frames.py matches by. */
function oracle(path: string): Promise<OraclePacket[]> {
  return new Promise((res, rej) => {
    const out: OraclePacket[] = [];
    const p = pcapParser.parse(createReadStream(path)) as { on(ev: string, fn: (...x: never[]) => void): unknown };
    p.on('packet', (pk: { header: { timestampSeconds: number; timestampMicroseconds: number }; data: Buffer }) => {
      const d = pk.data;
      const ip = 14, ihl = (d[ip] & 15) * 4, l4 = ip + ihl, proto = d[ip + 9];
      const totalLen = d.readUInt16BE(ip + 2), ipId = d.readUInt16BE(ip + 4);
      const sport = d.readUInt16BE(l4), seq = proto === 6 ? d.readUInt32BE(l4 + 4) : 0;
      const hl = proto === 6 ? (d[l4 + 12] >> 4) * 4 : 8;
      out.push({
        frame: out.length + 1,
        time: pk.header.timestampSeconds + pk.header.timestampMicroseconds / 1e6,
        key: `${ipId} ${sport} ${seq} ${totalLen - ihl - hl}`,
        fromClient: sport !== 8080,
        proto,
        sport,
        payload: d.subarray(l4 + hl, ip + totalLen),
      });
    });
    p.on('error', rej);
    p.on('end', () => res(out));
  });
}

const sorted = (xs: number[]): number[] => [...xs].sort((x, y) => x - y);
const q = (s: number[], f: number): number => s[Math.min(s.length - 1, Math.ceil(f * s.length) - 1)];

describe('stateline diff on the lossy pair (client side A, server side B)', async () => {
  const r = await run(['diff', A, B, '--json']);
  const d = JSON.parse(r.stdout) as DiffJson;

  it('exits 0 and matches the one connection by its key', () => {
    expect(r.code).toBe(0);
    expect(d.flows.matched.map((m) => [m.a, m.b, m.by])).toEqual([[1, 1, 'key']]);
    expect(d.flows.onlyInA).toEqual([]);
    expect(d.flows.onlyInB).toEqual([]);
  });

  it('lists exactly the frames the bridge dropped, and no other', () => {
    const log = bridgeLog();
    const dropped = log.filter((x) => x.action === 'dropped');
    expect(dropped.length).toBeGreaterThan(0);
    // Client → server drops are in the client side (A) only; server → client in B only.
    const lostAtoB = dropped.filter((x) => x.dir === 'ab').map((x) => x.clientFrame!);
    const lostBtoA = dropped.filter((x) => x.dir === 'ba').map((x) => x.serverFrame!);
    expect(d.missing.inB.map((m) => m.frameA)).toEqual(sorted(lostAtoB));
    expect(d.missing.inB.every((m) => m.sender === 'client')).toBe(true);
    expect(d.missing.inA.map((m) => m.frameB)).toEqual(sorted(lostBtoA));
    expect(d.missing.inA.every((m) => m.sender === 'server')).toBe(true);
    // The delayed frames arrived late, not lost: in both.
    const delayed = log.filter((x) => x.action === 'delayed');
    expect(delayed.length).toBeGreaterThan(0);
    for (const x of delayed) {
      expect(d.missing.inB.some((m) => m.frameA === x.clientFrame)).toBe(false);
      expect(d.missing.inA.some((m) => m.frameB === x.serverFrame)).toBe(false);
    }
    const m = d.flows.matched[0];
    expect(m.packets + m.missingInB).toBe(d.captures.a.packets);
    expect(m.packets + m.missingInA).toBe(d.captures.b.packets);
    // seq is relative (the client's first data byte is 1), len the payload.
    for (const x of d.missing.inB) expect(x.len).toBe(1448);
    expect(d.missing.inB[0].seq).toBeGreaterThan(0);
    expect(d.missing.inB[0].seq).toBeLessThan(50_021);
  });

  it('derives the clock offset and the one-way delays from the matched packets', async () => {
    const [pa, pb] = await Promise.all([oracle(A), oracle(B)]);
    const inB = new Map(pb.map((p) => [p.key, p]));
    const dt: [number[], number[]] = [[], []];
    for (const p of pa) {
      const o = inB.get(p.key);
      if (o) dt[p.fromClient ? 0 : 1].push(o.time - p.time);
    }
    const x = q(sorted(dt[0]), 0.5), y = q(sorted(dt[1]), 0.5);
    const offset = (x + y) / 2;
    expect(d.timing.nearClient).toBe('a');
    expect(d.timing.offsetFrom).toBe('symmetric-path');
    expect(d.timing.offset).toBeCloseTo(offset, 6);
    const c2s = sorted(dt[0].map((t) => t - offset)), s2c = sorted(dt[1].map((t) => offset - t));
    expect(d.timing.delay.clientToServer).toEqual({ median: expect.closeTo(q(c2s, 0.5), 6), p95: expect.closeTo(q(c2s, 0.95), 6), samples: dt[0].length });
    expect(d.timing.delay.serverToClient).toEqual({ median: expect.closeTo(q(s2c, 0.5), 6), p95: expect.closeTo(q(s2c, 0.95), 6), samples: dt[1].length });
    // Sane: one host clock for both captures, and a bridge that holds each frame 10 ms.
    expect(Math.abs(d.timing.offset!)).toBeLessThan(0.001);
    for (const v of [d.timing.delay.clientToServer!, d.timing.delay.serverToClient!]) {
      expect(v.median).toBeGreaterThan(0.0099);
      expect(v.median).toBeLessThan(0.012);
      expect(v.p95).toBeGreaterThanOrEqual(v.median);
    }
  });

  it('with a known offset (one clock), measures each direction on its own', async () => {
    const g = JSON.parse((await run(['diff', A, B, '--json', '--clock-offset', '0'])).stdout) as DiffJson;
    const [pa, pb] = await Promise.all([oracle(A), oracle(B)]);
    const inB = new Map(pb.map((p) => [p.key, p]));
    const c2s = sorted(pa.filter((p) => p.fromClient && inB.has(p.key)).map((p) => inB.get(p.key)!.time - p.time));
    expect(g.timing.offset).toBe(0);
    expect(g.timing.offsetFrom).toBe('given');
    expect(g.timing.delay.clientToServer!.median).toBeCloseTo(q(c2s, 0.5), 6);
    expect(g.missing).toEqual(d.missing);
  });

  it('swapping A and B swaps what each lacks and which is nearer the client', async () => {
    const s = JSON.parse((await run(['diff', B, A, '--json'])).stdout) as DiffJson;
    expect(s.missing.inB.map((m) => m.frameA)).toEqual(d.missing.inA.map((m) => m.frameB));
    expect(s.missing.inA.map((m) => m.frameB)).toEqual(d.missing.inB.map((m) => m.frameA));
    expect(s.timing.nearClient).toBe('b');
    expect(s.timing.offset).toBeCloseTo(-d.timing.offset!, 6);
    expect(s.timing.delay.clientToServer!.median).toBeCloseTo(d.timing.delay.clientToServer!.median, 6);
  });

  it('a capture against itself: everything matched, nothing missing, no event or field differs', async () => {
    const s = JSON.parse((await run(['diff', A, A, '--json'])).stdout) as DiffJson;
    expect(s.missing).toEqual({ inA: [], inB: [] });
    expect(s.events).toEqual({ onlyInA: [], onlyInB: [] });
    expect(s.changes).toEqual([]);
    expect(s.timing.offset).toBe(0);
  });

  it('reports the events seen at one point only, and the fields that differ', () => {
    // The holes each receiver saw are on its own side only (README's table: server side
    // frame 14, client side frame 90).
    expect(d.events.onlyInB).toContainEqual({ kind: 'tcp.lost-segment', frame: 14, flow: 1 });
    expect(d.events.onlyInA).toContainEqual({ kind: 'tcp.lost-segment', frame: 90, flow: 1 });
    // The duplicate ACKs the server sent are the same packets at both points.
    expect(d.events.onlyInA.some((e) => e.kind === 'tcp.duplicate-ack' && e.frame === 21)).toBe(false);
    const fields = d.changes.map((c) => c.field);
    expect(fields).toContain('history');
    expect(fields).not.toContain('connState'); // SF at both
  });

  it('prints the losses in words', async () => {
    const t = await run(['diff', A, B]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/1 client→server segment lost between the two points \(frame 9 in A\); one-way delay median 10\.\d ms/);
    expect(t.stdout).toMatch(/3 server→client segments lost between the two points \(frames 80, 112, 155 in B\)/);
  });

  it('--help, bad arguments (2) and unreadable captures (1)', async () => {
    const h = await run(['diff', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^usage: stateline diff A B/);
    expect((await run(['diff', A])).code).toBe(2);
    expect((await run(['diff', A, B, '--clock-offset', 'x'])).code).toBe(2);
    expect((await run(['diff', A, B, '--nope'])).code).toBe(2);
    const missing = await run(['diff', A, join(FID, 'no-such.pcap')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read/);
  });
});

// fixtures/fidelity's natted pair (record-fidelity.sh "natted"): the same TCP connection
// and UDP exchange on both sides of a NAT router that rewrote the client's port (TCP)
// and its address and port (UDP), and dropped, by its nftables rules, the TCP
// connection's 6th client packet and 10th server packet (conntrack's counts) and the
// datagram that reads "lose". The diff must match the flows across the NAT and list
// exactly those three packets.
describe('stateline diff across a NAT (natted-client-side A, natted-server-side B)', async () => {
  const NA = join(FID, 'natted-client-side.pcap');
  const NB = join(FID, 'natted-server-side.pcap');
  const r = await run(['diff', NA, NB, '--json']);
  const d = JSON.parse(r.stdout) as DiffJson;

  it('matches the TCP flow by server endpoint and client host, the UDP one by server endpoint', () => {
    expect(r.code).toBe(0);
    const byTransport = Object.fromEntries(d.flows.matched.map((m) => [m.transport, m]));
    expect(byTransport.tcp.by).toBe('endpoint');
    expect(byTransport.tcp.clientA).toBe('10.91.0.1:40205');
    expect(byTransport.tcp.clientB).toBe('10.91.0.1:50205');
    expect(byTransport.udp.by).toBe('service');
    expect(byTransport.udp.clientB).toBe('10.91.1.254:50206');
    expect(d.flows.onlyInA).toEqual([]);
    expect(d.flows.onlyInB).toEqual([]);
  });

  it('lists exactly the packets the router dropped', async () => {
    const [pa, pb] = await Promise.all([oracle(NA), oracle(NB)]);
    const tcpClient = pa.filter((p) => p.proto === 6 && p.sport === 40205);
    const tcpServer = pb.filter((p) => p.proto === 6 && p.sport === 8080);
    const lost = pa.filter((p) => p.proto === 17 && p.payload.subarray(0, 4).toString() === 'lose');
    expect(lost).toHaveLength(1);
    expect(d.missing.inB.map((m) => m.frameA)).toEqual([tcpClient[5].frame, lost[0].frame].sort((x, y) => x - y));
    expect(d.missing.inA.map((m) => m.frameB)).toEqual([tcpServer[9].frame]);
    expect(d.missing.inB.find((m) => m.frameA === lost[0].frame)).toMatchObject({ sender: 'client', seq: null, len: lost[0].payload.length });
    expect(d.timing.nearClient).toBe('a');
  });
});

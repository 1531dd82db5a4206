// `stateline analyze` as a user runs it: the real bin, real files, exit codes and the
// OUTPUT.md contract; damaged files keep everything read before the damage.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmtTime } from '../../cli/summary';
import { oneFlowPerPacket } from '../analysis/many-flows';
import { concat, epb, firstIpPacket, idb, shb } from '../parsers/capture/helpers';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'stateline.mjs');
const fx = (name: string) => join(root, 'fixtures', name);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function json(args: string[]) {
  const r = await run(['analyze', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** Rewrite record `n` (1-based) of a classic little-endian µs pcap to keep only `keep` bytes. */
function cutRecord(bytes: Buffer, n: number, keep: number): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, 24)];
  let off = 24;
  for (let i = 1; off + 16 <= bytes.length; i++) {
    const incl = bytes.readUInt32LE(off + 8);
    const hdr = Buffer.from(bytes.subarray(off, off + 16));
    let data = bytes.subarray(off + 16, off + 16 + incl);
    if (i === n) {
      data = data.subarray(0, keep);
      hdr.writeUInt32LE(keep, 8);
    }
    parts.push(hdr, data);
    off += 16 + incl;
  }
  return Buffer.concat(parts);
}

describe('stateline analyze', () => {
  it('prints the OUTPUT.md JSON for a recorded TCP connection', async () => {
    const j = await json([fx('tcp-clean-close.pcap')]);
    expect(j.capture).toMatchObject({ format: 'pcap', compressed: false, packets: 22, linkTypes: [1], errors: [] });
    const tcp = j.flows.filter((f: { transport: string }) => f.transport === 'tcp');
    expect(tcp).toHaveLength(1);
    expect(tcp[0]).toMatchObject({ client: '10.77.0.1:40001', server: '10.77.0.2:8080', clientBy: 'syn', firstFrame: 3, lastFrame: 22, packets: 20 });
    expect(tcp[0].tcp.connState).toBe('SF');
    expect(j.capture.unsupported).toEqual([{ what: 'EtherType 0x0806', packets: 2 }]);
    expect(Array.isArray(j.events) && Array.isArray(j.dns) && Array.isArray(j.quic)).toBe(true);
  });

  it('reads pcapng with nanosecond timestamps to the same flows as the pcap of the same traffic', async () => {
    const ng = await json([fx('tcp-clean-close.pcapng')]);
    const ns = await json([fx('tcp-clean-close-nsec.pcap')]);
    expect(ng.capture.format).toBe('pcapng');
    expect(ng.capture.packets).toBe(ns.capture.packets);
    expect(ng.capture.start).toBe(ns.capture.start);
    expect(ng.flows.map((f: { client: string }) => f.client)).toEqual(ns.flows.map((f: { client: string }) => f.client));
  });

  it('reads a gzip-compressed capture', async () => {
    const j = await json([fx('bad/gzip-of-pcap.pcap.gz')]);
    expect(j.capture).toMatchObject({ compressed: true, packets: 4 });
  });

  it('decodes IPv6, SLL, SLL2 and 802.1Q captures into flows with bracketed IPv6 endpoints', async () => {
    const v6 = await json([fx('ipv6-tcp-udp.pcap')]);
    expect(v6.flows.some((f: { client: string }) => f.client.startsWith('[fd77::1]:'))).toBe(true);
    for (const [file, lt] of [['any-sll.pcap', 113], ['any-sll2.pcap', 276], ['vlan-8021q.pcap', 1]] as const) {
      const j = await json([fx(file)]);
      expect(j.capture.linkTypes).toEqual([lt]);
      expect(j.flows.filter((f: { transport: string }) => f.transport === 'tcp').length).toBeGreaterThan(0);
      expect(j.capture.decodeProblems).toBe(0);
    }
  });

  it('runs only the trackers asked for with --protocols', async () => {
    const j = await json([fx('sample.pcapng'), '--protocols', 'none']);
    expect(j.flows.length).toBeGreaterThan(0);
    expect(j.flows.every((f: { tcp?: unknown }) => f.tcp === undefined)).toBe(true);
    // Only the UDP tracker, which always runs: the ICMP port unreachable of frame 48
    // (tshark -Y icmp.type==3) refusing the DNS query of frame 47.
    expect(j.events.map((e: { kind: string; frame: number; related: number[] }) => [e.kind, e.frame, e.related])).toEqual([['udp.port-unreachable', 48, [47]]]);
    const d = await json([fx('sample.pcapng'), '--protocols', 'dns']);
    expect(d.dns.length).toBeGreaterThan(0);
    expect(d.events.every((e: { kind: string }) => !e.kind.startsWith('tcp.'))).toBe(true);
  });

  it('keys flows by their VLAN IDs, and by the 5-tuple alone with --vlan-merge', async () => {
    // fidelity/vlan-key.pcap: one 5-tuple untagged, on VID 10 and on 300/20 (test/analysis/vlan.test.ts)
    const file = fx('fidelity/vlan-key.pcap');
    const keyed = await json([file]);
    expect(keyed.flows.map((f: { vlan?: number[] }) => f.vlan)).toEqual([undefined, [10], [300, 20]]);
    expect(keyed.events).toEqual([]);
    const merged = await json([file, '--vlan-merge']);
    expect(merged.flows.map((f: { firstFrame: number; vlan?: number[] }) => [f.firstFrame, f.vlan])).toEqual([[1, undefined], [11, undefined], [21, undefined]]);
    expect(merged.events.filter((e: { kind: string }) => e.kind === 'tcp.port-reuse')).toHaveLength(2);
    // the summary's flow table gets a vlan column when a flow is tagged
    const r = await run(['analyze', file]);
    expect(r.stdout).toMatch(/id\tproto\tclient\tserver\tvlan\tpackets/);
    expect(r.stdout.split('\n').filter((l) => /^ {2}\d\ttcp\t/.test(l)).map((l) => l.split('\t')[4])).toEqual(['-', '10', '300/20']);
    expect((await run(['analyze', fx('tcp-clean-close.pcap')])).stdout).not.toMatch(/\tvlan\t/);
  });

  it('prints a human summary with breaks first, then the other events by kind, then flows', async () => {
    const r = await run(['analyze', fx('sample.pcapng')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sample\.pcapng: pcapng, 64 packets/);
    expect(r.stdout).toMatch(/^Events: 4 breaks, 0 warnings, 1 info \(/m);
    expect(r.stdout).not.toMatch(/Incidents/);
    const at = (s: string) => r.stdout.indexOf(s);
    expect(at('Breaks (4):')).toBeGreaterThan(0);
    expect(at('Breaks (4):')).toBeLessThan(at('Info (1, 1 kind):'));
    expect(at('Info (1, 1 kind):')).toBeLessThan(at('Flows:'));
    expect(r.stdout).toMatch(/tcp\.refused/);
    expect(r.stdout).toMatch(/^  dns\.error ×1: frame 44$/m);
  });

  it('leads with the incidents, one line each, then the breaks in none, then warnings by kind with counts and first frames', async () => {
    const s = (await run(['analyze', fx('incidents/server-restart.pcap')])).stdout;
    expect(s).toMatch(/^Events: 8 breaks, 0 warnings, 0 info; 1 incident \(/m);
    const lines = s.split('\n');
    const i = lines.indexOf('Incidents (1):');
    expect(lines[i + 1]).toMatch(/^  #1 server-lost-state 10\.90\.1\.2:8080 — 8 flows, 1\.412–3\.395 s: 10\.90\.1\.2:8080 lost the state of 5 connections/);
    expect(s).not.toMatch(/^Breaks/m); // every break is in the incident
    const stall = (await run(['analyze', fx('incidents/path-stall.pcap')])).stdout;
    expect(stall.indexOf('Incidents (1):')).toBeLessThan(stall.indexOf('Warnings (11, 2 kinds):'));
    expect(stall).toMatch(/^  tcp\.retransmission ×10: frames 89, 90, 91, 92, 93 … \(all in incidents\)$/m);
    expect(stall).toMatch(/^  tcp\.spurious-retransmission ×1: frame 80$/m);
    // QUIC connections and migrations, plurals right
    const quic = (await run(['analyze', fx('quic/ngtcp2-migration.pcap')])).stdout;
    expect(quic).toMatch(/^QUIC: 1 connection, on 2 paths: 1 migration$/m);
    expect((await run(['analyze', fx('quic/ngtcp2-h3.pcap')])).stdout).toMatch(/^QUIC: 1 connection, not migrated$/m);
  });

  it('takes the incident thresholds as options: a narrower window splits the restart, bad values exit 2', async () => {
    const j = await json([fx('incidents/server-restart.pcap'), '--incident-window', '0.5']);
    // the refused SYNs (1.41–2.27 s) and the resets (2.99–3.39 s) are 0.72 s apart: two incidents of the endpoint
    expect(j.incidents.map((i: { kind: string; frames: number[] }) => [i.kind, i.frames])).toEqual([
      ['incident.service-down', [37, 39, 41]],
      ['incident.server-lost-state', [43, 45, 47, 49, 51]],
    ]);
    // no flood of 250 SYNs a second and no scan of 60 targets: the 200 unanswered SYNs are then a service down
    const high = await json([fx('incidents/syn-flood-scan.pcap'), '--scan-min=60', '--flood-min', '250']);
    expect(high.incidents.map((i: { kind: string; frames: number[] }) => [i.kind, i.frames.length])).toEqual([['incident.service-down', 200]]);
    for (const bad of [['--incident-window', '0'], ['--incident-window', 'x'], ['--scan-min', '2.5'], ['--flood-min'], ['--resolver-min=1'], ['--stall-min', '-1']]) {
      const r = await run(['analyze', fx('sample.pcapng'), ...bad]);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^stateline: --[a-z-]+ needs /);
    }
  });

  it('exits 1 with a one-line error when the file is not a capture, empty, or missing', async () => {
    for (const [file, msg] of [
      [fx('bad/not-a-capture.pcap'), /not a capture file: no pcap, pcapng or gzip signature/],
      [fx('bad/empty.pcap'), /empty file/],
      [fx('bad/truncated-header.pcap'), /header/],
      [fx('no-such-file.pcap'), /cannot read/],
    ] as const) {
      const r = await run(['analyze', file, '--json']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('exits 2 on bad arguments', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['analyze'])).code).toBe(2);
    expect((await run(['analyze', fx('sample.pcapng'), '--frobnicate'])).code).toBe(2);
    expect((await run(['analyze', fx('sample.pcapng'), '--protocols', 'smtp'])).code).toBe(2);
    expect((await run(['analyze', fx('sample.pcapng'), '--max-flows', '0'])).code).toBe(2);
    expect((await run(['analyze', fx('sample.pcapng'), '--threads', '0'])).code).toBe(2);
  });

  it('a path that is not a regular file (standard input) gives the same JSON with --threads 2 (read once, the worker fed from it)', () => {
    const file = fx('fidelity/lossy-server-side.pcap');
    // a shell pipe (Node's own stdin pipe is a socket, which /dev/stdin cannot open)
    const piped = spawnSync('sh', ['-c', 'cat "$1" | "$2" "$3" analyze /dev/stdin --json --threads 2', 'sh', file, process.execPath, bin], { maxBuffer: 1 << 26, encoding: 'utf8' });
    const direct = spawnSync(process.execPath, [bin, 'analyze', file, '--json', '--threads', '1'], { maxBuffer: 1 << 26, encoding: 'utf8' });
    expect([piped.status, piped.stderr]).toEqual([0, '']);
    expect(JSON.parse(piped.stdout).flows.length).toBeGreaterThan(0);
    expect(piped.stdout === direct.stdout).toBe(true);
  });

  it('--threads 1 gives the same JSON as two threads (a file, a set, a damaged file)', async () => {
    for (const files of [[fx('fidelity/lossy-server-side.pcap')], [fx('tcp-clean-close.pcap'), fx('dns-udp-tcp.pcap')], [fx('bad/pcapng-cut-short.pcapng')]]) {
      const [one, two] = [await run(['analyze', ...files, '--json', '--threads', '1']), await run(['analyze', ...files, '--json', '--threads', '2'])];
      expect(one.code).toBe(0);
      expect(one.stdout.length).toBeGreaterThan(1000);
      expect(two.stdout === one.stdout, files.join(' ')).toBe(true);
    }
  });

  it('a timestamp past year 275760 (the end of JavaScript dates) is printed, not thrown', async () => {
    // The first IP packet of tcp-clean-close.pcap twice in a pcapng, near the last microsecond a 64-bit count reaches.
    const pcap = readFileSync(fx('tcp-clean-close.pcap'));
    const first = firstIpPacket(pcap);
    const file = join(mkdtempSync(join(tmpdir(), 'stateline-time-')), 'far.pcapng');
    writeFileSync(file, concat(shb(), idb(), epb(true, { ts: 0xfffffffffffffff0n, data: first }), epb(true, { ts: 0xffffffffffffffffn, data: first })));
    const r = await run(['analyze', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('from 18446744073709.55 s since 1970-01-01 UTC (past year 275760) to 18446744073709.55 s since 1970-01-01 UTC (past year 275760)');
    expect((await json([file])).capture.packets).toBe(2);
    expect(fmtTime(-1e16)).toBe('-10000000000000000 s since 1970-01-01 UTC (before year -271821)');
    expect(fmtTime(0)).toBe('1970-01-01 00:00:00.000 UTC');
  });

  it('--max-flows: a capture of only new flows stops at the bound, keeps what was read, exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stateline-flows-'));
    const file = join(dir, 'scan.pcap');
    writeFileSync(file, oneFlowPerPacket(5000, 'tcp'));
    const j = await json([file, '--max-flows', '2000']);
    expect(j.capture.packets).toBe(2000);
    expect(j.flows).toHaveLength(2000);
    expect(j.capture.errors).toEqual([{ frame: 2001, offset: 24 + 2000 * 70, message: 'flow table full at 2000 flows: reading stopped here (the limit is set by --max-flows)', effect: 'stopped' }]);
    const text = await run(['analyze', file, '--max-flows=2000']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('frame 2001 at offset 140024: flow table full at 2000 flows');
  });

  it('keeps everything before a damaged record and names its frame and offset (exit 0)', async () => {
    const j = await json([fx('bad/truncated-last-record.pcap')]);
    expect(j.capture.packets).toBe(4);
    expect(j.capture.errors).toHaveLength(1);
    expect(j.capture.errors[0]).toMatchObject({ frame: 5, offset: 450 });
    expect(j.capture.errors[0].message).toMatch(/cut short/);
    const a = await json([fx('bad/absurd-length.pcap')]);
    expect(a.capture.packets).toBe(2);
    expect(a.capture.errors[0]).toMatchObject({ frame: 3, offset: 190 });
    expect(a.capture.errors[0].message).toMatch(/4294967295/);
  });

  it('reports a packet too short for the headers it claims with its frame and offset, and keeps the flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stateline-cut-'));
    const file = join(dir, 'cut.pcap');
    // Frame 6 of the clean close is a TCP segment; keep Ethernet + IPv4 + 6 bytes of TCP.
    writeFileSync(file, cutRecord(readFileSync(fx('tcp-clean-close.pcap')), 6, 14 + 20 + 6));
    const j = await json([file]);
    expect(j.capture.packets).toBe(22);
    expect(j.capture.decodeProblems).toBe(1);
    const e = j.capture.errors[0];
    expect(e.frame).toBe(6);
    expect(e.message).toMatch(/^frame 6: TCP header needs 20 bytes at offset 34, 6 captured/);
    expect(e.offset).toBeGreaterThan(24);
    expect(j.flows.find((f: { transport: string }) => f.transport === 'tcp').packets).toBe(19);
  });
});

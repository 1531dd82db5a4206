// `stateline packets`: the real bin (formats, --flow, errors), and its TCP columns
// against tshark on every recorded fixture and shared capture: seq, ack, window, bytes
// in flight and ACK RTT agree with tcp.seq, tcp.ack, tcp.window_size,
// tcp.analysis.bytes_in_flight and tcp.analysis.ack_rtt on at least 0.99 of TCP frames.
// The deliberate difference — a window Wireshark leaves raw because its scale is unknown
// to it (tcp.window_size_scalefactor -1) where we know it: a shift the TCP tracker
// inferred for a flow whose SYNs were not captured, or the handshake's shift of an old
// connection whose challenge ACK Wireshark puts into the new stream of a reused 4-tuple
// (RFC 5961) — is pinned frame by frame.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { CaptureQuery } from '../../analysis/capture-query';
import { toJson } from '../../analysis/output';
import { packetJson } from '../../cli/packets';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'stateline.mjs');
const fx = (name: string) => join(root, 'fixtures', name);
const SHARED = resolve(root, '..', 'shared', 'captures');
const haveShared = existsSync(SHARED);
const haveTshark = spawnSync('tshark', ['--version']).status === 0;
const haveEditcap = spawnSync('editcap', ['-h']).status === 0;
const BENCH = join(root, 'bench-data/bench-20000-seed1.pcap');
if (!haveTshark) console.log('test/cli/packets: tshark not found (Debian package tshark): the agreement with tshark is not checked');
if (!haveShared) console.log(`test/cli/packets: ${SHARED} absent: only the project's fixtures are compared with tshark`);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function captures(dir: string, skip = /\/bad\//): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e) && !skip.test(p)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

type Row = ReturnType<typeof packetJson>;

async function ourRows(file: string): Promise<{ rows: Row[]; json: ReturnType<typeof toJson> }> {
  const a = await analyzeCapture(new Uint8Array(readFileSync(file)));
  const q = new CaptureQuery(a);
  const rows: Row[] = [];
  for (let i = 0; i < a.packets; i++) rows.push(packetJson(q.packetRow(i)));
  return { rows, json: toJson(a) };
}

/** tshark's TCP fields by frame (TCP segments only: not the TCP header an ICMP error quotes). */
function tsharkRows(file: string): Map<number, (number | null)[]> {
  const fields = ['frame.number', 'tcp.seq', 'tcp.ack', 'tcp.window_size', 'tcp.analysis.bytes_in_flight', 'tcp.analysis.ack_rtt', 'tcp.flags.ack', 'icmp.type', 'icmpv6.type', 'tcp.window_size_scalefactor'];
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const out = new Map<number, (number | null)[]>();
  for (const line of r.stdout.split('\n')) {
    const f = line.split('\t');
    if (!f[1] || f[7] || f[8]) continue;
    const num = (s: string): number | null => (s === '' || s === undefined ? null : Number(s));
    const ackSet = f[6] === '1' || f[6] === 'True';
    out.set(Number(f[0]), [num(f[1]), ackSet ? num(f[2]) : null, num(f[3]), num(f[4]), num(f[5]), num(f[9])]);
  }
  return out;
}

const FIELDS = ['seq', 'ack', 'window', 'bytesInFlight', 'ackRtt'] as const;

describe('stateline packets', () => {
  it('prints one row per packet: text, JSON and CSV carry the same numbers', async () => {
    const file = fx('tcp/tcp-loss-delay.pcap');
    const j = await run(['packets', file, '--json']);
    expect(j.code).toBe(0);
    const rows = JSON.parse(j.stdout) as Row[];
    expect(rows.length).toBe(39);
    expect(Object.keys(rows[0])).toEqual(['frame', 'time', 'flow', 'sender', 'flags', 'seq', 'ack', 'len', 'window', 'bytesInFlight', 'ackRtt', 'events']);
    expect(rows[0]).toMatchObject({ frame: 1, flow: 1, sender: 'client', flags: 'SYN', seq: 0, ack: null, len: 0, window: 64240 });
    expect(rows[29]).toMatchObject({ frame: 30, sender: 'server', seq: 5793, len: 1448, events: ['tcp.fast-retransmission'] });
    const csv = (await run(['packets', file, '--csv'])).stdout.trim().split('\n');
    expect(csv[0]).toBe('frame,time,flow,sender,flags,seq,ack,len,window,bytesInFlight,ackRtt,events');
    expect(csv.length).toBe(40);
    expect(csv[2].split(',').slice(0, 5)).toEqual(['2', String(rows[1].time), '1', 'server', '"SYN']); // "SYN,ACK" is quoted
    const text = (await run(['packets', file])).stdout.trim().split('\n');
    expect(text.length).toBe(40);
    expect(text[30]).toMatch(/^\s+30\s.*server\s+ACK\s+5793\s+22\s+1448\s.*tcp\.fast-retransmission$/);
    // Wireshark's Protocol and Info, from the frame's bytes
    expect(text[0]).toMatch(/ack rtt\s+protocol\s+info\s+events$/);
    expect(text[1]).toMatch(/\sTCP\s+\d+ → \d+ \[SYN\] Seq=0 Win=64240 Len=0 MSS=/);
  });

  it.skipIf(!haveEditcap)('a capture set (DIR): the single file\'s rows, Info included, in text, JSON and with --filter', async () => {
    for (const file of [fx('incidents/resolver-down-icmp.pcap'), ...(existsSync(BENCH) ? [BENCH] : [])]) {
      const dir = mkdtempSync(join(tmpdir(), 'stateline-packets-set-'));
      try {
        const one = (await run(['packets', file])).stdout;
        const packets = one.trim().split('\n').length - 1;
        execFileSync('editcap', ['-c', String(Math.ceil(packets / 4)), file, join(dir, 'part.pcap')]);
        // every other file gzip'd
        for (const [i, n] of readdirSync(dir).sort().entries())
          if (i % 2 === 1) {
            writeFileSync(join(dir, `${n}.gz`), gzipSync(readFileSync(join(dir, n))));
            rmSync(join(dir, n));
          }
        expect(readdirSync(dir).length).toBe(4);
        const set = await run(['packets', dir]);
        expect(set.code).toBe(0);
        expect(set.stdout).toBe(one);
        expect(one).toMatch(/\s(TCP|UDP|DNS|ICMP)\s+\S/);
        if (file === BENCH) continue;
        expect((await run(['packets', dir, '--json'])).stdout).toBe((await run(['packets', file, '--json'])).stdout);
        const filtered = await run(['packets', dir, '--filter', 'dns || icmp']);
        expect(filtered.code).toBe(0);
        expect(filtered.stdout).toBe((await run(['packets', file, '--filter', 'dns || icmp'])).stdout);
        expect(filtered.stdout.trim().split('\n').length).toBeGreaterThan(2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 120_000);

  it('--flow selects one flow; UDP and ICMP rows have null TCP fields', async () => {
    const file = fx('udp-port-unreachable.pcap');
    const all = JSON.parse((await run(['packets', file, '--json'])).stdout) as Row[];
    const udp = all.find((r) => r.flow !== null && r.seq === null)!;
    expect(udp).toMatchObject({ flags: null, seq: null, ack: null, window: null, bytesInFlight: null, ackRtt: null });
    const one = JSON.parse((await run(['packets', file, '--json', '--flow', String(udp.flow)])).stdout) as Row[];
    expect(one.length).toBe(all.filter((r) => r.flow === udp.flow).length);
    expect(one.every((r) => r.flow === udp.flow)).toBe(true);
  });

  it('--filter prints the rows of the frames a display filter selects, with --flow the flow\'s among them', async () => {
    const file = fx('tcp/tcp-loss-delay.pcap');
    const all = JSON.parse((await run(['packets', file, '--json'])).stdout) as Row[];
    const retx = JSON.parse((await run(['packets', file, '--json', '--filter', 'tcp.analysis.retransmission'])).stdout) as Row[];
    // the rows are the full rows of those frames, and the frames are the ones with a retransmission event
    expect(retx.length).toBeGreaterThan(0);
    expect(retx).toEqual(all.filter((r) => r.events.some((k) => /retransmission/.test(k))));
    const data = JSON.parse((await run(['packets', file, '--json', '--filter=tcp.len > 0 and tcp.srcport == 8080', '--flow', '1'])).stdout) as Row[];
    expect(data.map((r) => r.frame)).toEqual(all.filter((r) => r.len > 0 && r.sender === 'server').map((r) => r.frame));
    const csv = (await run(['packets', file, '--csv', '--filter', 'frame.number <= 3'])).stdout.trim().split('\n');
    expect(csv.map((l) => l.split(',')[0])).toEqual(['frame', '1', '2', '3']);
    const none = await run(['packets', file, '--filter', 'udp']);
    expect(none.code).toBe(0);
    expect(none.stdout.trim().split('\n')).toHaveLength(1); // the header only
    // an empty filter is every packet
    expect((await run(['packets', file, '--csv', '--filter', ''])).stdout.trim().split('\n')).toHaveLength(40);
  });

  it.skipIf(!haveTshark)('--filter selects the frames tshark -Y selects', async () => {
    const file = fx('dns-udp-tcp.pcap');
    for (const flt of ['dns.flags.rcode == 3 || tcp.flags.syn == 1', 'ip.addr == 10.0.0.0/8 && !dns', 'tcp.port != 53']) {
      const ours = (JSON.parse((await run(['packets', file, '--json', '--filter', flt])).stdout) as Row[]).map((r) => r.frame);
      const theirs = spawnSync('tshark', ['-n', '-r', file, '-Y', flt, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      expect(ours, flt).toEqual(theirs);
    }
  });

  it('refuses bad arguments with exit 2 and an unreadable file with exit 1', async () => {
    const f = await run(['packets', fx('sample.pcapng'), '--filter', 'tcp && tcp.prot == 1']);
    expect(f.code).toBe(2);
    expect(f.stdout).toBe('');
    expect(f.stderr).toBe('stateline: --filter: "tcp.prot" is not a valid field (column 8)\n  tcp && tcp.prot == 1\n         ^~~~~~~~\n');
    expect((await run(['packets', fx('sample.pcapng'), '--filter'])).code).toBe(2);
    const n = await run(['packets', fx('sample.pcapng'), '--flow', '9999']);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/has no flow 9999/);
    expect((await run(['packets', fx('sample.pcapng'), '--json', '--csv'])).code).toBe(2);
    expect((await run(['packets', fx('sample.pcapng'), '--flow', 'x'])).code).toBe(2);
    expect((await run(['packets', join(root, 'no-such.pcap')])).code).toBe(1);
  });

  /**
   * Captures where the connections differ from tshark's on purpose, so their relative
   * sequence numbers do: tshark's numbers there are relative to a connection it never split.
   */
  const DELIBERATE: Record<string, string> = {
    'stale-server-port-reuse.pcap': 'a SYN reusing a closed connection\'s ports starts a new connection (EVENTS.md); tshark keeps the old one\'s base',
    'vlan-key.pcap': 'flows are keyed by VLAN ID; tshark merges the same 5-tuple on two VLANs into one conversation',
  };
  it.skipIf(!haveTshark)('agrees with tshark on seq, ack, window, bytes in flight and ACK RTT (≥ 0.99 of TCP frames)', async () => {
    const files = [...captures(join(root, 'fixtures')), ...(haveShared ? captures(SHARED) : [])];
    const agree = Object.fromEntries(FIELDS.map((k) => [k, 0])) as Record<(typeof FIELDS)[number], number>;
    let frames = 0, inferred = 0, deliberate = 0;
    const report: string[] = [];
    for (const file of files) {
      const ref = tsharkRows(file);
      if (ref.size === 0) continue;
      const { rows, json } = await ourRows(file);
      // the window scale each flow's senders use: [client shift, server shift]
      const shift = new Map<number, [number, number]>();
      for (const f of json.flows) if (f.tcp) shift.set(f.id, [f.tcp.client?.windowScale ?? 0, f.tcp.server?.windowScale ?? 0]);
      const misses: string[] = [];
      const splitOnPurpose = basename(file) in DELIBERATE;
      for (const r of rows) {
        const t = ref.get(r.frame);
        if (r.seq === null || !t) continue;
        if (splitOnPurpose && t[0] !== r.seq) {
          // a connection tshark does not split (see DELIBERATE): its relative numbers differ by design
          deliberate++;
          continue;
        }
        frames++;
        FIELDS.forEach((k, j) => {
          const ours = r[k] as number | null, theirs = t[j];
          const same = ours === null || theirs === null ? ours === theirs : Math.abs(ours - theirs) <= (k === 'ackRtt' ? 2e-6 : 0);
          if (same) agree[k]++;
          else if (k === 'window' && theirs !== null && ours !== null) {
            // the deliberate difference: a window whose scale Wireshark does not know, scaled
            const s = shift.get(r.flow!)?.[r.sender === 'client' ? 0 : 1] ?? 0;
            expect(t[5], `${file} frame ${r.frame}: window ${ours} vs tshark ${theirs}, whose scale tshark knows`).toBe(-1);
            expect(s, `${file} frame ${r.frame}: window ${ours} vs tshark ${theirs} without a known shift`).toBeGreaterThan(0);
            expect(ours).toBe(theirs * 2 ** s);
            inferred++;
            agree[k]++;
          } else misses.push(`${k} frame ${r.frame}: ${ours} vs ${theirs}`);
        });
      }
      if (misses.length) report.push(`${file.replace(root + '/', '').replace(SHARED + '/', 'shared/')}: ${misses.slice(0, 6).join('; ')}`);
    }
    console.log(`stateline packets vs tshark on ${frames} TCP frames of ${files.length} captures: ${FIELDS.map((k) => `${k} ${(agree[k] / frames).toFixed(4)}`).join(', ')}; ${inferred} windows scaled where tshark's scale is unknown (deliberate); ${deliberate} frames of connections tshark does not split left out (${Object.keys(DELIBERATE).join(', ')})`);
    if (report.length) console.log(`differences:\n  ${report.join('\n  ')}`);
    expect(frames).toBeGreaterThan(400);
    for (const k of FIELDS) expect(agree[k] / frames, k).toBeGreaterThanOrEqual(0.99);
  }, 120_000);

  it.skipIf(!haveTshark)('scales the window by the inferred shift where Wireshark shows it raw (tcp-midstream-wscale)', async () => {
    const file = fx('tcp/tcp-midstream-wscale.pcap');
    const ref = tsharkRows(file);
    const { rows, json } = await ourRows(file);
    const f = json.flows.find((x) => x.tcp?.client?.windowScaleFrom === 'inferred' || x.tcp?.server?.windowScaleFrom === 'inferred')!;
    expect(f).toBeDefined();
    const scaled = rows.filter((r) => r.flow === f.id && ref.has(r.frame) && r.window !== ref.get(r.frame)![2]);
    // every client ACK after the shift was inferred (frame 3, the first data in flight)
    expect(scaled.map((r) => r.sender)).toEqual(rows.filter((r) => r.sender === 'client' && r.frame > 3).map(() => 'client'));
    expect(scaled.length).toBeGreaterThan(10);
    for (const r of scaled) {
      const side = r.sender === 'client' ? f.tcp!.client! : f.tcp!.server!;
      expect(side.windowScaleFrom).toBe('inferred');
      expect(r.window).toBe(ref.get(r.frame)![2]! * 2 ** side.windowScale!);
    }
  });
});

// quic[].history: a connection's history in the letters of Zeek's quic.log (analysis/quic/
// history.ts). Held against Zeek's own baselines where the shared captures have one
// (`*.zeek-quic.log`: Zeek writes a new record after a Retry, so a connection's history
// is its records' histories one after the other), against tshark's packets letter by
// letter count on the fixtures (no Zeek here to run), and the same with and without the
// key log (Zeek reads no key log).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PacketType } from '../../../parsers/quic/header';
import { QuicConn } from '../../../analysis/quic/conn';
import { zeekHistory } from '../../../analysis/quic/history';
import { FIXED_BIT_ZERO, IntLog, TimelineLog } from '../../../analysis/quic/lists';
import { fixture, haveShared, run, shared, type Run } from './helpers';

const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0;
type Conn = Run['quic'][number] & { history: string };
const conns = (r: Run): Conn[] => r.quic as Conn[];

/** A quic.log's histories per connection 4-tuple ("orig_h:orig_p → resp_h:resp_p"), its records in order. */
function zeekHistories(file: string): Map<string, string> {
  let fields: string[] = [];
  const out = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('#fields')) fields = line.split('\t').slice(1);
    if (!line || line.startsWith('#')) continue;
    const v = Object.fromEntries(line.split('\t').map((x, i) => [fields[i], x]));
    const key = `${v['id.orig_h']}:${v['id.orig_p']} → ${v['id.resp_h']}:${v['id.resp_p']}`;
    out.set(key, (out.get(key) ?? '') + v.history);
  }
  return out;
}

describe.skipIf(!haveShared)("Zeek's baselines: the same letters", () => {
  for (const name of ['zeek-chromium-115-api-cirrus-com.pcap', 'zeek-quic-go-retry.pcap', 'zeek-quicv2-http3-443.pcap']) {
    it(name, async () => {
      const log = shared(`${name}.zeek-quic.log`);
      expect(existsSync(log)).toBe(true);
      const zeek = zeekHistories(log);
      const r = await run(shared(name));
      const ours = new Map(conns(r).map((c) => [`${c.paths[0].client} → ${c.paths[0].server}`, c.history]));
      expect(ours).toEqual(zeek);
    });
  }

  it('the Retry capture: Zeek logs "ISr" and the new attempt; one connection here, both in one history', async () => {
    const r = await run(shared('zeek-quic-go-retry.pcap'));
    expect(conns(r).map((c) => c.history)).toEqual(['ISr' + 'ISishhoIHOOoOoo']);
  });
});

/** One QUIC packet as tshark dissects it (without keys: the header is enough). */
interface TsPacket {
  frame: number;
  client: string;
  fromClient: boolean;
  long: number | null;
  fixedBitZero: boolean;
}

/** tshark's QUIC packets of a capture, coalesced ones apart, with the client endpoint of their 4-tuple (`servers`: the server endpoints). */
function tsharkPackets(file: string, servers: Set<string>): TsPacket[] {
  const r = spawnSync('tshark', ['-n', '-r', file, '-Y', 'quic && !icmp', '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.number', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'quic.header_form', '-e', 'quic.fixed_bit', '-e', 'quic.long.packet_type'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.status).toBe(0);
  const out: TsPacket[] = [];
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [frame, src, sport, dst, dport, forms, fixed, types] = line.split('\t');
    const from = `${src}:${sport}`, to = `${dst}:${dport}`;
    const fromClient = servers.has(to);
    const longTypes = types ? types.split(',').map(Number) : [];
    const fixedBits = fixed.split(',');
    let l = 0;
    forms.split(',').forEach((form, i) => {
      out.push({ frame: Number(frame), client: fromClient ? from : to, fromClient, long: form === '1' ? longTypes[l++] : null, fixedBitZero: fixedBits[i] === '0' });
    });
  }
  return out;
}

/**
 * The letters a history must hold, counted from tshark's packets (order aside): per side
 * an I / H / Z per Initial / Handshake / 0-RTT packet, an X per greased packet (discarded),
 * an O at the 1st, 2nd, 4th … short-header packet; S for the ClientHello, s when the
 * server's first Initial (its ServerHello) is not discarded.
 */
function expectedCounts(ps: TsPacket[]): Record<string, number> {
  const n: Record<string, number> = {};
  const inc = (k: string): void => { n[k] = (n[k] ?? 0) + 1; };
  const shorts = [0, 0];
  let serverFirstInitial: TsPacket | undefined;
  for (const p of ps) {
    const cased = (x: string): string => (p.fromClient ? x : x.toLowerCase());
    if (!p.fromClient && p.long === 0 && !serverFirstInitial) serverFirstInitial = p;
    if (p.fixedBitZero) { inc(cased('X')); continue; }
    if (p.long === null) {
      const k = ++shorts[p.fromClient ? 0 : 1];
      if ((k & (k - 1)) === 0) inc(cased('O'));
    } else inc(cased(['I', 'Z', 'H', 'R'][p.long]));
  }
  inc('S');
  if (serverFirstInitial && !serverFirstInitial.fixedBitZero) inc('s');
  return n;
}

function letterCounts(h: string): Record<string, number> {
  const n: Record<string, number> = {};
  for (const ch of h) n[ch] = (n[ch] ?? 0) + 1;
  return n;
}

describe.skipIf(!HAVE_TSHARK)('the fixtures: every letter accounted for by a packet tshark sees', () => {
  // captures whose every QUIC packet tshark ties to its connection without keys (no
  // migration), with no Retry or CONNECTION_CLOSE in an Initial (no record cut short)
  const files = ['ngtcp2-resumption-0rtt.pcap', 'ngtcp2-resumption-rejected.pcap', 'quicgo-0rtt.pcap', 'quicgo-0rtt-rejected.pcap', 'quicgo-stateless-reset.pcap', 'ngtcp2-h3.pcap', 'ngtcp2-chacha.pcap'];
  for (const name of files) {
    it(name, async () => {
      const r = await run(fixture(name));
      const servers = new Set(conns(r).map((c) => c.paths[0].server));
      const ps = tsharkPackets(fixture(name), servers);
      for (const c of conns(r)) {
        expect(c.history.length).toBeLessThan(100);
        expect(letterCounts(c.history)).toEqual(expectedCounts(ps.filter((p) => p.client === c.paths[0].client)));
      }
    });
  }
});

describe('the same history with and without the key log (Zeek reads only what needs no key)', () => {
  const keyed = ['ngtcp2-h3', 'ngtcp2-chacha', 'ngtcp2-migration', 'ngtcp2-nat-rebinding', 'ngtcp2-server-gone', 'ngtcp2-server-restart', 'quicgo-stateless-reset', 'ngtcp2-resumption-0rtt', 'ngtcp2-resumption-rejected', 'quicgo-0rtt', 'quicgo-0rtt-rejected'];
  for (const name of keyed) {
    it(name, async () => {
      const without = await run(fixture(`${name}.pcap`));
      const withKeys = await run(fixture(`${name}.pcap`), fixture(`${name}.keylog.txt`));
      expect(conns(withKeys).map((c) => c.history)).toEqual(conns(without).map((c) => c.history));
      expect(conns(without).every((c) => /^IS/.test(c.history))).toBe(true);
    });
  }
});

describe("main.zeek's record rules", () => {
  const { INITIAL: I, HANDSHAKE: H, ZERO_RTT: Z, RETRY: R, VERSION_NEGOTIATION: VN, ONE_RTT: S } = PacketType;
  /** A connection with packets [frame, type (| FIXED_BIT_ZERO), 0 client / 1 server], its ClientHello in frame 1. */
  const conn = (packets: [number, number, number][], more: Partial<QuicConn> = {}): QuicConn => {
    const c = Object.assign(new QuicConn(new IntLog(), new TimelineLog()), { clientHelloFrame: 1 }, more);
    for (const [frame, type, dir] of packets) c.timeline.push(frame, 0, type, dir, 0);
    return c;
  };

  it('short-header packets at the 1st, 2nd, 4th, 8th … of each side', () => {
    const shorts: [number, number, number][] = Array.from({ length: 9 }, (_, i) => [3 + i, S, 0]);
    expect(zeekHistory(conn([[1, I, 0], [2, I, 1], ...shorts]))).toBe('ISisOOOO');
  });

  it('a CONNECTION_CLOSE in an Initial ends the record: short-header packets after it are dropped until the next long header', () => {
    const c = conn([[1, I, 0], [2, I, 1], [3, S, 1], [4, I, 0], [5, S, 0], [6, S, 1], [7, H, 0], [8, S, 0]], { initialCloses: [{ frame: 4, fromClient: true }] });
    // 5: the client's 1st short packet, 6: the server's 2nd — no record; 8: the client's 2nd, after H opened one
    expect(zeekHistory(c)).toBe('ISisoICHO');
  });

  it('Retry: the record ends, the client\'s next Initial repeats the ClientHello; Version Negotiation and unreadable versions: U', () => {
    expect(zeekHistory(conn([[1, I, 0], [2, R, 1], [3, I, 0], [4, I, 1]]))).toBe('ISrISis');
    expect(zeekHistory(conn([[1, I, 0], [2, VN, 1], [3, I, 0]], { opaqueFrames: [1], clientHelloFrame: 3 }))).toBe('UuIS');
  });

  it('greased packets are discarded (X), the ServerHello with them; none counts as a short-header packet', () => {
    const c = conn([[1, I, 0], [1, Z, 0], [2, I | FIXED_BIT_ZERO, 1], [2, H, 1], [3, S | FIXED_BIT_ZERO, 0], [4, S, 0], [5, I, 1]]);
    expect(zeekHistory(c)).toBe('ISZxhXOi');
  });

  it('at most 100 letters per record', () => {
    const zs: [number, number, number][] = Array.from({ length: 150 }, (_, i) => [2 + i, Z, 0]);
    const h = zeekHistory(conn([[1, I, 0], ...zs]));
    expect(h).toHaveLength(100);
    expect(h).toBe('IS' + 'Z'.repeat(98));
  });
});

// Session resumption and 0-RTT (issue 12, item 7): quic.resumption and quic.zero-rtt on
// the four fixtures recorded from ngtcp2 and quic-go (fixtures/quic/README.md), with and
// without the key log, held against the facts tshark confirms (resumption-cases.ts,
// resumption-fixtures.test.ts): the frames, the link to the connection that issued the
// ticket, the 0-RTT count, what the server made of the early data. And no other capture
// gets these events unless its ClientHello offers a PSK or its client sends 0-RTT (tshark
// is the oracle where installed; the list is pinned either way).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, FIXTURES_QUIC, haveShared, run, shared, SHARED_QUIC, type Run } from './helpers';
import { quicTracker } from '../../../analysis/quic/query';
import { RESUMPTION_CASES } from './resumption-cases';

const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0;

interface Resumption {
  by: string | null;
  ticketFrame: number | null;
  pskAccepted: boolean | null;
  earlyData: string | null;
}
type Conn = Run['quic'][number] & { history: string; zeroRttPackets: number; resumedFrom: number | null; resumption: Resumption | null };

const conns = (r: Run): Conn[] => r.quic as Conn[];
/** The flow id of a connection's first path. */
const flowOf = (r: Run, c: Conn): number => r.json.flows.find((f) => f.client === c.paths[0].client && f.server === c.paths[0].server)!.id;

describe('QUIC resumption and 0-RTT: the four fixtures', () => {
  for (const c of RESUMPTION_CASES) {
    for (const keyed of [true, false]) {
      describe(`${c.name} ${keyed ? 'with' : 'without'} the key log`, () => {
        let got: Run | undefined;
        const r = async (): Promise<Run> => (got ??= await run(fixture(`${c.name}.pcap`), keyed ? fixture(`${c.name}.keylog.txt`) : undefined));

        it('connection 1 resumes connection 0: by its ticket with the key log, by SNI and client host without (marked so)', async () => {
          const [first, second] = conns(await r());
          expect(first.resumedFrom).toBeNull();
          expect(first.resumption).toBeNull();
          expect(first.zeroRttPackets).toBe(0);
          expect(second.resumedFrom).toBe(0);
          expect(second.resumption).toEqual({
            by: keyed ? 'psk-identity' : 'sni-client-host',
            ticketFrame: keyed ? c.ticket : null,
            pskAccepted: c.resumed,
            // without keys: a server that resumed may still have refused the early data (quicgo-0rtt-rejected);
            // one that did not resume cannot have accepted it (RFC 8446 4.2.10)
            earlyData: keyed ? (c.accepted ? 'accepted' : 'rejected') : c.resumed ? 'unknown' : 'rejected',
          });
          expect(second.zeroRttPackets).toBe(c.zeroRttPackets);
        });

        it('quic.resumption at the second ClientHello, on its flow, naming the earlier connection and the ServerHello', async () => {
          const x = await r();
          const second = conns(x)[1];
          const ev = x.events.filter((e) => e.kind === 'quic.resumption');
          expect(ev.map((e) => [e.frame, e.flow, e.severity])).toEqual([[c.clientHellos[1], flowOf(x, second), 'info']]);
          const m = ev[0].message;
          expect(m).toContain(`connection 1 (${second.paths[0].client} → ${second.paths[0].server}) offers a pre-shared key in its ClientHello`);
          if (keyed) expect(m).toContain(`the ticket is connection 0's (${conns(x)[0].paths[0].client}): the offered PSK identity is the ticket of its NewSessionTicket in frame ${c.ticket}`);
          else expect(m).toMatch(/probably connection 0's \(10\.92\.0\.1:\d+\), the latest earlier connection from the same client host to 10\.92\.0\.2:\d+ with SNI quic\.stateline\.test \(inferred: /);
          expect(m).toContain(c.resumed
            ? `the server resumes the session: its ServerHello in frame ${c.serverHello} selects PSK identity 0`
            : `the server does not resume the session: its ServerHello in frame ${c.serverHello} selects no PSK (a full handshake)`);
          expect(ev[0].related).toEqual(keyed ? [c.ticket, c.serverHello] : [c.clientHellos[0], c.serverHello]);
        });

        it('quic.zero-rtt at the first 0-RTT packet: the count, the frames, the ticket, accepted or rejected (or honestly unknown)', async () => {
          const x = await r();
          const ev = x.events.filter((e) => e.kind === 'quic.zero-rtt');
          expect(ev.map((e) => [e.frame, e.flow, e.severity])).toEqual([[c.zeroRtt[0], flowOf(x, conns(x)[1]), 'info']]);
          const m = ev[0].message;
          const n = c.zeroRttPackets;
          expect(m).toContain(`the client sends ${n} 0-RTT packet${n === 1 ? '' : 's'} on connection 1 (frame${n === 1 ? '' : 's'} ${c.zeroRtt.join(', ')})`);
          expect(m).toContain(keyed ? `connection 0 (its NewSessionTicket in frame ${c.ticket})` : 'probably connection 0 (same SNI and client host)');
          if (keyed) {
            expect(m).toContain(c.accepted
              ? `the server accepts it: its EncryptedExtensions in frame ${c.serverHello} carries early_data`
              : `the server rejects it: its EncryptedExtensions in frame ${c.serverHello} has no early_data`);
          } else if (c.resumed) {
            expect(m).toContain(`the server resumes the session (its ServerHello in frame ${c.serverHello} selects the ticket), but whether it accepts the early data is said only in its encrypted EncryptedExtensions: unknown without the key log`);
          } else {
            expect(m).toContain(`the server rejects it: its ServerHello in frame ${c.serverHello} resumes no session (a full handshake)`);
          }
          expect(ev[0].related).toEqual([...c.zeroRtt.slice(1), ...(keyed ? [c.ticket] : []), c.serverHello].sort((a, b) => a - b));
        });

        it("the history has the 0-RTT packets (Z) right after the resumed connection's ClientHello", async () => {
          const [first, second] = conns(await r());
          expect(first.history).toMatch(/^IS/);
          expect(first.history).not.toContain('Z');
          // the 0-RTT packets follow the ClientHello before the server answers
          expect(second.history.startsWith(`IS${'Z'.repeat(c.zeroRttPackets)}`)).toBe(true);
          expect(second.history.replace(/[^Z]/g, '')).toHaveLength(c.zeroRttPackets);
        });
      });
    }
  }
});

describe('QUIC 0-RTT decryption (RFC 9001 5): the four fixtures', () => {
  /** The key log without its CLIENT_EARLY_TRAFFIC_SECRET, in a temporary file. */
  function withoutEarlySecret(keylog: string, dir: string): string {
    const out = join(dir, 'keylog.txt');
    writeFileSync(out, readFileSync(keylog, 'utf8').split('\n').filter((l) => !l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET ')).join('\n'));
    return out;
  }

  for (const c of RESUMPTION_CASES) {
    it(`${c.name}: the 0-RTT packets decrypt with the early secret, in the application data space; without it they stay protected`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'stateline-0rtt-'));
      try {
        const keyed = await run(fixture(`${c.name}.pcap`), fixture(`${c.name}.keylog.txt`));
        const noEarly = await run(fixture(`${c.name}.pcap`), withoutEarlySecret(fixture(`${c.name}.keylog.txt`), dir));
        // the early secret opens exactly the 0-RTT packets: nothing else depends on it
        expect(conns(keyed)[1].decryptedPackets - conns(noEarly)[1].decryptedPackets).toBe(c.zeroRttPackets);
        expect(conns(keyed)[0].decryptedPackets).toBe(conns(noEarly)[0].decryptedPackets);
        const streams = (r: Run) => quicTracker(r.analysis)!.conns[1].streamFrames ?? [];
        // every frame holding a 0-RTT packet gave STREAM data (the early request), and only those are marked 0-RTT
        const early = streams(keyed).filter((f) => f.zeroRtt);
        expect([...new Set(early.map((f) => f.frame))].sort((x, y) => x - y)).toEqual(c.zeroRtt);
        expect(early.every((f) => f.fromClient)).toBe(true);
        // one packet number space with 1-RTT (RFC 9000 12.3): the client's 1-RTT STREAM packets (all but
        // quic-go's accepted case, whose client sends all its data early) number on after its 0-RTT ones
        const oneRtt = streams(keyed).filter((f) => f.fromClient && !f.zeroRtt);
        expect(oneRtt.length > 0).toBe(c.name !== 'quicgo-0rtt');
        for (const f of oneRtt) expect(f.pn).toBeGreaterThan(Math.max(...early.map((e) => e.pn)));
        expect(streams(noEarly).filter((f) => f.zeroRtt)).toEqual([]);
        // the rest is the same: the events and what the analysis knows of the connections
        expect(noEarly.kinds).toEqual(keyed.kinds);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** Every capture to hold to "no PSK offered, no 0-RTT sent: no such events". */
function captures(): string[] {
  const files = readdirSync(join(FIXTURES_QUIC, '..'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.pcap(ng)?$/.test(f) && !f.startsWith('bad/'))
    .map((f) => join(FIXTURES_QUIC, '..', f));
  if (haveShared) files.push(...readdirSync(SHARED_QUIC).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(SHARED_QUIC, f)));
  return files.sort();
}

/** tshark's frames of ClientHellos that offer a PSK, and of the first 0-RTT packet. */
function oracle(file: string): { psk: number[]; zeroRtt: number[] } {
  const r = spawnSync('tshark', ['-n', '-r', file, '-Y', 'quic && !icmp', '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.number', '-e', 'tls.handshake.type', '-e', 'tls.handshake.extension.type', '-e', 'quic.long.packet_type'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const psk: number[] = [];
  const zeroRtt: number[] = [];
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [frame, hs, ext, types] = line.split('\t');
    if (hs.split(',').includes('1') && ext.split(',').includes('41')) psk.push(Number(frame));
    if (types.split(',').includes('1')) zeroRtt.push(Number(frame));
  }
  return { psk, zeroRtt };
}

describe('no quic.resumption or quic.zero-rtt without a PSK offered or 0-RTT sent', () => {
  if (!haveShared) console.log(`shared captures not found at ${SHARED_QUIC}: only the fixtures are checked`);
  // the captures that do carry them: the four above, Chromium resuming a session from
  // before the capture (the server accepts it), Quinn's client reconnecting with its ticket
  const expected: Record<string, [number, string][]> = {
    'ngtcp2-resumption-0rtt.pcap': [[18, 'quic.resumption'], [18, 'quic.zero-rtt']],
    'ngtcp2-resumption-rejected.pcap': [[15, 'quic.resumption'], [15, 'quic.zero-rtt']],
    'quicgo-0rtt.pcap': [[29, 'quic.resumption'], [30, 'quic.zero-rtt']],
    'quicgo-0rtt-rejected.pcap': [[20, 'quic.resumption'], [21, 'quic.zero-rtt']],
    'zeek-chromium-115-api-cirrus-com.pcap': [[1, 'quic.resumption']],
    'anemo-stateless-reset.pcap': [[75, 'quic.resumption']],
  };
  it.each(captures().map((f) => [f.slice(f.lastIndexOf('/') + 1), f]))('%s', async (name, file) => {
    const r = await run(file);
    const item7 = r.kinds.filter(([, k]) => k === 'quic.resumption' || k === 'quic.zero-rtt');
    expect(item7).toEqual(expected[name] ?? []);
    // the JSON says the same: connections with 0-RTT packets, connections offering a PSK
    expect(conns(r).filter((c) => c.zeroRttPackets > 0)).toHaveLength(item7.filter(([, k]) => k === 'quic.zero-rtt').length);
    expect(conns(r).filter((c) => c.resumption !== null)).toHaveLength(item7.filter(([, k]) => k === 'quic.resumption').length);
    if (HAVE_TSHARK && file.includes('/quic/')) {
      const o = oracle(file);
      expect(item7.filter(([, k]) => k === 'quic.resumption').map(([f]) => f)).toEqual(o.psk);
      // one event per connection, at its first 0-RTT packet (each of these captures has one such connection)
      expect(item7.filter(([, k]) => k === 'quic.zero-rtt').map(([f]) => f)).toEqual(o.zeroRtt.slice(0, 1));
    }
  });

  it('the chromium capture resumes a session from before the capture: the server accepts the PSK, no earlier connection is named', async () => {
    if (!haveShared) return;
    const r = await run(shared('zeek-chromium-115-api-cirrus-com.pcap'));
    expect(conns(r)[0]).toMatchObject({ resumedFrom: null, zeroRttPackets: 0, resumption: { by: null, ticketFrame: null, pskAccepted: true, earlyData: null } });
    expect(r.events.find((e) => e.kind === 'quic.resumption')!.message).toContain('no earlier connection in the capture from the same client host to 110.213.53.115:443 with SNI api.cirrus-ci.com: the ticket comes from a connection the capture does not hold; the server resumes the session: its ServerHello in frame 2 selects PSK identity 0');
  });
});

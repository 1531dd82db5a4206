// The QUIC session-resumption and 0-RTT fixtures recorded by
// fixtures/quic/record-quic-resumption.sh (issue 12, item 7; see fixtures/quic/README.md):
// each capture holds two connections from one client host to one server, the first
// issuing a session ticket and the second offering it with 0-RTT data. The facts the
// analysis is to find are checked here with tshark (Wireshark 4.0), with and without the
// key log, at the frames the README names (resumption-cases.ts); the analysis is held
// against them in resumption.test.ts.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers';
import { RESUMPTION_CASES as CASES } from './resumption-cases';

const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0;

// TLS extension and handshake numbers (RFC 8446 4.2, 4)
const PRE_SHARED_KEY = '41';
const EARLY_DATA = '42';
const SERVER_HELLO = '2';
const ENCRYPTED_EXTENSIONS = '8';
const CERTIFICATE = '11';
const NEW_SESSION_TICKET = '4';
const ZERO_RTT = '1'; // QUIC long header packet type (RFC 9000 17.2)

interface Frame {
  frame: number;
  src: string;
  dst: string;
  headerForms: string[];
  longTypes: string[];
  handshakeTypes: string[];
  extensions: string[];
  sni: string;
  pskIdentity: string;
  pskSelected: string;
  ticket: string;
  maxEarlyData: string;
}

const FIELDS = [
  'frame.number', 'ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'quic.header_form', 'quic.long.packet_type',
  'tls.handshake.type', 'tls.handshake.extension.type', 'tls.handshake.extensions_server_name',
  'tls.handshake.extensions.psk.identity.identity', 'tls.handshake.extensions.psk.identity.selected',
  'tls.handshake.session_ticket', 'tls.early_data.max_early_data_size',
];

/** tshark's view of a capture's QUIC frames (not those quoted in ICMP errors), with or without a key log. */
function tshark(file: string, keylog?: string): Frame[] {
  const args = ['-n', '-r', file, ...(keylog ? ['-o', `tls.keylog_file:${keylog}`] : []), '-Y', 'quic && !icmp', '-T', 'fields', '-E', 'separator=\t', ...FIELDS.flatMap((f) => ['-e', f])];
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.status).toBe(0);
  const list = (s: string) => (s ? s.split(',') : []);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const c = line.split('\t');
    return {
      frame: Number(c[0]), src: `${c[1]}:${c[2]}`, dst: `${c[3]}:${c[4]}`, headerForms: list(c[5]), longTypes: list(c[6]),
      handshakeTypes: list(c[7]), extensions: list(c[8]), sni: c[9], pskIdentity: c[10], pskSelected: c[11], ticket: c[12], maxEarlyData: c[13],
    };
  });
}

const host = (addr: string) => addr.slice(0, addr.lastIndexOf(':'));

describe.skipIf(!HAVE_TSHARK)('QUIC resumption and 0-RTT fixtures: the facts, by tshark', () => {
  if (!HAVE_TSHARK) console.log('tshark not installed: the facts of the QUIC resumption fixtures are not checked (test/analysis/quic/resumption-fixtures.test.ts)');
  for (const c of CASES) {
    describe(c.name, () => {
      const pcap = fixture(`${c.name}.pcap`);
      const keylog = fixture(`${c.name}.keylog.txt`);
      let frames: Frame[] | undefined;
      const keyed = (): Frame[] => (frames ??= tshark(pcap, keylog));
      const at = (n: number) => keyed().find((f) => f.frame === n)!;

      it('two connections, one client host to one server, the same SNI; only the second ClientHello offers a ticket and early data', () => {
        const hellos = keyed().filter((f) => f.handshakeTypes.includes('1'));
        expect(hellos.map((f) => f.frame)).toEqual(c.clientHellos);
        const [first, second] = hellos;
        expect(host(first.src)).toBe('10.92.0.1');
        expect(host(second.src)).toBe(host(first.src));
        expect(second.src).not.toBe(first.src); // a new UDP port: a new connection, not a migration
        expect(second.dst).toBe(first.dst);
        expect(first.sni).toBe('quic.stateline.test');
        expect(second.sni).toBe(first.sni);
        expect(first.extensions).not.toContain(PRE_SHARED_KEY);
        expect(first.extensions).not.toContain(EARLY_DATA);
        expect(second.extensions).toContain(EARLY_DATA);
        // pre_shared_key must be the ClientHello's last extension (RFC 8446 4.2.11)
        expect(second.extensions.at(-1)).toBe(PRE_SHARED_KEY);
      });

      it('the first connection gets its ticket in a 1-RTT packet, seen only with the key log; the second offers that ticket as its PSK identity', () => {
        const nst = at(c.ticket);
        expect(nst.src).toBe(at(c.clientHellos[0]).dst);
        expect(nst.frame).toBeLessThan(c.clientHellos[1]);
        expect(nst.headerForms).toEqual(['0']); // short header: 1-RTT
        expect(nst.handshakeTypes).toEqual([NEW_SESSION_TICKET]);
        expect(nst.extensions).toEqual([EARLY_DATA]); // the ticket allows 0-RTT ...
        expect(nst.maxEarlyData).toBe('4294967295'); // ... of any size (0xffffffff)
        expect(keyed().filter((f) => f.frame < c.clientHellos[1] && f.handshakeTypes.includes(NEW_SESSION_TICKET)).map((f) => f.frame)).toEqual([c.ticket]);
        // the PSK identity of a TLS 1.3 resumption is the ticket itself
        expect(at(c.clientHellos[1]).pskIdentity).toBe(nst.ticket);
        expect(nst.ticket.length).toBeGreaterThan(64);
        const keyless = tshark(pcap).find((f) => f.frame === c.ticket)!;
        expect(keyless.handshakeTypes).toEqual([]);
      });

      it('the 0-RTT packets: long header type 0-RTT, all from the second connection\'s client, the same frames without the key log', () => {
        const second = at(c.clientHellos[1]).src;
        const zero = keyed().filter((f) => f.longTypes.includes(ZERO_RTT));
        expect(zero.map((f) => f.frame)).toEqual(c.zeroRtt);
        // packets, not frames: a 0-RTT packet may be coalesced with another
        expect(zero.flatMap((f) => f.longTypes).filter((t) => t === ZERO_RTT)).toHaveLength(c.zeroRttPackets);
        for (const f of zero) expect(f.src).toBe(second);
        // the long header's type is not header-protected: a capture without keys counts them too
        expect(tshark(pcap).filter((f) => f.longTypes.includes(ZERO_RTT)).map((f) => f.frame)).toEqual(c.zeroRtt);
      });

      it(`the server ${c.resumed ? 'resumes the session' : 'does not resume (full handshake)'} and ${c.accepted ? 'accepts' : 'rejects'} the early data`, () => {
        const sh = at(c.serverHello);
        expect(sh.src).toBe(at(c.clientHellos[1]).dst);
        expect(sh.handshakeTypes.slice(0, 2)).toEqual([SERVER_HELLO, ENCRYPTED_EXTENSIONS]);
        // pre_shared_key in the ServerHello names the selected identity; a resumed
        // handshake has no Certificate
        expect(sh.extensions.includes(PRE_SHARED_KEY)).toBe(c.resumed);
        expect(sh.pskSelected).toBe(c.resumed ? '0' : '');
        expect(sh.handshakeTypes.includes(CERTIFICATE)).toBe(!c.resumed);
        // a server flight holds no NewSessionTicket and a ServerHello never carries
        // early_data: here it can only be EncryptedExtensions' (RFC 8446 4.2.10)
        expect(sh.extensions.includes(EARLY_DATA)).toBe(c.accepted);
      });
    });
  }
});

// The QUIC fixtures recorded from real stacks by fixtures/quic/record-quic.sh (ngtcp2's
// example client/server and quic-go in network namespaces; see fixtures/quic/README.md):
// connections, paths, CIDs and events at exact frames, with and without the key log.
import { describe, expect, it } from 'vitest';
import { quicPacketTypes, quicTimeline } from '../../../analysis/quic/query';
import { fixture, range, run } from './helpers';

const keys = (name: string): string => fixture(`${name}.keylog.txt`);

describe('ngtcp2-h3: a complete HTTP/3 exchange', () => {
  it('without the key log: one connection, SNI/ALPN from the decrypted client Initial', async () => {
    const r = await run(fixture('ngtcp2-h3.pcap'));
    expect(r.quic).toHaveLength(1);
    const c = r.quic[0];
    expect(c).toMatchObject({ number: 0, versions: ['0x00000001'], sni: 'localhost', alpn: ['h3'] });
    expect(c.clientCids).toEqual(['8e154cb71700d9e8c392b86d9adf0f9353']);
    expect(c.serverCids).toEqual(['25c8f294db05cb521221b98b02de3a49b764']);
    expect(c.paths).toEqual([{ client: '10.83.0.1:33512', server: '10.83.0.2:4433', firstFrame: 1, lastFrame: 14 }]);
    expect(c.frames).toEqual(range(1, 14));
    // Initial decryption only where it pays: the client's first Initial, once
    expect(c.decryptedPackets).toBe(1);
    expect(r.kinds).toEqual([]);
    expect(r.json.flows[0].app).toBe('quic');
  });

  it('with the key log: NEW_CONNECTION_ID CIDs, HANDSHAKE_DONE, the closing CONNECTION_CLOSE', async () => {
    const r = await run(fixture('ngtcp2-h3.pcap'), keys('ngtcp2-h3'));
    const c = r.quic[0];
    expect(c.clientCids).toHaveLength(7);
    expect(c.serverCids).toHaveLength(7);
    expect(c.handshakeDoneFrame).toBe(12);
    expect(r.kinds).toEqual([[14, 'quic.connection-close']]);
    expect(r.events[0].severity).toBe('info');
    expect(r.events[0].message).toContain('H3_NO_ERROR');
  });

  it("with the key log: the server's transport parameters from EncryptedExtensions (frame 2), not overwritten by the NewSessionTicket (frame 12)", async () => {
    // each encryption level has its own CRYPTO stream (RFC 9001 4.1.3): the ticket, at
    // offset 0 of the 1-RTT stream, once landed on EncryptedExtensions at offset 0 of the
    // Handshake stream and left no transport parameters. Values as tshark decodes them.
    const r = await run(fixture('ngtcp2-h3.pcap'), keys('ngtcp2-h3'));
    expect(r.quic[0]).toMatchObject({ serverTransportParameters: {
      originalDestinationCid: '29ce8593b11d94904be0c647a4f3e0cbaaf2',
      initialSourceCid: '25c8f294db05cb521221b98b02de3a49b764',
      statelessResetToken: 'e03478bde28f5600ffd7ea1cd71b61ee',
    } });
  });

  it('exposes packet types over time for the UI', async () => {
    const r = await run(fixture('ngtcp2-h3.pcap'));
    const tl = quicTimeline(r.analysis, 0)!;
    expect(tl.points[0]).toMatchObject({ frame: 1, type: 'Initial', from: 'client', path: 0, count: 1 });
    expect(tl.points.map((p) => p.type)).toContain('Handshake');
    expect(tl.points.map((p) => p.type)).toContain('1-RTT');
    const small = quicTimeline(r.analysis, 0, { maxPoints: 8 })!;
    expect(small.downsampled).toBe(true);
    expect(small.points.reduce((n, p) => n + p.count, 0)).toBe(tl.total);
  });

  it('packet types over time, counted as tshark counts the QUIC packets', async () => {
    // tshark -r ngtcp2-h3.pcap -Y quic -T fields -e frame.number -e frame.time_epoch
    //   -e quic.long.packet_type -e quic.header_form: 18 QUIC packets in 14 frames. Frame 1
    // Initial; 2 Initial, Handshake, Handshake, 1-RTT (coalesced); 3 Handshake; 4
    // Handshake, 1-RTT; 5–9 1-RTT; 10 Handshake; 11–14 1-RTT. Span: frame 1 at
    // .676805 s to frame 14 at .707664 s.
    const r = await run(fixture('ngtcp2-h3.pcap'));
    const t1 = 1795865357.676805, t14 = 1795865357.707664;
    const sum = (pts: { type: string; count: number }[]) => Object.fromEntries(['Initial', 'Handshake', '1-RTT'].map((t) => [t, pts.filter((p) => p.type === t).reduce((n, p) => n + p.count, 0)]));
    const one = quicPacketTypes(r.analysis, 0, 1);
    expect(one.map((p) => [p.type, p.count])).toEqual([['Initial', 2], ['Handshake', 5], ['1-RTT', 11]]);
    expect(one[0].t).toBeCloseTo((t1 + t14) / 2, 6);
    // 3 buckets of 10.29 ms: frames 1–3 in the first, none in the second, 4–14 in the last
    const three = quicPacketTypes(r.analysis, 0, 3);
    const w = (t14 - t1) / 3;
    expect(three.map((p) => [p.type, Math.round((p.t - t1) / w - 0.5), p.count])).toEqual([
      ['Initial', 0, 2], ['Handshake', 0, 3], ['Handshake', 2, 2], ['1-RTT', 0, 1], ['1-RTT', 2, 10],
    ]);
    // never more buckets than packets, whatever maxPoints asks
    const all = quicPacketTypes(r.analysis, 0, 1000);
    expect(sum(all)).toEqual({ Initial: 2, Handshake: 5, '1-RTT': 11 });
    expect(new Set(all.map((p) => p.t)).size).toBeLessThanOrEqual(18);
    expect(quicPacketTypes(r.analysis, 1, 10)).toEqual([]);
  });
});

describe('ngtcp2-chacha: the same exchange with TLS_CHACHA20_POLY1305_SHA256 only', () => {
  it('with the key log: every Handshake and 1-RTT packet decrypted with ChaCha20-Poly1305, as tshark does', async () => {
    const r = await run(fixture('ngtcp2-chacha.pcap'), keys('ngtcp2-chacha'));
    const c = r.quic[0];
    expect(c.sni).toBe('localhost');
    expect(c.clientCids).toHaveLength(7);
    expect(c.serverCids).toHaveLength(7);
    expect(c.handshakeDoneFrame).toBe(12);
    expect(r.kinds).toEqual([[14, 'quic.connection-close']]);
    expect(r.events[0].message).toContain('H3_NO_ERROR');
    // tshark decrypts 18 packets; the 18th (frame 13) was cut at the 2048-byte snap
    // length (3550 bytes of UDP payload on the wire), so no AEAD can verify it. One is
    // the client's first 1-RTT packet, coalesced in frame 4 with its fixed bit greased
    // (RFC 9287: first byte 0x07 on the wire).
    expect(c.decryptedPackets).toBe(17);
  });

  it('without the key log: only the client Initial is read (the suite protects nothing before Handshake)', async () => {
    const r = await run(fixture('ngtcp2-chacha.pcap'));
    expect(r.quic[0].decryptedPackets).toBe(1);
    expect(r.quic[0].clientCids.length).toBeLessThan(7);
  });
});

describe('ngtcp2-h3-dsb: the same capture with its key log embedded (pcapng decryption-secrets block)', () => {
  it('decrypts with the embedded secrets, no --keylog needed', async () => {
    const r = await run(fixture('ngtcp2-h3-dsb.pcapng'));
    expect(r.analysis.info.secrets.map((s) => s.type)).toEqual([0x544c534b]);
    expect(r.quic[0].clientCids).toHaveLength(7);
    expect(r.kinds).toEqual([[14, 'quic.connection-close']]);
  });

  it('keeps every packet once the secrets block is read: a long connection decrypts as with --keylog', async () => {
    // 63 packets to decrypt, beyond what is kept for secrets that might come later;
    // the CONNECTION_CLOSE in frame 75 is the last of them.
    const embedded = await run(fixture('ngtcp2-migration-dsb.pcapng'));
    const withKeylog = await run(fixture('ngtcp2-migration.pcap'), keys('ngtcp2-migration'));
    expect(embedded.kinds).toEqual([[16, 'quic.migration'], [75, 'quic.connection-close']]);
    expect(embedded.kinds).toEqual(withKeylog.kinds);
    expect(embedded.quic[0].decryptedPackets).toBe(withKeylog.quic[0].decryptedPackets);
    expect(embedded.quic[0].decryptedPackets).toBe(63);
  });
});

describe('ngtcp2-migration: active migration to a new local port (--change-local-addr)', () => {
  it('with the key log: the new path is proven by the NEW_CONNECTION_ID CIDs, with path validation', async () => {
    const r = await run(fixture('ngtcp2-migration.pcap'), keys('ngtcp2-migration'));
    expect(r.quic).toHaveLength(1);
    const c = r.quic[0];
    expect(c.paths).toEqual([
      { client: '10.83.0.1:35879', server: '10.83.0.2:4433', firstFrame: 1, lastFrame: 28 },
      { client: '10.83.0.1:45755', server: '10.83.0.2:4433', firstFrame: 16, lastFrame: 75 },
    ]);
    expect(c.frames).toEqual(range(1, 75));
    expect(c.inferredFrames).toEqual([]);
    expect(r.kinds).toEqual([[16, 'quic.migration'], [75, 'quic.connection-close']]);
    expect(r.events[0].message).toContain('PATH_CHALLENGE / PATH_RESPONSE) in frames 16, 17');
  });

  it('without the key log: the new path is inferred (Wireshark leaves it as plain UDP) and marked so', async () => {
    const r = await run(fixture('ngtcp2-migration.pcap'));
    const c = r.quic[0];
    expect(c.paths[1]).toEqual({ client: '10.83.0.1:45755', server: '10.83.0.2:4433', firstFrame: 16, lastFrame: 75, inferred: true });
    // frames with the connection's CIDs vs frames attributed by inference: together, all of them
    expect([...c.frames, ...c.inferredFrames].sort((x, y) => x - y)).toEqual(range(1, 75));
    expect(r.kinds).toEqual([[16, 'quic.migration']]);
    expect(r.events[0].message).toMatch(/probably continues on a new path .*inferred: same server 10\.83\.0\.2:4433/);
    expect(r.events[0].message).toContain('PATH_CHALLENGE-sized first datagrams');
  });

  it('without the key log: the reasoning names the client leaving the old path (15) and the server answering on the new one (19)', async () => {
    const r = await run(fixture('ngtcp2-migration.pcap'));
    const m = r.events[0];
    expect(m.message).toContain("the client's last packet on the old path was frame 15, 0.600 s before");
    expect(m.message).toContain('the server answers on the new path from frame 19');
    expect(m.message).toContain("was 10.83.0.1:35879 → 10.83.0.2:4433, last frame 28: the server's, still sent to the old address after the client had moved");
    expect(m.related).toEqual([15, 19, 28]);
  });

  it("the old path ends in 28, after the new one began in 16: the server's last packet to the old address, the same with and without the key log", async () => {
    // Decided: a path's first/last frame are the first/last packet seen on its 4-tuple in
    // either direction, as the key log proves them (both paths by CID). In a migration
    // they overlap: the client leaves the old path (its last packet there is 15), the
    // server answers on the new path (19) and still sends to the old address until 28.
    // Cutting the old path at 16 would hide frame 28, which is the connection's by CID.
    const without = await run(fixture('ngtcp2-migration.pcap'));
    const keyed = await run(fixture('ngtcp2-migration.pcap'), keys('ngtcp2-migration'));
    const spans = (x: typeof without) => x.quic[0].paths.map((p) => [p.client, p.firstFrame, p.lastFrame]);
    expect(spans(without)).toEqual([['10.83.0.1:35879', 1, 28], ['10.83.0.1:45755', 16, 75]]);
    expect(spans(without)).toEqual(spans(keyed));
    // frame 28 goes server → old client address and carries the connection's CID (not inferred)
    expect(without.quic[0].frames).toContain(28);
    expect(without.quic[0].inferredFrames).not.toContain(28);
    const rows = without.analysis.columns;
    const flowOf = (frame: number) => without.json.flows.find((f) => f.id === rows.flow[frame - 1])!;
    expect(flowOf(28).client).toBe('10.83.0.1:35879');
    expect(flowOf(15).client).toBe('10.83.0.1:35879');
    expect(flowOf(19).client).toBe('10.83.0.1:45755');
    expect([rows.dir[15 - 1], rows.dir[19 - 1], rows.dir[28 - 1]]).toEqual([0, 1, 1]); // client, server, server
  });
});

describe('ngtcp2-nat-rebinding: the client port changes, CIDs stay (--nat-rebinding)', () => {
  for (const withKeys of [false, true]) {
    it(`${withKeys ? 'with' : 'without'} the key log: one connection, a migration at frame 16`, async () => {
      const r = await run(fixture('ngtcp2-nat-rebinding.pcap'), withKeys ? keys('ngtcp2-nat-rebinding') : undefined);
      expect(r.quic).toHaveLength(1);
      const c = r.quic[0];
      expect(c.paths.map((p) => [p.client, p.firstFrame, p.lastFrame, !!p.inferred])).toEqual([
        ['10.83.0.1:42592', 1, 26, false],
        ['10.83.0.1:56568', 16, 68, false],
      ]);
      expect(c.frames).toEqual(range(1, 68));
      expect(r.kinds[0]).toEqual([16, 'quic.migration']);
      expect(r.json.flows.map((f) => f.app)).toEqual(['quic', 'quic']);
    });
  }
});

describe('ngtcp2-server-gone: the server process is killed and not restarted', () => {
  for (const withKeys of [false, true]) {
    it(`${withKeys ? 'with' : 'without'} the key log: client packets answered only by ICMP port unreachable`, async () => {
      const r = await run(fixture('ngtcp2-server-gone.pcap'), withKeys ? keys('ngtcp2-server-gone') : undefined);
      expect(r.kinds).toEqual([[17, 'quic.server-gone']]);
      expect(r.events[0].severity).toBe('break');
      expect(r.events[0].message).toMatch(/^7 ICMP port unreachable answers .*server last heard in frame 14/);
      // the ICMP frames quote the connection's packets: they count among its frames
      expect(r.quic[0].frames).toEqual(range(1, 35));
    });
  }
});

describe('ngtcp2-server-restart: the server is killed and restarted, and stays silent', () => {
  for (const withKeys of [false, true]) {
    it(`${withKeys ? 'with' : 'without'} the key log: the client's packets go unanswered`, async () => {
      const r = await run(fixture('ngtcp2-server-restart.pcap'), withKeys ? keys('ngtcp2-server-restart') : undefined);
      // Debian's ngtcp2 0.12 example server does not send stateless resets for unknown connections
      expect(r.kinds).toEqual([[15, 'quic.server-silent']]);
      expect(r.events[0].message).toContain('14 more packets');
    });
  }
});

describe('quicgo-stateless-reset: a restarted quic-go server resets the old connection', () => {
  it('with the key log: the reset token matches the NEW_CONNECTION_ID the server issued', async () => {
    const r = await run(fixture('quicgo-stateless-reset.pcap'), keys('quicgo-stateless-reset'));
    expect(r.kinds).toEqual([[32, 'quic.stateless-reset']]);
    expect(r.events[0].message).toContain('ff1e1599021da1bf89b55588f08ed9b5');
    expect(r.events[0].message).toContain('NEW_CONNECTION_ID seq 1 (CID b3287343) in frame 3');
    const c = r.quic[0];
    expect(c.clientCids).toEqual([]); // quic-go's client uses zero-length CIDs
    expect(c.serverCids).toEqual(['960a6406', 'ab31f446', '931e287e', 'b3287343']);
    expect(c.frames).toEqual(range(1, 32));
  });

  it('without the key log: not flagged — with zero-length client CIDs a reset has no DCID to tell it apart (pinned limitation)', async () => {
    const r = await run(fixture('quicgo-stateless-reset.pcap'));
    expect(r.kinds).toEqual([]);
    // the client's switch to an unseen server CID (b3287343, from an encrypted NEW_CONNECTION_ID) is inferred from its repetition
    expect(r.quic[0].inferredFrames).toEqual([7, 12, 14, 15, 17, 20, 21, 24, 26, 28, 29, 31]);
  });
});

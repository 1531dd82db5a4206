// The recorded TCP fixtures (fixtures/tcp, made by fixtures/tcp/record-tcp.sh with the
// Linux kernel's TCP in network namespaces): the exact events at the exact frames, and
// the end states. The Wireshark flags were checked against `tshark -r F -Y
// tcp.analysis.flags` by hand and, where tshark is installed, again here.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFile, flagEvents, HAVE_TSHARK, states, tsharkFlags, unexpected, type Result } from './helpers';

const dir = resolve(__dirname, '../../../fixtures/tcp');
const load = (name: string): Promise<Result> => analyzeFile(resolve(dir, name));
const tcpOf = (r: Result, id = 1) => r.json.flows.find((f) => f.id === id)!.tcp!;

describe('recorded TCP fixtures', () => {
  it('tcp-clean-close.pcap: handshake, 20 000 bytes, client closes first — no events, SF', async () => {
    const r = await load('tcp-clean-close.pcap');
    expect(r.events).toEqual([]);
    expect(states(r)).toEqual(['1 SYN-SENT/LISTEN', '2 SYN-SENT/SYN-RECEIVED', '3 ESTABLISHED/ESTABLISHED', '34 FIN-WAIT-1/CLOSE-WAIT', '35 TIME-WAIT/LAST-ACK', '36 TIME-WAIT/CLOSED']);
    const t = tcpOf(r);
    expect([t.connState, t.history]).toEqual(['SF', 'ShADadFf']);
    expect(t.client).toMatchObject({ mss: 1460, windowScale: 10, windowScaleFrom: 'syn', sackPermitted: true, timestamps: true, finalState: 'TIME-WAIT' });
    expect(t.server).toMatchObject({ bytesSent: 20000, finalState: 'CLOSED' });
    expect(t.rtt!.samples).toBeGreaterThan(5);
  });

  it('tcp-refused.pcap: SYN to a closed port, RST,ACK back — tcp.refused on frame 2, REJ', async () => {
    const r = await load('tcp-refused.pcap');
    expect(r.events).toEqual(['2 tcp.refused']);
    expect(r.byKind('tcp.refused')[0]).toMatchObject({ severity: 'break', related: [1] });
    expect(r.byKind('tcp.refused')[0].message).toMatch(/^connection refused: SYN to 10\.81\.0\.2:8081 \(frame 1\) answered by RST after [\d.]+ ms — nothing listens on port 8081$/);
    expect(states(r)).toEqual(['1 SYN-SENT/CLOSED', '2 CLOSED/CLOSED']);
    expect(tcpOf(r).connState).toBe('REJ');
  });

  it('tcp-unanswered.pcap: a SYN and its 3 retransmissions (1 s, 2 s back-off) to a silent host — tcp.unanswered on frame 1, S0', async () => {
    const r = await load('tcp-unanswered.pcap');
    expect(r.events).toEqual(['1 tcp.unanswered', '2 tcp.retransmission', '3 tcp.retransmission', '4 tcp.retransmission']);
    const e = r.byKind('tcp.unanswered')[0];
    expect(e.related).toEqual([2, 3, 4]);
    expect(e.message).toMatch(/^SYN to 10\.81\.0\.3:8080 never answered: sent 4 times over 3\.\d s \(3 retransmissions\)$/);
    expect(r.byKind('tcp.retransmission')[0].message).toBe('retransmission of the SYN (seq 0), first sent in frame 1');
    expect(states(r)).toEqual(['1 SYN-SENT/LISTEN']);
    expect(tcpOf(r).connState).toBe('S0');
  });

  it('tcp-restarted-server.pcap: the server restarted while the client kept ESTABLISHED — its bare RST is tcp.peer-lost-state', async () => {
    // Frames 1-7: handshake, "hello 1" and its echo. The server process was then killed
    // with its FIN and RST dropped by nftables, its orphaned socket destroyed with ss -K
    // and a new server started on port 8080. Frame 8: the client's "hello 2" 3 s later;
    // frame 9: the new listener's answer for a connection it never had: RST without ACK
    // and seq = the ACK of frame 8 (RFC 9293 3.10.7.1).
    const r = await load('tcp-restarted-server.pcap');
    expect(r.events).toEqual(['9 tcp.peer-lost-state']);
    const e = r.byKind('tcp.peer-lost-state')[0];
    expect(e.related).toEqual([8, 6]);
    expect(e.message).toMatch(/^10\.81\.0\.2:8080 answered frame 8 with a bare RST \(seq = the ACK it received, 9\): it no longer knows this established connection, which it never closed; it had last sent in frame 6, 3\.\d+ s earlier$/);
    expect(states(r)).toEqual(['1 SYN-SENT/LISTEN', '2 SYN-SENT/SYN-RECEIVED', '3 ESTABLISHED/ESTABLISHED', '9 CLOSED/CLOSED']);
    expect(tcpOf(r).connState).toBe('RSTR');
  });

  it('tcp-midstream.pcap: capture started after the handshake — tcp.midstream on frame 1, states guessed, relative numbers from there', async () => {
    const r = await load('tcp-midstream.pcap');
    expect(r.events).toEqual(['1 tcp.midstream']);
    const t = tcpOf(r);
    expect(t.states[0]).toMatchObject({ frame: 1, client: 'ESTABLISHED', server: 'ESTABLISHED' });
    expect(t.states[0].guess).toMatch(/mid-stream pickup/);
    expect(states(r).slice(1)).toEqual(['16 FIN-WAIT-1/CLOSE-WAIT', '17 TIME-WAIT/LAST-ACK', '18 TIME-WAIT/CLOSED']);
    expect([t.connState, t.history]).toEqual(['SF', 'DdAFf']);
    expect(t.client!.windowScaleFrom).toBe('unknown');
    expect(r.analysis.trackers.length).toBeGreaterThan(0);
  });

  it('tcp-zero-window.pcap: the receiver stops reading — window full, zero window, Linux probes, window update', async () => {
    const r = await load('tcp-zero-window.pcap');
    expect(r.events).toEqual([
      '6 tcp.window-full', '7 tcp.zero-window', '8 tcp.zero-window-probe', '9 tcp.zero-window', '10 tcp.zero-window-probe',
      '11 tcp.zero-window-probe', '12 tcp.zero-window', '13 tcp.window-update', '15 tcp.window-full', '18 tcp.window-full',
      '21 tcp.window-full', '24 tcp.window-full', '27 tcp.window-full', '30 tcp.window-full', '33 tcp.window-full',
    ]);
    expect(states(r).slice(3)).toEqual(['35 FIN-WAIT-1/CLOSE-WAIT', '36 FIN-WAIT-2/CLOSE-WAIT', '38 TIME-WAIT/LAST-ACK', '39 TIME-WAIT/CLOSED']);
    expect(tcpOf(r).history).toBe('ShADawFdf');
  });

  it('tcp-reused-tuple.pcap: the same 4-tuple twice (the server closed first) — two flows, tcp.port-reuse on frame 11', async () => {
    const r = await load('tcp-reused-tuple.pcap');
    expect(r.events).toEqual(['11 tcp.port-reuse']);
    expect(r.byKind('tcp.port-reuse')[0].message).toBe('new SYN on a 4-tuple already used: the earlier connection (flow 1) had closed normally (FIN both ways)');
    expect(r.json.flows.map((f) => [f.client, f.server, f.firstFrame, f.lastFrame])).toEqual([
      ['10.81.0.1:40107', '10.81.0.2:8080', 1, 10],
      ['10.81.0.1:40107', '10.81.0.2:8080', 11, 20],
    ]);
    for (const id of [1, 2]) expect(states(r, id).at(-1)).toMatch(/CLOSED\/TIME-WAIT$/);
  });

  it('tcp-loss-delay.pcap: the bridge dropped server segment #5 and delayed #11 by 40 ms (tcp-loss-delay.bridge.log)', async () => {
    const r = await load('tcp-loss-delay.pcap');
    expect(r.events).toEqual([
      '14 tcp.lost-segment', '15 tcp.duplicate-ack', '17 tcp.duplicate-ack', '19 tcp.duplicate-ack', '21 tcp.duplicate-ack',
      '23 tcp.duplicate-ack', '24 tcp.lost-segment', '25 tcp.duplicate-ack', '27 tcp.duplicate-ack', '29 tcp.duplicate-ack',
      '30 tcp.fast-retransmission', '32 tcp.out-of-order', '37 tcp.spurious-retransmission', '38 tcp.duplicate-ack',
    ]);
    // Frame 39 is the RST of the server, which had closed, answering the client's
    // duplicate ACK of the late segment: state legitimately gone, so no break event.
    expect(states(r).at(-1)).toBe('39 CLOSED/CLOSED');
    expect(tcpOf(r).connState).toBe('SF');
  });

  it('every fixture: the transition table has a rule for each (state, event) pair its segments raise', async () => {
    for (const f of FILES) expect([f, unexpected(await load(f))]).toEqual([f, []]);
  });
});

const FILES = ['tcp-clean-close.pcap', 'tcp-refused.pcap', 'tcp-unanswered.pcap', 'tcp-restarted-server.pcap', 'tcp-midstream.pcap', 'tcp-reused-tuple.pcap', 'tcp-loss-delay.pcap', 'tcp-zero-window.pcap'];

describe.skipIf(!HAVE_TSHARK)('recorded TCP fixtures against tshark', () => {
  if (!HAVE_TSHARK) console.log('tshark not installed: the fixtures are not cross-checked with Wireshark');
  for (const f of FILES) {
    it(`${f}: Wireshark's flags, except the Linux zero-window probes it calls keep-alives`, async () => {
      const r = await load(f);
      let ours = flagEvents(r);
      let theirs = tsharkFlags(resolve(dir, f));
      if (f === 'tcp-zero-window.pcap') {
        // frames 8, 10, 11: 0 bytes at SND.UNA − 1 while the window is 0 (see flags.test.ts)
        expect(theirs.filter((x) => x.endsWith('keep-alive'))).toEqual(['8 tcp.keep-alive', '10 tcp.keep-alive', '11 tcp.keep-alive']);
        theirs = theirs.filter((x) => !x.endsWith('keep-alive'));
        ours = ours.filter((x) => !x.endsWith('zero-window-probe'));
      }
      expect(ours).toEqual(theirs);
    });
  }
});

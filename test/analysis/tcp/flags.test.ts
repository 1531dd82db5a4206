// Wireshark's analysis flags, one hand-written case each (./cases.ts), on the frames
// where Wireshark 4.0 (packet-tcp.c, tcp_analyze_sequence_number) puts them. Where
// tshark is installed, every case is also checked against it — and the cases where
// Stateline deliberately disagrees are pinned, with the reasoning.

import { describe, expect, it } from 'vitest';
import { tcpTrackerOf } from '../../../analysis/tcp/query';
import { pcap } from './build';
import { CASES } from './cases';
import { analyzeSegs, flagEvents, HAVE_TSHARK, tsharkFlags } from './helpers';

const EXPECTED: Record<string, string[]> = {
  fastRetransmission: ['5 tcp.lost-segment', '8 tcp.duplicate-ack', '9 tcp.duplicate-ack', '10 tcp.fast-retransmission'],
  reorderedAfterDupAcks: ['6 tcp.lost-segment', '7 tcp.duplicate-ack', '9 tcp.duplicate-ack', '10 tcp.out-of-order'],
  ackedUnseen: ['5 tcp.ack-lost-segment'],
  ackedUnseenRepeated: ['5 tcp.ack-lost-segment', '6 tcp.duplicate-ack', '7 tcp.duplicate-ack', '9 tcp.window-update'],
  ackedUnseenFurther: ['5 tcp.ack-lost-segment', '7 tcp.lost-segment', '8 tcp.ack-lost-segment', '9 tcp.duplicate-ack'],
  ackedUnseenAgain: ['5 tcp.ack-lost-segment', '8 tcp.duplicate-ack'],
  reorderAndResend: ['5 tcp.lost-segment', '6 tcp.out-of-order', '8 tcp.spurious-retransmission', '10 tcp.retransmission'],
  keepAlive: ['6 tcp.keep-alive', '7 tcp.keep-alive-ack'],
  zeroWindow: ['4 tcp.window-full', '5 tcp.zero-window', '6 tcp.zero-window-probe', '7 tcp.zero-window', '8 tcp.window-update'],
  linuxZeroWindowProbe: ['4 tcp.window-full', '5 tcp.zero-window', '6 tcp.zero-window-probe', '7 tcp.zero-window', '8 tcp.window-update'],
  resendWithinRtt: ['4 tcp.lost-segment', '5 tcp.out-of-order', '6 tcp.retransmission'],
  synAckNewIsn: ['3 tcp.lost-segment', '3 tcp.port-reuse'],
};

/** Where Wireshark is wrong, what it says instead (frame kind → its kind; null: Stateline raises nothing there). */
const WIRESHARK_DIFFERS: Record<string, [string | null, string]> = {
  // Linux probes a zero window with tcp_xmit_probe_skb(): an EMPTY segment at SND.UNA − 1
  // (0 bytes at nextseq − 1) while the peer's window is 0. Wireshark's probe test wants
  // exactly one byte at nextseq, so it falls through to its keep-alive test (0 or 1 byte
  // at nextseq − 1) — but a keep-alive is sent on an idle connection, and this one has
  // unsent data blocked by a zero window: the segment is a zero-window probe.
  linuxZeroWindowProbe: ['6 tcp.zero-window-probe', '6 tcp.keep-alive'],
  // Frame 6 repeats bytes 1..201 that frame 5 already carried (no hole is left below the
  // highest byte). Wireshark calls it out-of-order only because it came within the RTT of
  // the highest segment; reordering cannot deliver bytes twice — it is a retransmission
  // (or a duplicate made by the capture, as in zeek-ctu-64702-888.pcap frame 8).
  resendWithinRtt: ['6 tcp.retransmission', '6 tcp.out-of-order'],
  // Frame 8 repeats the server's ACK 1201 of frame 5, which was reported there (bytes
  // 101–201 never captured). tshark 4.0 holds such repeats back only until the client
  // acknowledges something new (frame 7 acknowledges the server's data), then flags
  // the same unseen acknowledgement again; it is one ACK of unseen data, one event.
  ackedUnseenAgain: [null, '8 tcp.ack-lost-segment'],
  // Frame 10 fills the hole frame 6 left 8 ms (0.4 RTT) after it appeared. Wireshark's
  // fast-retransmission test passes (two duplicate ACKs for it, the last 6.5 ms before);
  // but a retransmission the receiver's duplicate ACKs asked for could come back only an
  // RTT after the hole appeared: this is the original, reordered (as frame 69 of
  // fixtures/fidelity/lossy-server-side.pcap, test/analysis/tcp/fidelity.test.ts).
  reorderedAfterDupAcks: ['10 tcp.out-of-order', '10 tcp.fast-retransmission'],
};

describe('Wireshark analysis flags, per case', () => {
  for (const [name, segs] of Object.entries(CASES)) {
    it(`test_${name}`, async () => {
      const r = await analyzeSegs(segs);
      expect(flagEvents(r)).toEqual(EXPECTED[name]);
    });
  }

  it('names the frames that prove each flag (related) and the numbers (message)', async () => {
    const r = await analyzeSegs(CASES.fastRetransmission);
    const fast = r.byKind('tcp.fast-retransmission')[0];
    expect(fast.message).toBe('fast retransmission of seq 101–201 (100 bytes) after 2 duplicate ACKs (last in frame 9)');
    expect(fast.related).toEqual([9]);
    expect(r.byKind('tcp.duplicate-ack').map((e) => e.message)).toEqual(['duplicate ACK #1 of frame 6 (ACK 101)', 'duplicate ACK #2 of frame 6 (ACK 101)']);
    expect(r.byKind('tcp.lost-segment')[0].message).toBe('previous segment not captured: sequence jumped from 101 to 201 (100 bytes missing)');
    const s = await analyzeSegs(CASES.reorderAndResend);
    expect(s.byKind('tcp.retransmission')[0]).toMatchObject({ message: 'retransmission of seq 301–401 (100 bytes), first sent in frame 9', related: [9] });
  });

  it('sets the event bits of each flagged frame in the TCP columns (display filters read them)', async () => {
    const r = await analyzeSegs(CASES.keepAlive);
    const cols = tcpTrackerOf(r.analysis)!.columns;
    expect(cols.bits(5)).not.toBe(0);
    expect(cols.bits(6)).not.toBe(0);
    expect(cols.bits(4)).toBe(0);
  });
});

describe.skipIf(!HAVE_TSHARK)('against tshark (Wireshark 4.0)', () => {
  if (!HAVE_TSHARK) console.log('tshark not installed: the Wireshark cross-checks of test/analysis/tcp/flags.test.ts are skipped');
  for (const [name, segs] of Object.entries(CASES)) {
    it(`${name}: ${WIRESHARK_DIFFERS[name] ? 'differs on purpose' : 'agrees'}`, () => {
      const theirs = tsharkFlags(pcap(segs));
      const ours = EXPECTED[name];
      const diff = WIRESHARK_DIFFERS[name];
      if (!diff) expect(theirs).toEqual(ours);
      else {
        expect(theirs).toContain(diff[1]);
        if (diff[0] !== null) expect(theirs).not.toContain(diff[0]);
        expect(theirs.filter((x) => x !== diff[1])).toEqual(ours.filter((x) => x !== diff[0]));
      }
    });
  }
});

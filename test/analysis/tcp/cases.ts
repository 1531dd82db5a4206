// Hand-written segment sequences, one per Wireshark analysis flag (and the two cases
// where Stateline deliberately disagrees with Wireshark). Client 10.81.0.1:40000 ISN
// 1000, server 10.81.0.2:80 ISN 5000; the handshake takes 20 ms, so Wireshark's
// out-of-order threshold (the first RTT) is 20 ms.
import type { Seg } from './build';

const syn: Seg = { t: 0, from: 'c', flags: 'S', seq: 1000, mss: 1460, ws: 7, sackPerm: true };
const synAck: Seg = { t: 0.01, from: 's', flags: 'SA', seq: 5000, ack: 1001, mss: 1460, ws: 7, sackPerm: true };
const ack3: Seg = { t: 0.02, from: 'c', flags: 'A', seq: 1001, ack: 5001, win: 502 };
export const HANDSHAKE = [syn, synAck, ack3];
const d = (t: number, seq: number, len: number, ack = 5001): Seg => ({ t, from: 'c', flags: 'PA', seq, ack, len, win: 502 });
const sa = (t: number, ack: number, win = 502, seq = 5001): Seg => ({ t, from: 's', flags: 'A', seq, ack, win });
const sd = (t: number, seq: number, ack: number, len: number): Seg => ({ t, from: 's', flags: 'PA', seq, ack, len, win: 502 });

export const CASES: Record<string, Seg[]> = {
  /** A segment lost, two duplicate ACKs (an RTT after the hole), the fast retransmission 1 ms later. */
  fastRetransmission: [...HANDSHAKE, d(1.0, 1001, 100), d(1.002, 1201, 100), sa(1.02, 1101), d(1.021, 1301, 100), sa(1.022, 1101), sa(1.023, 1101), d(1.024, 1101, 100), sa(1.04, 1401)],
  /**
   * BE RIGHT: at the receiver, a segment held back 8 ms (0.4 RTT) arrives after two
   * duplicate ACKs for it — the original, reordered: no retransmission comes back that soon.
   */
  reorderedAfterDupAcks: [...HANDSHAKE, d(1.0, 1001, 100), sa(1.0005, 1101), d(1.002, 1201, 100), sa(1.0025, 1101), d(1.003, 1301, 100), sa(1.0035, 1101), d(1.01, 1101, 100), sa(1.0105, 1401)],
  /** The server acknowledges 200 bytes the capture never saw. */
  ackedUnseen: [...HANDSHAKE, d(1, 1001, 100), sa(1.01, 1301)],
  /** The unseen bytes acknowledged, then the same ACK repeated: two duplicate ACKs, data, a window update (one event). */
  ackedUnseenRepeated: [...HANDSHAKE, d(1, 1001, 100), sa(1.02, 1201), sa(1.03, 1201), sa(1.04, 1201), sd(1.05, 5001, 1201, 50), sa(1.06, 1201, 600, 5051)],
  /** The unseen stretch acknowledged further before the client is seen again (one event); then a new hole, acknowledged (a second). */
  ackedUnseenFurther: [...HANDSHAKE, d(1, 1001, 100), sa(1.02, 1201), sa(1.03, 1301), d(1.04, 1301, 100), sa(1.05, 1401), sa(1.06, 1401)],
  /** BE RIGHT: the client acknowledges the server's data in between; the server's next ACK repeats the unseen acknowledgement (no new event). */
  ackedUnseenAgain: [...HANDSHAKE, d(1, 1001, 100), sa(1.02, 1201), sd(1.03, 5001, 1201, 10), { t: 1.04, from: 'c', flags: 'A', seq: 1101, ack: 5011, win: 502 }, sa(1.05, 1201, 502, 5011)],
  /** A hole filled within the RTT (out-of-order), data already acknowledged (spurious), a late resend (retransmission). */
  reorderAndResend: [...HANDSHAKE, d(1.0, 1001, 100), d(1.001, 1201, 100), d(1.005, 1101, 100), sa(1.03, 1301), d(2.0, 1201, 100), d(2.1, 1301, 100), d(3.0, 1301, 100)],
  /** A keep-alive (0 bytes at nextseq − 1) after a minute of silence, and its ACK. */
  keepAlive: [...HANDSHAKE, d(1, 1001, 10), sa(1.01, 1011), { t: 60, from: 'c', flags: 'A', seq: 1010, ack: 5001, win: 502 }, sa(60.01, 1011)],
  /** No window scaling: the client fills the server's 1000-byte window, the window closes, a 1-byte probe, the window opens. */
  zeroWindow: [
    { t: 0, from: 'c', flags: 'S', seq: 1000, mss: 1460 },
    { t: 0.01, from: 's', flags: 'SA', seq: 5000, ack: 1001, win: 1000, mss: 1460 },
    { t: 0.02, from: 'c', flags: 'A', seq: 1001, ack: 5001, win: 64000 },
    { t: 1, from: 'c', flags: 'PA', seq: 1001, ack: 5001, len: 1000, win: 64000 },
    sa(1.01, 2001, 0), { t: 1.3, from: 'c', flags: 'PA', seq: 2001, ack: 5001, len: 1, win: 64000 }, sa(1.31, 2001, 0), sa(2, 2001, 1000),
  ],
  /** BE RIGHT: Linux's zero-window probe (tcp_xmit_probe_skb) is an empty segment at SND.UNA − 1. */
  linuxZeroWindowProbe: [
    { t: 0, from: 'c', flags: 'S', seq: 1000, mss: 1460 },
    { t: 0.01, from: 's', flags: 'SA', seq: 5000, ack: 1001, win: 1000, mss: 1460 },
    { t: 0.02, from: 'c', flags: 'A', seq: 1001, ack: 5001, win: 64000 },
    { t: 1, from: 'c', flags: 'PA', seq: 1001, ack: 5001, len: 1000, win: 64000 },
    sa(1.01, 2001, 0), { t: 1.3, from: 'c', flags: 'A', seq: 2000, ack: 5001, win: 64000 }, sa(1.31, 2001, 0), sa(2, 2001, 1000),
  ],
  /** BE RIGHT: a second copy of bytes already seen, 1 ms later: Wireshark says out-of-order (short gap), it is a retransmission. */
  resendWithinRtt: [...HANDSHAKE, d(1.0, 1201, 100), d(1.001, 1001, 200), d(1.002, 1001, 200), sa(1.03, 1301)],
  /** A second SYN-ACK with another ISN on the same connection. */
  synAckNewIsn: [syn, synAck, { ...synAck, t: 0.5, seq: 6000 }],
};

// TCP event kinds (../shared/docs/EVENTS.md), their bit in the per-packet event column,
// their severity and the plain-language explanation the UI and the CLI show.

import { registerEventKinds, type EventKindInfo } from '../events.js'; // '.js': the lint's ban of Node's 'events' module also matches '../events'
import type { Severity } from '../model';

/** Bit of each kind in the TCP tracker's per-frame event bits (TcpColumns.bits: display filters read them). */
export const TcpBit = {
  RETRANSMISSION: 1 << 0,
  FAST_RETRANSMISSION: 1 << 1,
  SPURIOUS_RETRANSMISSION: 1 << 2,
  OUT_OF_ORDER: 1 << 3,
  LOST_SEGMENT: 1 << 4,
  ACK_LOST_SEGMENT: 1 << 5,
  DUPLICATE_ACK: 1 << 6,
  ZERO_WINDOW: 1 << 7,
  ZERO_WINDOW_PROBE: 1 << 8,
  WINDOW_FULL: 1 << 9,
  WINDOW_UPDATE: 1 << 10,
  KEEP_ALIVE: 1 << 11,
  KEEP_ALIVE_ACK: 1 << 12,
  PORT_REUSE: 1 << 13,
  REFUSED: 1 << 14,
  UNANSWERED: 1 << 15,
  PEER_LOST_STATE: 1 << 16,
  ABORT: 1 << 17,
  HALF_OPEN: 1 << 18,
  MIDSTREAM: 1 << 19,
  IDLE: 1 << 20,
  UNCLOSED: 1 << 21,
  ONE_SIDED: 1 << 22,
  INJECTED_RESET: 1 << 23,
} as const;

export const TCP_KIND_BY_BIT: Record<number, string> = {
  [TcpBit.RETRANSMISSION]: 'tcp.retransmission',
  [TcpBit.FAST_RETRANSMISSION]: 'tcp.fast-retransmission',
  [TcpBit.SPURIOUS_RETRANSMISSION]: 'tcp.spurious-retransmission',
  [TcpBit.OUT_OF_ORDER]: 'tcp.out-of-order',
  [TcpBit.LOST_SEGMENT]: 'tcp.lost-segment',
  [TcpBit.ACK_LOST_SEGMENT]: 'tcp.ack-lost-segment',
  [TcpBit.DUPLICATE_ACK]: 'tcp.duplicate-ack',
  [TcpBit.ZERO_WINDOW]: 'tcp.zero-window',
  [TcpBit.ZERO_WINDOW_PROBE]: 'tcp.zero-window-probe',
  [TcpBit.WINDOW_FULL]: 'tcp.window-full',
  [TcpBit.WINDOW_UPDATE]: 'tcp.window-update',
  [TcpBit.KEEP_ALIVE]: 'tcp.keep-alive',
  [TcpBit.KEEP_ALIVE_ACK]: 'tcp.keep-alive-ack',
  [TcpBit.PORT_REUSE]: 'tcp.port-reuse',
  [TcpBit.REFUSED]: 'tcp.refused',
  [TcpBit.UNANSWERED]: 'tcp.unanswered',
  [TcpBit.PEER_LOST_STATE]: 'tcp.peer-lost-state',
  [TcpBit.ABORT]: 'tcp.abort',
  [TcpBit.HALF_OPEN]: 'tcp.half-open',
  [TcpBit.MIDSTREAM]: 'tcp.midstream',
  [TcpBit.IDLE]: 'tcp.idle',
  [TcpBit.UNCLOSED]: 'tcp.unclosed',
  [TcpBit.ONE_SIDED]: 'tcp.one-sided',
  [TcpBit.INJECTED_RESET]: 'tcp.injected-reset',
};

export const TCP_EVENT_KINDS: Record<string, EventKindInfo> = {
  'tcp.refused': {
    severity: 'break',
    title: 'Connection refused',
    explanation:
      'The client sent a SYN and the server host answered with a reset. No socket was listening on that port, so the server kept no state for the connection at all: the kernel answered for a connection that does not exist (RFC 9293 3.10.7.1, CLOSED state). The client gives up immediately ("connection refused").',
    reference: 'Zeek REJ',
  },
  'tcp.unanswered': {
    severity: 'break',
    title: 'SYN never answered',
    explanation:
      'The client sent a SYN (and usually retransmitted it with growing back-off) but nothing came back: no SYN-ACK, no reset. The server host is down, unreachable, or a firewall silently drops the packets. Only the client ever held state (SYN-SENT) and it gives up after its retries ("connection timed out").',
    reference: 'Zeek S0',
  },
  'tcp.peer-lost-state': {
    severity: 'break',
    title: 'Peer lost the connection state',
    explanation:
      'An endpoint of an established connection that it never closed answered a segment with the reset RFC 9293 3.10.7.1 prescribes for a connection that does not exist (no ACK flag and a sequence number equal to the acknowledgement it received, or ACK set with sequence 0). Its TCP no longer knew the connection: the process or host restarted, crashed, or a middlebox or the kernel dropped the state. The other side still held ESTABLISHED state and learns only now, when it sends again, that the conversation is gone.',
    reference: 'RFC 9293 3.10.7.1',
  },
  'tcp.abort': {
    severity: 'break',
    title: 'Connection aborted (reset)',
    explanation:
      'An endpoint that still had the connection\'s state reset it with an in-window RST instead of closing it with FIN: the application aborted (close with unread data, SO_LINGER 0), or the stack gave up after too many retransmissions. Data in flight in either direction is discarded; both ends drop their state.',
    reference: 'Zeek RSTO / RSTR',
  },
  'tcp.injected-reset': {
    severity: 'break',
    title: 'Reset forged in the path',
    explanation:
      'A reset arrived in the name of an endpoint that did not send it: its IP TTL (hop limit) differs from that of every earlier packet of that endpoint, which all agreed — it was sent from another distance, typically a hop or more closer. A firewall, IDS, load balancer or NAT in the path forged it, having dropped its own state for the connection or enforcing a policy. The endpoint it claims to come from may still hold the connection (ESTABLISHED): only the side that received and accepted the reset dropped its state, and the two now disagree — later segments from the real endpoint are answered with resets of their own.',
  },
  'tcp.half-open': {
    severity: 'break',
    title: 'Half-open connection',
    explanation:
      'One side kept sending (or retransmitting) and the other never answered again until the sender gave up or the capture ended. The silent side has probably lost its state (reboot, crash, NAT or firewall entry expired) or the path to it broke; the sender still believes the connection is ESTABLISHED.',
    reference: 'Zeek SH/SHR, S1',
  },
  'tcp.port-reuse': {
    severity: 'warning',
    title: 'Port numbers reused',
    explanation:
      'A new SYN with a new initial sequence number arrived on a 4-tuple (addresses and ports) that already carried a connection in this capture. If the earlier connection had closed this is normal reuse; if it never closed, its state was abandoned on at least one side and any late segment of it may confuse the new one.',
    reference: 'Wireshark tcp.analysis.reused_ports',
  },
  'tcp.midstream': {
    severity: 'warning',
    title: 'Picked up mid-stream',
    explanation:
      'The capture started after this connection\'s handshake, so its initial sequence numbers, window scaling and options are unknown. Stateline rebuilt the state from the first segment seen and assumes both ends were ESTABLISHED; relative numbers start at that segment and confidence in window-based flags is reduced.',
    reference: 'Zeek OTH / no S in history',
  },
  'tcp.lost-segment': {
    severity: 'warning',
    title: 'Previous segment not captured',
    explanation: 'The sequence number jumped past the next expected byte: a segment before this one was lost on the way or missed by the capture.',
    reference: 'Wireshark tcp.analysis.lost_segment',
  },
  'tcp.ack-lost-segment': {
    severity: 'warning',
    title: 'ACK of unseen data',
    explanation: 'This segment acknowledges data the capture never saw. The sender\'s data was there (the peer received it) but the capture missed it — common at capture start or with a lossy capture point.',
    reference: 'Wireshark tcp.analysis.ack_lost_segment',
  },
  'tcp.retransmission': {
    severity: 'warning',
    title: 'Retransmission',
    explanation: 'The segment repeats sequence space that was already sent: the sender did not get an acknowledgement in time (retransmission timeout) and sent the data again.',
    reference: 'Wireshark tcp.analysis.retransmission',
  },
  'tcp.fast-retransmission': {
    severity: 'warning',
    title: 'Fast retransmission',
    explanation: 'The sender repeated the segment the receiver asked for with two or more duplicate ACKs, within 20 ms of the last one, without waiting for its timer (RFC 5681 fast retransmit).',
    reference: 'Wireshark tcp.analysis.fast_retransmission',
  },
  'tcp.spurious-retransmission': {
    severity: 'warning',
    title: 'Spurious retransmission',
    explanation: 'The segment repeats data the receiver had already acknowledged: the retransmission was unnecessary (the ACK was slow or lost, or the timer too short).',
    reference: 'Wireshark tcp.analysis.spurious_retransmission',
  },
  'tcp.out-of-order': {
    severity: 'warning',
    title: 'Out of order',
    explanation: 'The segment carries earlier sequence numbers than one already seen and arrived soon after it (within the connection\'s RTT): the network reordered the segments.',
    reference: 'Wireshark tcp.analysis.out_of_order',
  },
  'tcp.duplicate-ack': {
    severity: 'info',
    title: 'Duplicate ACK',
    explanation: 'The receiver repeated its last acknowledgement (same ACK, same window, no data): it got a segment beyond a hole and is asking for the missing one again.',
    reference: 'Wireshark tcp.analysis.duplicate_ack',
  },
  'tcp.zero-window': {
    severity: 'warning',
    title: 'Zero window',
    explanation: 'The receiver advertised a window of zero: its receive buffer is full because the application is not reading. The sender must stop and probe until the window opens.',
    reference: 'Wireshark tcp.analysis.zero_window',
  },
  'tcp.zero-window-probe': {
    severity: 'info',
    title: 'Zero-window probe',
    explanation: 'While the peer advertises a zero window, the sender probes it (RFC 9293 3.8.6.1) to learn when the window opens again. Linux probes with an empty segment one byte below the next sequence number; other stacks send one byte of new data.',
    reference: 'Wireshark tcp.analysis.zero_window_probe',
  },
  'tcp.window-full': {
    severity: 'info',
    title: 'Window full',
    explanation: 'This segment fills the receiver\'s advertised window exactly: the sender cannot send more until the receiver acknowledges or opens its window.',
    reference: 'Wireshark tcp.analysis.window_full',
  },
  'tcp.window-update': {
    severity: 'info',
    title: 'Window update',
    explanation: 'A segment without data that only changes the advertised window (typically the receiver\'s application read data and the buffer freed up).',
    reference: 'Wireshark tcp.analysis.window_update',
  },
  'tcp.keep-alive': {
    severity: 'info',
    title: 'Keep-alive',
    explanation: 'An empty (or one-byte) segment one byte below the next sequence number, sent to check the peer is still there after a period of silence.',
    reference: 'Wireshark tcp.analysis.keep_alive',
  },
  'tcp.keep-alive-ack': {
    severity: 'info',
    title: 'Keep-alive ACK',
    explanation: 'The peer answered a keep-alive: it still holds the connection\'s state.',
    reference: 'Wireshark tcp.analysis.keep_alive_ack',
  },
  'tcp.idle': {
    severity: 'warning',
    title: 'Idle connection',
    explanation: 'No packet was seen on this connection for longer than the idle threshold. Stateful middleboxes (NAT, firewalls, load balancers) often drop idle state after a few minutes, after which the next segment may be dropped or answered with a reset.',
  },
  'tcp.one-sided': {
    severity: 'warning',
    title: 'Only one direction captured',
    explanation:
      'Every packet of this connection in the capture comes from one endpoint: the other direction took another path (asymmetric routing) or the tap sees one way only. The other endpoint was there all the same — the captured side acknowledges its SYN or SYN-ACK, its data and its FIN — so its state is inferred from those acknowledgements rather than guessed from its absence: data it sent proves it ESTABLISHED, an acknowledgement one past its data at the close is taken for its FIN. Nothing it sent can be checked for loss or retransmission.',
    reference: 'Zeek ^ history flip, SH/SHR',
  },
  'tcp.unclosed': {
    severity: 'info',
    title: 'Still open at capture end',
    explanation: 'The connection had not been closed (no FIN exchange, no reset) when the capture ended: both ends presumably still hold its state.',
    reference: 'Zeek S1/S2/S3',
  },
};

export function tcpSeverity(kind: string): Severity {
  return TCP_EVENT_KINDS[kind]?.severity ?? 'info';
}

registerEventKinds(TCP_EVENT_KINDS);

// Each endpoint's RFC 9293 state, as a passive observer can infer it: an explicit
// transition table (smoltcp's `match (state, control)` as data), one row per rule with
// the RFC 9293 section that prescribes it. Events are what the capture shows the
// endpoint do (send) or what reached it (receive); where the observer has to assume
// something (the capture began late, a side was never seen) the rule says so, cites
// "observer inference" and carries the guess shown with the state.
//
// A rule either moves the state or keeps it where RFC 9293 says the endpoint stays (a
// retransmission, a duplicate, a segment to CLOSED). A (state, event) pair with no rule
// is smoltcp's catch-all arm ("unexpected packet"): the endpoint did something its
// inferred state does not allow — a segment lost after the capture point, a state the
// observer guessed wrong, a stack off the RFC. The state is left as it was and the
// tracker records the pair (TcpTracker.unexpected).
//
// Reading list: RFC 9293 3.3.2 (state diagram), 3.5 (establishing), 3.6 (closing),
// 3.8.1 (retransmission timeout), 3.10.1 OPEN, 3.10.4 CLOSE, 3.10.5 ABORT, 3.10.7
// SEGMENT ARRIVES (7.1 CLOSED, 7.2 LISTEN, 7.3 SYN-SENT, 7.4 other states: second check
// RST, fifth check ACK, eighth check FIN).

export const State = {
  CLOSED: 0,
  LISTEN: 1,
  SYN_SENT: 2,
  SYN_RECEIVED: 3,
  ESTABLISHED: 4,
  FIN_WAIT_1: 5,
  FIN_WAIT_2: 6,
  CLOSING: 7,
  TIME_WAIT: 8,
  CLOSE_WAIT: 9,
  LAST_ACK: 10,
} as const;
export type StateId = (typeof State)[keyof typeof State];

/** RFC 9293 spellings, indexed by StateId. */
export const STATE_NAMES = [
  'CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2',
  'CLOSING', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK',
] as const;

/** What the capture shows about one endpoint in one segment. */
export const Ev = {
  /** It sent a SYN without ACK (active open, or its retransmission). */
  SND_SYN: 0,
  /** It sent a SYN-ACK. */
  SND_SYNACK: 1,
  /** It sent a non-SYN segment acknowledging the peer's SYN (its side of the handshake done). */
  SND_ACK_OF_SYN: 2,
  /** It sent a FIN. */
  SND_FIN: 3,
  /** It sent a RST. */
  SND_RST: 4,
  /** The peer acknowledged its SYN. */
  RCV_ACK_OF_SYN: 5,
  /** The peer acknowledged its FIN. */
  RCV_ACK_OF_FIN: 6,
  /** The peer sent a FIN (assumed to reach it). */
  RCV_FIN: 7,
  /** The peer sent an acceptable RST. */
  RCV_RST: 8,
  /** The first segment seen is not part of a handshake: the connection was already up. */
  MIDSTREAM: 9,
  /** The first segment seen is the peer's SYN-ACK: its own SYN was not captured. */
  SYNACK_FIRST: 10,
  /** It answered the peer's SYN with a RST, having sent no SYN-ACK: nothing listened. */
  REFUSE: 11,
  /** Nothing from it was captured, yet the peer acknowledges as if the handshake completed (its ACK of a SYN-ACK, or its data). */
  ONE_SIDED: 12,
} as const;
export type EvId = (typeof Ev)[keyof typeof Ev];
export const EV_COUNT = 13;

export const EV_NAMES = [
  'send SYN', 'send SYN-ACK', 'send ACK of SYN', 'send FIN', 'send RST',
  'receive ACK of SYN', 'receive ACK of FIN', 'receive FIN', 'receive RST', 'mid-stream pickup',
  'receive SYN-ACK first', 'refuse the SYN', 'one-sided capture',
] as const;

export interface Rule {
  from: StateId[];
  on: EvId;
  to: StateId;
  /** RFC 9293 section that prescribes the transition, or "observer inference: …". */
  rfc: string;
  /** Set when the observer assumes rather than sees (shown with the state). */
  guess?: string;
  /** The segment proves the endpoint was in `to` from the start: its earlier logged states are corrected. */
  fromStart?: true;
}

const S = State;
/** Rules that keep each of `states` where it is (RFC 9293 says the endpoint stays). */
const stay = (states: StateId[], on: EvId, rfc: string): Rule[] => states.map((s) => ({ from: [s], on, to: s, rfc }));
const SYNCHRONIZED: StateId[] = [S.SYN_RECEIVED, S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSING, S.TIME_WAIT, S.CLOSE_WAIT, S.LAST_ACK];

/** The transition table. A pair not listed leaves the state unchanged and is recorded as unexpected. */
export const RULES: readonly Rule[] = [
  // ---- opening
  { from: [S.CLOSED], on: Ev.SND_SYN, to: S.SYN_SENT, rfc: '3.10.1 (OPEN, active: send SYN, enter SYN-SENT)' },
  { from: [S.LISTEN], on: Ev.SND_SYN, to: S.SYN_SENT, rfc: '3.10.1 (SEND in LISTEN: passive becomes active, send SYN)' },
  { from: [S.LISTEN], on: Ev.SND_SYNACK, to: S.SYN_RECEIVED, rfc: '3.10.7.2 (LISTEN, SYN arrives: send SYN,ACK, enter SYN-RECEIVED)' },
  {
    from: [S.CLOSED], on: Ev.SND_SYNACK, to: S.SYN_RECEIVED, rfc: '3.10.7.2 (LISTEN, SYN arrives)',
    guess: 'assumed it was listening: its SYN-ACK is the first thing seen from it',
  },
  { from: [S.SYN_SENT], on: Ev.SND_SYNACK, to: S.SYN_RECEIVED, rfc: '3.10.7.3 (SYN-SENT, SYN without our ACK: simultaneous open, enter SYN-RECEIVED)' },
  { from: [S.SYN_SENT], on: Ev.SND_ACK_OF_SYN, to: S.ESTABLISHED, rfc: '3.10.7.3 (SYN-SENT, SYN,ACK acceptable: enter ESTABLISHED, send ACK)' },
  {
    from: [S.CLOSED, S.LISTEN], on: Ev.SND_ACK_OF_SYN, to: S.ESTABLISHED, rfc: '3.10.7.3 (SYN-SENT, SYN,ACK acceptable)',
    guess: 'its SYN was not captured: assumed it was in SYN-SENT',
  },
  { from: [S.SYN_RECEIVED], on: Ev.RCV_ACK_OF_SYN, to: S.ESTABLISHED, rfc: '3.10.7.4 fifth (SYN-RECEIVED, SND.UNA < SEG.ACK =< SND.NXT: enter ESTABLISHED)' },
  {
    from: [S.CLOSED, S.LISTEN], on: Ev.MIDSTREAM, to: S.ESTABLISHED, rfc: '3.3.2 (a connection carrying data is ESTABLISHED)',
    guess: 'mid-stream pickup: the handshake was not captured, assumed ESTABLISHED',
  },
  {
    from: [S.CLOSED], on: Ev.SYNACK_FIRST, to: S.SYN_SENT, rfc: 'observer inference: a SYN,ACK answers a SYN (3.10.7.2), so its peer had sent one',
    guess: 'the client\'s SYN was not captured: assumed SYN-SENT',
  },
  {
    from: [S.LISTEN], on: Ev.ONE_SIDED, to: S.ESTABLISHED,
    rfc: 'observer inference: the peer acknowledged a SYN,ACK (3.10.7.3), whose ACK moves it to ESTABLISHED (3.10.7.4 fifth)',
    guess: 'one-sided capture: nothing from the server was captured, its state is inferred from the client\'s ACKs',
  },
  {
    from: [S.SYN_SENT], on: Ev.ONE_SIDED, to: S.ESTABLISHED,
    rfc: 'observer inference: the peer acknowledged its data, which it sends only once its SYN,ACK arrived (3.10.7.3: enter ESTABLISHED)',
    guess: 'one-sided capture: nothing from the client was captured, its state is inferred from the server\'s ACKs',
  },
  ...stay([S.SYN_SENT], Ev.SND_SYN, '3.8.1 (retransmission timeout: the SYN is sent again)'),
  ...stay([S.SYN_RECEIVED], Ev.SND_SYNACK, '3.8.1 (retransmission timeout: the SYN,ACK is sent again)'),
  // ---- closing
  { from: [S.ESTABLISHED], on: Ev.SND_FIN, to: S.FIN_WAIT_1, rfc: '3.10.4 (CLOSE in ESTABLISHED: send FIN, enter FIN-WAIT-1)' },
  { from: [S.SYN_RECEIVED], on: Ev.SND_FIN, to: S.FIN_WAIT_1, rfc: '3.10.4 (CLOSE in SYN-RECEIVED: send FIN, enter FIN-WAIT-1)' },
  { from: [S.CLOSE_WAIT], on: Ev.SND_FIN, to: S.LAST_ACK, rfc: '3.10.4 (CLOSE in CLOSE-WAIT: send FIN, enter LAST-ACK)' },
  { from: [S.FIN_WAIT_1], on: Ev.RCV_ACK_OF_FIN, to: S.FIN_WAIT_2, rfc: '3.10.7.4 fifth (FIN-WAIT-1: our FIN acknowledged, enter FIN-WAIT-2)' },
  { from: [S.CLOSING], on: Ev.RCV_ACK_OF_FIN, to: S.TIME_WAIT, rfc: '3.10.7.4 fifth (CLOSING: our FIN acknowledged, enter TIME-WAIT)' },
  { from: [S.LAST_ACK], on: Ev.RCV_ACK_OF_FIN, to: S.CLOSED, rfc: '3.10.7.4 fifth (LAST-ACK: our FIN acknowledged, delete the TCB, enter CLOSED)' },
  { from: [S.ESTABLISHED, S.SYN_RECEIVED], on: Ev.RCV_FIN, to: S.CLOSE_WAIT, rfc: '3.10.7.4 eighth (SYN-RECEIVED, ESTABLISHED: FIN, enter CLOSE-WAIT)' },
  { from: [S.FIN_WAIT_1], on: Ev.RCV_FIN, to: S.CLOSING, rfc: '3.10.7.4 eighth (FIN-WAIT-1, our FIN not yet acknowledged: enter CLOSING)' },
  { from: [S.FIN_WAIT_2], on: Ev.RCV_FIN, to: S.TIME_WAIT, rfc: '3.10.7.4 eighth (FIN-WAIT-2: enter TIME-WAIT)' },
  ...stay([S.FIN_WAIT_1, S.CLOSING, S.LAST_ACK], Ev.SND_FIN, '3.8.1 (retransmission timeout: the FIN is sent again)'),
  ...stay([S.FIN_WAIT_2, S.TIME_WAIT], Ev.RCV_ACK_OF_FIN, '3.10.7.4 fifth (SEG.ACK =< SND.UNA: a duplicate ACK, ignored)'),
  ...stay([S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK], Ev.RCV_FIN, '3.10.7.4 eighth (CLOSE-WAIT, CLOSING, LAST-ACK: remain in the state)'),
  ...stay([S.TIME_WAIT], Ev.RCV_FIN, '3.10.7.4 eighth (TIME-WAIT: remain, restart the 2 MSL time-wait timeout)'),
  // ---- resets
  { from: [S.SYN_SENT, ...SYNCHRONIZED], on: Ev.SND_RST, to: S.CLOSED, rfc: '3.10.5 (ABORT: send RST, delete the TCB, enter CLOSED)' },
  { from: [S.LISTEN], on: Ev.SND_RST, to: S.CLOSED, rfc: '3.10.7.1 (CLOSED: a segment to no connection is answered by RST)', guess: 'nothing was listening: it answered from the CLOSED state' },
  { from: [S.SYN_SENT], on: Ev.RCV_RST, to: S.CLOSED, rfc: '3.10.7.3 second (SYN-SENT, RST with acceptable ACK: connection reset, enter CLOSED)' },
  { from: [S.SYN_RECEIVED], on: Ev.RCV_RST, to: S.LISTEN, rfc: '3.10.7.4 second (SYN-RECEIVED from a passive OPEN: return to LISTEN)' },
  {
    from: [S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK, S.TIME_WAIT], on: Ev.RCV_RST, to: S.CLOSED,
    rfc: '3.10.7.4 second (RST in window: connection reset, delete the TCB, enter CLOSED)',
  },
  {
    from: [S.LISTEN], on: Ev.REFUSE, to: S.CLOSED, fromStart: true,
    rfc: '3.10.7.1 (CLOSED: a SYN to no connection is answered by RST: it was CLOSED, not LISTEN)',
  },
  ...stay([S.LISTEN], Ev.RCV_RST, '3.10.7.2 first (LISTEN: an incoming RST is ignored)'),
  // ---- segments to or from no connection
  ...stay([S.CLOSED], Ev.SND_RST, '3.10.7.1 (CLOSED: a segment to no connection is answered by RST)'),
  ...stay([S.CLOSED], Ev.RCV_FIN, '3.10.7.1 (CLOSED: the segment is discarded and answered by RST)'),
  ...stay([S.CLOSED], Ev.RCV_ACK_OF_FIN, '3.10.7.1 (CLOSED: the segment is discarded and answered by RST)'),
  ...stay([S.CLOSED], Ev.RCV_RST, '3.10.7.1 (CLOSED: an incoming RST is discarded)'),
];

/** next[state * EV_COUNT + ev] = new state, or -1 when the table has no rule. */
const NEXT = new Int8Array(STATE_NAMES.length * EV_COUNT).fill(-1);
/** Index into RULES of the rule that applied. */
const RULE_OF = new Int16Array(STATE_NAMES.length * EV_COUNT).fill(-1);
RULES.forEach((r, i) => {
  for (const s of r.from) {
    const k = s * EV_COUNT + r.on;
    if (NEXT[k] !== -1) throw new Error(`tcp/states: two rules for ${STATE_NAMES[s]} on ${EV_NAMES[r.on]}`);
    NEXT[k] = r.to;
    RULE_OF[k] = i;
  }
});

/** The state after `ev` in `state` (unchanged when no rule applies). */
export function next(state: number, ev: number): number {
  const n = NEXT[state * EV_COUNT + ev];
  return n < 0 ? state : n;
}

/** The rule that moves `state` on `ev`, or null. */
export function ruleFor(state: number, ev: number): Rule | null {
  const i = RULE_OF[state * EV_COUNT + ev];
  return i < 0 ? null : RULES[i];
}

export function isSynchronized(state: number): boolean {
  return state >= S.SYN_RECEIVED;
}

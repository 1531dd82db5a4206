// The TCP tracker and what the query layer and the UI need of it.
export { TcpTracker, TcpConn, TcpHalf, type TcpTrackerOptions } from './tracker';
export { TcpColumns } from './columns';
export { TcpBit, TCP_BITS_MASK, TCP_KIND_BY_BIT, TCP_EVENT_KINDS } from './kinds';
export { State, STATE_NAMES, Ev, RULES, next, ruleFor, type Rule } from './states';
export { ZeekConn, ZState } from './zeek';
export {
  tcpTimeline, tcpTrackerOf, stateIntervals,
  type TcpTimeline, type TcpTimelineQuery, type TcpDirection, type TcpSeqPoint, type TcpLinePoint, type TcpStateInterval,
} from './timeline';

// Zeek's view of a TCP connection: its per-endpoint states (TCP_INACTIVE … TCP_RESET),
// the conn.log `history` letters and `conn_state`, following Zeek's TCPSessionAdapter
// (Process, update_history, UpdateStateMachine, update_last_seq) and
// base/protocols/conn/main.zeek (conn_state). Per endpoint numbers only; the history
// string grows only when a letter is added (a bounded number of times: a/d/i/q once,
// c/g/t/w on a log scale, s/h/f/r when the sequence number changes).

import { TcpFlag } from '../../parsers/decode/index';

export const ZState = { INACTIVE: 0, SYN_SENT: 1, SYN_ACK_SENT: 2, PARTIAL: 3, ESTABLISHED: 4, CLOSED: 5, RESET: 6 } as const;

const FLAG_FIN = TcpFlag.FIN, FLAG_SYN = TcpFlag.SYN, FLAG_RST = TcpFlag.RST, FLAG_ACK = TcpFlag.ACK;
const H_SYN = 1, H_FIN = 2, H_RST = 4, H_FIN_RST = 8, H_DATA = 16, H_ACK = 32, H_MULTI = 64;
const TOO_LARGE_SEQ_DELTA = 1048576;

/** Zeek's per-endpoint bookkeeping (TCP_Endpoint). */
export class ZeekEndpoint {
  state: number = ZState.INACTIVE;
  prevState: number = ZState.INACTIVE;
  isOrig: boolean;
  started = false;
  /** Sequence numbers as int32 (a field holding one at or above 2^31 would be a boxed heap number). */
  startSeq = 0;
  lastSeq = 0;
  histSeen = 0;
  lastSyn = -1;
  lastFin = -1;
  lastRst = -1;
  rxmit = 0;
  rxmitThresh = 1;
  zeroWin = 0;
  zeroWinThresh = 1;
  gaps = 0;
  gapThresh = 1;
  windowScale = 0;
  constructor(isOrig: boolean) {
    this.isOrig = isOrig;
  }
  setState(s: number): void {
    if (s !== this.state) {
      this.prevState = this.state;
      this.state = s;
    }
  }
}

function delta(a: number, b: number): number {
  return (a - b) | 0;
}

function untrusted(s: number): boolean {
  return s === ZState.RESET || s === ZState.PARTIAL || s === ZState.INACTIVE;
}

export class ZeekConn {
  readonly orig = new ZeekEndpoint(true);
  readonly resp = new ZeekEndpoint(false);
  history = '';

  private add(ep: ZeekEndpoint, code: string): void {
    this.history += ep.isOrig ? code : code.toLowerCase();
  }

  /** Connection::CheckHistory: adds the letter the first time; true when seen before. */
  private check(ep: ZeekEndpoint, mask: number, code: string): boolean {
    if (ep.histSeen & mask) return true;
    ep.histSeen |= mask;
    this.add(ep, code);
    return false;
  }

  /** ScaledHistoryEntry: a letter when the count reaches 1, 10, 100, … */
  private scaled(ep: ZeekEndpoint, code: 'T' | 'W' | 'G'): void {
    if (code === 'T') {
      if (++ep.rxmit === ep.rxmitThresh) {
        this.add(ep, code);
        ep.rxmitThresh *= 10;
      }
    } else if (code === 'W') {
      if (++ep.zeroWin === ep.zeroWinThresh) {
        this.add(ep, code);
        ep.zeroWinThresh *= 10;
      }
    } else if (++ep.gaps === ep.gapThresh) {
      this.add(ep, code);
      ep.gapThresh *= 10;
    }
  }

  /** A content gap in `ep`'s data (bytes the capture never held were acknowledged). */
  gap(isOrig: boolean): void {
    const ep = isOrig ? this.orig : this.resp;
    const peer = isOrig ? this.resp : this.orig;
    // Not for partial connections (report_gaps_for_partial is off) nor around resets,
    // whose sequence numbers are not trusted.
    if (untrusted(ep.state) || untrusted(peer.state)) return;
    this.scaled(ep, 'G');
  }

  /** One segment from the originator (isOrig) or the responder. */
  packet(isOrig: boolean, flags: number, seq: number, len: number, window: number, wscale: number): void {
    const ep = isOrig ? this.orig : this.resp;
    const peer = isOrig ? this.resp : this.orig;
    // Most segments carry no SYN, FIN or RST on an endpoint already past INACTIVE: only
    // their history letter (once), a zero window, and the last sequence number can
    // change — the steps below, with what they do for such a segment only (the state
    // machine leaves every other state alone without those flags).
    if ((flags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) === 0 && ep.state !== ZState.INACTIVE && ep.started) {
      if (len) {
        if (!(ep.histSeen & H_DATA)) this.check(ep, H_DATA, 'D');
      } else if (flags & FLAG_ACK && !(ep.histSeen & H_ACK)) this.check(ep, H_ACK, 'A');
      if (window === 0 && peer.state !== ZState.CLOSED && ep.state !== ZState.RESET) this.scaled(ep, 'W');
      if (ep.state !== ZState.RESET) {
        const next = (seq + len) | 0;
        if (((next - ep.lastSeq) | 0) > 0) ep.lastSeq = next;
        else if (len > 0) this.scaled(ep, 'T');
      }
      return;
    }
    // Zeek's flags.SYN() … as booleans
    const SYN = (flags & FLAG_SYN) !== 0, FIN = (flags & FLAG_FIN) !== 0, RST = (flags & FLAG_RST) !== 0, ACK = (flags & FLAG_ACK) !== 0;
    let segLen = len + (SYN ? 1 : 0) + (FIN ? 1 : 0);
    if (RST) segLen -= len;
    const onePast = (seq + segLen) >>> 0;
    // init_endpoint
    if (ep.state === ZState.INACTIVE && !ep.started) {
      ep.started = true;
      if (SYN) {
        ep.startSeq = seq | 0;
        ep.lastSeq = onePast | 0;
      } else {
        ep.startSeq = (seq - 1) | 0;
        ep.lastSeq = seq | 0;
      }
    } else if (SYN && (ep.state === ZState.SYN_SENT || ep.state === ZState.SYN_ACK_SENT || ep.state === ZState.ESTABLISHED || ep.state === ZState.PARTIAL) && (seq | 0) !== ep.startSeq) {
      ep.startSeq = seq | 0;
      ep.lastSeq = onePast | 0;
    }
    const relSeq = ((seq - ep.startSeq) | 0) >>> 0; // int32 wrap, as in TcpTracker.record
    // update_history
    const bits = (SYN ? 1 : 0) + (FIN ? 1 : 0) + (RST ? 1 : 0);
    if (bits > 1) {
      if (FIN && RST) this.check(ep, H_FIN_RST, 'I');
      else this.check(ep, H_MULTI, 'Q');
    } else if (bits === 1) {
      if (SYN) {
        const code = ACK ? 'H' : 'S';
        if (this.check(ep, H_SYN, code) && relSeq !== ep.lastSyn) this.add(ep, code);
        ep.lastSyn = relSeq;
      }
      if (FIN) {
        const v = (relSeq + len) >>> 0;
        if (this.check(ep, H_FIN, 'F') && v !== ep.lastFin) this.add(ep, 'F');
        ep.lastFin = v;
      }
      if (RST) {
        if (this.check(ep, H_RST, 'R') && relSeq !== ep.lastRst) this.add(ep, 'R');
        ep.lastRst = relSeq;
      }
    } else if (len) this.check(ep, H_DATA, 'D');
    else if (ACK) this.check(ep, H_ACK, 'A');
    // update_window: zero windows (scaled log)
    if (window === 0 && !RST && peer.state !== ZState.CLOSED && ep.state !== ZState.RESET) this.scaled(ep, 'W');
    if (SYN) {
      // init_window
      if (wscale < 0) {
        ep.windowScale = 0;
        if (ACK) peer.windowScale = 0;
      } else ep.windowScale = Math.min(wscale, 14);
    }
    // update_last_seq
    const dLast = delta(onePast, ep.lastSeq);
    if ((SYN || RST) && (dLast > TOO_LARGE_SEQ_DELTA || dLast < -TOO_LARGE_SEQ_DELTA)) {
      /* untrusted */
    } else if (FIN && ep.lastSeq === ((ep.startSeq + 1) | 0)) ep.lastSeq = onePast | 0;
    else if (ep.state === ZState.RESET) {
      /* don't trust */
    } else if (dLast > 0) ep.lastSeq = onePast | 0;
    else if (len > 0) this.scaled(ep, 'T');
    this.stateMachine(ep, peer, isOrig, SYN, FIN, RST, ACK, len);
  }

  private stateMachine(ep: ZeekEndpoint, peer: ZeekEndpoint, isOrig: boolean, SYN: boolean, FIN: boolean, RST: boolean, ACK: boolean, len: number): void {
    switch (ep.state) {
      case ZState.INACTIVE:
        if (SYN) {
          if (isOrig) ep.setState(ACK ? ZState.SYN_ACK_SENT : ZState.SYN_SENT);
          else {
            if (peer.state === ZState.SYN_SENT) peer.setState(ZState.ESTABLISHED);
            ep.setState(ZState.ESTABLISHED);
          }
        }
        if (FIN) ep.setState(ZState.CLOSED);
        if (RST) ep.setState(ZState.RESET);
        if (ep.state === ZState.INACTIVE) {
          if (!isOrig && len === 0 && this.orig.state === ZState.SYN_SENT) {
            /* an ACK of the SYN before the SYN-ACK: not partial */
          } else if (ACK && peer.state === ZState.ESTABLISHED) ep.setState(ZState.ESTABLISHED);
          else ep.setState(ZState.PARTIAL);
        }
        break;
      case ZState.SYN_SENT:
      case ZState.SYN_ACK_SENT:
        if (FIN) ep.setState(ZState.CLOSED);
        if (RST) ep.setState(ZState.RESET);
        break;
      case ZState.ESTABLISHED:
      case ZState.PARTIAL:
        if (SYN && ep.state === ZState.PARTIAL && peer.state === ZState.INACTIVE && !ACK) ep.setState(ZState.SYN_SENT);
        if (FIN && !RST) {
          ep.setState(ZState.CLOSED);
          if (peer.state === ZState.RESET && peer.prevState === ZState.CLOSED) peer.setState(ZState.CLOSED);
        }
        if (RST) ep.setState(ZState.RESET);
        break;
      case ZState.CLOSED:
        if (RST && peer.state !== ZState.CLOSED) ep.setState(ZState.RESET);
        break;
      default:
        break;
    }
  }

  /** base/protocols/conn/main.zeek: conn_state(). */
  connState(origBytes: number, respBytes: number): string {
    const os = this.orig.state, rs = this.resp.state;
    const oInactive = os === ZState.INACTIVE || os === ZState.PARTIAL;
    const rInactive = rs === ZState.INACTIVE || rs === ZState.PARTIAL;
    if (rs === ZState.RESET) {
      if (os === ZState.SYN_SENT || os === ZState.SYN_ACK_SENT || (os === ZState.RESET && origBytes === 0 && respBytes === 0)) return 'REJ';
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (os === ZState.RESET) {
      if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(this.history) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (rs === ZState.CLOSED && os === ZState.CLOSED) return 'SF';
    if (os === ZState.CLOSED) return rInactive ? 'SH' : 'S2';
    if (rs === ZState.CLOSED) return oInactive ? 'SHR' : 'S3';
    if (os === ZState.SYN_SENT && rs === ZState.INACTIVE) return 'S0';
    if (os === ZState.ESTABLISHED && rs === ZState.ESTABLISHED) return 'S1';
    return 'OTH';
  }
}

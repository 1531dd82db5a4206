// ICMP port unreachable on a DNS flow over UDP, resolved by the UDP tracker
// (../udp/tracker) and handed to the DNS tracker to explain. The quote says which
// message was refused — by its ID and UDP length when quoted, by its direction else:
// - a refused response means the client's socket was gone: the transaction is marked
//   (dns.client-gone at the end, ./breaks) and the error is explained;
// - a refused query means nothing listened on the server's port: the transaction
//   keeps the ICMP frame (dns.unanswered names it), and the error stays the UDP
//   tracker's udp.port-unreachable.

import type { UdpIcmpError } from '../udp/icmp';
import { FF_TCP, FF_TRACKED, RECENT_RESPONSES, S_CLIENT_GONE, S_ORPHAN, type DnsStore } from './store';

/** How many of the latest transactions are searched for a refused query. */
const REFUSED_QUERY_LOOK_BACK = 4096;

/**
 * Marks the DNS message an ICMP error refused (`data`: the ICMP packet's bytes). True
 * when the error is explained by the DNS state: a refused response (client-gone).
 */
export function explainIcmpError(s: DnsStore, err: UdpIcmpError, data: Uint8Array): boolean {
  const frame = err.frame;
  const fid = err.flow ? err.flow.id : -1;
  const ff = s.flags(fid);
  if (!(ff & FF_TRACKED) || ff & FF_TCP || err.kind !== 'port') return false;
  const qid = err.payloadLen >= 2 ? (data[err.payloadOff] << 8) | data[err.payloadOff + 1] : -1;
  // The quoted QR bit: 1 = a response, 0 = a query, -1 = not quoted.
  const qr = err.payloadLen >= 3 ? data[err.payloadOff + 2] >> 7 : -1;
  if (qr !== 0) {
    let t = s.fLastResp[fid] - 1;
    for (let k = 0; t >= 0 && k < RECENT_RESPONSES; k++, t = s.tPrevResp[t]) {
      if (s.tResponseFrame[t] >= frame) continue;
      if (qid >= 0 && s.tId[t] !== qid) continue;
      if (err.udpLength >= 0 && s.tRespUdpLength[t] >= 0 && s.tRespUdpLength[t] !== err.udpLength) continue;
      if (s.tIcmpFrame[t] > 0) continue;
      // The quoted datagram is a response (QR bit quoted, or it went server → client).
      if (qr === -1 && err.dir !== 1) continue;
      s.tIcmpFrame[t] = frame;
      if (s.tStatus[t] !== S_ORPHAN) s.tStatus[t] = S_CLIENT_GONE;
      return true;
    }
  }
  if (qr !== 1) {
    // A refused query: nothing listens on the server's port.
    for (let t = s.n - 1; t >= 0 && t >= s.n - REFUSED_QUERY_LOOK_BACK; t--) {
      if (s.tFlow[t] !== fid || (qid >= 0 && s.tId[t] !== qid) || s.tQn[t] === 0 || s.tQf0[t] >= frame) continue;
      if (s.tServerIcmpFrame[t] < 0) {
        s.tServerIcmpFrame[t] = frame;
        s.serverIcmpText.set(t, err.text);
      }
      break;
    }
  }
  return false;
}

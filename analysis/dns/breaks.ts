// The DNS events decided at the end of the capture, once every response that could
// come has come: queries never answered or answered after the client's timeout
// (dns.unanswered), lookups that survived at another resolver (dns.failover),
// responses refused by a gone client (dns.client-gone), error answers (dns.error) and
// truncated ones (dns.truncated). In transaction order; the analysis orders all events
// by frame.

import { rcodeName } from '../../parsers/dns/wire';
import { hex4, hostText, secs, type DnsEmit } from './report';
import { F_QUESTION, F_TCP, F_TRUNCATED, S_ANSWERED, S_MISMATCH, S_ORPHAN, S_UNANSWERED, type DnsStore } from './store';

/** A failover's delay: to the millisecond from a second up (a resolver's timeout shows as 1.005 s). */
function delayText(x: number): string {
  return x >= 1 ? `${x.toFixed(3)} s` : secs(x);
}

/** "frame 3", "frames 3, 5" */
function framesText(frames: readonly number[]): string {
  return `frame${frames.length > 1 ? 's' : ''} ${frames.join(', ')}`;
}

/**
 * dns.failover on the query frame of transaction `t`, which asked another resolver
 * after transaction tFailoverOf[t] went unanswered or was refused — when the lookup
 * survived there: answered within the client's timeout `T`.
 */
function raiseFailover(s: DnsStore, emit: DnsEmit, t: number, T: number): void {
  if (s.tStatus[t] !== S_ANSWERED || s.tResponseTime[t] - s.tLastQueryTime[t] > T) return;
  const f = s.tFailoverOf[t];
  // The lookup's first query: back through earlier failovers and new-port retries.
  let root = f;
  for (let p = f; p >= 0; p = s.tFailoverOf[p] >= 0 ? s.tFailoverOf[p] : s.tRetryOf[p]) root = p;
  const from = s.flowOf(f), to = s.flowOf(t);
  const failed = s.queryFrames(f);
  const sif = s.tServerIcmpFrame[f];
  const began = root !== f ? ` (the lookup's first query: frame ${s.tQf0[root]}, to ${hostText(s.flowOf(root), false)})` : '';
  const why = sif > 0
    ? `${hostText(from, false)} refused the query (${framesText(failed)}) with ${s.serverIcmpText.get(f)} at frame ${sif}`
    : `no answer from ${hostText(from, false)} to the query (${framesText(failed)})`;
  emit('dns.failover', s.tQf0[t], s.tTime[t], s.tFlow[t],
    `query ${hex4(s.tId[t])} for ${s.questionOf(t)} failed over from ${hostText(from, false)} to ${hostText(to, false)} after ${delayText(s.tTime[t] - s.tTime[root])}${began}: ${why}; sent again from ${to.endpoint(true)} and answered at frame ${s.tResponseFrame[t]}`,
    sif > 0 ? [...failed, sif] : [...failed]);
}

/** "; failed over to …" for the dns.unanswered of a transaction the client gave up for another resolver. */
function failedOverText(s: DnsStore, t: number): string {
  const o = s.tFailedOverTo[t];
  if (o < 0) return '';
  const to = s.flowOf(o);
  return `; failed over to ${hostText(to, false)} (from ${to.endpoint(true)}) at frame ${s.tQf0[o]}${s.tStatus[o] === S_ANSWERED ? `, answered at frame ${s.tResponseFrame[o]}` : ''}`;
}

/** Raises the end-of-capture events; `end` is the capture's last time, `timeout` the client's (s). */
export function raiseBreaks(s: DnsStore, emit: DnsEmit, end: number, timeout: number): void {
  const T = timeout;
  const n = s.n;
  const status = s.tStatus, qn = s.tQn, qf0 = s.tQf0;
  for (let t = 0; t < n; t++) {
    if (qn[t] === 0) continue;
    if (status[t] === S_MISMATCH) continue; // dns.question-mismatch says it
    if (s.tFailoverOf[t] >= 0) raiseFailover(s, emit, t, T);
    const quiet = s.quiet(s.tFlow[t]);
    const first = qf0[t];
    if (status[t] === S_UNANSWERED) {
      if (quiet) continue;
      const flow = s.flowOf(t);
      const sends = qn[t] > 1 ? ` (sent ${qn[t]} times, last at frame ${s.tQlast[t]})` : '';
      const left = end - s.tLastQueryTime[t];
      const why = left < T
        ? `the capture ended ${secs(left)} after the last send, within the ${T} s timeout`
        : `no response in the ${secs(left)} until the capture ended (timeout ${T} s)`;
      const sif = s.tServerIcmpFrame[t];
      const icmp = sif > 0 ? `; the server's host refused it: ${s.serverIcmpText.get(t)} at frame ${sif}` : '';
      const r = s.tRetriedBy[t];
      emit('dns.unanswered', first, s.tTime[t], flow.id,
        `query ${hex4(s.tId[t])} for ${s.questionOf(t)} to ${flow.endpoint(false)} was not answered${sends}: ${why}${icmp}${r >= 0 ? `; retried from ${s.flowOf(r).endpoint(true)} at frame ${qf0[r]}${s.tResponseFrame[r] > 0 ? `, answered at frame ${s.tResponseFrame[r]}` : ''}` : ''}${failedOverText(s, t)}`,
        sif > 0 ? [sif] : []);
      continue;
    }
    // Answered, but only after the client's timeout.
    const wait = s.tResponseTime[t] - s.tLastQueryTime[t];
    if (!quiet && wait > T) {
      const flow = s.flowOf(t);
      emit('dns.unanswered', first, s.tTime[t], flow.id,
        `query ${hex4(s.tId[t])} for ${s.questionOf(t)} to ${flow.endpoint(false)} got no response within the ${T} s timeout; the response came only ${secs(wait)} after the ${qn[t] > 1 ? 'last send' : 'query'}, at frame ${s.tResponseFrame[t]}${s.tIcmpFrame[t] > 0 ? ', when the client had given up' : ''}${failedOverText(s, t)}`,
        [s.tResponseFrame[t]]);
    }
  }
  for (let t = 0; t < n; t++) {
    const rf = s.tResponseFrame[t];
    if (rf < 0) continue;
    const flags = s.tFlags[t];
    const icmpFrame = s.tIcmpFrame[t];
    if (icmpFrame > 0) {
      const flow = s.flowOf(t);
      emit('dns.client-gone', rf, s.tResponseTime[t], flow.id,
        status[t] === S_ORPHAN
          ? `response ${hex4(s.tId[t])}${flags & F_QUESTION ? ` for ${s.questionOf(t)}` : ''} (no query seen) was refused by ${flow.endpoint(true).replace(/:\d+$/, '')} with ICMP port unreachable (frame ${icmpFrame}): no socket on ${flow.endpoint(true)} any more`
          : `response ${hex4(s.tId[t])} for ${s.questionOf(t)} came ${secs(s.tResponseTime[t] - s.tTime[t])} after the query (frame ${qf0[t]}) and was refused with ICMP port unreachable (frame ${icmpFrame}): the client's socket ${flow.endpoint(true)} was already closed`,
        [icmpFrame]);
    }
    if (status[t] === S_MISMATCH) continue;
    const rcode = s.tRcode[t];
    if (rcode > 0 && !s.quiet(s.tFlow[t])) {
      const flow = s.flowOf(t);
      emit('dns.error', rf, s.tResponseTime[t], flow.id,
        `${rcodeName(rcode)} for ${flags & F_QUESTION ? s.questionOf(t) : `query ${hex4(s.tId[t])}`} from ${flow.endpoint(false)}${qn[t] ? ` (query frame ${qf0[t]})` : ''}`,
        qn[t] ? [qf0[t]] : []);
    }
    if (flags & F_TRUNCATED && !(flags & F_TCP) && status[t] !== S_ORPHAN) {
      const trf = s.tTcpRetryFrame[t];
      emit('dns.truncated', rf, s.tResponseTime[t], s.tFlow[t],
        `response ${hex4(s.tId[t])} for ${s.questionOf(t)} is truncated (TC bit): the answer did not fit in UDP; ${trf > 0 ? `the client asked again over TCP at frame ${trf}` : 'no TCP retry in the capture'}`,
        trf > 0 ? [trf] : []);
    }
  }
}

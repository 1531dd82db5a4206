// The DNS events decided at the end of the capture, once every response that could
// come has come: responses no query waited for (dns.orphan-response), queries never
// answered or answered after the client's timeout (dns.unanswered), lookups that
// survived at another resolver (dns.failover), responses refused by a gone client
// (dns.client-gone), error answers (dns.error) and truncated ones (dns.truncated). In
// transaction order; the analysis orders all events by frame.
//
// One break per frame and cause: an orphan response that the client's host refused
// with ICMP port unreachable is dns.client-gone alone, not also dns.orphan-response —
// the ICMP says why nobody waited for it — worded as every dns.client-gone, and naming
// the query it duplicates an answer to when that was seen.

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

/** "was refused with ICMP port unreachable (frame 3): the client's socket … was already closed" */
function refusedText(s: DnsStore, t: number): string {
  return `was refused with ICMP port unreachable (frame ${s.tIcmpFrame[t]}): the client's socket ${s.flowOf(t).endpoint(true)} was already closed`;
}

/** dns.orphan-response for an orphan response — or dns.client-gone alone when ICMP refused it. */
function raiseOrphan(s: DnsStore, emit: DnsEmit, t: number): void {
  const flow = s.flowOf(t), rf = s.tResponseFrame[t], time = s.tResponseTime[t];
  const q = s.tFlags[t] & F_QUESTION ? ` for ${s.questionOf(t)}` : '';
  const dup = s.tDuplicateOf[t];
  const icmp = s.tIcmpFrame[t];
  if (dup >= 0) {
    const dupResp = s.tResponseFrame[dup], after = secs(time - s.tResponseTime[dup]);
    if (icmp > 0)
      emit('dns.client-gone', rf, time, flow.id,
        `duplicate response ${hex4(s.tId[t])}${q} (its query, frame ${s.tQf0[dup]}, was already answered at frame ${dupResp}, ${after} earlier) ${refusedText(s, t)}`,
        [s.tQf0[dup], dupResp, icmp]);
    else
      emit('dns.orphan-response', rf, time, flow.id,
        `duplicate response ${hex4(s.tId[t])}${q}: the query (frame ${s.tQf0[dup]}) was already answered at frame ${dupResp}, ${after} earlier, so the client no longer waited for it`,
        [s.tQf0[dup], dupResp]);
  } else if (icmp > 0)
    emit('dns.client-gone', rf, time, flow.id, `response ${hex4(s.tId[t])}${q} (no query seen on this flow) ${refusedText(s, t)}`, [icmp]);
  else
    emit('dns.orphan-response', rf, time, flow.id, `response ${hex4(s.tId[t])}${q} from ${flow.endpoint(false)} to ${flow.endpoint(true)} matches no query seen on this flow`, []);
}

/** Raises the end-of-capture events; `end` is the capture's last time, `timeout` the client's (s). */
export function raiseBreaks(s: DnsStore, emit: DnsEmit, end: number, timeout: number): void {
  const T = timeout;
  const n = s.n;
  const status = s.tStatus, qn = s.tQn, qf0 = s.tQf0;
  // First the orphans (raised as the response was read before the ICMP could be known).
  for (let t = 0; t < n; t++) if (status[t] === S_ORPHAN) raiseOrphan(s, emit, t);
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
    if (icmpFrame > 0 && status[t] !== S_ORPHAN)
      emit('dns.client-gone', rf, s.tResponseTime[t], s.tFlow[t],
        `response ${hex4(s.tId[t])} for ${s.questionOf(t)} came ${secs(s.tResponseTime[t] - s.tTime[t])} after the query (frame ${qf0[t]}) and ${refusedText(s, t)}`,
        [icmpFrame]);
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

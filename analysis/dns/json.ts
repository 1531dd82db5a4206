// A DNS transaction as the JSON's dns[] record (OUTPUT.md): the answers are turned
// into text only now, from the kept response bytes (the pairing never reads them).

import { answerTextsCached, rcodeName } from '../../parsers/dns/wire';
import type { DnsJson } from '../model';
import { F_MULTICAST, F_TCP, F_TRUNCATED, FF_PROTOCOL, PROTOCOLS, S_ANSWERED, S_CLIENT_GONE, S_MISMATCH, STATUS, type DnsStore } from './store';

export function transactionJson(s: DnsStore, t: number): DnsJson {
  const status = s.tStatus[t];
  const chunk = s.responseChunk(t);
  const answers = chunk && status !== S_MISMATCH ? answerTextsCached(chunk, s.tRespOff[t], s.tRespLen[t]) : [];
  const flags = s.tFlags[t];
  const rf = s.tResponseFrame[t];
  const qn = s.tQn[t];
  const rcode = s.tRcode[t];
  const j: DnsJson = {
    flow: s.tFlow[t],
    transport: flags & F_TCP ? 'tcp' : 'udp',
    id: s.tId[t],
    question: s.questionOf(t),
    queryFrames: s.queryFrames(t),
    responseFrame: rf > 0 ? rf : null,
    rtt: (status === S_ANSWERED || status === S_CLIENT_GONE) && rf > 0 && qn > 0 ? s.tResponseTime[t] - s.tTime[t] : null,
    rcode: rcode >= 0 ? rcodeName(rcode) : null,
    status: STATUS[status],
    answers,
    time: s.tTime[t],
  };
  const protocol = (s.fFlags[s.tFlow[t]] & FF_PROTOCOL) >> 1;
  if (protocol !== 0) j.protocol = PROTOCOLS[protocol];
  if (flags & F_MULTICAST) j.multicast = true;
  if (flags & F_TRUNCATED) j.truncated = true;
  if (s.tTcpRetryFrame[t] > 0) j.tcpRetryFrame = s.tTcpRetryFrame[t];
  if (s.tIcmpFrame[t] > 0) j.icmpFrame = s.tIcmpFrame[t];
  if (s.tServerIcmpFrame[t] > 0) j.serverIcmpFrame = s.tServerIcmpFrame[t];
  const mf = s.mismatchFrames.get(t);
  if (mf) j.mismatchFrames = mf;
  if (s.tRetryOf[t] >= 0) j.retryOf = s.tQf0[s.tRetryOf[t]];
  if (s.tFailoverOf[t] >= 0) j.failoverOf = s.tQf0[s.tFailoverOf[t]];
  if (s.tFailedOverTo[t] >= 0) j.failedOverTo = s.tQf0[s.tFailedOverTo[t]];
  if (s.tDuplicateOf[t] >= 0) j.duplicateOf = s.tResponseFrame[s.tDuplicateOf[t]];
  return j;
}

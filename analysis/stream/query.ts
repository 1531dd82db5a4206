// Follow stream for one flow of an analysis: the capture read again (analysis/reread.ts),
// the flow's frames picked by the flow id the analysis gave them, TCP reassembled
// (./follow.ts), datagrams and DNS messages gathered and decoded with the decoder the
// host lends (dns-packet on the Node hosts). Pure TypeScript: no Node, no DOM.

import type { CaptureSource } from '../../parsers/capture/index';
import { DnsTcpStream } from '../../parsers/dns/tcp-stream';
import type { Analysis } from '../analysis';
import type { DnsMessageView, FollowedStream } from '../api';
import type { DnsMessageDecoder } from '../dns/query';
import { rereadFrames } from '../reread';
import { quicTracker } from '../quic/query';
import { earlyDataOutcome } from '../quic/resumption';
import { MessageCollector, quicStreams, TcpFollower } from './follow';

const TCP = 6, UDP = 17;
/** Payload bytes one answer carries at most (both directions, or all messages). */
export const FOLLOW_MAX_BYTES = 8 << 20;

export async function followFlow(
  a: Analysis,
  source: CaptureSource,
  flowId: number,
  decode: DnsMessageDecoder,
  opts: { signal?: AbortSignal; maxBytes?: number } = {},
): Promise<FollowedStream | null> {
  const flow = a.flows.flows[flowId - 1];
  if (!flow || flow.id !== flowId) return null;
  const cols = a.columns;
  const maxBytes = opts.maxBytes ?? FOLLOW_MAX_BYTES;
  const tcp = flow.transport === 'tcp' ? new TcpFollower(maxBytes) : null;
  const dns = flow.app === 'dns';
  const msgs = tcp && !dns ? null : new MessageCollector(maxBytes);
  const dnsTcp: [DnsTcpStream, DnsTcpStream] | null = tcp && dns ? [new DnsTcpStream(), new DnsTcpStream()] : null;
  /** Each DNS message decoded as it is gathered (msgs.messages[i] ↔ decoded[i]). */
  const decoded: (DnsMessageView | null)[] = [];
  const add = (dir: 0 | 1, frame: number, time: number, bytes: Uint8Array): void => {
    const n = msgs!.messages.length;
    msgs!.add(dir, frame, time, bytes);
    if (msgs!.messages.length > n) decoded.push(dns ? decode(bytes, frame, -1) : null);
  };
  await rereadFrames(
    source,
    (frame) => cols.flow[frame - 1] === flowId,
    (pkt, rec) => {
      const i = rec.frame - 1;
      const dir = cols.dir[i] as 0 | 1;
      const time = cols.time[i];
      if (pkt.ipProto === TCP && tcp) {
        tcp.push(pkt, dir, rec.frame, time);
        dnsTcp?.[dir].segment(pkt.tcpSeq, (pkt.tcpFlags & 0x02) !== 0, pkt.data, pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, (d, off, len) =>
          add(dir, rec.frame, time, d.subarray(off, off + len)),
        );
      } else if (pkt.ipProto === UDP && msgs) add(dir, rec.frame, time, pkt.data.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen));
    },
    { stopAfter: flow.lastFrame, signal: opts.signal },
  );
  const followed = tcp ? tcp.finish() : null;
  // QUIC: the STREAM frames the tracker decrypted (with a key log) of the connections on this flow
  const quicConns = flow.app === 'quic' ? (quicTracker(a)?.conns ?? []).filter((c) => c.paths.some((p) => p.flow === flowId)) : [];
  const quic = quicConns.flatMap((c) => quicStreams(c.number, c.streamFrames ?? [], earlyDataOutcome(c).outcome === 'rejected'));
  const messages = (msgs?.messages ?? []).map((m, i) => ({ ...m, dns: decoded[i] }));
  return {
    flow: flowId,
    transport: flow.transport,
    app: flow.app,
    client: flow.endpoint(true),
    server: flow.endpoint(false),
    tcp: followed,
    messages,
    truncated: (followed?.truncated ?? false) || (msgs?.truncated ?? false),
    quic: flow.app === 'quic' ? quic : null,
    note:
      flow.app === 'quic' && quic.length === 0
        ? 'no QUIC stream data was decrypted: load the TLS key log (SSLKEYLOGFILE) of the capture to see the streams; without it only the Initial packets can be read'
        : null,
  };
}

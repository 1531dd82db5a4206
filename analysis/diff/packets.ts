// The per-packet identity a capture diff needs (IP ID, TCP sequence and acknowledgement
// numbers, payload length, a hash of the payload's first bytes), read by decoding the
// capture's frames a second time through the same reader (parsers/capture) and decoder
// (parsers/decode) the analysis used. The analysis keeps none of these per packet (its
// columns serve the charts; a diff is rarer than an open), so the diff pays for them,
// and only for the packets of the flows it compares. The record order is the analysis's,
// so record k is packet index k of its columns (flow id and direction come from there).

import type { CaptureSource } from '../../parsers/capture/index';
import { IpProto, TcpFlag } from '../../parsers/decode/index';
import { rereadFrames } from '../reread';
import type { PacketColumns } from '../columns';

/** Bytes of payload hashed: enough to tell datagrams apart, few enough that two snap lengths agree. */
export const HASHED_PAYLOAD = 64;

/** One packet of a compared flow. */
export interface DiffPacket {
  /** Packet index (frame − 1). */
  index: number;
  time: number;
  /** 0 client → server, 1 server → client (as the capture's own flow has it). */
  dir: number;
  tcp: boolean;
  ipId: number;
  /** Absolute TCP sequence and acknowledgement numbers (ack −1 without the ACK flag); 0 elsewhere. */
  seq: number;
  ack: number;
  /** Payload length as the headers state it. */
  len: number;
  /** FNV-1a of the first HASHED_PAYLOAD captured payload bytes. */
  hash: number;
}

function fnv1a(data: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  const end = off + Math.min(len, HASHED_PAYLOAD);
  for (let i = off; i < end; i++) h = Math.imul(h ^ data[i], 0x01000193);
  return h >>> 0;
}

/** The packets of `flows` (flow id → its packets in file order), decoded again from `source`. */
export async function readDiffPackets(source: CaptureSource, columns: PacketColumns, flows: ReadonlySet<number>, signal?: AbortSignal): Promise<Map<number, DiffPacket[]>> {
  const out = new Map<number, DiffPacket[]>();
  for (const f of flows) out.set(f, []);
  // the analysis stopped at columns.length (a full flow table): no frame after it
  await rereadFrames(
    source,
    (frame) => frame <= columns.length && out.has(columns.flow[frame - 1]),
    (pkt, r) => {
      const i = r.frame - 1;
      const tcp = pkt.ipProto === IpProto.TCP;
      out.get(columns.flow[i])!.push({
        index: i,
        time: columns.time[i],
        dir: columns.dir[i],
        tcp,
        ipId: pkt.ipId,
        seq: tcp ? pkt.tcpSeq : 0,
        ack: tcp && pkt.tcpFlags & TcpFlag.ACK ? pkt.tcpAck : -1,
        len: pkt.payloadWireLen,
        hash: fnv1a(pkt.data, pkt.payloadOff, pkt.payloadLen),
      });
    },
    { signal, stopAfter: columns.length },
  );
  return out;
}

// The QUIC layer of the tree (RFC 9000 17, RFC 8999): each packet of the datagram
// (coalesced long-header packets, then a short-header one) with its header fields, and
// — when the caller could decrypt it (QuicContext: the analysis's keys, analysis/
// packet-detail.ts) — the packet number and the frames, else why not (when the caller
// knows: no key log, no secret for that level). Decrypted bytes are not in the
// frame: the frames' nodes point at the packet's protected payload.

import { parseLongHeader, PACKET_TYPE_NAMES, PacketType, readVarint, varintLen, versionHex } from '../quic/header';
import type { QuicFrame } from '../quic/frames';
import { bytesHex, hex2, Tree } from './tree';

/** What the caller decrypted of this frame's QUIC packets, keyed by each packet's offset in the frame. */
export interface QuicContext {
  /** Length of the connection IDs of short-header packets (learnt from the handshake). */
  shortDcidLen?: number;
  decrypted: Map<number, { pn: number; headerLen: number; frames: QuicFrame[] }>;
  /** Why the caller could not decrypt a packet (no key log, no secret for its level, …), by the same offset. */
  undecrypted: Map<number, string>;
}

/** Is the UDP payload QUIC? A long header that parses, or port 443 with a short-header form. */
export function looksLikeQuic(d: Uint8Array, at: number, end: number, sp: number, dp: number): boolean {
  if (end - at < 7) return false;
  if (d[at] & 0x80) return parseLongHeader(d, at, end) !== null;
  return (sp === 443 || dp === 443) && (d[at] & 0x40) !== 0;
}

export function dissectQuic(root: Tree, d: Uint8Array, at: number, end: number, ctx: QuicContext | null): void {
  // one layer per QUIC packet of the datagram, as Wireshark shows coalesced packets
  const q = root;
  let p = at;
  for (let k = 0; k < 8 && p < end; k++) {
    const b0 = d[p];
    if (b0 & 0x80) {
      const h = parseLongHeader(d, p, end);
      if (!h) {
        q.nodes.push({ name: 'data', label: `Remaining bytes (${end - p})`, value: '', start: p, end });
        return;
      }
      const tname = h.type === PacketType.VERSION_NEGOTIATION ? 'Version Negotiation' : PACKET_TYPE_NAMES[h.type];
      const pend = h.pnOff >= 0 ? h.end : end;
      const dec = ctx?.decrypted.get(p) ?? null;
      const t = q.group('quic', `QUIC IETF, ${tname}${dec ? `, PKN: ${dec.pn}` : ''}, DCID=${bytesHex(d, h.dcidOff, h.dcidLen)}`, p, pend);
      t.nodes.push({ name: 'quic.header_form', label: '1... .... = Header Form: Long Header (1)', value: '1', start: p, end: p + 1 });
      t.nodes.push({ name: 'quic.fixed_bit', label: `.${(b0 >> 6) & 1}.. .... = Fixed Bit: ${(b0 & 0x40) !== 0 ? 'True' : 'False'}`, value: (b0 & 0x40) !== 0 ? '1' : '0', start: p, end: p + 1 });
      if (h.version !== 0) t.nodes.push({ name: 'quic.long.packet_type', label: `..${(b0 >> 5) & 1}${(b0 >> 4) & 1} .... = Packet Type: ${tname} (${(b0 >> 4) & 3})`, value: String((b0 >> 4) & 3), start: p, end: p + 1 });
      t.field('quic.version', 'Version', versionHex(h.version), p + 1, 4);
      t.field('quic.dcil', 'Destination Connection ID Length', h.dcidLen, h.dcidOff - 1, 1);
      if (h.dcidLen) t.field('quic.dcid', 'Destination Connection ID', bytesHex(d, h.dcidOff, h.dcidLen, ':'), h.dcidOff, h.dcidLen, bytesHex(d, h.dcidOff, h.dcidLen));
      t.field('quic.scil', 'Source Connection ID Length', h.scidLen, h.scidOff - 1, 1);
      if (h.scidLen) t.field('quic.scid', 'Source Connection ID', bytesHex(d, h.scidOff, h.scidLen, ':'), h.scidOff, h.scidLen, bytesHex(d, h.scidOff, h.scidLen));
      if (h.type === PacketType.INITIAL && !h.opaque) {
        const tlOff = h.scidOff + h.scidLen;
        t.field('quic.token_length', 'Token Length', h.tokenLen, tlOff, varintLen(d[tlOff]));
        if (h.tokenLen) t.field('quic.token', 'Token', bytesHex(d, h.tokenOff, h.tokenLen, ':'), h.tokenOff, h.tokenLen, bytesHex(d, h.tokenOff, Math.min(h.tokenLen, 32)));
      }
      if (h.pnOff >= 0) {
        const lOff = h.type === PacketType.INITIAL ? h.tokenOff + h.tokenLen : h.scidOff + h.scidLen;
        t.field('quic.length', 'Length', readVarint(d, lOff, end), lOff, varintLen(d[lOff]));
        payload(t, d, p, h.pnOff, pend, dec, ctx?.undecrypted.get(p));
      } else if (h.type === PacketType.RETRY) {
        t.field('quic.retry_token', 'Retry Token', bytesHex(d, h.tokenOff, h.tokenLen, ':'), h.tokenOff, h.tokenLen, `(${h.tokenLen} bytes)`);
        t.field('quic.retry_integrity_tag', 'Retry Integrity Tag', bytesHex(d, pend - 16, 16, ':'), pend - 16, 16, bytesHex(d, pend - 16, 16));
      } else if (h.version === 0) {
        for (let v = h.scidOff + h.scidLen; v + 4 <= pend; v += 4) t.field('quic.supported_version', 'Supported Version', versionHex(((d[v] << 24) | (d[v + 1] << 16) | (d[v + 2] << 8) | d[v + 3]) >>> 0), v, 4);
      }
      p = pend;
      continue;
    }
    // a short header runs to the end of the datagram
    const dec = ctx?.decrypted.get(p) ?? null;
    const cl = ctx?.shortDcidLen;
    const t = q.group('quic', `QUIC IETF, Short Header${cl !== undefined ? ` DCID=${bytesHex(d, p + 1, cl)}` : ''}${dec ? `, PKN: ${dec.pn}` : ''}`, p, end);
    t.nodes.push({ name: 'quic.header_form', label: '0... .... = Header Form: Short Header (0)', value: '0', start: p, end: p + 1 });
    t.nodes.push({ name: 'quic.fixed_bit', label: `.${(b0 >> 6) & 1}.. .... = Fixed Bit: ${(b0 & 0x40) !== 0 ? 'True' : 'False'}`, value: (b0 & 0x40) !== 0 ? '1' : '0', start: p, end: p + 1 });
    t.nodes.push({ name: 'quic.spin_bit', label: `..${(b0 >> 5) & 1}. .... = Spin Bit: ${(b0 & 0x20) !== 0 ? 'True' : 'False'}`, value: (b0 & 0x20) !== 0 ? '1' : '0', start: p, end: p + 1 });
    if (cl !== undefined && p + 1 + cl <= end) {
      if (cl) t.field('quic.dcid', 'Destination Connection ID', bytesHex(d, p + 1, cl, ':'), p + 1, cl, bytesHex(d, p + 1, cl));
      payload(t, d, p, p + 1 + cl, end, dec, ctx?.undecrypted.get(p));
    } else t.nodes.push({ name: 'quic.remaining_payload', label: `Protected Payload (${end - p - 1} bytes)`, value: '', start: p + 1, end });
    return;
  }
}

/** The packet number (once decrypted) and the payload: frames when decrypted, else the protected bytes (and why, when the caller knows). */
function payload(t: Tree, d: Uint8Array, start: number, pnOff: number, end: number, dec: { pn: number; headerLen: number; frames: QuicFrame[] } | null, why?: string): void {
  if (!dec) {
    t.nodes.push({ name: 'quic.remaining_payload', label: `Protected Payload (${end - pnOff} bytes, not decrypted${why ? `: ${why}` : ''})`, value: '', start: pnOff, end });
    return;
  }
  const pnEnd = start + dec.headerLen;
  t.field('quic.packet_number', 'Packet Number', dec.pn, pnOff, pnEnd - pnOff);
  const f = t.group('quic.payload', `Payload (${end - pnEnd} bytes, decrypted: ${dec.frames.length} frame${dec.frames.length === 1 ? '' : 's'})`, pnEnd, end);
  for (const fr of dec.frames) f.nodes.push({ name: 'quic.frame', label: frameLabel(fr), value: frameType(fr), start: pnEnd, end });
}

function frameType(f: QuicFrame): string {
  switch (f.type) {
    case 'padding': return '0';
    case 'ping': return '1';
    case 'ack': return f.ecn ? '3' : '2';
    case 'crypto': return '6';
    case 'new_token': return '7';
    case 'stream': return '8';
    case 'new_connection_id': return '24';
    case 'retire_connection_id': return '25';
    case 'path_challenge': return '26';
    case 'path_response': return '27';
    case 'connection_close': return f.application ? '29' : '28';
    case 'handshake_done': return '30';
    case 'other': return String(f.code);
  }
}

function frameLabel(f: QuicFrame): string {
  switch (f.type) {
    case 'padding': return `PADDING Length: ${f.length}`;
    case 'ping': return 'PING';
    case 'ack': return `ACK${f.ecn ? '_ECN' : ''} Largest Acknowledged: ${f.largest}`;
    case 'crypto': return `CRYPTO Offset: ${f.offset}, Length: ${f.data.length}`;
    case 'new_token': return 'NEW_TOKEN';
    case 'stream': return `STREAM id=${f.id} off=${f.offset} len=${f.length}${f.fin ? ' fin' : ''}`;
    case 'new_connection_id': return `NEW_CONNECTION_ID Sequence: ${f.seq}, Retire Prior To: ${f.retirePriorTo}, CID: ${f.cid}`;
    case 'retire_connection_id': return `RETIRE_CONNECTION_ID Sequence: ${f.seq}`;
    case 'path_challenge': return `PATH_CHALLENGE Data: ${f.data}`;
    case 'path_response': return `PATH_RESPONSE Data: ${f.data}`;
    case 'connection_close': return `CONNECTION_CLOSE (${f.application ? 'application' : 'transport'}) Error code: 0x${f.errorCode.toString(16)}${f.reason ? ` "${f.reason}"` : ''}`;
    case 'handshake_done': return 'HANDSHAKE_DONE';
    case 'other': return `Frame type ${hex2(f.code)}`;
  }
}

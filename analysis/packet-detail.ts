// What the packet list and the packet detail need from a frame's bytes, read back on
// demand (./frame-bytes): the layer tree (parsers/dissect) with QUIC's packets decrypted
// when the analysis has their keys (QuicTracker.decryptFrame), and the Wireshark
// columns (Source, Destination, Protocol, Info) of a page of rows.

import { dissect } from '../parsers/dissect/dissect';
import { summarize } from '../parsers/dissect/summary';
import { hex } from '../parsers/quic/header';
import type { QuicContext } from '../parsers/dissect/quic';
import type { Analysis } from './analysis';
import type { FieldNode, PacketDetail, PacketRow } from './api';
import { readFrame, readFrames, type FrameBytes, type FrameSource } from './frame-bytes';
import { QuicTracker } from './quic/tracker';

/** The analysis took the frame's flow for QUIC. */
function isQuic(a: Analysis, frame: number): boolean {
  const id = a.columns.flow[frame - 1];
  return id !== 0 && a.flows.flows[id - 1]?.app === 'quic';
}

function quicTracker(a: Analysis): QuicTracker | null {
  for (const t of a.trackers) if (t instanceof QuicTracker) return t;
  return null;
}

/** Frame `frame`'s detail: bytes, tree and columns. `row`: its packet row (TCP's relative numbers for Info). */
export async function packetDetail(a: Analysis, src: FrameSource, frame: number, row: PacketRow | null): Promise<PacketDetail | null> {
  const fb = await readFrame(a, src, frame);
  if (!fb) return null;
  const quic = await quicContext(a, fb);
  const tree = dissect(fb.bytes, { frame, time: fb.time, wireLen: fb.wireLen, linkType: fb.linkType, quic, quicFlow: isQuic(a, frame) });
  if (row && row.seq !== null) addRelative(tree, row);
  const s = summarize(tree, row && row.seq !== null ? { seq: row.seq, ack: row.ack, win: row.win } : null);
  return { frame, time: fb.time, flow: a.columns.flow[frame - 1], linkType: fb.linkType, wireLen: fb.wireLen, bytes: hex(fb.bytes, 0, fb.bytes.length), tree, ...s };
}

/**
 * TCP's relative sequence and acknowledgment numbers (the TCP tracker's, as Wireshark's
 * tcp.seq / tcp.ack), beside the raw ones at the same bytes, and in the layer's title.
 */
function addRelative(tree: FieldNode[], row: PacketRow): void {
  const tcp = tree.find((n) => n.name === 'tcp');
  const kids = tcp?.children;
  if (!tcp || !kids) return;
  const raw = kids.findIndex((n) => n.name === 'tcp.seq_raw');
  if (raw < 0) return;
  const s = kids[raw];
  kids.splice(raw, 0, { name: 'tcp.seq', label: `Sequence Number: ${row.seq} (relative sequence number)`, value: String(row.seq), start: s.start, end: s.end });
  const ackRaw = kids.findIndex((n) => n.name === 'tcp.ack_raw');
  if (ackRaw >= 0 && row.ack !== null) {
    const a = kids[ackRaw];
    kids.splice(ackRaw, 0, { name: 'tcp.ack', label: `Acknowledgment Number: ${row.ack} (relative ack number)`, value: String(row.ack), start: a.start, end: a.end });
  }
  tcp.label = tcp.label.replace(/Seq: \d+/, `Seq: ${row.seq}${row.ack !== null && /\bACK\b/.test(row.flags) ? `, Ack: ${row.ack}` : ''}`);
}

/** The QUIC packets of this frame that the analysis's keys decrypt. */
async function quicContext(a: Analysis, fb: FrameBytes): Promise<QuicContext | null> {
  const q = quicTracker(a);
  if (!q) return null;
  try {
    return await q.decryptFrame(a, fb.frame, fb.bytes, fb.linkType);
  } catch {
    return null; // the tree shows the protected payload
  }
}

/** The rows with Wireshark's columns filled in from their frames' bytes (one read per run of adjacent frames). */
export async function describeRows(a: Analysis, src: FrameSource, rows: PacketRow[]): Promise<PacketRow[]> {
  const frames = await readFrames(a, src, rows.map((r) => r.frame));
  return rows.map((r, i) => {
    const fb = frames[i];
    const tree = dissect(fb.bytes, { frame: r.frame, time: fb.time, wireLen: fb.wireLen, linkType: fb.linkType, quicFlow: isQuic(a, r.frame) });
    return { ...r, ...summarize(tree, r.seq !== null ? { seq: r.seq, ack: r.ack, win: r.win } : null) };
  });
}

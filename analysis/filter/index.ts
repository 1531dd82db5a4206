// Display filters (issue 15, OUTPUT.md `stateline packets --filter`): Wireshark's
// filter language, the subset of ./fields, over the frames of an analysed capture.
//
// The analysis keeps no packet bytes, so a filter is applied in a second pass that
// streams the capture again through the reader and the decoder (the same road for the
// CLI and the session): each record is decoded into one reused Packet, its fields read
// by ./frame (headers from the Packet, TCP facts from the TCP tracker's columns, DNS
// from the wire reader), and the compiled predicate (./evaluate) keeps the frame or not.
//
//   compileDisplayFilter(text) → DisplayFilter   (throws FilterError with start/end)
//   filterFrames(analysis, source, filter, opts) → the matching frame numbers

import type { CaptureSource } from '../../parsers/capture/index';
import type { Analysis } from '../analysis';
import { rereadFrames } from '../reread';
import { compileFilter, type FramePredicate } from './evaluate';
import { FrameFields } from './frame';
import { fieldsOf, parseFilter, type FilterNode } from './parse';

export { FilterError, parseFilter, type FilterNode } from './parse';
export { FILTER_FIELDS, type FieldSpec, type FieldType } from './fields';

export interface DisplayFilter {
  /** The text as given. */
  text: string;
  /** null for an empty filter (every frame). */
  node: FilterNode | null;
  predicate: FramePredicate;
  /** Ids of the fields it reads. */
  fields: ReadonlySet<number>;
}

/** Parse and compile a filter; throws FilterError (with start/end) when it is not valid. */
export function compileDisplayFilter(text: string): DisplayFilter {
  const node = parseFilter(text);
  return { text, node, predicate: compileFilter(node), fields: fieldsOf(node) };
}

export interface FilterPassOptions {
  signal?: AbortSignal;
  /** Size of the source, for onProgress. */
  totalBytes?: number;
  onProgress?(bytesRead: number, totalBytes: number | undefined, frames: number): void;
}

/**
 * The frame numbers (ascending) of the capture's frames that match `filter`, by a pass
 * over `source` — the bytes the analysis was made from. Frames past the analysis's last
 * packet (a read stopped at the flow table's bound) are not considered.
 */
export async function filterFrames(analysis: Analysis, source: CaptureSource, filter: DisplayFilter, opts: FilterPassOptions = {}): Promise<Uint32Array> {
  const n = analysis.packets;
  let out = new Uint32Array(1024);
  let count = 0;
  const fields = new FrameFields(analysis, filter.fields);
  const pred = filter.predicate;
  let frames = 0;
  // as the analysis decoded them (./analyze: reassembly on, no time), so a fragment completes on the same frame
  await rereadFrames(
    source,
    (frame) => frame <= n,
    (pkt, r) => {
      frames = r.frame;
      fields.load(pkt, r);
      if (!pred(fields)) return;
      if (count === out.length) {
        const b = new Uint32Array(out.length * 2);
        b.set(out);
        out = b;
      }
      out[count++] = r.frame;
    },
    { stopAfter: n, signal: opts.signal, totalBytes: opts.totalBytes, onProgress: opts.onProgress ? (bytesRead, total) => opts.onProgress!(bytesRead, total, frames) : undefined },
  );
  return out.slice(0, count);
}

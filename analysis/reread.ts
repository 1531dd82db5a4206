// A second pass over a capture the analysis has read: the records again, decoded as the
// analysis decoded them, handed on only for the frames a question wants (follow stream,
// display filters, diff: whatever needs the bytes the analysis does not keep). The frames are those of
// the first pass: the same reader numbers them the same way, and a fresh decoder
// reassembles IP fragments the same way (its state depends only on earlier records).
//
// Pure TypeScript: no Node, no DOM. The host hands in the capture's bytes again.

import { readCaptureSource, type CaptureSource } from '../parsers/capture/index';
import type { CaptureRecord } from '../parsers/capture/types';
import { Decoder } from '../parsers/decode/decoder';
import { Packet } from '../parsers/decode/packet';

/**
 * Read `source` again; for each record whose frame `want` accepts, decode it and call
 * `onFrame` (the packet and record are valid only during the call). `stopAfter`: the last
 * frame wanted, so reading ends there.
 */
export async function rereadFrames(
  source: CaptureSource,
  want: (frame: number) => boolean,
  onFrame: (pkt: Packet, rec: CaptureRecord) => void,
  opts: { stopAfter?: number; signal?: AbortSignal; totalBytes?: number; onProgress?(bytesRead: number, totalBytes: number | undefined): void } = {},
): Promise<void> {
  const decoder = new Decoder();
  const pkt = new Packet();
  const stop = new AbortController();
  const parent = opts.signal;
  if (parent) parent.addEventListener('abort', () => stop.abort(), { once: true });
  let done = false;
  try {
    await readCaptureSource(source, {
      signal: stop.signal,
      totalBytes: opts.totalBytes,
      onProgress: opts.onProgress,
      onRecord: (r) => {
        if (done) return;
        // every record is decoded: a fragment's reassembly needs the records before it
        decoder.decode(pkt, r.data, r.linkType, r.frame);
        if (want(r.frame)) onFrame(pkt, r);
        if (opts.stopAfter !== undefined && r.frame >= opts.stopAfter) {
          done = true;
          stop.abort();
        }
      },
    });
  } catch (e) {
    if (!(done && (e as Error).name === 'CaptureCancelledError')) throw e;
  }
}

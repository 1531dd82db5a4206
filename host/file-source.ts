// A capture file as an async iterable of chunks read into two reused buffers.
//
// The capture reader copies the only bytes it keeps across chunks (a record that
// straddles two), and every tracker copies what it keeps, so a chunk can be
// overwritten once the reader has asked for the next one. Reusing buffers spares
// ~700 MB of 1 MiB Buffers per million packets that fs.createReadStream would
// allocate, and the garbage collections that external memory pressure triggers.
//
// Two buffers, because the read of chunk n+1 is started before chunk n is handed
// out: the read runs on libuv's thread pool while the analysis works on chunk n, so
// on a 2-core machine the file I/O (page-cache copies, ~0.15 s per 700 MB) overlaps
// the CPU work instead of adding to it.

import { open, readFile, stat } from 'node:fs/promises';
import type { SessionHost } from '../analysis/session';
import { dnsPacketView } from './dns-message';

export const CHUNK_SIZE = 1 << 20;

export async function* fileChunks(path: string, chunkSize = CHUNK_SIZE): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  const bufs = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
  let which = 0;
  let pending: Promise<{ bytesRead: number }> | null = fh.read(bufs[0], 0, chunkSize, null);
  try {
    for (;;) {
      const { bytesRead }: { bytesRead: number } = await pending!;
      pending = null;
      if (bytesRead === 0) return;
      const buf = bufs[which];
      which ^= 1;
      // Prefetch into the other buffer: the consumer is done with it, since it asked
      // for this chunk. Only a read that returns 0 ends the file (a live capture grows).
      pending = fh.read(bufs[which], 0, chunkSize, null);
      yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    // An early return (cancel) can leave a read in flight: let it land before closing.
    if (pending) await pending.catch(() => undefined);
    await fh.close();
  }
}

/** Key logs are small text files; a larger one is surely the wrong file. */
const MAX_KEYLOG_BYTES = 64 << 20;

/**
 * The file-system host of a StatelineSession, shared by `stateline serve` and the
 * Electron analysis worker: captures are read through fileChunks, key logs as text,
 * full DNS messages decoded with dns-packet, and the recent-files list is kept in
 * memory (`onRecent` hears each change).
 */
export function nodeFileHost(
  samplePath: string | null,
  initialRecent: readonly string[] = [],
  onRecent?: (list: string[]) => void,
): SessionHost {
  const recent = [...initialRecent];
  return {
    samplePath,
    decodeDns: dnsPacketView,
    async openPath(path) {
      const st = await stat(path);
      if (st.isDirectory()) throw new Error(`${path} is a directory`);
      const chunks = fileChunks(path);
      // return() runs the generator's finally: the file is closed when reading stops early.
      return { source: chunks, size: st.size, close: () => void chunks.return(undefined) };
    },
    async readText(path) {
      if ((await stat(path)).size > MAX_KEYLOG_BYTES) throw new Error(`${path}: key log larger than 64 MiB`);
      return readFile(path, 'utf8');
    },
    recent: {
      list: () => [...recent],
      add(p) {
        const i = recent.indexOf(p);
        if (i >= 0) recent.splice(i, 1);
        recent.unshift(p);
        recent.length = Math.min(recent.length, 10);
        onRecent?.([...recent]);
      },
    },
  };
}

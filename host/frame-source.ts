// The Node side of re-reading a capture after its analysis (analysis/frame-bytes.ts):
//
//  - fileFrameSource: positioned reads (FileHandle.read at an offset) on the capture
//    file, opened on the first request. The columns' offsets are in uncompressed bytes,
//    so a gzip capture is decompressed once, on that first request, to a private
//    temporary file, and read there (seeking into a deflate stream would need an index
//    of restart points that costs as much to build as the copy; the copy costs disk,
//    not memory, and is removed on close and at exit).
//  - spoolSource: a capture that arrives as a stream (stateline serve's upload) is
//    written to a private temporary file while the analysis reads it, so every open
//    capture can be read again (its frames, a second pass); removed when the capture is
//    closed or replaced, and at exit.
//
// Temporary files live in a directory of their own under os.tmpdir() (mkdtemp: mode
// 0700), files created 0600.

import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { FrameBytesSource } from '../analysis/frame-bytes';

// ---------------------------------------------------------------- temporary files

let tempDir: string | null = null;
const temps = new Set<string>();

/** A fresh private path (the file is not created). */
function tempPath(stem: string): string {
  if (tempDir === null) {
    tempDir = mkdtempSync(join(tmpdir(), 'stateline-'));
    // Whatever is still open at exit goes with the directory.
    process.once('exit', () => {
      try {
        rmSync(tempDir!, { recursive: true, force: true });
      } catch {
        /* exiting: nothing more to do */
      }
    });
  }
  const p = join(tempDir, `${stem}-${process.pid}-${temps.size}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`);
  temps.add(p);
  return p;
}

async function removeTemp(p: string): Promise<void> {
  temps.delete(p);
  await rm(p, { force: true }).catch(() => undefined);
}

// ---------------------------------------------------------------- positioned reads

/**
 * Frame bytes from the capture at `path`; `compressed` (the reader's info.compressed):
 * decompress it once to a temporary file on the first read.
 */
export function fileFrameSource(path: string, compressed: boolean): FrameBytesSource {
  let opening: Promise<FileHandle> | null = null;
  let copy: string | null = null;
  let closed = false;
  const handle = (): Promise<FileHandle> =>
    (opening ??= (async () => {
      let p = path;
      if (compressed) {
        copy = tempPath('gunzip');
        await pipeline(createReadStream(path), createGunzip(), createWriteStream(copy, { mode: 0o600 })).catch((e: Error) => {
          // Damage in the gzip stream: the analysis stopped there too, and every frame it
          // kept lies before it, in what was written.
          if (!/unexpected end|incorrect|invalid|unknown compression/i.test(e.message)) throw e;
        });
        p = copy;
      }
      if (closed) throw new Error('the capture was closed');
      return open(p, 'r');
    })());
  return {
    async read(offset, length) {
      if (closed) throw new Error('the capture was closed');
      const fh = await handle();
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(out, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? out : out.subarray(0, got);
    },
    async close() {
      closed = true;
      if (opening) await opening.then((fh) => fh.close(), () => undefined).catch(() => undefined);
      if (copy) await removeTemp(copy);
    },
  };
}

// ---------------------------------------------------------------- spooling a stream

/** A stream being written to a private temporary file as it is read. */
export interface Spool {
  /** The source to analyse: the same chunks, each also written to the file. */
  source: AsyncIterable<Uint8Array>;
  /** The temporary file. Complete once `done` resolves. */
  path: string;
  /** Resolves when every chunk read so far is on disk and the file is closed. */
  done: Promise<void>;
  /** Removes the file (when the capture is closed or replaced). */
  remove(): Promise<void>;
}

/** Tees `source` into a private temporary file while the consumer reads it. */
export function spoolSource(source: AsyncIterable<Uint8Array>): Spool {
  const path = tempPath('upload');
  const ws: WriteStream = createWriteStream(path, { mode: 0o600 });
  let failed: Error | null = null;
  ws.on('error', (e) => (failed = e));
  let finish!: () => void;
  const finished = new Promise<void>((ok) => (finish = ok));
  const done = finished.then(
    () =>
      new Promise<void>((ok, fail) => {
        if (failed) return fail(failed);
        ws.end(() => (failed ? fail(failed) : ok()));
      }),
  );
  done.catch(() => undefined);
  async function* tee(): AsyncGenerator<Uint8Array> {
    try {
      for await (const c of source) {
        if (failed) throw new Error(`cannot keep the upload for re-reading: ${(failed as Error).message}`);
        // A copy: the consumer may own the chunk's buffer (it is not reused by a request
        // stream, but the spool must not depend on that).
        if (!ws.write(Buffer.from(c)))
          await new Promise<void>((ok) => {
            ws.once('drain', ok);
            ws.once('error', () => ok());
          });
        yield c;
      }
    } finally {
      finish();
    }
  }
  return {
    source: tee(),
    path,
    done,
    async remove() {
      finish();
      await done.catch(() => undefined);
      await removeTemp(path);
    },
  };
}

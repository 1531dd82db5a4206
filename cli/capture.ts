// Reading a capture file for a command: size and key log first (exit 1 with one line on
// stderr when either cannot be read), then the analysis, with progress on a terminal.

import { readFileSync, statSync } from 'node:fs';
import { analyzeCapture, type Analysis } from '../analysis/analyze';
import type { TrackerOptions } from '../analysis/trackers';
import { fileChunks } from '../host/file-source';

export interface ReadOptions {
  keylog: string | null;
  progress: boolean;
  /** The flow table's bound (AnalyzeOptions.maxFlows). */
  maxFlows?: number;
  trackerOptions?: Omit<TrackerOptions, 'keylog'>;
  /** One flow per 5-tuple whatever its VLAN tags (AnalyzeOptions.mergeVlans). */
  mergeVlans?: boolean;
}

/** The analysis of `file`, or null after printing why it could not be read. */
export async function readAnalysis(file: string, opts: ReadOptions): Promise<Analysis | null> {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new Error('is a directory');
    size = st.size;
  } catch (e) {
    process.stderr.write(`stateline: cannot read ${file}: ${(e as Error).message}\n`);
    return null;
  }
  let keylog: string | undefined;
  if (opts.keylog) {
    try {
      keylog = readFileSync(opts.keylog, 'utf8');
    } catch (e) {
      process.stderr.write(`stateline: cannot read key log ${opts.keylog}: ${(e as Error).message}\n`);
      return null;
    }
  }
  const showProgress = opts.progress && process.stderr.isTTY;
  try {
    return await analyzeCapture(fileChunks(file), {
      trackerOptions: { ...opts.trackerOptions, keylog },
      mergeVlans: opts.mergeVlans,
      totalBytes: size,
      maxFlows: opts.maxFlows,
      onProgress: showProgress
        ? (p) => process.stderr.write(p.phase === 'reading' ? `\rreading ${((100 * p.bytesRead) / size).toFixed(0)}%  ${p.packets} packets` : `\r${p.phase === 'finishing' ? 'finishing flows' : 'building indexes'}…  ${p.packets} packets      `)
        : undefined,
    });
  } catch (e) {
    if (showProgress) process.stderr.write('\n');
    process.stderr.write(`stateline: ${file}: ${(e as Error).message}\n`);
    return null;
  } finally {
    if (showProgress) process.stderr.write('\n');
  }
}

/** Write to stdout and wait until it is flushed (a pipe closed early is not an error). */
export function writeOut(s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(s, (err) => (err && (err as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(err) : resolve()));
  });
}

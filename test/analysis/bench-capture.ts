// The bench workload at a test's size: ../shared/tools/gen-bench-pcap.js --count N
// --seed 1 (deterministic; TCP, DNS and QUIC with their breaks, as the 1,000,000-packet
// bench capture has them), written to a temporary directory. null when the generator is
// absent (the tests that need it skip with a message).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BENCH_GENERATOR = resolve(__dirname, '../../../shared/tools/gen-bench-pcap.js');
export const HAVE_BENCH_GENERATOR = existsSync(BENCH_GENERATOR);

/** Generate the capture; returns its path and a cleanup. */
export function benchCapture(count: number): { file: string; remove(): void } | null {
  if (!HAVE_BENCH_GENERATOR) return null;
  const dir = mkdtempSync(join(tmpdir(), 'stateline-bench-'));
  const file = join(dir, `bench-${count}-seed1.pcap`);
  const r = spawnSync(process.execPath, [BENCH_GENERATOR, '--count', String(count), '--seed', '1', '--out', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gen-bench-pcap.js failed: ${r.stderr}`);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

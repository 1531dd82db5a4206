import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeCapture, type Analysis } from '../../../analysis/analyze';
import { toJson } from '../../../analysis/output';
import type { AnalysisJson, EventJson, QuicJson } from '../../../analysis/model';

const here = dirname(fileURLToPath(import.meta.url));
export const SHARED_QUIC = resolve(here, '../../../../shared/captures/quic');
export const FIXTURES_QUIC = resolve(here, '../../../fixtures/quic');
export const haveShared = existsSync(SHARED_QUIC);

export type QuicOut = QuicJson & { inferredFrames: number[]; handshakeDoneFrame: number | null; decryptedPackets: number; paths: (QuicJson['paths'][number] & { inferred?: boolean })[] };

export interface Run {
  analysis: Analysis;
  json: AnalysisJson;
  quic: QuicOut[];
  events: EventJson[];
  /** QUIC events only, as [frame, kind]. */
  kinds: [number, string][];
}

export async function run(file: string, keylogFile?: string): Promise<Run> {
  const keylog = keylogFile ? readFileSync(keylogFile, 'utf8') : undefined;
  const analysis = await analyzeCapture(new Uint8Array(readFileSync(file)), { trackerOptions: { keylog } });
  const json = toJson(analysis);
  const events = json.events.filter((e) => e.kind.startsWith('quic.'));
  return { analysis, json, quic: json.quic as QuicOut[], events, kinds: events.map((e) => [e.frame, e.kind]) };
}

export const shared = (name: string): string => join(SHARED_QUIC, name);
export const fixture = (name: string): string => join(FIXTURES_QUIC, name);

export const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

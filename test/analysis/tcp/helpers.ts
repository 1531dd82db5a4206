// Shared helpers of the TCP tests: analyse a capture (bytes or a file) and pick the
// TCP events and flow summaries out of the JSON; ask tshark for its view when it is
// installed (the tests that need it say so and skip otherwise).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { analyzeCapture, type Analysis } from '../../../analysis/analyze';
import type { AnalysisJson, EventJson } from '../../../analysis/model';
import { toJson } from '../../../analysis/output';
import { EV_NAMES, STATE_NAMES } from '../../../analysis/tcp/states';
import { TcpTracker } from '../../../analysis/tcp/tracker';
import { pcap, type Seg } from './build';

export interface Result {
  analysis: Analysis;
  json: AnalysisJson;
  /** TCP events as "frame kind", sorted by frame then kind. */
  events: string[];
  byKind(kind: string): EventJson[];
}

export async function analyze(bytes: Uint8Array, opts: { tcpIdleSeconds?: number } = {}): Promise<Result> {
  const analysis = await analyzeCapture(bytes, { trackerOptions: { tcpIdleSeconds: opts.tcpIdleSeconds } });
  const json = toJson(analysis);
  const tcp = json.events.filter((e) => e.kind.startsWith('tcp.'));
  return {
    analysis,
    json,
    events: tcp.map((e) => `${e.frame} ${e.kind}`).sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b)),
    byKind: (kind) => tcp.filter((e) => e.kind === kind),
  };
}

export const analyzeSegs = (segs: Seg[], opts: { tcpIdleSeconds?: number } = {}): Promise<Result> => analyze(pcap(segs), opts);
export const analyzeFile = (path: string, opts: { tcpIdleSeconds?: number } = {}): Promise<Result> => analyze(new Uint8Array(readFileSync(path)), opts);

/** Events of the Wireshark-flag kinds only ("frame kind"). */
export function flagEvents(r: Result): string[] {
  const breaks = new Set(['tcp.refused', 'tcp.unanswered', 'tcp.peer-lost-state', 'tcp.abort', 'tcp.half-open', 'tcp.midstream', 'tcp.idle', 'tcp.unclosed', 'tcp.one-sided', 'tcp.injected-reset']);
  return r.events.filter((e) => !breaks.has(e.split(' ')[1]));
}

export const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0;

const TSHARK_FLAGS: Record<string, string> = {
  'tcp.analysis.retransmission': 'tcp.retransmission',
  'tcp.analysis.fast_retransmission': 'tcp.fast-retransmission',
  'tcp.analysis.spurious_retransmission': 'tcp.spurious-retransmission',
  'tcp.analysis.out_of_order': 'tcp.out-of-order',
  'tcp.analysis.lost_segment': 'tcp.lost-segment',
  'tcp.analysis.ack_lost_segment': 'tcp.ack-lost-segment',
  'tcp.analysis.duplicate_ack': 'tcp.duplicate-ack',
  'tcp.analysis.zero_window': 'tcp.zero-window',
  'tcp.analysis.zero_window_probe': 'tcp.zero-window-probe',
  'tcp.analysis.window_full': 'tcp.window-full',
  'tcp.analysis.window_update': 'tcp.window-update',
  'tcp.analysis.keep_alive': 'tcp.keep-alive',
  'tcp.analysis.keep_alive_ack': 'tcp.keep-alive-ack',
  'tcp.analysis.reused_ports': 'tcp.port-reuse',
};

/** tshark's analysis flags as "frame kind" (a fast/spurious retransmission under its most specific kind only). */
export function tsharkFlags(bytes: Uint8Array | string): string[] {
  let file = bytes as string;
  if (typeof bytes !== 'string') {
    file = join(mkdtempSync(join(tmpdir(), 'slt-tcp-')), 'x.pcap');
    writeFileSync(file, bytes);
  }
  const fields = Object.keys(TSHARK_FLAGS);
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.number', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    const kinds = fields.filter((_, i) => c[1 + i]).map((f) => TSHARK_FLAGS[f]);
    const specific = kinds.includes('tcp.fast-retransmission') || kinds.includes('tcp.spurious-retransmission');
    for (const k of kinds) if (!(specific && k === 'tcp.retransmission')) out.push(`${c[0]} ${k}`);
  }
  return out.sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b));
}

export function states(r: Result, flow = 1): string[] {
  const f = r.json.flows.find((x) => x.id === flow)!;
  return f.tcp!.states.map((s) => `${s.frame} ${s.client}/${s.server}`);
}

/** The (state, event) pairs the transition table had no rule for, as "frame endpoint STATE event". */
export function unexpected(r: Result): string[] {
  const t = r.analysis.trackers.find((x): x is TcpTracker => x instanceof TcpTracker)!;
  expect(t.unexpected).toHaveLength(t.unexpectedCount);
  return t.unexpected.map((u) => `${u.frame} ${u.endpoint === 0 ? 'client' : 'server'} ${STATE_NAMES[u.state]} ${EV_NAMES[u.event]}`);
}

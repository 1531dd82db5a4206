// The JSON of a capture diff (OUTPUT.md "Other commands", `stateline diff A B --json`)
// and the delay series the Compare view draws: types only, imported by ./diff and by the
// API map (../api) without importing the diff itself.

import type { FlowJson } from '../model';
import type { FlowMatchRule } from './match';

export type Sender = 'client' | 'server';

/** A one-way delay over matched packets, seconds. */
export interface DelayJson {
  median: number;
  p95: number;
  samples: number;
}

export interface DirectionDelays {
  clientToServer: DelayJson | null;
  serverToClient: DelayJson | null;
}

export interface MatchedFlowJson {
  a: number;
  b: number;
  by: FlowMatchRule;
  transport: FlowJson['transport'];
  clientA: string;
  serverA: string;
  clientB: string;
  serverB: string;
  /** Packets in both captures. */
  packets: number;
  /** Packets of this flow in A and not in B, and the reverse. */
  missingInB: number;
  missingInA: number;
  delay: DirectionDelays;
}

/** A packet one capture lacks: `frameA` (in missing.inB) or `frameB` (in missing.inA); `seq` relative, null outside TCP. */
export interface MissingJson {
  flow: number;
  frameA?: number;
  frameB?: number;
  sender: Sender;
  seq: number | null;
  len: number;
}

export interface DiffEventJson {
  kind: string;
  frame: number;
  flow: number | null;
}

export interface ChangeJson {
  a: number;
  b: number;
  /** connState, history, rttMedian (seconds) or dns (one transaction's status; null = no such transaction). */
  field: 'connState' | 'history' | 'rttMedian' | 'dns';
  from: string | number | null;
  to: string | number | null;
  /** dns: the transaction's question and ID. */
  question?: string;
  id?: number;
}

export interface DiffCaptureJson {
  name: string | null;
  packets: number;
  flows: number;
}

export interface DiffJson {
  captures: { a: DiffCaptureJson; b: DiffCaptureJson };
  flows: { matched: MatchedFlowJson[]; onlyInA: number[]; onlyInB: number[] };
  missing: { inB: MissingJson[]; inA: MissingJson[] };
  /**
   * offset: B's clock − A's, seconds (given, or estimated on a symmetric path; null when
   * only one direction was matched and none was given). nearClient: which capture sees
   * the client's packets first (null when nothing was matched).
   */
  timing: { offset: number | null; offsetFrom: 'given' | 'symmetric-path' | null; nearClient: 'a' | 'b' | null; delay: DirectionDelays };
  events: { onlyInA: DiffEventJson[]; onlyInB: DiffEventJson[] };
  changes: ChangeJson[];
}

/** A matched flow's delays over time, for the Compare view's chart (times on A's clock, seconds since the epoch). */
export interface DelaySeries {
  a: number;
  b: number;
  /** Matched packets (thinned evenly to DiffOptions.maxPoints): time at A, direction, one-way delay. */
  points: { t: number; dir: number; delay: number }[];
  /** The packets one capture lacks: when the other saw them (B's times moved onto A's clock by the offset). */
  missing: { t: number; dir: number; frame: number; seenIn: 'a' | 'b' }[];
}

/** What diffCaptures gives: the JSON of OUTPUT.md, and the delay series a chart draws. */
export interface CaptureDiff {
  json: DiffJson;
  series: DelaySeries[];
}


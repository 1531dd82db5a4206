// The expectation file of `stateline check` (OUTPUT.md "Other commands"): what it may
// hold, and its validation from the plain data a YAML or JSON parser gives. Every
// matcher names things the way a re-recording of the same scenario keeps them: flows by
// transport, client host and server endpoint (the service port) and their order among
// equals (./refs), events by kind and frame or by kind and position in their flow, DNS
// transactions by question, QUIC connections by number, incidents by kind and subject.
// Ephemeral ports, ISNs and absolute times are never matched; times are relative
// (seconds since the capture's first packet, or durations) and have a tolerance.

import { parseFlowRef } from './refs';

/** A count: exact (3), or a bound or range as text (">= 1", "<= 5", "2..4"). */
export type Count = number | string;

export interface CaptureExpect {
  /** The capture cannot be read at all: the reader's error message (exactly). */
  unreadable?: string;
  format?: 'pcap' | 'pcapng';
  packets?: Count;
  /** capture.errors, by frame and message (exactly these, no others). */
  errors?: { frame: number; message: string }[];
}

export interface CountsExpect {
  /** Flows per transport (tcp, udp, icmp). */
  flows?: Record<string, Count>;
  /** Events per kind (a kind at 0 must be absent). */
  events?: Record<string, Count>;
  /** Incidents per kind. */
  incidents?: Record<string, Count>;
  dns?: Count;
  quic?: Count;
}

interface Entry {
  /** What the entry is, for a reader (the YAML comment's twin in JSON). Not matched. */
  note?: string;
  /** Seconds allowed either way on this entry's times (default: the file's `tolerance`). */
  tolerance?: number;
}

export interface FlowExpect extends Entry {
  /** "tcp 10.0.0.1 -> 10.0.0.2:80", optionally "[2]" or "[2-5]" among equals (./refs). */
  flow: string;
  /** How many flows the reference selects. */
  count?: Count;
  app?: 'dns' | 'quic' | null;
  connState?: string;
  history?: string;
  /** Seconds from the flow's first to its last packet. */
  duration?: number;
}

export interface EventExpect extends Entry {
  kind: string;
  /** The flow the event belongs to (a reference, as flows[].flow). */
  flow?: string;
  /** The frame that shows it. */
  frame?: number;
  /** 1-based position among the events of this kind (in the flow when `flow` is given). Default 1. */
  nth?: number;
  /** Seconds after the capture's first packet. */
  at?: number;
}

export interface DnsExpect extends Entry {
  /** "name. TYPE CLASS", as dns[].question. */
  question: string;
  /** The resolver, ip:port. */
  server?: string;
  transport?: 'udp' | 'tcp';
  /** 1-based position among the transactions of this question (and server and transport, when given). Default 1. */
  nth?: number;
  status?: 'answered' | 'unanswered' | 'orphan' | 'client-gone' | 'mismatch';
  rcode?: string | null;
  /** Seconds from query to response. */
  rtt?: number;
}

export interface QuicExpect extends Entry {
  /** quic[].number: 0-based in capture order. */
  connection: number;
  sni?: string | null;
  alpn?: string[];
  versions?: string[];
  /** The server endpoint of its first path. */
  server?: string;
  /** How many 4-tuples it used. */
  paths?: Count;
  /** quic.migration events on its paths. */
  migrations?: Count;
}

export interface IncidentExpect extends Entry {
  kind: string;
  subject: string;
  /** 1-based position among incidents of this kind and subject. Default 1. */
  nth?: number;
  /** How many flows its member events belong to. */
  flows?: Count;
  /** Its member events per kind. */
  events?: Record<string, Count>;
  confidence?: 'high' | 'medium' | 'low';
  /** Seconds from its first to its last member event. */
  duration?: number;
}

export interface Expectations {
  /** A TLS key log for QUIC, relative to the expectation file. */
  keylog?: string;
  /** Default seconds of tolerance for every time in the file (default DEFAULT_TOLERANCE). */
  tolerance?: number;
  /** Fail on any break event or break incident that no entry below accounts for. */
  noOtherBreaks?: boolean;
  capture?: CaptureExpect;
  counts?: CountsExpect;
  flows?: FlowExpect[];
  events?: EventExpect[];
  dns?: DnsExpect[];
  quic?: QuicExpect[];
  incidents?: IncidentExpect[];
}

export const DEFAULT_TOLERANCE = 0.05;

/** The top-level keys in the order --update writes them. */
export const SECTIONS = ['keylog', 'tolerance', 'noOtherBreaks', 'capture', 'counts', 'flows', 'events', 'dns', 'quic', 'incidents'] as const;

const COUNT_RE = /^\s*(?:(>=|<=|>|<)\s*(\d+)|(\d+)\s*\.\.\s*(\d+))\s*$/;

/** Does `n` satisfy count `c`? */
export function countHolds(c: Count, n: number): boolean {
  if (typeof c === 'number') return n === c;
  const m = COUNT_RE.exec(c)!;
  if (m[1]) {
    const v = Number(m[2]);
    return m[1] === '>=' ? n >= v : m[1] === '<=' ? n <= v : m[1] === '>' ? n > v : n < v;
  }
  return n >= Number(m[3]) && n <= Number(m[4]);
}

// ---- validation: the parsed file → Expectations, or the first problem with its path

export class ExpectationError extends Error {}

type Check = (v: unknown, path: string) => void;
const fail = (path: string, what: string): never => {
  throw new ExpectationError(`${path}: ${what}`);
};
const str: Check = (v, p) => void (typeof v === 'string' || fail(p, 'expected text'));
const strOrNull: Check = (v, p) => void (v === null || typeof v === 'string' || fail(p, 'expected text or null'));
const int1: Check = (v, p) => void ((Number.isInteger(v) && (v as number) >= 1) || fail(p, 'expected a whole number ≥ 1'));
const int0: Check = (v, p) => void ((Number.isInteger(v) && (v as number) >= 0) || fail(p, 'expected a whole number ≥ 0'));
const seconds: Check = (v, p) => void ((typeof v === 'number' && Number.isFinite(v) && v >= 0) || fail(p, 'expected seconds (a number ≥ 0)'));
const bool: Check = (v, p) => void (typeof v === 'boolean' || fail(p, 'expected true or false'));
const count: Check = (v, p) => void ((Number.isInteger(v) && (v as number) >= 0) || (typeof v === 'string' && COUNT_RE.test(v)) || fail(p, 'expected a count: 3, ">= 1", "<= 5" or "2..4"'));
const oneOf = (...vals: unknown[]): Check => (v, p) => void (vals.includes(v) || fail(p, `expected one of ${vals.map((x) => JSON.stringify(x)).join(', ')}`));
const strings: Check = (v, p) => {
  if (!Array.isArray(v)) fail(p, 'expected a list of text');
  (v as unknown[]).forEach((x, i) => str(x, `${p}[${i}]`));
};
const counts: Check = (v, p) => {
  if (!isObject(v)) fail(p, 'expected a map of name → count');
  for (const [k, c] of Object.entries(v as object)) count(c, `${p}.${k}`);
};
const flowRef: Check = (v, p) => {
  str(v, p);
  const why = parseFlowRef(v as string);
  if (typeof why === 'string') fail(p, why);
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shape(v: unknown, path: string, fields: Record<string, Check>, required: string[] = []): void {
  if (!isObject(v)) fail(path, 'expected a map');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(k in fields)) fail(`${path}.${k}`, `unknown field (known: ${Object.keys(fields).join(', ')})`);
    if (o[k] !== undefined) fields[k](o[k], `${path}.${k}`);
  }
  for (const k of required) if (o[k] === undefined) fail(path, `needs ${k}`);
}

const entry = { note: str, tolerance: seconds };
const list = (fields: Record<string, Check>, required: string[]): Check => (v, p) => {
  if (!Array.isArray(v)) fail(p, 'expected a list');
  (v as unknown[]).forEach((x, i) => shape(x, `${p}[${i}]`, { ...entry, ...fields }, required));
};

const TOP: Record<string, Check> = {
  keylog: str,
  tolerance: seconds,
  noOtherBreaks: bool,
  capture: (v, p) => shape(v, p, {
    unreadable: str, format: oneOf('pcap', 'pcapng'), packets: count,
    errors: (e, q) => {
      if (!Array.isArray(e)) fail(q, 'expected a list');
      (e as unknown[]).forEach((x, i) => shape(x, `${q}[${i}]`, { frame: int0, message: str }, ['frame', 'message']));
    },
  }),
  counts: (v, p) => shape(v, p, { flows: counts, events: counts, incidents: counts, dns: count, quic: count }),
  flows: list({ flow: flowRef, count, app: oneOf('dns', 'quic', null), connState: str, history: str, duration: seconds }, ['flow']),
  events: list({ kind: str, flow: flowRef, frame: int1, nth: int1, at: seconds }, ['kind']),
  dns: list({ question: str, server: str, transport: oneOf('udp', 'tcp'), nth: int1, status: oneOf('answered', 'unanswered', 'orphan', 'client-gone', 'mismatch'), rcode: strOrNull, rtt: seconds }, ['question']),
  quic: list({ connection: int0, sni: strOrNull, alpn: strings, versions: strings, server: str, paths: count, migrations: count }, ['connection']),
  incidents: list({ kind: str, subject: str, nth: int1, flows: count, events: counts, confidence: oneOf('high', 'medium', 'low'), duration: seconds }, ['kind', 'subject']),
};

/** The expectations in `data` (a parsed YAML or JSON document); throws ExpectationError naming the first problem. */
export function validateExpectations(data: unknown): Expectations {
  if (data === null || data === undefined) return {};
  shape(data, 'expectations', TOP);
  return data as Expectations;
}

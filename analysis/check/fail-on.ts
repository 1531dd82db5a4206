// `stateline analyze --fail-on break|warning|info|KIND[,…]` (OUTPUT.md "Other commands"):
// which events (or incidents) make the command exit 3. A severity matches events of that
// severity or worse; a kind matches events or incidents of exactly that kind.

import { EVENT_KINDS } from '../events.js'; // '.js': the lint's ban of Node's 'events' module also matches '../events'
import { INCIDENT_KINDS } from '../incidents/kinds';
import type { AnalysisJson, Severity } from '../model';
import '../trackers'; // each tracker's kinds register themselves when it is imported

const RANK: Record<Severity, number> = { info: 0, warning: 1, break: 2 };

export interface FailOn {
  /** The least severity that fails, or null when only kinds were given. */
  severity: Severity | null;
  kinds: Set<string>;
}

/** The parsed value, or why it is not one (an unknown word, an empty list). */
export function parseFailOn(value: string): FailOn | string {
  const words = value.split(',').map((w) => w.trim()).filter(Boolean);
  if (words.length === 0) return '--fail-on needs break, warning, info or event kinds (comma-separated)';
  const out: FailOn = { severity: null, kinds: new Set() };
  for (const w of words) {
    if (w in RANK) {
      const s = w as Severity;
      if (out.severity === null || RANK[s] < RANK[out.severity]) out.severity = s;
    } else if (w in EVENT_KINDS || w in INCIDENT_KINDS) out.kinds.add(w);
    else return `unknown --fail-on value ${JSON.stringify(w)}: use break, warning, info or an event or incident kind such as tcp.refused or incident.server-lost-state`;
  }
  return out;
}

/** What in `json` matches: "N × kind" per kind, in order of first appearance (empty: nothing). */
export function failOnMatches(json: Pick<AnalysisJson, 'events' | 'incidents'>, f: FailOn): string[] {
  const n = new Map<string, number>();
  const hit = (kind: string, severity: Severity) => (f.severity !== null && RANK[severity] >= RANK[f.severity]) || f.kinds.has(kind);
  for (const e of json.events) if (hit(e.kind, e.severity)) n.set(e.kind, (n.get(e.kind) ?? 0) + 1);
  for (const i of json.incidents ?? []) if (hit(i.kind, i.severity)) n.set(i.kind, (n.get(i.kind) ?? 0) + 1);
  return [...n].map(([k, c]) => `${c} × ${k}`);
}

// The incidents' thresholds, with their defaults (README "Incidents"). They reach the
// analysis through TrackerOptions.incidents (`stateline analyze --incident-window S`,
// `--scan-min N`, `--flood-min N`, `--resolver-min N`, `--stall-min N`).

export interface IncidentOptions {
  /** Seconds: the longest gap between two symptoms of one cause (default 10). */
  windowSeconds?: number;
  /** incident.scan: failed or reset probes to at least this many targets (host and port) from one source (default 10). */
  scanMinTargets?: number;
  /** incident.syn-flood: at least this many unanswered SYNs to one endpoint within one second (default 20). */
  floodMinSyns?: number;
  /** incident.resolver-down: at least this many failed lookups to one resolver (a query sent again counts once), none answered between them (default 3). */
  resolverMinFailures?: number;
  /** incident.path-stall: each flow sent the same segment again at least this many times (default 2: a timer that backed off). */
  stallMinRetransmissions?: number;
}

export const INCIDENT_DEFAULTS: Readonly<Required<IncidentOptions>> = {
  windowSeconds: 10,
  scanMinTargets: 10,
  floodMinSyns: 20,
  resolverMinFailures: 3,
  stallMinRetransmissions: 2,
};

/** Each option: its CLI flag, whether it is a whole number, its least value, and what the usage says of it. */
export const INCIDENT_FLAGS: readonly { key: keyof IncidentOptions; flag: string; integer: boolean; min: number; what: string; help: string }[] = [
  { key: 'windowSeconds', flag: '--incident-window', integer: false, min: 0, what: 'seconds > 0', help: 'longest gap in seconds between two symptoms of one incident' },
  { key: 'scanMinTargets', flag: '--scan-min', integer: true, min: 2, what: 'a whole number of targets >= 2', help: 'targets (host and port) one source must probe for a scan' },
  { key: 'floodMinSyns', flag: '--flood-min', integer: true, min: 2, what: 'a whole number of SYNs >= 2', help: 'unanswered SYNs to one endpoint within a second for a SYN flood' },
  { key: 'resolverMinFailures', flag: '--resolver-min', integer: true, min: 2, what: 'a whole number of lookups >= 2', help: 'failed lookups in a row for a resolver down' },
  { key: 'stallMinRetransmissions', flag: '--stall-min', integer: true, min: 1, what: 'a whole number of retransmissions >= 1', help: 'times each flow resends one segment for a path stall' },
];

/** Why `v` is not a valid value of option `key` (null when it is). */
export function badIncidentOption(key: keyof IncidentOptions, v: number): string | null {
  const f = INCIDENT_FLAGS.find((x) => x.key === key)!;
  const ok = Number.isFinite(v) && (f.integer ? Number.isInteger(v) && v >= f.min : v > f.min);
  return ok ? null : `${f.flag} needs ${f.what}`;
}

/** The options with their defaults filled in; throws on a bad value (the CLI checks them first, with exit 2). */
export function incidentOptions(o: IncidentOptions = {}): Required<IncidentOptions> {
  const out = { ...INCIDENT_DEFAULTS };
  for (const f of INCIDENT_FLAGS) {
    const v = o[f.key];
    if (v === undefined) continue;
    const why = badIncidentOption(f.key, v);
    if (why) throw new RangeError(why);
    out[f.key] = v;
  }
  return out;
}

// The incident kinds of ../shared/docs/EVENTS.md ("Incidents" table) are the ones
// analysis/incidents knows, each with the table's severity, and the thresholds' defaults
// are what the README's table says. The docs sit beside the project: skipped when absent.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INCIDENT_DEFAULTS, INCIDENT_FLAGS, INCIDENT_KINDS, incidentOptions } from '../../../analysis/incidents/index';

const EVENTS = new URL('../../../../shared/docs/EVENTS.md', import.meta.url);
const README = new URL('../../../README.md', import.meta.url);

describe('incident kinds and thresholds', () => {
  it.skipIf(!existsSync(EVENTS))('every kind of EVENTS.md "Incidents", with its severity', () => {
    const md = readFileSync(EVENTS, 'utf8');
    const table = md.slice(md.indexOf('## Incidents'));
    const rows = [...table.matchAll(/^\| `(incident\.[a-z-]+)` \| (break|warning|info) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows.length).toBe(9);
    expect(Object.entries(INCIDENT_KINDS).map(([k, v]) => [k, v.severity]).sort()).toEqual(rows.sort());
  });

  it('the README lists each threshold with its flag and default; bad values are refused', () => {
    const md = readFileSync(README, 'utf8');
    for (const f of INCIDENT_FLAGS) expect(md).toContain(`| \`${f.key}\` | \`${f.flag} ${f.integer ? 'N' : 'S'}\` | ${INCIDENT_DEFAULTS[f.key]} |`);
    expect(incidentOptions({ windowSeconds: 2.5 })).toEqual({ ...INCIDENT_DEFAULTS, windowSeconds: 2.5 });
    for (const bad of [{ windowSeconds: 0 }, { windowSeconds: Number.NaN }, { scanMinTargets: 1 }, { floodMinSyns: 3.5 }, { resolverMinFailures: 1 }, { stallMinRetransmissions: 0 }])
      expect(() => incidentOptions(bad)).toThrow(RangeError);
  });
});

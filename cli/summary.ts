// The human summary of `stateline analyze` (without --json): counts; the incidents
// first, one line each (kind, subject, flows, window); then the breaks that are in no
// incident; the warnings and the info events grouped by kind with counts and first
// frames; QUIC connections and migrations; then a flow table. Times inside the capture
// are seconds from its first packet.

import type { AnalysisJson, EventJson } from '../analysis/model';
import type { FlowCounts } from '../analysis/output';
import { linkTypeName } from '../parsers/decode/index';

/** What the summary tells of QUIC beyond the JSON it gets (which holds no quic[] then). */
export interface QuicCounts {
  connections: number;
  /** Connections seen on more than one 4-tuple, and the paths they used in all. */
  migrated: number;
  paths: number;
}

/**
 * A capture time as UTC. JavaScript dates end at ±8.64e15 ms (years -271821 and
 * 275760); a pcapng timestamp can lie far past that (64 bits of units), so such a time
 * is shown in seconds instead of throwing.
 */
export function fmtTime(t: number | null): string {
  if (t === null) return '-';
  const d = new Date(t * 1000);
  if (Number.isNaN(d.getTime())) return `${t} s since 1970-01-01 UTC (${t < 0 ? 'before year -271821' : 'past year 275760'})`;
  return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/** "1 break", "2 breaks". */
function count(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** "frames 89, 90, 91 …" — the first few frames of a kind. */
function firstFrames(es: readonly EventJson[], max = 5): string {
  const f = es.slice(0, max).map((e) => e.frame);
  return `${f.length === 1 ? 'frame' : 'frames'} ${f.join(', ')}${es.length > max ? ' …' : ''}`;
}

/** Events by kind, each kind's list in frame order; kinds by count, then name. */
function byKind(es: readonly EventJson[]): [string, EventJson[]][] {
  const m = new Map<string, EventJson[]>();
  for (const e of es) {
    const l = m.get(e.kind);
    if (l) l.push(e);
    else m.set(e.kind, [e]);
  }
  return [...m].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

/**
 * `j` may hold only the first flows (the table shows 100); `counts` counts them all
 * (output.ts flowCounts); `quic` is given when the QUIC tracker ran.
 */
export function renderSummary(j: AnalysisJson, file: string, counts: FlowCounts, quic: QuicCounts | null = null): string {
  const c = j.capture;
  const out: string[] = [];
  const dur = c.start !== null && c.end !== null ? (c.end - c.start).toFixed(3) + ' s' : '-';
  const rel = (t: number): string => `${(t - (c.start ?? t)).toFixed(3)}`;
  out.push(`${file}: ${c.format}${c.compressed ? ' (gzip)' : ''}, ${count(c.packets, 'packet')}, ${count(c.bytes, 'byte')}, ${dur}`);
  out.push(`  link types: ${c.linkTypes.map((l) => `${l} (${linkTypeName(l) ?? 'unknown'})`).join(', ') || '-'}`);
  out.push(`  from ${fmtTime(c.start)} to ${fmtTime(c.end)}`);
  if (c.files) {
    // A capture set: each file with the set frames of its first and last record.
    out.push(`  ${count(c.files.length, 'file')}, frames numbered across the set, in timestamp order:`);
    for (const f of c.files.slice(0, 20))
      out.push(`    ${f.name}: ${f.format ?? 'not a capture'}, ${count(f.packets, 'packet')}${f.firstFrame !== null ? `, frames ${f.firstFrame}–${f.lastFrame}, from ${rel(f.start!)} to ${rel(f.end!)} s` : ''}`);
    if (c.files.length > 20) out.push(`    … ${c.files.length - 20} more (see --json)`);
  }
  const { total, byTransport } = counts;
  out.push(`  flows: ${total}${byTransport.length ? ' (' + byTransport.map(([k, v]) => `${v} ${k}`).join(', ') + ')' : ''}`);
  if (c.unsupported.length) out.push(`  not decoded: ${c.unsupported.map((u) => `${u.what} (${count(u.packets, 'packet')})`).join(', ')}`);
  if (c.errors.length) {
    out.push('', `Errors (${c.errors.length}${c.decodeProblems > c.errors.length ? `, ${count(c.decodeProblems, 'packet')} with header problems` : ''}):`);
    // (a set's errors name their file, its frame there and the offset in the message)
    for (const e of c.errors.slice(0, 20)) out.push(e.file !== undefined ? `  frame ${e.frame}: ${e.message}` : `  frame ${e.frame} at offset ${e.offset}: ${e.message}`);
    if (c.errors.length > 20) out.push(`  … ${c.errors.length - 20} more (see --json)`);
  }
  const incidents = j.incidents ?? [];
  const breaks = j.events.filter((e) => e.severity === 'break');
  const warnings = j.events.filter((e) => e.severity === 'warning');
  const infos = j.events.filter((e) => e.severity === 'info');
  if (j.events.length) {
    out.push('', `Events: ${count(breaks.length, 'break')}, ${count(warnings.length, 'warning')}, ${infos.length} info${incidents.length ? `; ${count(incidents.length, 'incident')}` : ''} (times in seconds from the first packet)`);
  }
  if (incidents.length) {
    out.push('', `Incidents (${incidents.length}):`);
    for (const i of incidents)
      out.push(`  #${i.id} ${i.kind.replace(/^incident\./, '')} ${i.subject} — ${count(i.flows.length, 'flow')}, ${rel(i.start)}–${rel(i.end)} s: ${i.message}`);
  }
  const loose = breaks.filter((e) => e.incident === undefined);
  if (loose.length) {
    out.push('', `Breaks${incidents.length ? ' in no incident' : ''} (${loose.length}):`);
    for (const e of loose.slice(0, 50)) out.push(`  frame ${e.frame}  flow ${e.flow ?? '-'}  ${e.kind}: ${e.message}`);
    if (loose.length > 50) out.push(`  … ${count(loose.length - 50, 'more break')} (see --json)`);
  }
  for (const [title, list] of [['Warnings', warnings], ['Info', infos]] as const) {
    if (!list.length) continue;
    const kinds = byKind(list);
    out.push('', `${title} (${list.length}, ${count(kinds.length, 'kind')}):`);
    for (const [kind, es] of kinds) {
      const inInc = es.filter((e) => e.incident !== undefined).length;
      out.push(`  ${kind} ×${es.length}: ${firstFrames(es)}${inInc ? ` (${inInc === es.length ? 'all' : inInc} in incidents)` : ''}`);
    }
  }
  if (quic && quic.connections) {
    const migrations = j.events.filter((e) => e.kind === 'quic.migration').length;
    const moved = quic.connections === 1 ? `on ${quic.paths} paths` : `${quic.migrated} of them on more than one path (${count(quic.paths, 'path')} in all)`;
    out.push('', `QUIC: ${count(quic.connections, 'connection')}${quic.migrated ? `, ${moved}: ${count(migrations, 'migration')}` : `, ${quic.connections === 1 ? 'not' : 'none'} migrated`}`);
  }
  if (total) {
    out.push('', 'Flows:');
    const shown = j.flows.slice(0, 100);
    // A vlan column only when a listed flow is tagged: the same 5-tuple on two VLANs is two rows.
    const vlans = shown.some((f) => f.vlan);
    out.push('  ' + ['id', 'proto', 'client', 'server', ...(vlans ? ['vlan'] : []), 'packets', 'bytes', 'duration', 'state'].join('\t'));
    for (const f of shown) {
      const vlan = vlans ? [f.vlan ? f.vlan.join('/') : '-'] : [];
      out.push('  ' + [f.id, f.app ?? f.transport, f.client, f.server, ...vlan, f.packets, f.bytes, (f.end - f.start).toFixed(3) + 's', f.tcp ? `${f.tcp.connState} ${f.tcp.history}` : '-'].join('\t'));
    }
    if (total > 100) out.push(`  … ${count(total - 100, 'more flow')} (see --json)`);
  }
  return out.join('\n') + '\n';
}

// The human summary of `stateline analyze` (without --json): counts, breaks first,
// then a flow table.

import type { AnalysisJson } from '../analysis/model';
import type { FlowCounts } from '../analysis/output';
import { linkTypeName } from '../parsers/decode/index';

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

/** `j` may hold only the first flows (the table shows 100); `counts` counts them all (output.ts flowCounts). */
export function renderSummary(j: AnalysisJson, file: string, counts: FlowCounts): string {
  const c = j.capture;
  const out: string[] = [];
  const dur = c.start !== null && c.end !== null ? (c.end - c.start).toFixed(3) + ' s' : '-';
  out.push(`${file}: ${c.format}${c.compressed ? ' (gzip)' : ''}, ${c.packets} packets, ${c.bytes} bytes, ${dur}`);
  out.push(`  link types: ${c.linkTypes.map((l) => `${l} (${linkTypeName(l) ?? 'unknown'})`).join(', ') || '-'}`);
  out.push(`  from ${fmtTime(c.start)} to ${fmtTime(c.end)}`);
  const { total, byTransport } = counts;
  out.push(`  flows: ${total}${byTransport.length ? ' (' + byTransport.map(([k, v]) => `${v} ${k}`).join(', ') + ')' : ''}`);
  if (c.unsupported.length) out.push(`  not decoded: ${c.unsupported.map((u) => `${u.what} (${u.packets} packets)`).join(', ')}`);
  if (c.errors.length) {
    out.push('', `Errors (${c.errors.length}${c.decodeProblems > c.errors.length ? `, ${c.decodeProblems} packets with header problems` : ''}):`);
    for (const e of c.errors.slice(0, 20)) out.push(`  frame ${e.frame} at offset ${e.offset}: ${e.message}`);
    if (c.errors.length > 20) out.push(`  … ${c.errors.length - 20} more (see --json)`);
  }
  const breaks = j.events.filter((e) => e.severity === 'break');
  const warnings = j.events.filter((e) => e.severity === 'warning');
  if (j.events.length) {
    out.push('', `Breaks: ${breaks.length}, warnings: ${warnings.length}, info: ${j.events.length - breaks.length - warnings.length}`);
    for (const e of breaks.slice(0, 50)) out.push(`  frame ${e.frame}  flow ${e.flow ?? '-'}  ${e.kind}: ${e.message}`);
    if (breaks.length > 50) out.push(`  … ${breaks.length - 50} more breaks (see --json)`);
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
    if (total > 100) out.push(`  … ${total - 100} more flows (see --json)`);
  }
  return out.join('\n') + '\n';
}

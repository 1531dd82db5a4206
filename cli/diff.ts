// `stateline diff A B [--json] [--clock-offset S]`: two captures of the same traffic
// compared flow by flow (analysis/diff). Each capture is analysed, then read once more
// for the packets' identities. Exit 0 when both were read (whatever they differ in),
// 1 when one cannot be read, 2 on bad arguments (OUTPUT.md "Other commands").

import { basename } from 'node:path';
import { CaptureQuery } from '../analysis/capture-query';
import { diffCaptures, type DelayJson, type DiffJson, type MissingJson } from '../analysis/diff/diff';
import { fileChunks } from '../host/file-source';
import { readAnalysis, writeOut } from './capture';

export const DIFF_USAGE = `usage: stateline diff A B [--json] [--clock-offset S] [--keylog FILE]

  diff A B         two captures of the same traffic (client side and server side, or
                   before and after a change): flows matched across them, the packets
                   each one lacks, the clock offset and one-way delay, events only in
                   one, changed connState, history, RTT and DNS status
  --json           print the diff as JSON (OUTPUT.md "Other commands")
  --clock-offset S B's clock minus A's in seconds, when known (0: both captures were
                   made against one clock); else estimated assuming a symmetric path
`;

export class DiffUsageError extends Error {}

interface DiffArgs {
  a: string;
  b: string;
  json: boolean;
  clockOffset: number | undefined;
  keylog: string | null;
}

export function parseDiff(args: string[]): DiffArgs | 'help' {
  const out: DiffArgs = { a: '', b: '', json: false, clockOffset: undefined, keylog: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : null;
    if (a === '-h' || a === '--help') return 'help';
    if (name === '--json') out.json = true;
    else if (name === '--clock-offset') {
      const v = inline ?? args[++i];
      const n = v === undefined || v.trim() === '' ? NaN : Number(v);
      if (!Number.isFinite(n)) throw new DiffUsageError('--clock-offset needs a number of seconds (B minus A)');
      out.clockOffset = n;
    } else if (name === '--keylog') {
      const v = inline ?? args[++i];
      if (!v) throw new DiffUsageError('--keylog needs a file');
      out.keylog = v;
    } else if (a.startsWith('-') && a !== '-') throw new DiffUsageError(`unknown option ${a}`);
    else if (!out.a) out.a = a;
    else if (!out.b) out.b = a;
    else throw new DiffUsageError(`unexpected argument ${a}`);
  }
  if (!out.b) throw new DiffUsageError('diff needs two capture files');
  return out;
}

/** Milliseconds: 0.1 ms steps, finer below 1 ms (an RTT on the server's own LAN). */
const ms = (s: number): string => `${(s * 1000).toFixed(Math.abs(s) < 0.001 && s !== 0 ? 3 : 1)} ms`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "frames 6, 69, …" (the first 12). */
function frameList(frames: number[]): string {
  const shown = frames.slice(0, 12).join(', ');
  return `${frames.length === 1 ? 'frame' : 'frames'} ${shown}${frames.length > 12 ? ', …' : ''}`;
}

function delayText(d: DelayJson | null): string {
  return d ? `one-way delay median ${ms(d.median)}, p95 ${ms(d.p95)}` : 'no packet in both';
}

/** The text report: one paragraph per matched flow, then what is only in one capture. */
export function renderDiff(d: DiffJson, nameA: string, nameB: string): string {
  const L: string[] = [];
  const cap = (c: DiffJson['captures']['a']): string => `${plural(c.packets, 'packet')}, ${plural(c.flows, 'flow')}`;
  L.push(`A: ${nameA} (${cap(d.captures.a)})`);
  L.push(`B: ${nameB} (${cap(d.captures.b)})`);
  const by = new Map<string, number>();
  for (const m of d.flows.matched) by.set(m.by, (by.get(m.by) ?? 0) + 1);
  const how = [...by].map(([k, n]) => `${n} by ${k}`).join(', ');
  L.push(`flows: ${d.flows.matched.length} matched${how ? ` (${how})` : ''}, ${d.flows.onlyInA.length} only in A${d.flows.onlyInA.length ? ` (${d.flows.onlyInA.join(', ')})` : ''}, ${d.flows.onlyInB.length} only in B${d.flows.onlyInB.length ? ` (${d.flows.onlyInB.join(', ')})` : ''}`);
  const t = d.timing;
  if (t.nearClient) {
    const off = t.offset === null ? 'unknown (one direction only; delays assume one clock)' : `${t.offset >= 0 ? '+' : ''}${ms(t.offset)}${t.offsetFrom === 'given' ? ' (given)' : ' (assuming a symmetric path)'}`;
    L.push(`clock offset B − A: ${off}; ${t.nearClient === 'a' ? 'A' : 'B'} is nearer the client`);
  }
  const near = t.nearClient;
  for (const m of d.flows.matched) {
    L.push('');
    L.push(`flow ${m.a} ⇄ ${m.b}  ${m.transport} ${m.clientA} → ${m.serverA}${m.clientB !== m.clientA || m.serverB !== m.serverA ? `  (B: ${m.clientB} → ${m.serverB})` : ''}  ${plural(m.packets, 'packet')} in both`);
    const unit = m.transport === 'tcp' ? 'segment' : 'datagram';
    for (const [sender, dir, delay] of [['client', 'client→server', m.delay.clientToServer], ['server', 'server→client', m.delay.serverToClient]] as const) {
      const inB = d.missing.inB.filter((x) => x.flow === m.a && x.sender === sender);
      const inA = d.missing.inA.filter((x) => x.flow === m.b && x.sender === sender);
      // Lost on the way: the capture the sender is nearer saw it, the other did not.
      const upstream = near === null ? null : (sender === 'client') === (near === 'a') ? 'a' : 'b';
      const say = (miss: MissingJson[], had: 'a' | 'b'): string => {
        const frames = miss.map((x) => (had === 'a' ? x.frameA! : x.frameB!));
        const where = `${frameList(frames)} in ${had.toUpperCase()}`;
        return upstream === had
          ? `${plural(miss.length, `${dir} ${unit}`)} lost between the two points (${where})`
          : `${plural(miss.length, `${dir} ${unit}`)} in ${had.toUpperCase()} only, not captured in ${had === 'a' ? 'B' : 'A'} (${where})`;
      };
      const parts: string[] = [];
      if (inB.length) parts.push(say(inB, 'a'));
      if (inA.length) parts.push(say(inA, 'b'));
      if (!parts.length) parts.push(`no ${dir} ${unit} missing`);
      L.push(`  ${parts.join('; ')}; ${delayText(delay)}`);
    }
    for (const c of d.changes.filter((x) => x.a === m.a)) {
      const v = (x: string | number | null): string => (x === null ? '(none)' : c.field === 'rttMedian' ? ms(x as number) : String(x));
      const what = c.field === 'dns' ? `DNS ${c.question} (ID ${c.id})` : c.field === 'rttMedian' ? 'RTT median' : c.field;
      L.push(`  ${what}: ${v(c.from)} in A, ${v(c.to)} in B`);
    }
  }
  const kinds = (evs: DiffJson['events']['onlyInA']): string => {
    const n = new Map<string, number[]>();
    for (const e of evs) n.set(e.kind, [...(n.get(e.kind) ?? []), e.frame]);
    return [...n].map(([k, fr]) => `${k} × ${fr.length} (${frameList(fr)})`).join(', ');
  };
  L.push('');
  L.push(`events only in A: ${d.events.onlyInA.length ? kinds(d.events.onlyInA) : 'none'}`);
  L.push(`events only in B: ${d.events.onlyInB.length ? kinds(d.events.onlyInB) : 'none'}`);
  return L.join('\n') + '\n';
}

export async function diffCommand(argv: string[]): Promise<number> {
  const args = parseDiff(argv);
  if (args === 'help') {
    await writeOut(DIFF_USAGE);
    return 0;
  }
  const read = (file: string) => readAnalysis(file, { keylog: args.keylog, progress: false });
  const a = await read(args.a);
  if (!a) return 1;
  const b = await read(args.b);
  if (!b) return 1;
  let d: DiffJson;
  try {
    d = (await diffCaptures(new CaptureQuery(a, basename(args.a)), fileChunks(args.a), new CaptureQuery(b, basename(args.b)), fileChunks(args.b), { clockOffset: args.clockOffset })).json;
  } catch (e) {
    process.stderr.write(`stateline: diff: ${(e as Error).message}\n`);
    return 1;
  }
  await writeOut(args.json ? JSON.stringify(d) + '\n' : renderDiff(d, args.a, args.b));
  return 0;
}

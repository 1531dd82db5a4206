// `stateline packets FILE [--flow N] [--json | --csv]`: one row per packet, the same
// numbers the charts draw and the packet list shows (OUTPUT.md "Other commands"): every
// row comes from CaptureQuery.packetRow, which reads the trackers' columns — TCP's seq,
// ack, scaled window, bytes in flight and ACK RTT as Wireshark's tcp.seq, tcp.ack,
// tcp.window_size, tcp.analysis.bytes_in_flight and tcp.analysis.ack_rtt. `--filter`
// selects the rows by a Wireshark display filter (analysis/filter): parsed before the
// capture is read (a bad one exits 2 with its position), applied in a second pass over
// the file once the analysis is done. The text table adds Wireshark's Protocol and Info
// columns from each frame's bytes, read back by offset (analysis/packet-detail
// describeRows; a capture set's frames each from its own file); JSON and CSV carry the
// OUTPUT.md fields only.

import { CaptureQuery } from '../analysis/capture-query';
import type { PacketRow } from '../analysis/api';
import { compileDisplayFilter, filterFrames, FilterError, type DisplayFilter } from '../analysis/filter/index';
import { describeRows } from '../analysis/packet-detail';
import { captureFrames, captureSource, readAnalysis, writeOut } from './capture';

export const PACKETS_USAGE = `usage: stateline packets FILE [--flow N] [--filter EXPR] [--json | --csv] [--keylog FILE]

  packets FILE     one row per packet: frame, time, flow, sender, TCP flags, seq, ack,
                   payload length, window (scaled), bytes in flight, ACK RTT, protocol
                   and info (Wireshark's, in the text table), events
  packets DIR      the same for a capture set (its files read as one capture)
  --flow N         only the packets of flow N (flows as 'stateline analyze' numbers them)
  --filter EXPR    only the packets a Wireshark display filter selects, e.g.
                   'tcp.analysis.retransmission', 'ip.addr == 10.0.0.0/8 && tcp.port == 443',
                   'dns.flags.rcode != 0' (the fields: README "Display filters")
  --json           a JSON array, one packet object per line
  --csv            comma-separated, with a header line
`;

export class PacketsUsageError extends Error {}

interface PacketsArgs {
  file: string;
  flow: number | null;
  format: 'text' | 'json' | 'csv';
  keylog: string | null;
  filter: string | null;
}

export function parsePackets(args: string[]): PacketsArgs {
  const out: PacketsArgs = { file: '', flow: null, format: 'text', keylog: null, filter: null };
  const value = (i: number, name: string): string => {
    const v = args[i];
    if (v === undefined || v === '') throw new PacketsUsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : null;
    if (name === '--json' || name === '--csv') {
      const f = name === '--json' ? 'json' : 'csv';
      if (out.format !== 'text' && out.format !== f) throw new PacketsUsageError('--json and --csv exclude each other');
      out.format = f;
    } else if (name === '--flow') {
      const v = inline ?? value(++i, '--flow');
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new PacketsUsageError(`--flow needs a flow number (1 or more), not ${v}`);
      out.flow = n;
    } else if (name === '--keylog') out.keylog = inline ?? value(++i, '--keylog');
    else if (name === '--filter') {
      // an empty filter is a valid one (every packet), so not value()
      const v = inline ?? args[++i];
      if (v === undefined) throw new PacketsUsageError('--filter needs a display filter');
      out.filter = v;
    }
    else if (a.startsWith('-') && a !== '-') throw new PacketsUsageError(`unknown option ${a}`);
    else if (!out.file) out.file = a;
    else throw new PacketsUsageError(`unexpected argument ${a}`);
  }
  if (!out.file) throw new PacketsUsageError('packets needs a capture file');
  return out;
}

/** A packet as OUTPUT.md names its fields (TCP fields null where they do not apply). */
export interface PacketJson {
  frame: number;
  time: number;
  flow: number | null;
  sender: 'client' | 'server' | null;
  flags: string | null;
  seq: number | null;
  ack: number | null;
  len: number;
  window: number | null;
  bytesInFlight: number | null;
  ackRtt: number | null;
  events: string[];
}

export function packetJson(r: PacketRow): PacketJson {
  const tcp = r.seq !== null;
  return {
    frame: r.frame,
    time: r.time,
    flow: r.flow || null,
    sender: r.flow ? (r.dir === 0 ? 'client' : 'server') : null,
    flags: tcp ? r.flags : null,
    seq: r.seq,
    ack: r.ack,
    len: r.len,
    window: r.win,
    bytesInFlight: r.bytesInFlight,
    ackRtt: r.ackRtt,
    events: r.kinds,
  };
}

const CSV_HEAD = ['frame', 'time', 'flow', 'sender', 'flags', 'seq', 'ack', 'len', 'window', 'bytesInFlight', 'ackRtt', 'events'];

function csvLine(o: PacketJson): string {
  return CSV_HEAD.map((k) => {
    const v = o[k as keyof PacketJson];
    if (v === null || v === undefined) return '';
    const s = Array.isArray(v) ? v.join(' ') : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',');
}

/** Width of the text table's Info column (longer Info pushes the events further). */
const INFO_WIDTH = 64;

/** The text table: time relative to the capture's first packet, as Wireshark shows it. */
function textLine(o: PacketJson, r: PacketRow, t0: number): string {
  const cell = (v: unknown, w: number): string => (v === null || v === undefined ? '' : String(v)).padStart(w);
  const rtt = o.ackRtt === null ? '' : `${(o.ackRtt * 1000).toFixed(3)} ms`;
  return [
    cell(o.frame, 8), cell((o.time - t0).toFixed(6), 12), cell(o.flow, 6), cell(o.sender, 6), cell(o.flags, 12),
    cell(o.seq, 10), cell(o.ack, 10), cell(o.len, 6), cell(o.window, 9), cell(o.bytesInFlight, 8), cell(rtt, 11),
    ` ${(r.protocol ?? '').padEnd(8)} ${(r.info ?? '').padEnd(INFO_WIDTH)}`,
    ` ${o.events.join(' ')}`,
  ].join(' ').trimEnd();
}

const TEXT_HEAD = `${'frame'.padStart(8)} ${'time'.padStart(12)} ${'flow'.padStart(6)} ${'sender'.padStart(6)} ${'flags'.padStart(12)} ${'seq'.padStart(10)} ${'ack'.padStart(10)} ${'len'.padStart(6)} ${'window'.padStart(9)} ${'inflight'.padStart(8)} ${'ack rtt'.padStart(11)}  ${'protocol'.padEnd(8)} ${'info'.padEnd(INFO_WIDTH)}  events`;

/** A filter's error as tshark shows one: the message, then the filter with the offending part underlined. */
export function filterErrorText(text: string, e: FilterError): string {
  const width = Math.max(1, e.end - e.start);
  return `stateline: --filter: ${e.message}\n  ${text}\n  ${' '.repeat(e.start)}^${'~'.repeat(width - 1)}\n`;
}

export async function packetsCommand(argv: string[]): Promise<number> {
  const args = parsePackets(argv);
  let filter: DisplayFilter | null = null;
  if (args.filter !== null) {
    try {
      filter = compileDisplayFilter(args.filter);
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      process.stderr.write(filterErrorText(args.filter, e));
      return 2;
    }
  }
  const analysis = await readAnalysis(args.file, { keylog: args.keylog, progress: false });
  if (!analysis) return 1;
  const q = new CaptureQuery(analysis, args.file);
  let indices: ArrayLike<number>;
  if (args.flow !== null) {
    if (args.flow > analysis.flows.size) {
      process.stderr.write(`stateline: ${args.file} has no flow ${args.flow} (its flows are 1 to ${analysis.flows.size})\n`);
      return 2;
    }
    indices = q.flowPackets(args.flow);
  } else indices = { length: analysis.packets } as ArrayLike<number>;
  if (filter?.node) {
    // the second pass: the matching frames, then those of the flow (both ascending)
    let frames: Uint32Array;
    try {
      frames = await filterFrames(analysis, await captureSource(args.file), filter);
    } catch (e) {
      process.stderr.write(`stateline: ${args.file}: ${(e as Error).message}\n`);
      return 1;
    }
    const picked: number[] = [];
    if (args.flow !== null) {
      const keep = new Set(Array.from(frames, (f) => f - 1));
      for (let k = 0; k < indices.length; k++) if (keep.has(indices[k])) picked.push(indices[k]);
    } else for (const f of frames) picked.push(f - 1);
    indices = picked;
  }
  const all = args.flow === null && !filter?.node;
  const at = (k: number): number => (all ? k : indices[k]);
  const t0 = analysis.start ?? 0;
  const lines: string[] = [];
  if (args.format === 'csv') lines.push(CSV_HEAD.join(','));
  if (args.format === 'text') lines.push(TEXT_HEAD);
  if (args.format === 'json') lines.push('[');
  const n = indices.length;
  if (args.format === 'text') {
    // the Protocol and Info columns: the frames' bytes, a batch of rows at a time
    let frames;
    try {
      frames = await captureFrames(analysis, args.file);
    } catch (e) {
      process.stderr.write(`stateline: ${args.file}: ${(e as Error).message}\n`);
      return 1;
    }
    try {
      for (let k = 0; k < n; k += 4096) {
        const rows: PacketRow[] = [];
        for (let m = k; m < Math.min(n, k + 4096); m++) rows.push(q.packetRow(at(m)));
        let described: PacketRow[];
        try {
          described = await describeRows(analysis, frames, rows);
        } catch (e) {
          process.stderr.write(`stateline: ${args.file}: ${(e as Error).message}\n`);
          return 1;
        }
        for (const r of described) lines.push(textLine(packetJson(r), r, t0));
        await writeOut(lines.join('\n') + '\n');
        lines.length = 0;
      }
      if (lines.length) await writeOut(lines.join('\n') + '\n'); // no packets: the header
    } finally {
      await frames.close();
    }
    return 0;
  }
  for (let k = 0; k < n; k++) {
    const o = packetJson(q.packetRow(at(k)));
    if (args.format === 'json') lines.push(JSON.stringify(o) + (k + 1 < n ? ',' : ''));
    else lines.push(csvLine(o));
    if (lines.length >= 4096) {
      await writeOut(lines.join('\n') + '\n');
      lines.length = 0;
    }
  }
  if (args.format === 'json') lines.push(']');
  if (lines.length) await writeOut(lines.join('\n') + '\n');
  return 0;
}

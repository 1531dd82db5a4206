// stateline — command line entry.
//   stateline analyze FILE|DIR|FILE… [--json] [--keylog FILE] [--vlan-merge]
//   stateline packets FILE [--flow N] [--filter EXPR] [--json | --csv]
//   stateline diff A B [--json]
//   stateline check FILE --expect EXPECT [--update] [--junit OUT.xml] | check DIR
//   stateline serve [FILE] [--port N] [--keylog FILE]
//   stateline export FILE [--format parquet|ndjson] --out DIR [--tables LIST]
// Exit status (OUTPUT.md): 0 read to the end (damage part-way is reported in
// capture.errors), 1 could not be read at all, 2 bad arguments, 3 --fail-on matched
// (check: an expectation failed).

import { DEFAULT_MAX_FLOWS } from '../analysis/flows';
import { INCIDENT_DEFAULTS, INCIDENT_FLAGS, badIncidentOption, type IncidentOptions } from '../analysis/incidents/index';
import { PROTOCOLS, type Protocol } from '../analysis/trackers';
import { flowCounts, jsonText, toJson } from '../analysis/output';
import { quicTracker } from '../analysis/quic/query';
import { failOnMatches, parseFailOn, type FailOn } from '../analysis/check/index';
import { readAnalysis, writeOut, writeStream } from './capture';
import { DIFF_USAGE, DiffUsageError, diffCommand } from './diff';
import { CHECK_USAGE, checkCommand } from './check';
import { EXPORT_USAGE, ExportUsageError, exportCommand } from './export';
import { PACKETS_USAGE, PacketsUsageError, packetsCommand } from './packets';
import { renderSummary } from './summary';
import { SERVE_USAGE, ServeUsageError, serveCommand } from './serve';
import { helpOrVersion, version } from './version';
import { useNodeQuicCrypto } from '../host/quic-crypto';

/** The incident thresholds' lines of the usage, from their table (analysis/incidents/options). */
const INCIDENT_USAGE = INCIDENT_FLAGS.map((f) => {
  const label = `${f.flag} ${f.integer ? 'N' : 'S'}`;
  return `  ${label.length < 17 ? label.padEnd(17) : `${label}\n${' '.repeat(19)}`}${f.help} (default ${INCIDENT_DEFAULTS[f.key]})`;
}).join('\n');

const ANALYZE_LINE = 'stateline analyze FILE|DIR|FILE… [--json] [--keylog FILE] [--protocols LIST] [--tcp-idle S] [--max-flows N] [--vlan-merge] [--threads N] [--fail-on LIST] [incident thresholds]';
const ANALYZE_HELP = `  analyze FILE     read a capture (pcap, pcapng, optionally gzip-compressed) and
                   report flows, state breaks and errors; a directory or several
                   files are read as one capture set, merged in timestamp order
  --json           print the stable JSON of OUTPUT.md instead of the summary
  --keylog FILE    TLS key log (NSS format) for QUIC decryption
  --progress       show reading progress on stderr
  --protocols LIST which state trackers run, comma-separated from tcp,dns,quic
                   (default all; 'none' reads, decodes and builds flows only)
  --tcp-idle S     seconds of silence flagged as tcp.idle (default 300)
  --max-flows N    stop reading (an error in capture.errors, what was read kept)
                   at the packet that would start flow N + 1 (default ${DEFAULT_MAX_FLOWS})
  --vlan-merge     one flow per 5-tuple whatever its VLAN tags, as Zeek's default
                   conn key (default: 802.1Q/802.1ad IDs are part of a flow's key)
  --threads N      1: the whole analysis on one thread; 2: the TCP tracker runs
                   on a second thread, fed the TCP segments this one reads (the
                   same output). Default: 2 where three cores are free (cores
                   less the load average), else 1
  --fail-on LIST   exit 3 when an event of that severity or worse, or of that
                   kind, is present: comma-separated from break, warning, info,
                   event and incident kinds (after printing as usual)
${INCIDENT_USAGE}
`;
const ANALYZE_USAGE = `usage: ${ANALYZE_LINE}\n\n${ANALYZE_HELP}`;

const USAGE = `usage: ${ANALYZE_LINE}
       stateline packets FILE [--flow N] [--filter EXPR] [--json | --csv] [--keylog FILE]
       stateline diff A B [--json] [--clock-offset S] [--keylog FILE]
       stateline serve [FILE|DIR] [--port N] [--keylog FILE] [--max-upload BYTES]
       stateline check FILE --expect EXPECT [--update] [--junit OUT.xml] | check DIR
       stateline export FILE|SETDIR [--format parquet|ndjson] --out DIR [--tables LIST] [--keylog FILE]
       stateline --version

${ANALYZE_HELP}
${PACKETS_USAGE.split('\n').slice(2).join('\n')}
${DIFF_USAGE.split('\n').slice(2).join('\n')}
${SERVE_USAGE.split('\n').slice(2).join('\n')}
${CHECK_USAGE.split('\n').slice(3).join('\n')}
${EXPORT_USAGE.split('\n').slice(2).join('\n')}`;

class UsageError extends Error {}

interface AnalyzeArgs {
  files: string[];
  json: boolean;
  keylog: string | null;
  progress: boolean;
  protocols: Protocol[];
  tcpIdle: number | undefined;
  maxFlows: number | undefined;
  vlanMerge: boolean;
  incidents: IncidentOptions;
  failOn: FailOn | null;
  threads: number | undefined;
}

function parseAnalyze(args: string[]): AnalyzeArgs {
  const out: AnalyzeArgs = { files: [], json: false, keylog: null, progress: false, protocols: [...PROTOCOLS], tcpIdle: undefined, maxFlows: undefined, vlanMerge: false, incidents: {}, failOn: null, threads: undefined };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') out.json = true;
    else if (a === '--progress') out.progress = true;
    else if (a === '--vlan-merge') out.vlanMerge = true;
    else if (a === '--keylog') {
      const v = args[++i];
      if (!v) throw new UsageError('--keylog needs a file');
      out.keylog = v;
    } else if (a.startsWith('--keylog=')) out.keylog = a.slice('--keylog='.length);
    else if (a === '--protocols' || a.startsWith('--protocols=')) {
      const v = a === '--protocols' ? args[++i] : a.slice('--protocols='.length);
      if (v === undefined) throw new UsageError('--protocols needs a list (tcp,dns,quic or none)');
      const list = v === 'none' ? [] : v.split(',').map((x) => x.trim()).filter(Boolean);
      for (const p of list) if (!(PROTOCOLS as readonly string[]).includes(p)) throw new UsageError(`unknown protocol ${p} in --protocols (use tcp, dns, quic or none)`);
      out.protocols = list as Protocol[];
    } else if (a === '--tcp-idle' || a.startsWith('--tcp-idle=')) {
      const v = Number(a === '--tcp-idle' ? args[++i] : a.slice('--tcp-idle='.length));
      if (!(v > 0)) throw new UsageError('--tcp-idle needs a number of seconds > 0');
      out.tcpIdle = v;
    } else if (a === '--max-flows' || a.startsWith('--max-flows=')) {
      const v = Number(a === '--max-flows' ? args[++i] : a.slice('--max-flows='.length));
      if (!Number.isInteger(v) || v < 1) throw new UsageError('--max-flows needs a whole number of flows > 0');
      out.maxFlows = v;
    }
    else if (a === '--threads' || a.startsWith('--threads=')) {
      const v = Number(a === '--threads' ? args[++i] : a.slice('--threads='.length));
      if (!Number.isInteger(v) || v < 1) throw new UsageError('--threads needs a whole number > 0 (1 or 2)');
      out.threads = v;
    }
    else if (a === '--fail-on' || a.startsWith('--fail-on=')) {
      const f = parseFailOn((a === '--fail-on' ? args[++i] : a.slice('--fail-on='.length)) ?? '');
      if (typeof f === 'string') throw new UsageError(f);
      out.failOn = f;
    }
    else if (INCIDENT_FLAGS.some((f) => a === f.flag || a.startsWith(`${f.flag}=`))) {
      const f = INCIDENT_FLAGS.find((g) => a === g.flag || a.startsWith(`${g.flag}=`))!;
      const raw = a === f.flag ? args[++i] : a.slice(f.flag.length + 1);
      const v = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
      const why = badIncidentOption(f.key, v);
      if (why) throw new UsageError(why);
      out.incidents[f.key] = v;
    }
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else out.files.push(a);
  }
  if (!out.files.length) throw new UsageError('analyze needs a capture file (or a directory, or several files: a capture set)');
  return out;
}

async function analyzeCommand(args: AnalyzeArgs): Promise<number> {
  // the summary and the JSON read no frame back and build no packet row: no packet detail
  const analysis = await readAnalysis(args.files, { keylog: args.keylog, progress: args.progress, maxFlows: args.maxFlows, mergeVlans: args.vlanMerge, packetDetail: false, threads: args.threads, trackerOptions: { protocols: args.protocols, tcpIdleSeconds: args.tcpIdle, incidents: args.incidents } });
  if (!analysis) return 1;
  // The JSON is streamed element by element (55 MB for a million packets is never held
  // at once); the summary shows counts, breaks and the first 100 flows: it needs neither
  // the transaction lists nor the JSON of every flow.
  if (args.json) await writeStream((function* () {
    yield* jsonText(analysis);
    yield '\n';
  })());
  else {
    const json = toJson(analysis, { transactions: false, maxFlows: 100 });
    const q = quicTracker(analysis);
    const quic = q ? { connections: q.conns.length, migrated: q.conns.filter((c) => c.paths.length > 1).length, paths: q.conns.reduce((n, c) => n + (c.paths.length > 1 ? c.paths.length : 0), 0) } : null;
    await writeOut(renderSummary(json, args.files.join(' '), flowCounts(analysis), quic));
  }
  const matched = args.failOn ? failOnMatches({ events: analysis.events, incidents: analysis.incidents }, args.failOn) : [];
  if (matched.length) process.stderr.write(`stateline: --fail-on matched ${matched.join(', ')}\n`);
  return matched.length ? 3 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  // the QUIC Initial crypto (key schedule HMACs, the ClientHello peek's AES-CTR) over node:crypto
  useNodeQuicCrypto();
  try {
    if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      process.stdout.write(USAGE);
      return cmd ? 0 : 2;
    }
    // `stateline --version`, and `--help`/`-h`/`--version` after any command (its own usage; the whole one for a command it does not know)
    const asked = cmd === '--version' || cmd === '-V' ? 'version' : helpOrVersion(rest);
    if (asked === 'version') {
      process.stdout.write(`stateline ${version()}\n`);
      return 0;
    }
    if (asked === 'help') {
      process.stdout.write(({ analyze: ANALYZE_USAGE, packets: PACKETS_USAGE, serve: SERVE_USAGE, diff: DIFF_USAGE, check: CHECK_USAGE, export: EXPORT_USAGE } as Record<string, string>)[cmd] ?? USAGE);
      return 0;
    }
    if (cmd === 'analyze') return await analyzeCommand(parseAnalyze(rest));
    if (cmd === 'serve') return await serveCommand(rest);
    if (cmd === 'packets') return await packetsCommand(rest);
    if (cmd === 'diff') return await diffCommand(rest);
    if (cmd === 'check') return await checkCommand(rest);
    if (cmd === 'export') return await exportCommand(rest);
    throw new UsageError(`unknown command ${cmd}`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ServeUsageError || e instanceof PacketsUsageError || e instanceof DiffUsageError || e instanceof ExportUsageError) {
      process.stderr.write(`stateline: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

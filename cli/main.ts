// stateline — command line entry.
//   stateline analyze FILE [--json] [--keylog FILE]
//   stateline serve [FILE] [--port N] [--keylog FILE]
// Exit status (OUTPUT.md): 0 read to the end (damage part-way is reported in
// capture.errors), 1 could not be read at all, 2 bad arguments.

import { readFileSync, statSync } from 'node:fs';
import { fileChunks } from '../host/file-source';
import { analyzeCapture } from '../analysis/analyze';
import { DEFAULT_MAX_FLOWS } from '../analysis/flows';
import { PROTOCOLS, type Protocol } from '../analysis/trackers';
import { flowCounts, toJson } from '../analysis/output';
import { renderSummary } from './summary';
import { SERVE_USAGE, ServeUsageError, serveCommand } from './serve';

const USAGE = `usage: stateline analyze FILE [--json] [--keylog FILE] [--protocols LIST] [--tcp-idle S] [--max-flows N]
       stateline serve [FILE] [--port N] [--keylog FILE] [--max-upload BYTES]

  analyze FILE     read a capture (pcap, pcapng, optionally gzip-compressed) and
                   report flows, state breaks and errors
  --json           print the stable JSON of OUTPUT.md instead of the summary
  --keylog FILE    TLS key log (NSS format) for QUIC decryption
  --progress       show reading progress on stderr
  --protocols LIST which state trackers run, comma-separated from tcp,dns,quic
                   (default all; 'none' reads, decodes and builds flows only)
  --tcp-idle S     seconds of silence flagged as tcp.idle (default 300)
  --max-flows N    stop reading (an error in capture.errors, what was read kept)
                   at the packet that would start flow N + 1 (default ${DEFAULT_MAX_FLOWS})

${SERVE_USAGE.split('\n').slice(2).join('\n')}`;

class UsageError extends Error {}

interface AnalyzeArgs {
  file: string;
  json: boolean;
  keylog: string | null;
  progress: boolean;
  protocols: Protocol[];
  tcpIdle: number | undefined;
  maxFlows: number | undefined;
}

function parseAnalyze(args: string[]): AnalyzeArgs {
  const out: AnalyzeArgs = { file: '', json: false, keylog: null, progress: false, protocols: [...PROTOCOLS], tcpIdle: undefined, maxFlows: undefined };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') out.json = true;
    else if (a === '--progress') out.progress = true;
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
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else if (!out.file) out.file = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (!out.file) throw new UsageError('analyze needs a capture file');
  return out;
}

async function analyzeCommand(args: AnalyzeArgs): Promise<number> {
  let size: number;
  try {
    const st = statSync(args.file);
    if (st.isDirectory()) throw new Error('is a directory');
    size = st.size;
  } catch (e) {
    process.stderr.write(`stateline: cannot read ${args.file}: ${(e as Error).message}\n`);
    return 1;
  }
  let keylog: string | undefined;
  if (args.keylog) {
    try {
      keylog = readFileSync(args.keylog, 'utf8');
    } catch (e) {
      process.stderr.write(`stateline: cannot read key log ${args.keylog}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const showProgress = args.progress && process.stderr.isTTY;
  let analysis;
  try {
    analysis = await analyzeCapture(fileChunks(args.file), {
      trackerOptions: { keylog, protocols: args.protocols, tcpIdleSeconds: args.tcpIdle },
      totalBytes: size,
      maxFlows: args.maxFlows,
      onProgress: showProgress
        ? (p) => process.stderr.write(`\rreading ${((100 * p.bytesRead) / size).toFixed(0)}%  ${p.packets} packets`)
        : undefined,
    });
  } catch (e) {
    if (showProgress) process.stderr.write('\n');
    process.stderr.write(`stateline: ${args.file}: ${(e as Error).message}\n`);
    return 1;
  }
  if (showProgress) process.stderr.write('\n');
  // The summary shows counts, breaks and the first 100 flows: it needs neither the
  // transaction lists nor the JSON of every flow.
  const json = toJson(analysis, args.json ? {} : { transactions: false, maxFlows: 100 });
  if (args.json) await writeOut(JSON.stringify(json) + '\n');
  else await writeOut(renderSummary(json, args.file, flowCounts(analysis)));
  return 0;
}

function writeOut(s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(s, (err) => (err ? reject(err) : resolve()));
  });
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      process.stdout.write(USAGE);
      return cmd ? 0 : 2;
    }
    if (cmd === 'analyze') return await analyzeCommand(parseAnalyze(rest));
    if (cmd === 'serve') return await serveCommand(rest);
    throw new UsageError(`unknown command ${cmd}`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ServeUsageError) {
      process.stderr.write(`stateline: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

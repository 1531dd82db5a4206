// stateline — command line entry.
//   stateline analyze FILE [--json] [--keylog FILE]
//   stateline serve [FILE] [--port N] [--keylog FILE]
// Exit status (OUTPUT.md): 0 read to the end (damage part-way is reported in
// capture.errors), 1 could not be read at all, 2 bad arguments.

import { createReadStream, readFileSync, statSync } from 'node:fs';
import { analyzeCapture } from '../analysis/analyze';
import { toJson } from '../analysis/output';
import { renderSummary } from './summary';
import { SERVE_USAGE, ServeUsageError, serveCommand } from './serve';

const USAGE = `usage: stateline analyze FILE [--json] [--keylog FILE]
       stateline serve [FILE] [--port N] [--keylog FILE]

  analyze FILE     read a capture (pcap, pcapng, optionally gzip-compressed) and
                   report flows, state breaks and errors
  --json           print the stable JSON of OUTPUT.md instead of the summary
  --keylog FILE    TLS key log (NSS format) for QUIC decryption
  --progress       show reading progress on stderr

${SERVE_USAGE.split('\n').slice(2).join('\n')}`;

class UsageError extends Error {}

interface AnalyzeArgs {
  file: string;
  json: boolean;
  keylog: string | null;
  progress: boolean;
}

function parseAnalyze(args: string[]): AnalyzeArgs {
  const out: AnalyzeArgs = { file: '', json: false, keylog: null, progress: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') out.json = true;
    else if (a === '--progress') out.progress = true;
    else if (a === '--keylog') {
      const v = args[++i];
      if (!v) throw new UsageError('--keylog needs a file');
      out.keylog = v;
    } else if (a.startsWith('--keylog=')) out.keylog = a.slice('--keylog='.length);
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
  const stream = createReadStream(args.file, { highWaterMark: 1 << 20 });
  const showProgress = args.progress && process.stderr.isTTY;
  let analysis;
  try {
    analysis = await analyzeCapture(stream, {
      trackerOptions: { keylog },
      totalBytes: size,
      onProgress: showProgress
        ? (p) => process.stderr.write(`\rreading ${((100 * p.bytesRead) / size).toFixed(0)}%  ${p.packets} packets`)
        : undefined,
    });
  } catch (e) {
    if (showProgress) process.stderr.write('\n');
    process.stderr.write(`stateline: ${args.file}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    stream.destroy();
  }
  if (showProgress) process.stderr.write('\n');
  const json = toJson(analysis);
  if (args.json) await writeOut(JSON.stringify(json) + '\n');
  else await writeOut(renderSummary(json, args.file));
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

// Follow stream against tshark's `-z follow,tcp,raw,N`: the bytes of each node.
import { execFileSync, spawnSync } from 'node:child_process';

export const HAVE_TSHARK = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

export interface TsharkStream {
  nodes: [string, string];
  /** Hex of each node's bytes, concatenated in order. */
  hex: [string, string];
}

/** tshark's TCP streams of a capture (stream index → its two nodes' bytes). */
export function tsharkStreams(file: string): Map<number, TsharkStream> {
  const ids = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream', '-Y', 'tcp'], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const streams = [...new Set(ids.split('\n').filter(Boolean).map(Number))].sort((a, b) => a - b);
  const out = new Map<number, TsharkStream>();
  if (!streams.length) return out;
  const args = ['-r', file, '-q'];
  for (const s of streams) args.push('-z', `follow,tcp,raw,${s}`);
  const text = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  let cur: TsharkStream | null = null;
  let idx = -1;
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^Filter: tcp\.stream eq (\d+)/.exec(line))) {
      idx = Number(m[1]);
      cur = { nodes: ['', ''], hex: ['', ''] };
      out.set(idx, cur);
    } else if (cur && (m = /^Node ([01]): (.*)$/.exec(line))) cur.nodes[Number(m[1]) as 0 | 1] = m[2];
    else if (cur && /^\t?[0-9a-f]+$/.test(line)) {
      if (line.startsWith('\t')) cur.hex[1] += line.slice(1);
      else cur.hex[0] += line;
    } else if (line.startsWith('====')) cur = cur && cur.nodes[0] ? null : cur;
  }
  return out;
}

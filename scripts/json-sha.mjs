#!/usr/bin/env node
// The sha256 of `node bin/stateline.mjs analyze FILE --json` (and its exit status) for
// every capture under fixtures/ and ../shared/captures/ (recursively: .pcap, .pcapng,
// .gz) and the bench capture, run by each tree given; prints the files whose output
// differs between the trees. A change meant to keep the output (a speed-up) needs 0.
//   node scripts/json-sha.mjs TREE_A TREE_B [--jobs N] [--no-bench]
// Exit status: 0 no difference, 1 differences, 2 bad arguments.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const trees = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--jobs').map((t) => resolve(t));
const jobs = args.includes('--jobs') ? Number(args[args.indexOf('--jobs') + 1]) : 2;
if (trees.length < 2 || !(jobs >= 1)) {
  process.stderr.write('usage: node scripts/json-sha.mjs TREE_A TREE_B [--jobs N] [--no-bench]\n');
  process.exit(2);
}

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(pcap|pcapng|gz)$/.test(e.name)) out.push(p);
  }
  return out;
}
const files = [...walk(join(root, 'fixtures'), []), ...walk(resolve(root, '../shared/captures'), [])].sort();
const bench = join(root, 'bench-data/bench-1000000-seed1.pcap');
if (!args.includes('--no-bench') && existsSync(bench)) files.push(bench);

/** sha256 of stdout, and the exit status, of one analyze run. */
function analyze(tree, file) {
  return new Promise((done) => {
    const p = spawn(process.execPath, [join(tree, 'bin/stateline.mjs'), 'analyze', file, '--json'], { cwd: tree, stdio: ['ignore', 'pipe', 'ignore'] });
    const h = createHash('sha256');
    let bytes = 0;
    p.stdout.on('data', (c) => { h.update(c); bytes += c.length; });
    p.on('close', (code) => done({ sha: h.digest('hex'), code, bytes }));
  });
}

// a first run per tree builds its bundle (bin/bundle.mjs) before the parallel ones
for (const t of trees) await analyze(t, files[0]);
const tasks = files.flatMap((f) => trees.map((t) => ({ f, t })));
const results = new Map();
let next = 0;
await Promise.all(Array.from({ length: jobs }, async () => {
  while (next < tasks.length) {
    const { f, t } = tasks[next++];
    results.set(`${t}\0${f}`, await analyze(t, f));
  }
}));

let diffs = 0;
for (const f of files) {
  const r = trees.map((t) => results.get(`${t}\0${f}`));
  const same = r.every((x) => x.sha === r[0].sha && x.code === r[0].code);
  if (!same) diffs++;
  const name = f.startsWith(root) ? relative(root, f) : f;
  process.stdout.write(`${same ? 'same' : 'DIFF'}  ${name}  ${r.map((x) => `${x.sha.slice(0, 12)} (exit ${x.code}, ${x.bytes} B)`).join('  ')}\n`);
}
process.stdout.write(`${files.length} files, ${trees.length} trees (${trees.join(', ')}): ${diffs} differ\n`);
process.exit(diffs ? 1 : 0);

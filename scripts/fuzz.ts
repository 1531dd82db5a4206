// `npm run fuzz -- [--cases N] [--seed S] [--workers W] [--case-timeout MS]`: a long fuzz
// campaign over mutations of the fixtures (test/fuzz/cases.ts says what each case
// checks), with the figures at the end; `--case I` replays one case in-process, with its
// stack trace. Exit 1 when a case crashed or hung.
import { corpus, makeCase, runCase } from '../test/fuzz/cases';
import { runCampaign } from '../test/fuzz/campaign';

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const v = Number(args[i].includes('=') ? args[i].split('=')[1] : args[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`fuzz: --${name} needs a whole number\n`);
    process.exit(2);
  }
  return v;
}

const seed = option('seed', 14);
const one = option('case', -1);
if (one >= 0) {
  const c = makeCase(corpus(), seed, one);
  process.stdout.write(`case ${one} of seed ${seed}: ${c.what} (${c.bytes.length} bytes, ${c.chunkMax ? `chunks of up to ${c.chunkMax}` : 'whole'}${c.keylog ? ', key log' : ''}${c.maxFlows ? `, max ${c.maxFlows} flows` : ''})\n`);
  process.stdout.write(`${await runCase(c)}\n`);
} else {
  const cases = option('cases', 20_000);
  const workers = option('workers', 1);
  let last = 0;
  const r = await runCampaign({
    seed,
    cases,
    workers,
    caseMs: option('case-timeout', 10_000),
    onProgress: (done, total) => {
      if (process.stderr.isTTY && Date.now() - last > 500) {
        last = Date.now();
        process.stderr.write(`\r${done} / ${total}`);
      }
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r');
  for (const f of [...r.crashes, ...r.hangs]) process.stdout.write(`${f.kind} in case ${f.index} (${f.what ?? 'see --case'}):\n  ${f.error.split('\n').slice(0, 6).join('\n  ')}\n`);
  process.stdout.write(
    `fuzz seed ${r.seed}: ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s (${(r.bytes / 2 ** 20).toFixed(1)} MiB of input): ` +
      `${r.read} read as captures, ${r.notACapture} refused as not a capture; ` +
      `${r.crashes.filter((f) => f.kind !== 'memory').length} crashes, ${r.crashes.filter((f) => f.kind === 'memory').length} memory blow-ups, ${r.hangs.length} hangs\n`,
  );
  process.exitCode = r.crashes.length + r.hangs.length > 0 ? 1 : 0;
}

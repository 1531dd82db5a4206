// `stateline check`: captures as test fixtures (OUTPUT.md "Other commands"). The files
// and the terminal: reading captures and expectation files (YAML through the `yaml`
// package, or JSON), writing them with --update (each entry's note as a comment),
// printing each failure with what was expected and what was found, JUnit XML, and
// GitHub Actions annotations. The matching itself is the core's (analysis/check).
//
// Naming in a directory: the expectations of CAPTURE are in CAPTURE.expect.yaml (or
// CAPTURE.expect.json) beside it, e.g. server-restart.pcap ↔ server-restart.pcap.expect.yaml:
// the capture's whole name, so x.pcap and x.pcapng beside each other keep apart.

import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type * as YamlModule from 'yaml';
import type { Node as YamlNode } from 'yaml';
import {
  ExpectationError, SECTIONS, checkExpectations, recordExpectations, recordUnreadable, validateExpectations,
  type CaptureOutcome, type EntryResult, type Expectations,
} from '../analysis/check/index';
import { toJson } from '../analysis/output';
import { analyzeFile, writeOut } from './capture';

// The yaml package is loaded when a check runs, not when the CLI starts: importing it
// costs about a tenth of a second, which every other command (analyze among them) paid.
let yaml: typeof YamlModule | null = null;
async function loadYaml(): Promise<typeof YamlModule> {
  return (yaml ??= await import('yaml'));
}
function yamlLoaded(): typeof YamlModule {
  if (!yaml) throw new Error('the yaml package is not loaded yet (loadYaml)');
  return yaml;
}

export const CHECK_USAGE = `usage: stateline check FILE --expect EXPECT [--update] [--junit OUT.xml] [--keylog FILE]
       stateline check DIR [--update] [--junit OUT.xml]

  check FILE       hold a capture against its expectations: flows by transport, client
                   host and server endpoint, events, DNS, QUIC, incidents (exit 0 all
                   hold, 3 one failed, 1 capture unreadable, 2 bad arguments or EXPECT)
  --expect EXPECT  the expectation file, YAML or JSON (default FILE.expect.yaml)
  --update         write EXPECT from the capture's analysis instead of checking it
                   (keeps its keylog and tolerance); unchanged capture, same bytes
  --junit OUT.xml  also write the results as JUnit XML
  --keylog FILE    TLS key log for QUIC (default: the expectation file's keylog)
  check DIR        every capture under DIR (.pcap, .pcapng, .cap, optionally .gz) that
                   has CAPTURE.expect.yaml or CAPTURE.expect.json beside it; one line
                   per capture and a summary; exit 3 if any failed
                   (--update rewrites the expectation files that exist)
  With GITHUB_ACTIONS=true each failure is also an ::error annotation on its line.
`;

class CheckUsageError extends Error {}

interface CheckArgs {
  target: string;
  expect: string | null;
  update: boolean;
  junit: string | null;
  keylog: string | null;
}

function parseCheck(args: string[]): CheckArgs | null {
  const out: CheckArgs = { target: '', expect: null, update: false, junit: null, keylog: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === '') throw new CheckUsageError(`${name} needs a value`);
      return v;
    };
    if (a === '-h' || a === '--help') return null;
    else if (a === '--update') out.update = true;
    else if (name === '--expect') out.expect = value();
    else if (name === '--junit') out.junit = value();
    else if (name === '--keylog') out.keylog = value();
    else if (a.startsWith('-') && a !== '-') throw new CheckUsageError(`unknown option ${a}`);
    else if (!out.target) out.target = a;
    else throw new CheckUsageError(`unexpected argument ${a}`);
  }
  if (!out.target) throw new CheckUsageError('check needs a capture file or a directory');
  return out;
}

const CAPTURE_RE = /\.(pcap|pcapng|cap)(\.gz)?$/i;
const EXPECT_SUFFIXES = ['.expect.yaml', '.expect.json'];

/** The expectation file beside a capture: the one that exists, else the YAML name. */
function expectPathFor(capture: string): string {
  return EXPECT_SUFFIXES.map((s) => capture + s).find((p) => existsSync(p)) ?? capture + EXPECT_SUFFIXES[0];
}

// ---- expectation files

interface LoadedExpect {
  exp: Expectations;
  /** The line (1-based) of an entry: "flows.3", "counts"; absent for JSON. */
  lines: Map<string, number>;
}

class ExpectFileError extends Error {}

function loadExpect(path: string): LoadedExpect {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ExpectFileError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const lines = new Map<string, number>();
  let data: unknown;
  if (path.endsWith('.json')) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new ExpectFileError(`${path}: not JSON: ${(e as Error).message}`);
    }
  } else {
    const { LineCounter, parseDocument, isMap, isScalar, isSeq } = yamlLoaded();
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) throw new ExpectFileError(`${path}: ${doc.errors[0].message}`);
    data = doc.toJS();
    if (isMap(doc.contents)) {
      for (const pair of doc.contents.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        const v = pair.value as YamlNode | null;
        if (isScalar(pair.key) && pair.key.range) lines.set(key, lc.linePos(pair.key.range[0]).line);
        if (isSeq(v)) v.items.forEach((it, i) => {
          const r = (it as YamlNode).range;
          if (r) lines.set(`${key}.${i}`, lc.linePos(r[0]).line);
        });
      }
    }
  }
  try {
    return { exp: validateExpectations(data), lines };
  } catch (e) {
    if (e instanceof ExpectationError) throw new ExpectFileError(`${path}: ${e.message}`);
    throw e;
  }
}

/** What each section holds, as the comment above it. */
const SECTION_NOTES: Record<string, string> = {
  keylog: 'TLS key log the capture is analyzed with (relative to this file)',
  tolerance: 'seconds allowed either way on every time below (durations, rtt, at)',
  noOtherBreaks: 'fail on any break event or incident that no entry below accounts for',
  capture: 'the file itself: format, and the damage the reader reported (frame and message)',
  counts: 'flows per transport, events per kind (info ones included), incidents, DNS transactions, QUIC connections;\na count may be exact (3) or a bound or range (">= 1", "<= 5", "2..4")',
  flows: 'flows by transport, client host and server endpoint (never the client\'s ephemeral port);\n"[N]" is the Nth flow of that key in capture order, "[N-M]" a run of them',
  events: 'break and warning events that no incident groups, by kind and position among the events\nof that kind in their flow ("nth"); "frame: N" pins one to a frame, "at: S" to a time after the start',
  dns: 'each DNS transaction: question, resolver, transport, and its status (nth: among transactions of that question, resolver and transport)',
  quic: 'each QUIC connection by number (capture order): SNI, ALPN, versions, paths and migrations',
  incidents: 'incidents by kind and subject: the flows and events they group, how sure, how long (s)',
};

/** The expectation file's text: YAML with each note as a comment, or JSON with notes as fields. */
export function renderExpect(exp: Expectations, capture: string, json: boolean): string {
  if (json) return JSON.stringify(exp, null, 2) + '\n';
  const ordered: Record<string, unknown> = {};
  for (const k of SECTIONS) if (exp[k] !== undefined) ordered[k] = exp[k];
  const { Document, isMap, isScalar, isSeq } = yamlLoaded();
  const doc = new Document(ordered);
  doc.commentBefore = ` Expectations of \`stateline check\` for ${capture}.\n Written by \`stateline check --update\`; review and edit it like code: every entry says what it holds.`;
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = String((pair.key as { value: unknown }).value);
      if (SECTION_NOTES[key] && isScalar(pair.key)) pair.key.commentBefore = SECTION_NOTES[key].split('\n').map((l) => ` ${l}`).join('\n');
      if (!isSeq(pair.value)) continue;
      for (const item of pair.value.items) {
        if (!isMap(item)) continue;
        const note = item.get('note');
        if (typeof note === 'string') {
          item.commentBefore = ` ${note}`;
          item.delete('note');
        }
        // short lists (alpn, versions) on one line
        for (const p of item.items) if (isSeq(p.value) && p.value.items.every(isScalar)) p.value.flow = true;
      }
    }
  }
  return doc.toString({ lineWidth: 0 });
}

// ---- captures

async function readOutcome(capture: string, keylogPath: string | null): Promise<CaptureOutcome> {
  let keylog: string | undefined;
  if (keylogPath !== null) {
    try {
      keylog = readFileSync(keylogPath, 'utf8');
    } catch (e) {
      return { error: `cannot read key log ${keylogPath}: ${(e as Error).message}` };
    }
  }
  try {
    const a = await analyzeFile(capture, { trackerOptions: { keylog }, totalBytes: statSync(capture).size });
    return { json: toJson(a) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

// ---- one capture

interface CaptureRun {
  capture: string;
  expect: string;
  results: EntryResult[];
  lines: Map<string, number>;
  /** Why the expectation file could not be used, or the capture opened. */
  error: string | null;
  /** Why the capture could not be read at all (the reader's error), or null. */
  unreadable: string | null;
  seconds: number;
}

const failed = (r: EntryResult) => r.problems.length > 0;
const runFailed = (r: CaptureRun) => r.error !== null || r.results.some(failed);

async function checkOne(capture: string, expect: string, keylogArg: string | null): Promise<CaptureRun> {
  const t0 = performance.now();
  const run: CaptureRun = { capture, expect, results: [], lines: new Map(), error: null, unreadable: null, seconds: 0 };
  try {
    const loaded = loadExpect(expect);
    run.lines = loaded.lines;
    const keylog = keylogArg ?? (loaded.exp.keylog !== undefined ? resolve(dirname(expect), loaded.exp.keylog) : null);
    if (!existsSync(capture)) run.error = `cannot read ${capture}: no such file`;
    else {
      const outcome = await readOutcome(capture, keylog);
      if ('error' in outcome) run.unreadable = outcome.error;
      run.results = checkExpectations(outcome, loaded.exp);
    }
  } catch (e) {
    if (!(e instanceof ExpectFileError)) throw e;
    run.error = e.message;
  }
  run.seconds = (performance.now() - t0) / 1000;
  return run;
}

/** Rewrite `expect` from the capture; true when its bytes changed. */
async function updateOne(capture: string, expect: string, keylogArg: string | null): Promise<boolean> {
  const old = existsSync(expect) ? loadExpect(expect).exp : {};
  const keylogFile = keylogArg ?? (old.keylog !== undefined ? resolve(dirname(expect), old.keylog) : null);
  const keep = { keylog: keylogFile === null ? undefined : relative(dirname(resolve(expect)), resolve(keylogFile)), tolerance: old.tolerance };
  const outcome = await readOutcome(capture, keylogFile);
  const exp = 'json' in outcome ? recordExpectations(outcome.json, keep) : recordUnreadable(outcome.error, keep);
  const text = renderExpect(exp, relative(dirname(resolve(expect)), resolve(capture)), expect.endsWith('.json'));
  const before = existsSync(expect) ? readFileSync(expect, 'utf8') : null;
  if (before === text) return false;
  writeFileSync(expect, text);
  return true;
}

// ---- reporting

function failureLines(run: CaptureRun): string[] {
  if (run.error !== null) return [`  ✗ ${run.error}`];
  const out: string[] = [];
  for (const r of run.results.filter(failed)) {
    const line = run.lines.get(r.index === null ? r.section : `${r.section}.${r.index}`);
    out.push(`  ✗ ${r.label} (${run.expect}${line ? `:${line}` : ''})`);
    for (const p of r.problems) out.push(`      ${p.what}: expected ${p.expected}, found ${p.found}`);
  }
  return out;
}

function summaryLine(run: CaptureRun): string {
  const n = run.results.length;
  if (run.error !== null) return `FAIL ${run.capture}`;
  const bad = run.results.filter(failed).length;
  return bad ? `FAIL ${run.capture}: ${bad} of ${n} expectation${n === 1 ? '' : 's'} failed` : `PASS ${run.capture} (${n} expectation${n === 1 ? '' : 's'})`;
}

/** GitHub Actions workflow commands: %, CR and LF escaped in the message; also : and , in properties. */
const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProp = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function annotations(run: CaptureRun): string[] {
  if (run.error !== null) return [`::error file=${ghProp(run.expect)},title=${ghProp(`stateline check ${run.capture}`)}::${ghData(run.error)}`];
  return run.results.filter(failed).map((r) => {
    const line = run.lines.get(r.index === null ? r.section : `${r.section}.${r.index}`);
    const msg = `${r.label}: ${r.problems.map((p) => `${p.what}: expected ${p.expected}, found ${p.found}`).join('\n')}`;
    return `::error file=${ghProp(run.expect)}${line ? `,line=${line}` : ''},title=${ghProp(`stateline check ${run.capture}`)}::${ghData(msg)}`;
  });
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML: a testsuite per capture, a testcase per expectation entry. */
export function junitXml(runs: CaptureRun[]): string {
  const cases = (run: CaptureRun): string[] => {
    if (run.error !== null) return [`    <testcase classname="${xml(run.capture)}" name="expectations" file="${xml(run.expect)}"><error message="${xml(run.error)}"/></testcase>`];
    return run.results.map((r) => {
      const line = run.lines.get(r.index === null ? r.section : `${r.section}.${r.index}`);
      const head = `    <testcase classname="${xml(run.capture)}" name="${xml(r.label)}" file="${xml(run.expect)}"${line ? ` line="${line}"` : ''}`;
      if (!failed(r)) return `${head}/>`;
      const text = r.problems.map((p) => `${p.what}: expected ${p.expected}, found ${p.found}`).join('\n');
      return `${head}><failure message="${xml(r.problems[0].what)}: expected ${xml(r.problems[0].expected)}">${xml(text)}</failure></testcase>`;
    });
  };
  const count = (run: CaptureRun) => (run.error !== null ? 1 : run.results.length);
  const fails = (run: CaptureRun) => (run.error !== null ? 0 : run.results.filter(failed).length);
  const errors = (run: CaptureRun) => (run.error !== null ? 1 : 0);
  const sum = (f: (r: CaptureRun) => number) => runs.reduce((n, r) => n + f(r), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="stateline check" tests="${sum(count)}" failures="${sum(fails)}" errors="${sum(errors)}">`,
    ...runs.flatMap((run) => [
      `  <testsuite name="${xml(run.capture)}" tests="${count(run)}" failures="${fails(run)}" errors="${errors(run)}" time="${run.seconds.toFixed(3)}">`,
      ...cases(run),
      '  </testsuite>',
    ]),
    '</testsuites>',
    '',
  ].join('\n');
}

// ---- the command

/** Every capture file under `dir`, sorted, recursively. */
function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...capturesUnder(p));
    else if (e.isFile() && CAPTURE_RE.test(e.name)) out.push(p);
  }
  return out;
}

/** Expectation files under `dir` whose capture is missing. */
function orphanExpectations(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...orphanExpectations(p));
    else {
      const suffix = EXPECT_SUFFIXES.find((s) => e.name.endsWith(s));
      if (suffix && !existsSync(p.slice(0, -suffix.length))) out.push(p);
    }
  }
  return out.sort();
}

async function report(runs: CaptureRun[], junit: string | null, out: string[]): Promise<void> {
  if (process.env.GITHUB_ACTIONS === 'true') for (const run of runs) out.push(...annotations(run));
  if (junit) writeFileSync(junit, junitXml(runs));
  await writeOut(out.map((l) => l + '\n').join(''));
}

export async function checkCommand(argv: string[]): Promise<number> {
  let args: CheckArgs | null;
  try {
    args = parseCheck(argv);
  } catch (e) {
    if (!(e instanceof CheckUsageError)) throw e;
    process.stderr.write(`stateline: ${e.message}\n${CHECK_USAGE}`);
    return 2;
  }
  if (args === null) {
    await writeOut(CHECK_USAGE);
    return 0;
  }
  await loadYaml();

  let isDir: boolean;
  try {
    isDir = statSync(args.target).isDirectory();
  } catch (e) {
    process.stderr.write(`stateline: cannot read ${args.target}: ${(e as Error).message}\n`);
    return 1;
  }
  if (isDir && args.expect) {
    process.stderr.write(`stateline: --expect names one capture's file; in a directory each capture has CAPTURE.expect.yaml beside it\n${CHECK_USAGE}`);
    return 2;
  }
  try {
    return isDir ? await checkDir(args) : await checkFile(args);
  } catch (e) {
    if (!(e instanceof ExpectFileError)) throw e;
    process.stderr.write(`stateline: ${e.message}\n`);
    return 2;
  }
}

async function checkFile(args: CheckArgs): Promise<number> {
  const expect = args.expect ?? expectPathFor(args.target);
  if (args.update) {
    const changed = await updateOne(args.target, expect, args.keylog);
    await writeOut(`${changed ? 'wrote' : 'unchanged'} ${expect}\n`);
    return 0;
  }
  if (!existsSync(expect)) throw new ExpectFileError(`cannot read ${expect}: no such file (write it with --update)`);
  const run = await checkOne(args.target, expect, args.keylog);
  if (run.error !== null) throw new ExpectFileError(run.error);
  if (run.unreadable !== null && runFailed(run)) {
    // not read, and not expected so: the exit status of a capture that cannot be read
    process.stderr.write(`stateline: ${args.target}: ${run.unreadable}\n`);
    await report([run], args.junit, []);
    return 1;
  }
  await report([run], args.junit, [...failureLines(run), summaryLine(run)]);
  return runFailed(run) ? 3 : 0;
}

async function checkDir(args: CheckArgs): Promise<number> {
  const t0 = performance.now();
  const captures = capturesUnder(args.target);
  const paired = captures.filter((c) => EXPECT_SUFFIXES.some((s) => existsSync(c + s)));
  const without = captures.filter((c) => !paired.includes(c));
  if (args.update) {
    let changed = 0;
    for (const c of paired) if (await updateOne(c, expectPathFor(c), null)) changed++;
    await writeOut(`${paired.length} expectation files: ${changed} rewritten, ${paired.length - changed} unchanged\n`);
    return 0;
  }
  const runs: CaptureRun[] = [];
  const out: string[] = [];
  for (const c of paired) {
    const run = await checkOne(c, expectPathFor(c), null);
    runs.push(run);
    out.push(summaryLine(run), ...failureLines(run));
  }
  for (const e of orphanExpectations(args.target)) {
    const capture = e.slice(0, -EXPECT_SUFFIXES.find((s) => e.endsWith(s))!.length);
    const run: CaptureRun = { capture, expect: e, results: [], lines: new Map(), error: `${e} has no capture ${capture} beside it`, unreadable: null, seconds: 0 };
    runs.push(run);
    out.push(summaryLine(run), ...failureLines(run));
  }
  const bad = runs.filter(runFailed).length;
  const entries = runs.reduce((n, r) => n + r.results.length, 0);
  const badEntries = runs.reduce((n, r) => n + r.results.filter(failed).length, 0);
  out.push('');
  out.push(`${runs.length} captures checked, ${entries} expectations: ${runs.length - bad} passed, ${bad} failed${badEntries ? ` (${badEntries} expectations)` : ''}; ${without.length} without an expectation file (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  await report(runs, args.junit, out);
  return bad ? 3 : 0;
}

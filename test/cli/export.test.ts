// `stateline export`: the real bin writes every table of real fixtures in both formats;
// DuckDB (embedded, @duckdb/node-api) reads the Parquet back with the schema's types and
// its aggregates and joins equal what `stateline analyze --json` and `stateline packets
// --json` print of the same capture; the NDJSON rows equal the Parquet rows. Bad
// arguments exit 2, an unreadable capture or a table that cannot be written 1; the
// README's schema is the code's.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisJson } from '../../analysis/model';
import type { PacketJson } from '../../cli/packets';
import { oneFlowPerPacket } from '../analysis/many-flows';
import { SQL_TYPE, TABLE_NAMES, TABLES, schemaMarkdown, type TableName } from '../../cli/tables';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'stateline.mjs');
const fx = (name: string) => join(root, 'fixtures', name);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** server-restart: TCP events and an incident; dns-truncated: DNS over UDP and TCP; ngtcp2-migration: a QUIC connection on two paths, decrypted. */
const CAPTURES: { file: string; extra: string[] }[] = [
  { file: fx('incidents/server-restart.pcap'), extra: [] },
  { file: fx('dns/dns-truncated.pcap'), extra: [] },
  { file: fx('quic/ngtcp2-migration.pcap'), extra: ['--keylog', fx('quic/ngtcp2-migration.keylog.txt')] },
];

type Row = Record<string, unknown>;
let tmp: string;
let db: DuckDBConnection;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'stateline-export-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  db?.closeSync();
  rmSync(tmp, { recursive: true, force: true });
});

const sql = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A query's rows as plain values (BIGINT and the HUGEINT of a sum as numbers, lists as arrays). */
async function query(q: string): Promise<Row[]> {
  const r = await db.runAndReadAll(q);
  const types = r.columnTypes().map((t) => t.toString());
  return r.getRowObjectsJson().map((o) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(o)) {
      const t = types[r.columnNames().indexOf(k)];
      out[k] = (t === 'BIGINT' || t === 'HUGEINT') && v !== null ? Number(v) : v;
    }
    return out;
  });
}

function ndjsonRows(path: string): Row[] {
  const text = readFileSync(path, 'utf8');
  if (text.length) expect(text.endsWith('\n')).toBe(true);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
}

describe.each(CAPTURES)('stateline export $file', ({ file, extra }) => {
  let json: AnalysisJson;
  let packets: PacketJson[];
  const dir = (format: string): string => join(tmp, `${file.split('/').pop()}-${format}`);
  const pq = (t: TableName): string => sql(join(dir('parquet'), `${t}.parquet`));

  beforeAll(async () => {
    const [a, p, e1, e2] = await Promise.all([
      run(['analyze', file, '--json', ...extra]),
      run(['packets', file, '--json', ...extra]),
      run(['export', file, '--format', 'parquet', '--out', dir('parquet'), '--tables', 'all', ...extra]),
      run(['export', file, '--format', 'ndjson', '--out', dir('ndjson'), '--tables', 'all', ...extra]),
    ]);
    for (const r of [a, p, e1, e2]) expect(r.stderr).toBe('');
    expect([a.code, p.code, e1.code, e2.code]).toEqual([0, 0, 0, 0]);
    json = JSON.parse(a.stdout) as AnalysisJson;
    packets = JSON.parse(p.stdout) as PacketJson[];
  });

  it('writes every table, with the types of the schema as DuckDB reads them', async () => {
    for (const t of TABLE_NAMES) {
      const cols = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${pq(t)})`);
      expect(cols, t).toEqual(TABLES[t].columns.map((c) => ({ column_name: c.name, column_type: SQL_TYPE[c.type] })));
      expect(existsSync(join(dir('ndjson'), `${t}.ndjson`))).toBe(true);
    }
  });

  it('aggregates in DuckDB to what analyze --json and packets --json say', async () => {
    // the capture itself
    const cap = await query(`SELECT packets, bytes, linkTypes, start, errors FROM ${pq('capture')}`);
    expect(cap).toEqual([{ packets: json.capture.packets, bytes: json.capture.bytes, linkTypes: json.capture.linkTypes, start: json.capture.start, errors: json.capture.errors.map((e) => `frame ${e.frame} offset ${e.offset}: ${e.message}`) }]);
    // flows: count and bytes
    const [f] = await query(`SELECT count(*) AS n, sum(bytes) AS bytes, sum(packets) AS packets FROM ${pq('flows')}`);
    expect(f).toEqual({ n: json.flows.length, bytes: json.flows.reduce((s, x) => s + x.bytes, 0), packets: json.flows.reduce((s, x) => s + x.packets, 0) });
    const conn = await query(`SELECT id, tcpConnState FROM ${pq('flows')} WHERE tcpConnState IS NOT NULL ORDER BY id`);
    expect(conn).toEqual(json.flows.filter((x) => x.tcp).map((x) => ({ id: x.id, tcpConnState: x.tcp!.connState })));
    // events per kind
    const kinds = await query(`SELECT kind, count(*) AS n FROM ${pq('events')} GROUP BY kind ORDER BY kind`);
    const byKind = new Map<string, number>();
    for (const e of json.events) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    expect(kinds).toEqual([...byKind].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([kind, n]) => ({ kind, n })));
    // events joined to their flows
    const joined = await query(`SELECT e.frame, e.kind, f.client, f.server FROM ${pq('events')} e JOIN ${pq('flows')} f ON e.flow = f.id ORDER BY e.frame, e.kind`);
    const byId = new Map(json.flows.map((x) => [x.id, x]));
    expect(joined).toEqual(json.events.filter((e) => e.flow !== null).map((e) => ({ frame: e.frame, kind: e.kind, client: byId.get(e.flow!)!.client, server: byId.get(e.flow!)!.server }))
      .sort((x, y) => x.frame - y.frame || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0)));
    // incidents and their member events
    const inc = await query(`SELECT i.id, i.kind, i.frames, count(e.frame) AS members FROM ${pq('incidents')} i LEFT JOIN ${pq('events')} e ON e.incident = i.id GROUP BY ALL ORDER BY i.id`);
    expect(inc).toEqual((json.incidents ?? []).map((i) => ({ id: i.id, kind: i.kind, frames: i.frames, members: json.events.filter((e) => e.incident === i.id).length })));
    // DNS statuses
    const dns = await query(`SELECT status, count(*) AS n, sum(len(queryFrames)) AS queries FROM ${pq('dns')} GROUP BY status ORDER BY status`);
    const byStatus = new Map<string, { n: number; queries: number }>();
    for (const d of json.dns) {
      const s = byStatus.get(d.status) ?? { n: 0, queries: 0 };
      s.n++;
      s.queries += d.queryFrames.length;
      byStatus.set(d.status, s);
    }
    expect(dns).toEqual([...byStatus].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([status, s]) => ({ status, ...s })));
    // QUIC connections, their frames and paths
    const quic = await query(`SELECT number, sni, len(frames) AS frames, paths, (SELECT count(*) FROM ${pq('quic_paths')} p WHERE p.connection = q.number) AS pathRows FROM ${pq('quic')} q ORDER BY number`);
    expect(quic).toEqual(json.quic.map((q) => ({ number: q.number, sni: q.sni, frames: q.frames.length, paths: q.paths.length, pathRows: q.paths.length })));
    // packets: one row per packet, the same numbers as `stateline packets --json`
    const [p] = await query(`SELECT count(*) AS n, sum(len) AS len, count(seq) AS tcp, sum(seq) AS seq, sum("window") AS win, sum(len(events)) AS events FROM ${pq('packets')}`);
    const sum = (k: keyof PacketJson): number => packets.reduce((s, r) => s + ((r[k] as number | null) ?? 0), 0);
    expect(p).toEqual({ n: json.capture.packets, len: sum('len'), tcp: packets.filter((r) => r.seq !== null).length, seq: sum('seq') || null, win: sum('window') || null, events: packets.reduce((s, r) => s + r.events.length, 0) });
    const perFlow = await query(`SELECT flow, count(*) AS n FROM ${pq('packets')} WHERE flow IS NOT NULL GROUP BY flow ORDER BY flow`);
    expect(perFlow).toEqual(json.flows.map((x) => ({ flow: x.id, n: x.packets })));
  });

  it('NDJSON holds the same rows as the Parquet', async () => {
    for (const t of TABLE_NAMES) {
      const fromParquet = await query(`SELECT * FROM ${pq(t)}`);
      expect(ndjsonRows(join(dir('ndjson'), `${t}.ndjson`)), t).toEqual(fromParquet);
    }
    // and the packets rows are `stateline packets --json`'s, field for field
    expect(ndjsonRows(join(dir('ndjson'), 'packets.ndjson'))).toEqual(packets);
  });
});

describe('stateline export: defaults and bad input', () => {
  const file = fx('incidents/server-restart.pcap');

  it('writes Parquet without --format and every table but packets without --tables', async () => {
    const out = join(tmp, 'defaults');
    const r = await run(['export', file, '--out', out]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    for (const t of TABLE_NAMES) expect(existsSync(join(out, `${t}.parquet`)), t).toBe(t !== 'packets');
    const two = await run(['export', file, '--out', out, '--format=ndjson', '--tables', 'events,flows']);
    expect(two.code).toBe(0);
    expect(existsSync(join(out, 'events.ndjson')) && existsSync(join(out, 'flows.ndjson')) && !existsSync(join(out, 'dns.ndjson'))).toBe(true);
  });

  it.skipIf(spawnSync('editcap', ['-h'], { stdio: 'ignore' }).status !== 0)('exports a capture set (a directory) with the rows of the single file', async () => {
    const set = join(tmp, 'set');
    mkdirSync(set, { recursive: true });
    // the capture split in parts of 12 packets, read back as one set
    execFileSync('editcap', ['-c', '12', file, join(set, 'part.pcap')]);
    const [one, many] = [join(tmp, 'one'), join(tmp, 'many')];
    const r = await Promise.all([run(['export', file, '--out', one, '--format', 'ndjson']), run(['export', set, '--out', many, '--format', 'ndjson'])]);
    expect(r.map((x) => x.code)).toEqual([0, 0]);
    for (const t of ['flows', 'events', 'incidents'] as const) expect(ndjsonRows(join(many, `${t}.ndjson`)), t).toEqual(ndjsonRows(join(one, `${t}.ndjson`)));
    expect(ndjsonRows(join(many, 'flows.ndjson')).length).toBeGreaterThan(1);
  });

  it('exports a capture damaged part-way (exit 0), the damage in the capture table', async () => {
    const cut = fx('bad/pcapng-cut-short.pcapng');
    const out = join(tmp, 'cut');
    const [e, a] = await Promise.all([run(['export', cut, '--out', out]), run(['analyze', cut, '--json'])]);
    expect([e.code, a.code]).toEqual([0, 0]);
    const errors = (JSON.parse(a.stdout) as AnalysisJson).capture.errors;
    expect(errors.length).toBeGreaterThan(0);
    expect(await query(`SELECT file, errors FROM ${sql(join(out, 'capture.parquet'))}`)).toEqual([{ file: cut, errors: errors.map((x) => `frame ${x.frame} offset ${x.offset}: ${x.message}`) }]);
  });

  it('prints its usage for --help and -h', async () => {
    for (const h of ['--help', '-h']) {
      const r = await run(['export', h]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: stateline export FILE/);
      expect(r.stdout).toMatch(/--tables LIST/);
    }
    expect((await run(['--help'])).stdout).toMatch(/stateline export FILE/);
  });

  it('refuses bad arguments with exit 2 and a clear message; an unreadable capture or a table that cannot be written exits 1', async () => {
    const out = join(tmp, 'bad');
    const cases: [string[], RegExp][] = [
      [['export', file, '--out', out, '--format', 'csv'], /unknown format csv \(use parquet or ndjson\)/],
      [['export', file, '--out', out, '--tables', 'flows,sessions'], /unknown table sessions in --tables/],
      [['export', file], /export needs --out DIR/],
      [['export', '--out', out], /export needs a capture file/],
      [['export', file, '--out'], /--out needs a value/],
      [['export', file, '--out', out, '--fast'], /unknown option --fast/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    // an --out that cannot be a directory: a file, and a path through a file
    const aFile = join(tmp, 'a-file');
    writeFileSync(aFile, 'x');
    for (const o of [aFile, join(aFile, 'sub')]) {
      const r = await run(['export', file, '--out', o]);
      expect(r.code, o).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--out ${o.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a directory`));
    }
    // a table that cannot be written (a directory in its place): exit 1, the other tables kept, no partial file left
    const blocked = join(tmp, 'blocked');
    mkdirSync(join(blocked, 'events.parquet', 'x'), { recursive: true });
    for (const format of ['parquet', 'ndjson']) {
      if (format === 'ndjson') mkdirSync(join(blocked, 'events.ndjson.partial'), { recursive: true });
      const r = await run(['export', file, '--out', blocked, '--format', format]);
      expect(r.code, format).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^stateline: cannot write .*events\\.${format}: `));
      expect(existsSync(join(blocked, `flows.${format}`))).toBe(true);
    }
    expect(existsSync(join(blocked, 'events.parquet.partial'))).toBe(false);
    const missing = await run(['export', join(tmp, 'no-such.pcap'), '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*no-such\.pcap/);
    const junk = await run(['export', fx('bad/not-a-capture.pcap'), '--out', out]);
    expect(junk.code).toBe(1);
  });
});

describe('stateline export: tables larger than a row group', () => {
  it('writes them in several row groups, every row once, in order', async () => {
    const n = 60_000; // above the 50,000 rows of a row group
    const file = join(tmp, 'scan.pcap');
    writeFileSync(file, oneFlowPerPacket(n, 'udp'));
    const out = join(tmp, 'scan');
    const [p, j] = await Promise.all([
      run(['export', file, '--out', out, '--tables', 'flows,packets']),
      run(['export', file, '--out', out, '--tables', 'flows', '--format', 'ndjson']),
    ]);
    expect([p.code, j.code, p.stderr, j.stderr]).toEqual([0, 0, '', '']);
    for (const t of ['flows', 'packets']) {
      const [g] = await query(`SELECT count(DISTINCT row_group_id) AS groups, max(row_group_num_rows) AS most FROM parquet_metadata(${sql(join(out, `${t}.parquet`))})`);
      expect(g.groups, t).toBeGreaterThanOrEqual(2);
      expect(g.most as number, t).toBeLessThan(n);
    }
    const [f] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS s, sum(bytes) AS bytes, min(firstFrame) AS first, max(lastFrame) AS last FROM ${sql(join(out, 'flows.parquet'))}`);
    expect(f).toEqual({ n, ids: n, s: (n * (n + 1)) / 2, bytes: n * 42, first: 1, last: n });
    // row order is kept across the groups: frame k is row k, flow k its packet's
    const [pk] = await query(`SELECT count(*) AS n, bool_and(frame = rn AND flow = rn) AS ordered FROM (SELECT frame, flow, row_number() OVER () AS rn FROM ${sql(join(out, 'packets.parquet'))})`);
    expect(pk).toEqual({ n, ordered: true });
    expect(ndjsonRows(join(out, 'flows.ndjson')).length).toBe(n);
  });
});

describe('the schema', () => {
  it("is the README's, section for section", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const m = /<!-- export-schema:begin[^>]*-->\n([\s\S]*?)<!-- export-schema:end -->/.exec(readme);
    expect(m, 'README.md has the export schema between its markers').not.toBeNull();
    expect(m![1]).toBe(schemaMarkdown());
  });
});

// `stateline check` and `stateline analyze --fail-on` as CI runs them: the real bin, the
// project's fixtures against their committed expectation files (so `npm test` runs
// `stateline check fixtures/`), --update writing the same bytes again, an edited
// expectation failing with its line, JUnit XML and GitHub annotations, exit statuses.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'stateline.mjs');
const fx = (name: string) => join(root, 'fixtures', name);

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    // GITHUB_ACTIONS off unless a test sets it: the suite itself may run in Actions
    execFile(process.execPath, [bin, ...args], { cwd: root, maxBuffer: 1 << 26, env: { ...process.env, GITHUB_ACTIONS: '', ...env } }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A temporary directory holding copies of fixtures (and their expectation files). */
function scratch(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'stateline-check-'));
  for (const n of names) copyFileSync(fx(n), join(dir, n.split('/').pop()!));
  return dir;
}

describe('stateline check', () => {
  it('every fixture holds against its committed expectation file (stateline check fixtures/)', async () => {
    const r = await run(['check', 'fixtures/']);
    expect(r.stderr).toBe('');
    const summary = r.stdout.trim().split('\n').pop()!;
    expect(summary).toMatch(/^\d+ captures checked, \d+ expectations: \d+ passed, 0 failed; 0 without an expectation file \(/);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.code).toBe(0);
    const n = Number(/^(\d+) captures/.exec(summary)![1]);
    expect(n).toBeGreaterThanOrEqual(70);
    expect(r.stdout.match(/^PASS /gm)).toHaveLength(n);
  });

  it('--update on an unchanged capture writes the committed file byte for byte, and again the same', async () => {
    for (const name of ['incidents/server-restart.pcap', 'quic/ngtcp2-resumption-0rtt.pcap', 'bad/not-a-capture.pcap']) {
      const dir = scratch(name, `${name}.expect.yaml`, ...(name.startsWith('quic/') ? [name.replace('.pcap', '.keylog.txt')] : []));
      const base = name.split('/').pop()!;
      const expect1 = join(dir, `${base}.expect.yaml`);
      const committed = readFileSync(expect1, 'utf8');
      const r1 = await run(['check', join(dir, base), '--update']);
      expect(r1.stdout).toBe(`unchanged ${expect1}\n`);
      expect(readFileSync(expect1, 'utf8')).toBe(committed);
      // from nothing (the key log given once, then kept from the file): the same bytes
      const fresh = join(dir, 'fresh.expect.yaml');
      const keylog = name.startsWith('quic/') ? ['--keylog', join(dir, base.replace('.pcap', '.keylog.txt'))] : [];
      await run(['check', join(dir, base), '--expect', fresh, '--update', ...keylog]);
      await run(['check', join(dir, base), '--expect', fresh, '--update']);
      expect(readFileSync(fresh, 'utf8')).toBe(committed);
    }
  });

  it('an edited expectation fails: exit 3, each failure with its line, expected and found; JUnit and ::error too', async () => {
    const dir = scratch('sample.pcapng', 'sample.pcapng.expect.yaml');
    const file = join(dir, 'sample.pcapng.expect.yaml');
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('flow: tcp 10.77.0.1 -> 10.77.0.2:8082'));
    expect(lines[at + 1]).toBe('    connState: RSTR');
    lines[at + 1] = '    connState: SF';
    writeFileSync(file, lines.join('\n'));
    const junit = join(dir, 'out.xml');
    const r = await run(['check', join(dir, 'sample.pcapng'), '--junit', junit], { GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`  ✗ flow tcp 10.77.0.1 -> 10.77.0.2:8082 (${file}:${at + 1})\n      connState: expected SF, found RSTR\n`);
    expect(r.stdout).toMatch(/^FAIL .*sample\.pcapng: 1 of \d+ expectations failed$/m);
    expect(r.stdout).toContain(`::error file=${file.replace(/:/g, '%3A')},line=${at + 1},title=stateline check ${join(dir, 'sample.pcapng').replace(/:/g, '%3A')}::flow tcp 10.77.0.1 -> 10.77.0.2:8082: connState: expected SF, found RSTR\n`);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="stateline check" tests="(\d+)" failures="1" errors="0">/);
    expect(xml).toContain(`<testcase classname="${join(dir, 'sample.pcapng')}" name="flow tcp 10.77.0.1 -&gt; 10.77.0.2:8082" file="${file}" line="${at + 1}"><failure message="connState: expected SF">connState: expected SF, found RSTR</failure></testcase>`);
  });

  it('a directory: one line per capture, a summary, exit 3 when one failed; orphans and unreadables count as failures', async () => {
    const dir = scratch('tcp/tcp-refused.pcap', 'tcp/tcp-refused.pcap.expect.yaml', 'tcp/tcp-unanswered.pcap', 'tcp/tcp-unanswered.pcap.expect.yaml', 'tcp/tcp-midstream.pcap');
    // tcp-unanswered's expectations held against tcp-refused's capture
    copyFileSync(fx('tcp/tcp-unanswered.pcap.expect.yaml'), join(dir, 'tcp-refused.pcap.expect.yaml'));
    writeFileSync(join(dir, 'gone.pcap.expect.yaml'), 'counts:\n  dns: 0\n');
    const r = await run(['check', dir]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^FAIL .*tcp-refused\.pcap: \d+ of \d+ expectations failed$/m);
    expect(r.stdout).toMatch(/^ {6}tcp\.unanswered events: expected 1, found 0$/m);
    expect(r.stdout).toMatch(/^PASS .*tcp-unanswered\.pcap \(\d+ expectations\)$/m);
    expect(r.stdout).toMatch(/^FAIL .*gone\.pcap\n {2}✗ .*gone\.pcap\.expect\.yaml has no capture .*gone\.pcap beside it$/m);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^3 captures checked, \d+ expectations: 1 passed, 2 failed \(\d+ expectations\); 1 without an expectation file \(\d+\.\d s\)$/);
  });

  it('exit statuses: 2 on bad arguments or an unreadable EXPECT, 1 on a capture that cannot be read, 0 with --help', async () => {
    const dir = scratch('tcp/tcp-refused.pcap', 'bad/not-a-capture.pcap');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'flows:\n  - flow: tcp 10.0.0.1 -> 10.0.0.2:80\n    conState: SF\n');
    let r = await run(['check', join(dir, 'tcp-refused.pcap'), '--expect', bad]);
    expect([r.code, r.stderr]).toEqual([2, `stateline: ${bad}: expectations.flows[0].conState: unknown field (known: note, tolerance, flow, count, app, connState, history, duration)\n`]);
    r = await run(['check', join(dir, 'tcp-refused.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tcp-refused.pcap.expect.yaml: no such file (write it with --update)');
    r = await run(['check', join(dir, 'tcp-refused.pcap'), '--junit']);
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([2, 'stateline: --junit needs a value']);
    writeFileSync(join(dir, 'e.yaml'), 'counts:\n  dns: 0\n');
    r = await run(['check', join(dir, 'not-a-capture.pcap'), '--expect', join(dir, 'e.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^stateline: .*not-a-capture\.pcap: .+\n$/);
    r = await run(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: stateline check FILE --expect EXPECT/);
    // JSON expectations are read as well
    writeFileSync(join(dir, 'e.json'), JSON.stringify({ flows: [{ flow: 'tcp 10.81.0.1 -> 10.81.0.2:8081', connState: 'REJ', note: 'refused' }] }));
    r = await run(['check', join(dir, 'tcp-refused.pcap'), '--expect', join(dir, 'e.json')]);
    expect([r.code, r.stdout.trim()]).toEqual([0, `PASS ${join(dir, 'tcp-refused.pcap')} (1 expectation)`]);
  });
});

describe('stateline analyze --fail-on', () => {
  it('exits 3 after printing as usual when a matching event is present, 0 when none, 2 on a bad value', async () => {
    let r = await run(['analyze', fx('tcp/tcp-refused.pcap'), '--json', '--fail-on', 'break']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).events[0].kind).toBe('tcp.refused');
    expect(r.stderr).toBe('stateline: --fail-on matched 1 × tcp.refused\n');
    r = await run(['analyze', fx('tcp-clean-close.pcap'), '--fail-on=warning']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('tcp-clean-close.pcap');
    r = await run(['analyze', fx('sample.pcapng'), '--fail-on', 'tcp.retransmission,dns.error']);
    expect([r.code, r.stderr]).toEqual([3, 'stateline: --fail-on matched 1 × dns.error\n']);
    r = await run(['analyze', fx('sample.pcapng'), '--fail-on', 'fatal']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('stateline: unknown --fail-on value "fatal": use break, warning, info or an event or incident kind such as tcp.refused or incident.server-lost-state');
  });
});

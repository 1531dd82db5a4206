// `--help`/`-h` and `--version` on every command of the real bin (issue 15: they were
// "unknown option"): each command prints its own usage and exits 0 without reading a
// file; `--version` prints package.json's version; a bad option still exits 2.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin', 'stateline.mjs');
const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [bin, ...args], (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('stateline --help, -h and --version', () => {
  it('analyze: its own usage for --help and -h, without a file', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run(['analyze', flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: stateline analyze FILE\|DIR\|FILE… /);
      expect(r.stdout).toContain('--keylog FILE');
      expect(r.stdout).not.toContain('stateline serve');
      expect(r.stderr).toBe('');
    }
    // after other arguments too, and a file that does not exist is not read
    const r = await run(['analyze', '/nonexistent.pcap', '--json', '-h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: stateline analyze /);
  });

  it('packets: its own usage', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run(['packets', flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: stateline packets FILE /);
      expect(r.stdout).not.toContain('stateline analyze FILE');
    }
  });

  it('serve: its own usage, and no server started', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run(['serve', flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: stateline serve /);
      expect(r.stdout).toContain('--max-upload');
      expect(r.stdout).not.toContain('serving on');
    }
  });

  it('--version on its own and after every command', async () => {
    for (const args of [['--version'], ['analyze', '--version'], ['packets', '--version'], ['serve', '--version']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toBe(`stateline ${VERSION}\n`);
    }
  });

  it('the whole usage for stateline --help, and exit 2 for a bad option still', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['analyze', 'packets', 'serve']) expect(r.stdout).toContain(`stateline ${cmd} `);
    expect(r.stdout).toContain('stateline --version');
    const bad = await run(['analyze', '--no-such-option', 'x.pcap']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown option --no-such-option');
  });
});

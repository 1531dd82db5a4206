// Start the real `stateline serve` (bin/stateline.mjs) on a free port for browser tests
// and the benchmark; resolves with the URL it prints (with its token: opening it sets the
// session cookie, so the page's own API calls are authorized).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.STATELINE_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ServeProcess {
  /** http://127.0.0.1:PORT/?token=TOKEN, as printed. */
  url: string;
  /** http://127.0.0.1:PORT/ */
  base: string;
  token: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startServe(args: string[] = [], timeoutMs = 120_000): Promise<ServeProcess> {
  // STATELINE_SERVE_NODE_ARGS: options for the server's node, for profiling it under the
  // browser benches (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"; NODE_OPTIONS refuses --cpu-prof)
  const nodeArgs = (process.env.STATELINE_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'stateline.mjs'), 'serve', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`stateline serve did not start in time:\n${out}\n${err}`)), timeoutMs);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving on ((http:\/\/127\.0\.0\.1:\d+\/)\?token=(\S+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({
          url: m[1],
          base: m[2],
          token: m[3],
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`stateline serve exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** Say once per file that the browser tests skip, and why. */
export function warnIfNoChromium(): void {
  if (!HAVE_CHROMIUM) console.warn(`\n[e2e] SKIPPED: ${CHROMIUM} is absent (apt-get install -y chromium, or set STATELINE_CHROMIUM)\n`);
}

/** A real `stateline serve` with `args`, and a Chromium page of the given size, for one test file. */
export async function openApp(args: string[], viewport: { width: number; height: number }): Promise<{ serve: ServeProcess; browser: Browser; page: Page }> {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const serve = await startServe(args);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport });
  return { serve, browser, page };
}

// The set-up every browser test file shares, in one place: inside a `describe`,
// `useApp(args, viewport)` starts a real `stateline serve` with `args` and a Chromium
// page of that size before the file's tests (beforeAll), collects what the page logs as
// errors, and closes both after them (afterAll).
//
// The page, the server and the browser exist only once the set-up has run, but tests are
// declared before it; so the handle's `page`, `serve` and `browser` stand for them: each
// property read goes to the object the set-up made (and throws a clear error before it).
// Test bodies then read as they would with their own variables: `page.goto(serve.url)`.
// Kept apart from serve.ts, which the benchmark (not a vitest run) imports too.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { openApp, type ServeProcess } from './serve';

export interface App {
  serve: ServeProcess;
  browser: Browser;
  page: Page;
  /** Console errors and uncaught page errors, in order. */
  errors: string[];
  /** Load the app's URL and wait for the capture's summary (the Overview is on screen). */
  openCapture(timeoutMs?: number): Promise<void>;
}

export interface UseAppOptions {
  /** A folder the file writes screenshots to, made in the set-up if absent. */
  shots?: string;
  /** The page's default timeout for actions and waits (Playwright's default is 30 s). */
  timeout?: number;
  /** Load the app's URL once in the set-up (for files whose tests start from it). */
  goto?: boolean;
  /** Console errors that the file expects (e.g. the 400 of a rejected filter), not collected. */
  expected?: RegExp;
  /** A prefix for each collected error (e.g. the capture open at that moment). */
  label?: () => string;
  /** Run after the app is closed (remove generated captures). */
  cleanup?: () => void;
}

/** Stands for the object `get` returns once the set-up has made it. */
function late<T extends object>(name: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = get();
      if (!target) throw new Error(`e2e: ${name} is used before useApp's set-up ran (only inside tests and hooks)`);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Serve `args` (or what the function gives, computed in the set-up) to a page of `viewport`. */
export function useApp(args: string[] | (() => string[] | Promise<string[]>), viewport: { width: number; height: number }, opts: UseAppOptions = {}): App {
  let made: { serve: ServeProcess; browser: Browser; page: Page } | undefined;
  const errors: string[] = [];
  const note = (text: string): void => {
    if (opts.expected?.test(text)) return;
    errors.push(opts.label ? `${opts.label()}: ${text}` : text);
  };
  const page = late('page', () => made?.page);
  const serve = late('serve', () => made?.serve);
  beforeAll(async () => {
    if (opts.shots) mkdirSync(opts.shots, { recursive: true });
    made = await openApp(typeof args === 'function' ? await args() : args, viewport);
    if (opts.timeout) made.page.setDefaultTimeout(opts.timeout);
    made.page.on('console', (m) => m.type() === 'error' && note(m.text()));
    made.page.on('pageerror', (e) => note(String(e)));
    if (opts.goto) await made.page.goto(made.serve.url);
  }, 180_000);
  afterAll(async () => {
    await made?.browser.close();
    await made?.serve.stop();
    opts.cleanup?.();
  });
  return {
    page,
    serve,
    browser: late('browser', () => made?.browser),
    errors,
    async openCapture(timeoutMs = 60_000) {
      await page.goto(serve.url);
      await page.getByTestId('capture-summary').waitFor({ timeout: timeoutMs });
    },
  };
}

// Electron's IPC handlers, the app:// protocol, the analysis worker (its restart and its
// memory limit) and the packaging config, called directly — no Electron needed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { API_METHODS, type SessionStatus, type Summary } from '../../analysis/api';
import { StatelineSession } from '../../analysis/session';
import { appFile, appResponse, RENDERER_URL } from '../../electron/app-protocol';
import { createCallHandler, createMethodsHandler, isTrustedSender, pathsFromArgv, UntrustedSenderError } from '../../electron/ipc';
import { AnalysisWorker, MAX_CRASHES, WorkerCrashedError } from '../../electron/worker-host';
import { oneFlowPerPacket } from '../analysis/many-flows';

const ROOT = join(__dirname, '../..');
const SAMPLE = join(ROOT, 'fixtures', 'sample.pcapng');
const RENDERER = RENDERER_URL;
const ours = { senderFrame: { url: RENDERER, parent: null } };

describe('IPC handlers', () => {
  const session = new StatelineSession({});
  const calls: string[] = [];
  const handler = createCallHandler({ call: (m, a) => (session[m] as (x: unknown) => Promise<unknown>).call(session, a), rendererUrl: RENDERER, onCall: (m) => calls.push(m) });

  it('answer our renderer', async () => {
    const st = (await handler(ours, 'status', {})) as SessionStatus;
    expect(st.state).toBe('empty');
    expect(calls).toEqual(['status']);
    expect(await handler(ours, 'flows', { limit: 5 })).toEqual({ total: 0, offset: 0, rows: [] });
  });

  it('refuse other senders', async () => {
    for (const ev of [
      { senderFrame: { url: 'https://evil.example/index.html', parent: null } },
      { senderFrame: { url: pathToFileURL('/tmp/other.html').href, parent: null } },
      { senderFrame: { url: RENDERER, parent: {} } },
      { senderFrame: null },
      {},
    ])
      await expect(handler(ev, 'status', {})).rejects.toBeInstanceOf(UntrustedSenderError);
  });

  it('validate method and arguments before forwarding', async () => {
    const before = calls.length;
    await expect(handler(ours, 'constructor', {})).rejects.toThrow(/unknown method/);
    await expect(handler(ours, '__proto__', {})).rejects.toThrow(/unknown method/);
    await expect(handler(ours, 'flows', { limit: 'x' })).rejects.toThrow(/flows.limit/);
    await expect(handler(ours, 'openPath', { path: 42 })).rejects.toThrow(/openPath.path/);
    await expect(handler(ours, 'flow', [1])).rejects.toThrow(/object/);
    expect(calls.length).toBe(before);
  });

  it('give the preload the method list only when it is ours', () => {
    const h = createMethodsHandler(RENDERER);
    const ev: { senderFrame: { url: string; parent: null }; returnValue?: unknown } = { ...ours };
    h(ev);
    expect(ev.returnValue).toEqual(API_METHODS);
    const bad: { senderFrame: { url: string; parent: null }; returnValue?: unknown } = { senderFrame: { url: 'http://x/', parent: null } };
    h(bad);
    expect(bad.returnValue).toEqual([]);
  });

  it('isTrustedSender compares the whole app:// URL', () => {
    expect(RENDERER).toBe('app://stateline/index.html');
    expect(isTrustedSender(ours, RENDERER)).toBe(true);
    expect(isTrustedSender({ senderFrame: { url: RENDERER + '?x=1', parent: null } }, RENDERER)).toBe(true);
    expect(isTrustedSender({ senderFrame: { url: 'not a url', parent: null } }, RENDERER)).toBe(false);
    // The same page through file:// is not ours any more, nor another app:// host.
    expect(isTrustedSender({ senderFrame: { url: pathToFileURL(join(ROOT, 'dist', 'renderer', 'index.html')).href, parent: null } }, RENDERER)).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'app://other/index.html', parent: null } }, RENDERER)).toBe(false);
  });

  it('finds capture paths on a command line', () => {
    const exists = (p: string): boolean => p === 'a.pcap' || p === 'electron/main.mjs';
    expect(pathsFromArgv(['electron', 'electron/main.mjs', '--inspect', 'a.pcap', 'missing.pcap'], exists)).toEqual(['a.pcap']);
    expect(pathsFromArgv(['/opt/Stateline/stateline', 'a.pcap'], exists)).toEqual(['a.pcap']);
  });
});

describe('the app:// protocol', () => {
  const root = mkdtempSync(join(tmpdir(), 'stateline-app-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'main.js'), 'export {}');
  writeFileSync(join(root, '..', 'secret.txt'), 'not for the renderer');

  it('maps app://stateline/ paths into the renderer folder only', () => {
    expect(appFile('app://stateline/index.html', root)).toBe(join(root, 'index.html'));
    expect(appFile('app://stateline/', root)).toBe(join(root, 'index.html'));
    expect(appFile('app://stateline/assets/main.js?v=1', root)).toBe(join(root, 'assets', 'main.js'));
    // A URL's own dot segments are resolved inside it: still under the root.
    for (const inside of ['app://stateline/../secret.txt', 'app://stateline/%2e%2e/secret.txt']) expect(appFile(inside, root)).toBe(join(root, 'secret.txt'));
    // Encoded slashes are decoded after that: such a path would leave the root.
    for (const bad of ['app://stateline/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 'app://stateline/%00', 'app://stateline/%E0%A4%A', 'app://evil/index.html', 'file:///etc/passwd', 'https://stateline/index.html'])
      expect(appFile(bad, root), bad).toBeNull();
  });

  it('answers files with their type, and 404 for anything else', async () => {
    const r = await appResponse('app://stateline/assets/main.js', root);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await r.text()).toBe('export {}');
    for (const bad of ['app://stateline/missing.js', 'app://stateline/assets', 'app://stateline/..%2fsecret.txt']) expect((await appResponse(bad, root)).status, bad).toBe(404);
  });
});

describe('packaging (package.json build, for electron-builder)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const build = pkg.build as { files: string[]; electronFuses: Record<string, boolean> };

  /** A glob of build.files ("dir/**", "**" + "/*.test.ts", a plain path) as a RegExp on a relative path. */
  const globRe = (g: string): RegExp => {
    const parts = g.split(/(\*\*\/|\*\*|\*)/).map((p) => (p === '**/' ? '(?:.*/)?' : p === '**' ? '.*' : p === '*' ? '[^/]*' : p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')));
    return new RegExp(`^${parts.join('')}$`);
  };
  const packaged = (rel: string): boolean => {
    let inside = false;
    for (const g of build.files) {
      if (g.startsWith('!')) inside &&= !globRe(g.slice(1)).test(rel);
      else inside ||= globRe(g).test(rel);
    }
    return inside;
  };
  /** Every file the entry files import, transitively (relative specifiers), and the packages named. */
  function importGraph(entries: string[]): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>(), packages = new Set<string>();
    const todo = [...entries];
    while (todo.length) {
      const file = todo.pop()!;
      if (files.has(file)) continue;
      files.add(file);
      const text = readFileSync(file, 'utf8');
      const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
      for (const m of text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
      for (const spec of specs) {
        // an esbuild bundle (bin/bundle.mjs) is written at run time from the sources the
        // same entry imports when no bundle can be made: those sources are the graph
        if (spec.endsWith('.bundle.mjs')) continue;
        if (spec.startsWith('.')) {
          const base = resolve(dirname(file), spec);
          const found = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}.tsx`, `${base}.mjs`, join(base, 'index.ts')].find((p) => existsSync(p) && !p.endsWith('/'));
          expect(found, `${relative(ROOT, file)} imports ${spec}`).toBeDefined();
          todo.push(found!);
        } else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
    return { files, packages };
  }

  it("packs every file the worker, main and the preload import, and their packages as dependencies", () => {
    const entries = ['electron/analysis-worker.mjs', 'electron/main.mjs', 'electron/preload.cjs'].map((e) => join(ROOT, e));
    const { files, packages } = importGraph(entries);
    const rels = [...files].map((f) => relative(ROOT, f));
    // The worker's graph reaches the analysis, the parsers and the Node host.
    for (const dir of ['analysis/', 'parsers/', 'host/', 'electron/']) expect(rels.some((r) => r.startsWith(dir)), dir).toBe(true);
    expect(rels.filter((r) => !packaged(r))).toEqual([]);
    const deps = Object.keys(pkg.dependencies);
    expect([...packages].filter((p) => p !== 'electron' && !deps.includes(p))).toEqual([]);
    // The check itself: a file outside the list is caught.
    expect(packaged('cli/main.ts')).toBe(false);
    expect(packaged('analysis/query.test.ts')).toBe(false);
  });

  it('sets the fuses: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect, the app only from its checked asar, file:// without extra privileges', () => {
    expect(build.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('the worker host when the worker dies', () => {
  const script = pathToFileURL(join(__dirname, '../renderer/dying-worker.mjs'));

  it('fails the calls it had not answered with a clear error, and starts a new worker for the next', async () => {
    const crashes: string[] = [];
    const recent: string[][] = [];
    const w = new AnalysisWorker({ samplePath: null, recent: ['/a.pcap'] }, (l) => recent.push(l), { script, onCrash: (e) => crashes.push(e.message) });
    try {
      const first = (await w.call('status', {})) as { started: number; recent: string[] };
      expect(first.recent).toEqual(['/a.pcap']);
      const listing = w.call('recentFiles', {}); // never answered, but reports a new list
      while (recent.length === 0) await new Promise((r) => setTimeout(r, 10));
      const waiting = w.call('flows', {}); // never answered by this worker
      const dying = w.call('summary', {}); // this one makes it exit
      await expect(dying).rejects.toThrow(new WorkerCrashedError('the analysis worker failed (it exited with code 3) before answering summary; a new one has started: open the capture again'));
      await expect(waiting).rejects.toBeInstanceOf(WorkerCrashedError);
      await expect(listing).rejects.toBeInstanceOf(WorkerCrashedError);
      expect(crashes).toEqual(['the analysis worker failed (it exited with code 3)']);
      const second = (await w.call('status', {})) as { started: number; recent: string[] };
      expect(second.started).not.toBe(first.started);
      // The new worker starts with the recent files the last one reported.
      expect(second.recent).toEqual(['/from/the/worker.pcap']);
    } finally {
      await w.terminate();
    }
  }, 30_000);

  it(`stops restarting after ${MAX_CRASHES + 1} crashes within a minute`, async () => {
    const w = new AnalysisWorker({ samplePath: null, recent: [] }, () => {}, { script });
    try {
      for (let i = 0; i <= MAX_CRASHES; i++) await expect(w.call('summary', {})).rejects.toBeInstanceOf(WorkerCrashedError);
      await expect(w.call('status', {})).rejects.toThrow(/failed 4 times within a minute and was not restarted: restart Stateline/);
    } finally {
      await w.terminate();
    }
  }, 30_000);

  it('caps the worker heap: a capture too big for the limit ends the worker, not the app', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'stateline-oom-')), 'flows.pcap');
    writeFileSync(file, oneFlowPerPacket(400_000, 'udp'));
    const crashes: string[] = [];
    const w = new AnalysisWorker({ samplePath: null, recent: [] }, () => {}, { maxHeapMb: 64, onCrash: (e) => crashes.push(e.message) });
    try {
      expect(((await w.call('openPath', { path: file })) as SessionStatus).state).toBe('loading');
      // the crash shows as a failed call when one was waiting for an answer, and always
      // through onCrash (a status poll may fall between the crash and the restart)
      let failure: Error | null = null;
      for (let i = 0; i < 600 && !failure && crashes.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        failure = await w.call('status', {}).then(() => null, (e: Error) => e);
      }
      if (failure) expect(failure).toBeInstanceOf(WorkerCrashedError);
      expect(crashes).toEqual(['the analysis worker ran out of memory (its limit is 64 MiB)']);
      expect(((await w.call('status', {})) as SessionStatus).state).toBe('empty');
    } finally {
      await w.terminate();
    }
  }, 60_000);
});

describe('the analysis worker thread', () => {
  const worker = new AnalysisWorker({ samplePath: SAMPLE, recent: [] });
  afterAll(() => worker.terminate());

  it('opens the sample off the main thread and answers queries', async () => {
    await worker.call('openSample', {});
    let st: SessionStatus;
    do {
      await new Promise((r) => setTimeout(r, 20));
      st = (await worker.call('status', {})) as SessionStatus;
    } while (st.state === 'loading');
    expect(st.state).toBe('ready');
    const sum = (await worker.call('summary', {})) as Summary;
    expect(sum.name).toBe('sample.pcapng');
    expect(sum.capture.packets).toBeGreaterThan(0);
    await expect(worker.call('flow', { id: 'x' })).rejects.toThrow(/flow.id/);
  }, 30_000);
});

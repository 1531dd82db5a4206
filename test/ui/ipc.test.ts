// Electron's IPC handlers and the analysis worker, called directly — no Electron needed.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { API_METHODS, type SessionStatus, type Summary } from '../../analysis/api';
import { StatelineSession } from '../../analysis/session';
import { createCallHandler, createMethodsHandler, isTrustedSender, pathsFromArgv, UntrustedSenderError } from '../../electron/ipc';
import { AnalysisWorker } from '../../electron/worker-host';

const ROOT = join(__dirname, '..', '..');
const SAMPLE = join(ROOT, 'fixtures', 'sample.pcapng');
const RENDERER = pathToFileURL(join(ROOT, 'dist', 'renderer', 'index.html')).href;
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

  it('isTrustedSender compares the whole file URL', () => {
    expect(isTrustedSender(ours, RENDERER)).toBe(true);
    expect(isTrustedSender({ senderFrame: { url: RENDERER + '?x=1', parent: null } }, RENDERER)).toBe(true);
    expect(isTrustedSender({ senderFrame: { url: 'not a url', parent: null } }, RENDERER)).toBe(false);
  });

  it('finds capture paths on a command line', () => {
    const exists = (p: string): boolean => p === 'a.pcap' || p === 'electron/main.mjs';
    expect(pathsFromArgv(['electron', 'electron/main.mjs', '--inspect', 'a.pcap', 'missing.pcap'], exists)).toEqual(['a.pcap']);
    expect(pathsFromArgv(['/opt/Stateline/stateline', 'a.pcap'], exists)).toEqual(['a.pcap']);
  });
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

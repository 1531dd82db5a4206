// The TCP worker thread (host/tcp-remote, issue 16), through the CLI's shared analysis
// entry (cli/capture analyzeFile): the JSON of two threads equals one thread's for a
// file, a gzip file, a capture set, a damaged file and bytes in memory; cancelling stops
// the worker; a worker that fails fails the analysis with its reason.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { jsonText } from '../../analysis/output';
import { CaptureCancelledError } from '../../parsers/capture/index';
import { analyzeFile } from '../../cli/capture';
import { listCaptureSet, nodeFileHost } from '../../host/file-source';
import { StatelineSession } from '../../analysis/session';
import { defaultThreads, tcpWorker } from '../../host/tcp-remote';
import { fileChunks } from '../../host/file-source';

const fx = (name: string) => join(resolve(__dirname, '../..'), 'fixtures', name);
const text = (a: Parameters<typeof jsonText>[0]) => [...jsonText(a)].join('');

describe('the TCP worker thread', () => {
  it('gives the JSON of one thread: a file, gzip, a capture set, a damaged file', async () => {
    const set = await listCaptureSet([fx('tcp-clean-close.pcap'), fx('dns-udp-tcp.pcap')]);
    for (const files of [fx('fidelity/lossy-client-side.pcap'), fx('bad/gzip-of-pcap.pcap.gz'), fx('bad/pcapng-cut-short.pcapng'), set]) {
      const one = text(await analyzeFile(files, {}, 1));
      const two = text(await analyzeFile(files, {}, 2));
      expect(JSON.parse(one).flows.length, String(files)).toBeGreaterThan(0);
      expect(two === one, String(files)).toBe(true);
    }
    expect(JSON.parse(text(await analyzeFile(fx('bad/pcapng-cut-short.pcapng'), {}, 2))).capture.errors.length).toBeGreaterThan(0);
  }, 60_000);

  it('a file that is no capture fails as with one thread', async () => {
    const why = (threads: number) => analyzeFile(fx('bad/not-a-capture.pcap'), {}, threads).then(() => 'read', (e: Error) => e.message);
    const one = await why(1);
    expect(one).not.toBe('read');
    expect(await why(2)).toBe(one);
  });

  it('cancelling stops the analysis, the worker with it', async () => {
    const file = fx('fidelity/lossy-client-side.pcap');
    const ac = new AbortController();
    let stopped: Error | null = null;
    const remote = tcpWorker();
    const run = analyzeCapture(fileChunks(file, 64), {
      signal: ac.signal,
      remoteTcp: (req, signal) => {
        const r = remote(req, signal);
        // (after the worker's own listener: its result is settled by then)
        signal.addEventListener('abort', () => void r.end().catch((e: Error) => (stopped = e)));
        return r;
      },
      onProgress: (p) => {
        if (p.bytesRead > 2000) ac.abort();
      },
      totalBytes: statSync(file).size,
    });
    await expect(run).rejects.toBeInstanceOf(CaptureCancelledError);
    await new Promise((ok) => setTimeout(ok, 50));
    expect(stopped).not.toBeNull();
    expect((stopped as Error | null)?.message).toMatch(/stopped/);
  });

  it('a worker that fails fails the analysis with its reason', async () => {
    // batches whose flows are withheld: the worker cannot attach the first segment
    const remote = tcpWorker();
    const run = analyzeCapture(fileChunks(fx('tcp-clean-close.pcap')), {
      remoteTcp: (req, signal) => {
        const r = remote(req, signal);
        return { send: (b) => r.send({ ...b, flows: new Float64Array(0) }), end: () => r.end() };
      },
    });
    await expect(run).rejects.toThrow(/the TCP worker failed: a TCP segment of flow 1, a flow not announced before it/);
  });

  it('stateline serve\'s session: a file opened by path gives the same summary, flows and events with the worker', async () => {
    const file = fx('fidelity/lossy-client-side.pcap');
    const views = [];
    let asked = 0;
    for (const on of [false, true]) {
      const s = new StatelineSession(nodeFileHost(null, [], undefined, { tcpWorker: () => (asked++, on) }));
      await s.openPath({ path: file });
      await s.whenSettled();
      expect((await s.status()).state).toBe('ready');
      views.push(JSON.stringify([await s.summary(), await s.flows(), await s.events()]));
    }
    expect(views[0].length).toBeGreaterThan(1000);
    expect(views[1] === views[0]).toBe(true);
    expect(asked).toBe(2); // asked at each open, not once for the server's life
  });

  it('two threads by default only where three cores are free (one thread keeps ~1.3 busy)', () => {
    expect(defaultThreads(1, 0)).toBe(1);
    expect(defaultThreads(2, 0)).toBe(1); // two cores, idle: one thread already keeps ~1.3 busy
    expect(defaultThreads(2, 3.5)).toBe(1); // the shared machine
    expect(defaultThreads(4, 0.5)).toBe(2);
    expect(defaultThreads(4, 1.5)).toBe(1);
    expect(defaultThreads(8, 5)).toBe(2);
    expect(defaultThreads(8, 5.5)).toBe(1);
  });

  it('bytes in memory (read once, no file for a second reading) give the JSON of one thread', async () => {
    const bytes = new Uint8Array(readFileSync(fx('fidelity/stale-server-port-reuse.pcap')));
    const one = text(await analyzeCapture(bytes));
    const two = text(await analyzeCapture(bytes, { remoteTcp: tcpWorker() }));
    expect(JSON.parse(one).events.length).toBeGreaterThan(0);
    expect(two === one).toBe(true);
  });
});

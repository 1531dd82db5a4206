// Display filters through the session and its API (what the UI calls): packets({filter})
// re-reads a capture opened by path through the host and pages the matching frames,
// with or without a flow; the matches are cached per filter text; a bad filter is
// rejected with its position; checkFilter and filterFields answer the filter box; an
// uploaded capture is refused with a clear message; a pass can be cancelled.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiArgumentError, checkCall } from '../../../analysis/api';
import { StatelineSession } from '../../../analysis/session';
import { nodeFileHost } from '../../../host/file-source';

const root = resolve(__dirname, '../../..');
const fx = (name: string) => join(root, 'fixtures', name);

async function opened(file: string): Promise<{ s: StatelineSession; opens: () => number }> {
  const host = nodeFileHost(null);
  let n = 0;
  const openPath = host.openPath!;
  host.openPath = (p) => {
    n++;
    return openPath(p);
  };
  const s = new StatelineSession(host);
  await s.openPath({ path: file });
  await s.whenSettled();
  return { s, opens: () => n };
}

describe('display filters in the session', () => {
  it('packets({filter}) pages the matching frames of the capture, or of one flow; each filter text is read once', async () => {
    const { s, opens } = await opened(fx('tcp/tcp-loss-delay.pcap'));
    expect(opens()).toBe(1);
    const all = await s.packets({ limit: 1000 });
    expect(all.total).toBe(39);
    const page = await s.packets({ filter: 'tcp.analysis.retransmission', limit: 1000 });
    expect(opens()).toBe(2);
    expect(page.total).toBeGreaterThan(0);
    expect(page.rows).toEqual(all.rows.filter((r) => r.kinds.some((k) => /retransmission/.test(k))));
    // the same filter again, another page, and with a flow: no new pass
    const again = await s.packets({ filter: ' tcp.analysis.retransmission ', offset: 1, limit: 1 });
    expect(again).toEqual({ total: page.total, offset: 1, rows: page.rows.slice(1, 2) });
    const inFlow = await s.packets({ flow: 1, filter: 'tcp.analysis.retransmission' });
    expect(inFlow.rows).toEqual(page.rows.filter((r) => r.flow === 1));
    expect(opens()).toBe(2);
    // a filter that selects nothing, and the empty filter (every frame, no pass)
    expect((await s.packets({ filter: 'udp' })).total).toBe(0);
    expect((await s.packets({ filter: '' })).total).toBe(39);
    expect(opens()).toBe(3);
    expect(await s.filterProgress()).toBeNull();
  });

  it('a bad filter is an argument error with its position; checkFilter says why and where, as the user types', async () => {
    const { s } = await opened(fx('dns-udp-tcp.pcap'));
    await expect(s.packets({ filter: 'tcp.prot == 1' })).rejects.toThrow(new ApiArgumentError('filter: "tcp.prot" is not a valid field (column 1)'));
    expect(await s.checkFilter({ filter: 'dns && ip.src == 10.1' })).toEqual({ message: '"10.1" is not a valid IPv4 address (column 18)', start: 17, end: 21 });
    expect(await s.checkFilter({ filter: 'dns.flags.rcode == 3' })).toBeNull();
    const fields = await s.filterFields();
    expect(fields.map((f) => f.name)).toContain('tcp.analysis.retransmission');
    expect(fields.find((f) => f.name === 'ip.addr')).toEqual({ name: 'ip.addr', type: 'ipv4', description: 'IPv4 source or destination address' });
    // the API's argument checkers take the new arguments
    expect(checkCall('packets', { filter: 'tcp' })).toEqual({ filter: 'tcp' });
    expect(() => checkCall('checkFilter', {})).toThrow(ApiArgumentError);
  });

  it('a capture streamed in without a spool cannot be filtered: a clear error', async () => {
    const s = new StatelineSession(nodeFileHost(null));
    const bytes = new Uint8Array(readFileSync(fx('dns-udp-tcp.pcap')));
    s.openSource({ source: (async function* () { yield bytes; })(), size: bytes.length }, { name: 'up.pcap', size: bytes.length });
    await s.whenSettled();
    expect((await s.packets({})).total).toBe(20);
    await expect(s.packets({ filter: 'dns' })).rejects.toThrow(/cannot be read again/);
  });

  it('cancelFilter stops the pass in progress; the filter is read again when asked again', async () => {
    const host = nodeFileHost(null);
    const openPath = host.openPath!;
    let gate: (() => void) | null = null;
    // a source that waits before its first chunk, so that the pass is in progress when cancelled
    host.openPath = async (p) => {
      const src = await openPath(p);
      if (Array.isArray(src.source)) throw new Error('a single file was expected');
      const it = (src.source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      return {
        ...src,
        source: {
          [Symbol.asyncIterator]: () => ({
            next: async () => {
              if (gate === null) await new Promise<void>((r) => (gate = r));
              return it.next();
            },
            return: async () => (await it.return?.()) ?? { done: true as const, value: undefined },
          }),
        },
      };
    };
    const s = new StatelineSession(host);
    gate = () => undefined; // the first reading passes
    await s.openPath({ path: fx('dns-udp-tcp.pcap') });
    await s.whenSettled();
    gate = null;
    const pending = s.packets({ filter: 'dns' });
    await new Promise((r) => setTimeout(r, 20));
    expect(await s.filterProgress()).toMatchObject({ filter: 'dns', bytesRead: 0 });
    expect(await s.cancelFilter()).toMatchObject({ filter: 'dns' });
    (gate as (() => void) | null)?.();
    await expect(pending).rejects.toThrow();
    expect(await s.filterProgress()).toBeNull();
    expect((await s.packets({ filter: 'dns' })).total).toBe(10);
  });
});

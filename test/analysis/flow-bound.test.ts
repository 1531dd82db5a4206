// The flow table's bound: what a flow costs, and a capture of nothing but new flows
// stopping with "flow table full at N flows" and everything before it kept.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { DEFAULT_MAX_FLOWS } from '../../analysis/flows';
import { toJson } from '../../analysis/output';
import { CaptureQuery } from '../../analysis/capture-query';
import { StatelineSession } from '../../analysis/session';
import { oneFlowPerPacket } from './many-flows';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('the flow table bound', () => {
  it('stops at the packet that would start flow N + 1 and keeps everything before it', async () => {
    const a = await analyzeCapture(oneFlowPerPacket(3000, 'tcp'), { maxFlows: 1000 });
    expect(a.flows.size).toBe(1000);
    expect(a.packets).toBe(1000);
    const j = toJson(a);
    expect(j.capture.bytes).toBe(1000 * 54);
    expect(j.capture.errors).toEqual([
      { frame: 1001, offset: 24 + 1000 * 70, message: 'flow table full at 1000 flows: reading stopped here (the limit is set by --max-flows)', effect: 'stopped' },
    ]);
    expect(j.flows.at(-1)!.lastFrame).toBe(1000);
    expect(j.capture.end).toBe(j.flows.at(-1)!.end);
    // Packets of known flows still go on being read: a second pass over the same flows.
    const twice = new Uint8Array([...oneFlowPerPacket(1000, 'udp'), ...oneFlowPerPacket(1000, 'udp').subarray(24)]);
    const b = await analyzeCapture(twice, { maxFlows: 1000 });
    expect([b.flows.size, b.packets, b.info.errors.length]).toEqual([1000, 2000, 0]);
  });

  it('applies by default to the CLI and the app', async () => {
    const a = await analyzeCapture(oneFlowPerPacket(10, 'udp'));
    expect(a.flows.maxFlows).toBe(DEFAULT_MAX_FLOWS);
    const s = new StatelineSession({});
    s.openSource({ source: (async function* () { yield oneFlowPerPacket(10, 'udp'); })(), size: null }, { name: 'x', size: null });
    await s.whenSettled();
    expect(s.query!.analysis.flows.maxFlows).toBe(DEFAULT_MAX_FLOWS);
  });

  it('what a flow costs (the README figures): ~0.4 KB, ~2.7 KB for TCP; the query layer adds ~1-2 KB', async () => {
    const n = 30_000;
    const cost: Record<string, number> = {};
    for (const proto of ['udp', 'tcp'] as const) {
      const bytes = oneFlowPerPacket(n, proto);
      const before = heap();
      const a = await analyzeCapture(bytes);
      cost[`${proto} analysis`] = (heap() - before) / n;
      const q = new CaptureQuery(a, 'x');
      q.flows({ limit: 1 }); // the flows table's rows, built on first use
      cost[`${proto} session`] = (heap() - before) / n;
      expect(q.summary().flows).toBe(n);
    }
    console.log('bytes per one-packet flow:', Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Math.round(v)])));
    expect(cost['udp analysis']).toBeLessThan(600);
    expect(cost['tcp analysis']).toBeLessThan(4000);
    expect(cost['udp session']).toBeLessThan(2000);
    expect(cost['tcp session']).toBeLessThan(7000);
    // At the default bound, the app's worst case stays far inside Node's default heap.
    expect((cost['tcp session'] * DEFAULT_MAX_FLOWS) / 2 ** 30).toBeLessThan(3);
  }, 60_000);
});

// The seeded fuzz test of `npm test`: 2,000 mutations of the fixtures through the CLI's
// and the app's reading (test/fuzz/cases.ts says what is checked), each under a clock
// and a heap limit. A failure names the case: `npm run fuzz -- --seed 14 --case N`
// replays it in-process. Longer campaigns: `npm run fuzz -- --cases N`.
import { describe, expect, it } from 'vitest';
import { runCampaign } from './campaign';

describe('fuzz: mutated captures', () => {
  it('2,000 cases: no crash, no hang, valid JSON, every error with a frame and an offset', async () => {
    const r = await runCampaign({ seed: 14, cases: 2000, caseMs: 10_000 });
    const show = (l: typeof r.crashes) => l.map((f) => `case ${f.index} (${f.what ?? ''}): ${f.error.split('\n').slice(0, 3).join(' | ')}`);
    expect(show(r.crashes)).toEqual([]);
    expect(show(r.hangs)).toEqual([]);
    expect(r.cases).toBe(2000);
    // Both kinds of input are reached: files still read as captures and files refused.
    expect(r.read).toBeGreaterThan(1000);
    expect(r.notACapture).toBeGreaterThan(20);
  }, 120_000);
});

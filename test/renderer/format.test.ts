// The time axes' ticks and the UI's small formatters (issue 15: a 472 s axis must read
// round seconds, not "150.000"; "1 break", not "1 breaks").
import { describe, expect, it } from 'vitest';
import { byteTicks, fmtCount, fmtTick, fmtTimeAs, niceTicks, plural, valueTicks } from '../../renderer/format';

describe('time axis ticks', () => {
  it('puts round ticks from 0 on a 472 s axis, written without decimals', () => {
    const { ticks, step } = niceTicks(0, 472, 6);
    expect(step).toBe(100);
    expect(ticks).toEqual([0, 100, 200, 300, 400]);
    expect(ticks.map((t) => fmtTick(t, step))).toEqual(['0', '100', '200', '300', '400']);
    const half = niceTicks(0, 472, 10);
    expect(half.step).toBe(50);
    expect(fmtTick(150, half.step)).toBe('150');
  });

  it('gives a 60 ms window ticks with as many decimals as their step', () => {
    const { ticks, step } = niceTicks(2.694, 3.293, 6);
    expect(step).toBe(0.1);
    expect(ticks.map((t) => fmtTick(t, step))).toEqual(['2.7', '2.8', '2.9', '3.0', '3.1', '3.2']);
    const small = niceTicks(0.0121, 0.0179, 6);
    expect(small.step).toBe(0.001);
    expect(fmtTick(small.ticks[0], small.step)).toBe('0.013');
  });

  it('never writes -0 or a tick outside the axis', () => {
    const { ticks } = niceTicks(-1e-12, 1, 5);
    expect(Object.is(ticks[0], -0)).toBe(false);
    for (const t of niceTicks(3.3, 7.9, 7).ticks) expect(t >= 3.3 && t <= 7.9).toBe(true);
  });
});

describe('time formats and plurals', () => {
  it('writes a time since the start, as UTC, or since the previous row', () => {
    const base = 1_700_000_000;
    expect(fmtTimeAs('relative', base + 1.5, base)).toBe('1.500000');
    expect(fmtTimeAs('utc', base + 1.5, base)).toBe('2023-11-14 22:13:21.500');
    expect(fmtTimeAs('delta', base + 1.5, base, base + 1.25)).toBe('+0.250000');
    // the first row has no previous one: since the start
    expect(fmtTimeAs('delta', base + 1.5, base, null)).toBe('1.500000');
  });

  it('says "1 break" and "2 breaks"', () => {
    expect(plural(1, 'break')).toBe('1 break');
    expect(plural(2, 'break')).toBe('2 breaks');
    expect(plural(1200, 'marker')).toBe('1,200 markers');
  });
});

describe('bytes axis ticks', () => {
  it('steps in round KiB, not in round bytes that read 19.5 KiB, 39.1 KiB', () => {
    // the bench capture's biggest flow: a 65,535-byte window over ~80 KiB in flight
    const y = byteTicks(80_000);
    expect(y.ticks.map(y.label)).toEqual(['0 KiB', '20 KiB', '40 KiB', '60 KiB', '80 KiB']);
    expect(y.top).toBe(80 * 1024);
    expect(y.top).toBeGreaterThanOrEqual(80_000);
    const w = byteTicks(65_535);
    expect(w.ticks.map(w.label)).toEqual(['0 KiB', '20 KiB', '40 KiB', '60 KiB', '80 KiB']);
  });

  it('takes the unit in which the top is at least 2, and reaches past the largest value', () => {
    expect(byteTicks(1500).ticks.map(byteTicks(1500).label)).toEqual(['0 B', '500 B', '1000 B', '1500 B']);
    const m = byteTicks(5.3 * 1024 * 1024);
    expect(m.ticks.map(m.label)).toEqual(['0 MiB', '2 MiB', '4 MiB', '6 MiB']);
    const k = byteTicks(2900);
    expect(k.ticks.map(k.label)).toEqual(['0 KiB', '1 KiB', '2 KiB', '3 KiB']);
    const h = byteTicks(2 * 1024);
    expect(h.ticks.map(h.label)).toEqual(['0.0 KiB', '0.5 KiB', '1.0 KiB', '1.5 KiB', '2.0 KiB']);
    for (const max of [1, 3, 999, 4096, 70_000, 1e6, 3e9]) {
      const t = byteTicks(max);
      expect(t.top, String(max)).toBeGreaterThanOrEqual(max);
      expect(t.ticks[0]).toBe(0);
      expect(t.ticks.length, String(max)).toBeLessThanOrEqual(8);
    }
  });

  it('gives an empty chart (nothing in flight, no window) a 0–1 B axis, not a flat one', () => {
    const z = byteTicks(0);
    expect(z.ticks).toEqual([0, 1]);
    expect(z.ticks.map(z.label)).toEqual(['0 B', '1 B']);
  });
});

describe('counts', () => {
  it('writes counts with thousands separators', () => {
    expect([0, 7, 1234, 1_000_000, 10_676].map(fmtCount)).toEqual(['0', '7', '1,234', '1,000,000', '10,676']);
  });
});

describe('value axis ticks', () => {
  it('writes whole-number ticks without decimals, in the unit of the largest', () => {
    const few = valueTicks(0, 8.4, true);
    expect(few.ticks.map(few.label)).toEqual(['0', '2', '4', '6', '8']);
    const seq = valueTicks(0, 47_500, true);
    expect(seq.ticks.map(seq.label)).toEqual(['0', '10k', '20k', '30k', '40k']);
    const big = valueTicks(45_000_000, 47_300_000, true);
    expect(big.ticks.map(big.label)).toEqual(['45.0M', '45.5M', '46.0M', '46.5M', '47.0M']);
  });

  it('keeps the decimals a fractional step needs (a rate of a few packets per second)', () => {
    const r = valueTicks(0, 2.3);
    expect(r.ticks.map(r.label)).toEqual(['0', '0.5', '1.0', '1.5', '2.0']);
    // whole: the fractional ticks of a small span are dropped, not written as 0.5
    expect(valueTicks(0, 2.3, true).ticks).toEqual([0, 1, 2]);
  });
});

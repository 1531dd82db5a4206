// The time axes' ticks and the UI's small formatters (issue 15: a 472 s axis must read
// round seconds, not "150.000"; "1 break", not "1 breaks").
import { describe, expect, it } from 'vitest';
import { fmtTick, fmtTimeAs, niceTicks, plural } from '../../renderer/format';

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

// @vitest-environment happy-dom
// The chart warm-up draws the flow view's charts off screen once per page, while idle:
// it is mounted again at every return from a flow to the lists, and drawing them again
// there was idle work for nothing (what it compiles stays compiled) that a click on a
// row could land behind. It draws one chart per idle moment: all four in one task held
// the main thread while the overview's answer waited.
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChartWarmup } from '../../renderer/components/Warmup';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const drawn = (c: HTMLElement): number => c.querySelectorAll('[aria-hidden=true] svg.recharts-surface').length;

describe('ChartWarmup', () => {
  it('draws the charts one per idle moment, once, then never again in this page', () => {
    vi.useFakeTimers();
    const first = render(<ChartWarmup />);
    expect(drawn(first.container)).toBe(0);
    const steps: string[] = [];
    for (let i = 0; i < 40 && (steps.length === 0 || first.container.innerHTML !== ''); i++) {
      act(() => void vi.advanceTimersByTime(50));
      const w = first.container.querySelector<HTMLElement>('[data-testid=chart-warmup]');
      // never more than one chart at a time
      expect(drawn(first.container)).toBeLessThanOrEqual(1);
      if (w && steps.at(-1) !== w.dataset.step) {
        expect(drawn(first.container)).toBe(1);
        steps.push(w.dataset.step!);
      }
    }
    // the sequence and in-flight charts of both directions, in turn, then nothing
    expect(steps).toEqual(['0', '1', '2', '3']);
    expect(first.container.innerHTML).toBe('');
    first.unmount();

    const again = render(<ChartWarmup />);
    act(() => void vi.advanceTimersByTime(5000));
    expect(again.container.innerHTML).toBe('');
  });
});

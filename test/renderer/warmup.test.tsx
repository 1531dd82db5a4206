// @vitest-environment happy-dom
// The chart warm-up draws the flow view's charts off screen once per page, while idle:
// it is mounted again at every return from a flow to the lists, and drawing them again
// there was idle work for nothing (what it compiles stays compiled) that a click on a
// row could land behind.
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChartWarmup } from '../../renderer/components/Warmup';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const drawn = (c: HTMLElement): number => c.querySelectorAll('[aria-hidden=true] svg').length;

describe('ChartWarmup', () => {
  it('draws the charts once, then never again in this page', () => {
    vi.useFakeTimers();
    const first = render(<ChartWarmup />);
    expect(drawn(first.container)).toBe(0);
    act(() => void vi.advanceTimersByTime(250));
    // the sequence and in-flight charts of both directions
    expect(drawn(first.container)).toBeGreaterThanOrEqual(4);
    act(() => void vi.advanceTimersByTime(100));
    expect(first.container.innerHTML).toBe('');
    first.unmount();

    const again = render(<ChartWarmup />);
    act(() => void vi.advanceTimersByTime(5000));
    expect(again.container.innerHTML).toBe('');
  });
});

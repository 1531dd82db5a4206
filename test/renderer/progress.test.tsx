// @vitest-environment happy-dom
// The reading progress names its phase (issue 15: it sat at "99%" for 6 s): while
// reading, bytes and a percentage that never reads 100 before the end; after the last
// byte, "Finishing flows" / "Building indexes" with an indeterminate bar and why.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../analysis/api';
import { ProgressPanel } from '../../renderer/components/ProgressPanel';

afterEach(cleanup);

const status = (phase: SessionStatus['progress']['phase'], bytesRead: number): SessionStatus => ({
  state: 'loading',
  generation: 1,
  name: 'bench.pcap',
  progress: { bytesRead, totalBytes: 1000, packets: 42, phase },
  elapsedMs: 6100,
  error: null,
  sampleAvailable: false,
  keylog: null,
});

describe('ProgressPanel', () => {
  it('reads: bytes and a percentage', () => {
    render(<ProgressPanel status={status('reading', 500)} onCancel={() => {}} />);
    expect(screen.getByTestId('progress').getAttribute('data-phase')).toBe('reading');
    expect(screen.getByRole('heading').textContent).toBe('Reading bench.pcap');
    expect(screen.getByTestId('progress-text').textContent).toContain('(50%)');
    expect((screen.getByRole('progressbar') as HTMLProgressElement).value).toBe(0.5);
  });

  it('after the last byte: names the phase, says why, and no "99%"', () => {
    for (const [phase, title, why] of [
      ['finishing', 'Finishing flows', 'the trackers close'],
      ['indexing', 'Building indexes', 'building the tables'],
    ] as const) {
      const { unmount } = render(<ProgressPanel status={status(phase, 1000)} onCancel={() => {}} />);
      expect(screen.getByRole('heading').textContent).toBe(`${title} bench.pcap`);
      const text = screen.getByTestId('progress-text').textContent!;
      expect(text).toContain(why);
      expect(text).not.toMatch(/\d+%/);
      expect(screen.getByRole('progressbar').hasAttribute('value')).toBe(false);
      unmount();
    }
  });
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    pool: 'forks',
    // expect.poll waits for the page to redraw; vitest's default of 1 s is shorter than
    // a redraw on a loaded 2-core CI machine with Chromium beside the suite (the
    // overview-markers zoom test failed that way now and then). The condition is still
    // asserted: only the wait for it is longer.
    expect: { poll: { timeout: 15_000 } },
  },
});

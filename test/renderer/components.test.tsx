// @vitest-environment happy-dom
// Renderer components with a client that is the real query layer in-process.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeClient, type Summary } from '../../analysis/api';
import { StatelineSession } from '../../analysis/session';
import { App } from '../../renderer/App';
import type { Client } from '../../renderer/client';
import { VirtualTable, type Column } from '../../renderer/components/VirtualTable';
import { fmtDate } from '../../renderer/format';
import { concat, epb, firstIpPacket, idb, shb } from '../parsers/capture/helpers';

const ROOT = join(__dirname, '../..');
const SAMPLE = join(ROOT, 'fixtures', 'sample.pcapng');

function testClient(): { client: Client; session: StatelineSession } {
  const session = new StatelineSession({
    samplePath: SAMPLE,
    openPath: async (p) => {
      const size = statSync(p).size;
      return { source: createReadStream(p), size };
    },
  });
  // Through the same generated client as the transports (validation included).
  const api = makeClient(async (m, a) => (session[m] as (x: unknown) => Promise<unknown>).call(session, a));
  return { session, client: { ...api, transport: 'test', openFile: async () => {} } };
}

afterEach(cleanup);

describe('VirtualTable', () => {
  const rows = Array.from({ length: 100_000 }, (_, i) => ({ id: i + 1, name: `row ${i + 1}` }));
  type Row = { id: number; name: string };
  const cols: Column<Row>[] = [
    { key: 'id', title: '#', width: 80, render: (r) => r.id },
    { key: 'name', title: 'Name', width: '1fr', render: (r) => r.name },
  ];

  it('renders only the rows in view of 100,000', () => {
    let opened = -1;
    render(<VirtualTable label="t" testId="vt" rowTestId="r" columns={cols} total={rows.length} getRow={(i) => rows[i]} height={400} onOpen={(r) => (opened = r.id)} />);
    const shown = screen.getAllByTestId('r');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(60);
    expect((screen.getByTestId('vt').querySelector('.vt-spacer') as HTMLElement).style.height).toBe(`${100_000 * 26}px`);
    // Keyboard: ↓ selects the first row, End the last, Enter opens it.
    const body = screen.getByTestId('vt').querySelector('.vt-body')!;
    fireEvent.keyDown(body, { key: 'ArrowDown' });
    fireEvent.keyDown(body, { key: 'ArrowDown' });
    fireEvent.keyDown(body, { key: 'Enter' });
    expect(opened).toBe(2);
    fireEvent.keyDown(body, { key: 'End' });
    fireEvent.keyDown(body, { key: 'Enter' });
    expect(opened).toBe(100_000);
    // Esc keeps the selection (it goes back elsewhere in the app; issue 15)
    fireEvent.keyDown(body, { key: 'Escape' });
    expect(screen.getByTestId('vt').querySelector('.selected')?.textContent).toContain('row 100000');
  });

  it('a fling faster than a view a frame draws a placeholder and asks for no page, and the rows once a frame passes without a scroll', async () => {
    // frames as a browser runs them: the callbacks asked for before a frame run in it,
    // those asked for during it in the next
    let queue = new Map<number, FrameRequestCallback>();
    let id = 0;
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => (queue.set(++id, cb), id));
    vi.stubGlobal('cancelAnimationFrame', (n: number) => queue.delete(n));
    const frame = async () => act(() => {
      const run = queue;
      queue = new Map();
      for (const cb of run.values()) cb(performance.now());
    });
    const ranges: [number, number][] = [];
    render(<VirtualTable label="t" testId="vt" rowTestId="r" columns={cols} total={rows.length} getRow={(i) => rows[i]} height={400} onRange={(a, b) => ranges.push([a, b])} />);
    const body = screen.getByTestId('vt').querySelector('.vt-body') as HTMLElement;
    const drawn = () => screen.queryAllByTestId('r').map((r) => Number(r.dataset.index));
    const scroll = async (top: number) => {
      body.scrollTop = top;
      fireEvent.scroll(body);
      await frame();
    };
    // a scroll of a few rows (the view is 400 px: 16 rows) draws them
    await scroll(260);
    expect(drawn()).toContain(10);
    expect(body.querySelector('.vt-loading')).toBeNull();
    const asked = ranges.length;
    // 1,500 px a frame: a placeholder of the rows' height, and the pages passed are not asked for
    for (let f = 1; f <= 3; f++) {
      await scroll(260 + 1500 * f);
      expect(drawn()).toEqual([]);
      // one band of the view's height (400 px) over the view, outside the scrolled element
      // (its frames then draw nothing but the scrollbar)
      expect(body.querySelector('.vt-fling')).toBeNull();
      const band = screen.getByTestId('vt').querySelector<HTMLElement>(':scope > .vt-loading.vt-fling');
      expect(band?.style.height).toBe('400px');
    }
    expect(ranges.length).toBe(asked);
    // a frame without a scroll: the rows where the fling stopped, and their range asked for
    await frame();
    await frame();
    const stop = Math.floor((260 + 4500) / 26);
    expect(drawn()).toContain(stop);
    expect(screen.getAllByTestId('r').find((r) => r.dataset.index === String(stop))?.textContent).toContain(`row ${stop + 1}`);
    expect(ranges.at(-1)![0]).toBe(stop - 4);
    // a slow scroll (less than a view a frame) draws the rows at each frame
    await scroll(260 + 4500 + 200);
    expect(drawn()).toContain(stop + 10);
    vi.unstubAllGlobals();
  });

  it('selects the first row in view when focused without a selection, and keeps a selection given at mount', () => {
    const selected: number[] = [];
    const { unmount } = render(<VirtualTable label="t" testId="vt" rowTestId="r" columns={cols} total={rows.length} getRow={(i) => rows[i]} height={400} onSelect={(_, i) => selected.push(i)} />);
    const body = screen.getByTestId('vt').querySelector('.vt-body') as HTMLElement;
    expect(screen.getByTestId('vt').querySelector('.selected')).toBeNull();
    fireEvent.focus(body);
    expect(selected).toEqual([0]);
    expect(screen.getByTestId('vt').querySelector('.selected')?.textContent).toContain('row 1');
    fireEvent.keyDown(body, { key: 'ArrowDown' });
    expect(selected).toEqual([0, 1]);
    unmount();
    render(<VirtualTable label="t" testId="vt" rowTestId="r" columns={cols} total={rows.length} getRow={(i) => rows[i]} height={400} initialSelected={1} onSelect={(_, i) => selected.push(i)} />);
    const again = screen.getByTestId('vt').querySelector('.vt-body') as HTMLElement;
    expect(screen.getByTestId('vt').querySelector('.selected')?.textContent).toContain('row 2');
    fireEvent.focus(again);
    expect(selected).toEqual([0, 1]); // a focus does not move a selection there is
  });

  it('sorts through the header', () => {
    const keys: string[] = [];
    render(<VirtualTable label="t" testId="vt" columns={cols} total={10} getRow={(i) => rows[i]} sort={{ key: 'id', dir: 'asc' }} onSort={(k) => keys.push(k)} />);
    fireEvent.click(screen.getByText('Name'));
    expect(keys).toEqual(['name']);
    expect(screen.getByText(/# ▲/)).toBeTruthy();
  });
});

describe('App', () => {
  it('starts empty, opens the sample and shows the overview, flows and a flow', async () => {
    const { client, session } = testClient();
    render(<App client={client} pollMs={30} />);
    const sample = await screen.findByTestId('open-sample');
    await act(async () => {
      fireEvent.click(sample);
      await session.whenSettled();
    });
    const summary = await screen.findByTestId('capture-summary', {}, { timeout: 5000 });
    expect(summary.textContent).toContain('sample.pcapng');
    expect(summary.textContent).toContain('pcapng');
    expect(screen.getByTestId('overview-timeline')).toBeTruthy();

    fireEvent.click(document.querySelector('[data-tab=flows]')!);
    await waitFor(() => expect(screen.getAllByTestId('flow-row').length).toBeGreaterThan(0));
    const tcpRow = screen.getAllByTestId('flow-row').find((r) => r.textContent!.includes('tcp'))!;
    fireEvent.click(tcpRow);
    await screen.findByTestId('flow-facts');
    await screen.findByTestId('state-lanes');
    expect(screen.getByTestId('seq-chart')).toBeTruthy();
    // Esc goes back to the table.
    fireEvent.keyDown(window, { key: 'Escape' });
    await screen.findByTestId('flows-table');

    fireEvent.click(document.querySelector('[data-tab=breaks]')!);
    expect(await screen.findByTestId('breaks-list')).toBeTruthy();
    fireEvent.click(document.querySelector('[data-tab=dns]')!);
    expect(await screen.findByTestId('dns-transactions')).toBeTruthy();
    fireEvent.click(document.querySelector('[data-tab=quic]')!);
    expect(await screen.findByTestId('quic-paths')).toBeTruthy();
  }, 20_000);

  it('shows progress while reading and an error with what was read', async () => {
    const { client, session } = testClient();
    render(<App client={client} pollMs={30} />);
    await screen.findByTestId('open-sample');
    await act(async () => {
      await client.openPath({ path: join(ROOT, 'package.json') });
      await session.whenSettled();
    });
    const err = await screen.findByTestId('open-error', {}, { timeout: 3000 });
    expect(err.textContent).toMatch(/Could not read package.json/);
    expect(err.textContent).toMatch(/read before the failure/);
  });
});

describe('one bad value never blanks the app', () => {
  /** A session that opens `bytes` as its sample capture. */
  function bytesClient(bytes: Uint8Array, corrupt?: (s: Summary) => void): { client: Client; session: StatelineSession } {
    const session = new StatelineSession({
      samplePath: 'far.pcapng',
      openPath: async () => ({ source: (async function* () { yield bytes; })(), size: bytes.length }),
    });
    const api = makeClient(async (m, a) => {
      const v = await (session[m] as (x: unknown) => Promise<unknown>).call(session, a);
      if (m === 'summary' && v && corrupt) corrupt(v as Summary);
      return v;
    });
    return { session, client: { ...api, transport: 'test', openFile: async () => {} } };
  }
  const pcap = readFileSync(join(ROOT, 'fixtures', 'tcp-clean-close.pcap'));
  const far = concat(shb(), idb(), epb(true, { ts: 0xffffffffffffffffn, data: firstIpPacket(pcap) }));

  async function openSample(client: Client, session: StatelineSession): Promise<void> {
    render(<App client={client} pollMs={30} />);
    const sample = await screen.findByTestId('open-sample');
    await act(async () => {
      fireEvent.click(sample);
      await session.whenSettled();
    });
  }

  it('a timestamp past year 275760 renders', async () => {
    const { client, session } = bytesClient(far);
    await openSample(client, session);
    const summary = await screen.findByTestId('capture-summary', {}, { timeout: 5000 });
    expect(summary.textContent).toContain('18446744073709.55 s since 1970-01-01 UTC (past year 275760)');
    expect(fmtDate(-1e16)).toBe('-10000000000000000 s since 1970-01-01 UTC (before year -271821)');
    fireEvent.click(document.querySelector('[data-tab=flows]')!);
    await waitFor(() => expect(screen.getAllByTestId('flow-row').length).toBe(1));
    fireEvent.click(screen.getAllByTestId('flow-row')[0]);
    await screen.findByTestId('flow-facts');
    expect(screen.queryByTestId('view-error')).toBeNull();
  });

  it('a view that throws shows its error in place; the tabs and the other views go on working', async () => {
    // A summary whose link types are not a list: the overview throws while rendering.
    const { client, session } = bytesClient(new Uint8Array(pcap), (s) => ((s as { linkTypeTitles: unknown }).linkTypeTitles = null));
    const errors = console.error;
    console.error = () => {}; // React reports the caught error; expected here
    try {
      await openSample(client, session);
      const err = await screen.findByTestId('view-error', {}, { timeout: 5000 });
      expect(err.textContent).toMatch(/^Overview could not be shown/);
      fireEvent.click(document.querySelector('[data-tab=flows]')!);
      await waitFor(() => expect(screen.getAllByTestId('flow-row').length).toBeGreaterThan(0));
      expect(screen.queryByTestId('view-error')).toBeNull();
      fireEvent.click(document.querySelector('[data-tab=overview]')!);
      expect((await screen.findByTestId('view-error')).textContent).toMatch(/Overview could not be shown/);
      // A reload of the app over the same session: still the tabs and the error, not a blank page.
      cleanup();
      render(<App client={client} pollMs={30} />);
      await screen.findByTestId('view-error', {}, { timeout: 5000 });
      expect(document.querySelector('[data-tab=breaks]')).not.toBeNull();
    } finally {
      console.error = errors;
    }
  });
});

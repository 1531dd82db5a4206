// @vitest-environment happy-dom
// Renderer components with a client that is the real query layer in-process.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClient } from '../../analysis/api';
import { StatelineSession } from '../../analysis/session';
import { App } from '../../renderer/App';
import type { Client } from '../../renderer/client';
import { VirtualTable, type Column } from '../../renderer/components/VirtualTable';

const ROOT = join(__dirname, '..', '..');
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
    render(<VirtualTable label="t" testId="vt" rowTestId="r" columns={cols} total={rows.length} getRow={(i) => rows[i]} rowKey={(r) => r.id} height={400} onOpen={(r) => (opened = r.id)} />);
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
    fireEvent.keyDown(body, { key: 'Escape' });
    expect(screen.getByTestId('vt').querySelector('.selected')).toBeNull();
  });

  it('sorts through the header', () => {
    const keys: string[] = [];
    render(<VirtualTable label="t" testId="vt" columns={cols} total={10} getRow={(i) => rows[i]} rowKey={(r) => r.id} sort={{ key: 'id', dir: 'asc' }} onSort={(k) => keys.push(k)} />);
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

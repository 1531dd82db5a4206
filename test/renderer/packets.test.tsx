// @vitest-environment happy-dom
// The packet panes (renderer/components/Packets.tsx) over the real query layer in-process:
// selecting a frame from outside (go to frame) selects its row and shows its tree and
// bytes, in the whole capture and in a flow; a byte selects the deepest field holding it.
import { cleanup, fireEvent, render, waitFor } from '@testing-library/react';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClient, type FieldNode } from '../../analysis/api';
import { StatelineSession } from '../../analysis/session';
import { nodeFileHost } from '../../host/file-source';
import type { Client } from '../../renderer/client';
import { deepestAt, FLOW_PACKET_PAGE, PacketsPane } from '../../renderer/components/Packets';
import { remember } from '../../renderer/prefetch';
import { VirtualTable } from '../../renderer/components/VirtualTable';

const FILE = join(__dirname, '../../fixtures/dns-udp-tcp.pcap');

async function testClient(): Promise<{ client: Client; session: StatelineSession }> {
  const session = new StatelineSession(nodeFileHost(null));
  await session.openPath({ path: FILE });
  await session.whenSettled();
  const api = makeClient(async (m, a) => (session[m] as (x: unknown) => Promise<unknown>).call(session, a));
  return { session, client: { ...api, transport: 'test', openFile: async () => {} } };
}

afterEach(cleanup);

const selectedRow = (c: HTMLElement): string | null => c.querySelector('[data-testid=packet-row][aria-selected=true] [role=cell]')?.textContent ?? null;
const frameNode = (c: HTMLElement): string => c.querySelector('[data-testid=packet-detail] [data-field=frame]')?.textContent ?? '';

describe('PacketsPane', () => {
  it('go to frame: the whole capture and a flow select the frame and show its layers', async () => {
    const { client, session } = await testClient();
    const seen: number[] = [];
    const { container, rerender } = render(<PacketsPane client={client} base={0} frame={14} onFrame={(f) => seen.push(f)} />);
    await waitFor(() => expect(selectedRow(container)).toBe('14'));
    await waitFor(() => expect(frameNode(container)).toMatch(/Frame 14:/));
    expect(seen).toEqual([14]);
    // a byte in the hex view selects the deepest field: byte 12 is eth.type
    fireEvent.click(container.querySelector('[data-testid=hex-view] .hexb[data-offset="12"]')!);
    await waitFor(() => expect(container.querySelector('.pd-node.selected')?.getAttribute('data-field')).toBe('eth.type'));
    expect([...container.querySelectorAll('[data-testid=hex-view] .hexb.hl')].map((e) => e.textContent).join('')).toBe('0800');
    // the TCP flow of frames 11-20: frame 16 is its 6th packet
    const flow = session.query!.analysis.columns.flow[15];
    rerender(<PacketsPane client={client} base={0} flow={flow} tcp frame={16} />);
    await waitFor(() => expect(selectedRow(container)).toBe('16'));
    await waitFor(() => expect(frameNode(container)).toMatch(/Frame 16:/));
    expect(container.querySelector('[data-testid=packet-row][aria-selected=true]')!.getAttribute('data-index')).toBe('5');
    await session.dispose();
  });
});

describe('VirtualTable past the browsers\' height limit', () => {
  it('scales a million rows onto a shorter spacer and reaches the last row', async () => {
    const { container } = render(
      <VirtualTable<number> label="big" testId="big" columns={[{ key: 'n', title: 'n', width: 80, render: (r) => r }]} total={1_000_000} getRow={(i) => i + 1} rowHeight={24} height={400} />,
    );
    const body = container.querySelector('.vt-body') as HTMLElement;
    const spacer = container.querySelector('.vt-spacer') as HTMLElement;
    const h = parseFloat(spacer.style.height);
    expect(h).toBeLessThan(16_777_216); // Chromium's clamp
    body.scrollTop = h - 400;
    fireEvent.scroll(body);
    await waitFor(() => {
      const cells = [...container.querySelectorAll('.vt-row [role=cell]')].map((c) => Number(c.textContent));
      expect(Math.max(...cells)).toBe(1_000_000);
    });
  });
});

describe('a flow\'s first page, asked for before the list mounts', () => {
  it('draws its rows in the list\'s first render once it has resolved, and asks for nothing more', async () => {
    const { client } = await testClient();
    const flow = (await client.flows({ offset: 0, limit: 1000 })).rows.reduce((a, b) => (b.packets > a.packets ? b : a)).id;
    const asked: unknown[] = [];
    const counting: Client = new Proxy(client, { get: (t, k) => (k === 'packets' ? (a: unknown) => (asked.push(a), client.packets(a as never)) : (t as never)[k]) });
    const first = remember(client.packets({ flow, offset: 0, limit: FLOW_PACKET_PAGE }));
    const page = await first;
    expect(page.rows.length).toBeGreaterThan(3); // (the fixture's biggest flow)
    // no await between render and the check: the rows are in the DOM the render made
    const { container } = render(<PacketsPane client={counting} flow={flow} base={0} firstPage={first} />);
    const rows = [...container.querySelectorAll('[data-testid=packet-row]')];
    expect(rows.length).toBe(page.rows.length);
    expect(rows[0].querySelector('[role=cell]')?.textContent).toBe(String(page.rows[0].frame));
    await new Promise((r) => setTimeout(r, 100));
    expect(asked.filter((a) => (a as { offset?: number }).offset === 0)).toEqual([]);
  });

  it('still waits for a page that has not resolved, and then draws it', async () => {
    const { client } = await testClient();
    const flow = (await client.flows({ offset: 0, limit: 1000 })).rows.reduce((a, b) => (b.packets > a.packets ? b : a)).id;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = remember(gate.then(() => client.packets({ flow, offset: 0, limit: FLOW_PACKET_PAGE })));
    const { container } = render(<PacketsPane client={client} flow={flow} base={0} firstPage={first} />);
    expect(container.querySelectorAll('[data-testid=packet-row]').length).toBe(0);
    release();
    await waitFor(() => expect(container.querySelectorAll('[data-testid=packet-row]').length).toBeGreaterThan(3));
  });
});

describe('deepestAt', () => {
  const leaf = (name: string, start: number, end: number): FieldNode => ({ name, label: name, value: '', start, end });
  const tree: FieldNode[] = [
    { ...leaf('frame', 0, 20), children: [leaf('frame.number', 0, 0)] },
    { ...leaf('ip', 0, 20), children: [{ ...leaf('ip.flags', 6, 7), children: [leaf('ip.flags.df', 6, 7)] }, leaf('ip.frag_offset', 6, 8), leaf('ip.ttl', 8, 9)] },
  ];
  it('finds the deepest, then the narrowest, field at a byte', () => {
    expect(deepestAt(tree, 6)!.name).toBe('ip.flags.df');
    expect(deepestAt(tree, 7)!.name).toBe('ip.frag_offset');
    expect(deepestAt(tree, 8)!.name).toBe('ip.ttl');
    expect(deepestAt(tree, 0)!.name).toBe('ip');
    expect(deepestAt(tree, 30)).toBeNull();
  });
});

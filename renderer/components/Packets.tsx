// Wireshark's three panes for a list of packets — the whole capture (the Packets tab) or
// one flow (the flow detail): a virtualized packet list (`packet-row`), the selected
// frame's layer tree (`packet-detail`, expandable) and its bytes in hex and ASCII
// (`hex-view`). Linked both ways: a field highlights its bytes, a byte selects the
// deepest field that holds it. ↑/↓ in the list move the selection and the panes follow;
// in the tree ↑/↓ move between fields and ←/→ close and open them.
//
// For the other tools: `toolbar` is the slot above the list (the display filter goes
// there), `pages` replaces where the rows come from (a filtered list: its own key and
// fetch; the default is the `packets` API for the flow or the capture), and `frame`
// selects a frame from outside (go to frame, Ctrl+G): when it changes, the list scrolls
// to that frame and the panes show it.

import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { FieldNode, Page, PacketDetail, PacketRow } from '../../analysis/api';
import type { Client } from '../client';
import { fmtCount } from '../format';
import { useAsync, useTimeFormat } from '../hooks';
import { usePagedRows, VirtualTable, type Column } from './VirtualTable';
import { came } from '../prefetch';

const ROW_H = 24;
/** Rows per page of the packet list. */
export const PACKET_PAGE = 100;
/**
 * A flow's list (in the flow view, ~11 rows in view): pages of 50. Its first page is on
 * the critical path of opening the flow, and the server dissects each row's Info from
 * the file, on the thread that computes the charts' timeline at the same time.
 */
export const FLOW_PACKET_PAGE = 50;

export interface PacketsPaneProps {
  client: Client;
  /** One flow's packets; absent: every packet of the capture. */
  flow?: number;
  /** Capture start: the Time column counts from it. */
  base: number;
  /** Add the TCP columns (flags, relative seq/ack, window, bytes in flight). */
  tcp?: boolean;
  /** Above the list: the display filter's input. */
  toolbar?: ReactNode;
  /**
   * Where the rows come from instead of `packets({flow})`: a cache key (a new key drops
   * the cached pages) and a page fetch. Go to frame looks the frame up in the pages.
   */
  pages?: { key: string; fetch(offset: number, limit: number): Promise<Page<PacketRow>> };
  /** Select this frame (go to frame); the list scrolls to it. */
  frame?: number | null;
  /** The selection moved (click, keys, `frame`). */
  onFrame?(frame: number): void;
  /** Scroll the list to the first packet at or after this time (the flow's brushed range). */
  at?: number | null;
  listHeight?: number;
  /** The first page of `flow`'s packets, asked for before the pane mounts (the flow detail asks for it with the flow); drawn at once if it has come and was `remember`ed (prefetch.ts). */
  firstPage?: Promise<Page<PacketRow>>;
}

export function PacketsPane(p: PacketsPaneProps): ReactNode {
  const { client, flow } = p;
  const custom = p.pages;
  const firstPage = p.firstPage;
  const pageSize = flow !== undefined && !custom ? FLOW_PACKET_PAGE : PACKET_PAGE;
  const fetchPage = useCallback(
    (offset: number, limit: number) =>
      custom ? custom.fetch(offset, limit) : offset === 0 && limit === pageSize && firstPage ? firstPage : client.packets(flow === undefined ? { offset, limit } : { flow, offset, limit }),
    [client, flow, custom, firstPage, pageSize],
  );
  // pages of 100 (a flow's: 50), fetched once scrolling pauses (40 ms): each row's Info is dissected from its bytes on the server
  // (a first page remembered (prefetch.ts's `remember`) that has come is drawn at once)
  const initial = !custom && firstPage ? (came(firstPage)?.value ?? null) : null;
  const rows = usePagedRows<PacketRow>(custom ? custom.key : `packets:${flow ?? 'all'}`, fetchPage, pageSize, 40, initial);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const [frame, setFrame] = useState<number | null>(null);
  const [index, setIndex] = useState<number | null>(null);
  const { onFrame } = p;
  const select = useCallback((f: number, i: number) => {
    setFrame(f);
    setIndex(i);
    onFrame?.(f);
  }, [onFrame]);

  // A frame chosen from outside: its index in this list (the whole capture: frame − 1;
  // a flow: the first of its packets at the frame's time, then the frame among them).
  useEffect(() => {
    const want = p.frame;
    if (!want) return;
    let cancelled = false;
    (async () => {
      if (flow === undefined && !custom) return select(want, want - 1);
      if (custom) {
        // a filtered list: the frame's index among the rows the pages hold
        const r = rowsRef.current;
        for (let i = 0; i < r.total; i++) if (r.getRow(i)?.frame === want) return select(want, i);
        return;
      }
      const d = await client.packetDetail({ frame: want });
      if (!d || d.flow !== flow || cancelled) return;
      const pg = await client.packets({ flow, at: d.time, limit: 50 });
      const k = pg.rows.findIndex((r) => r.frame === want);
      if (!cancelled && k >= 0) select(want, pg.offset + k);
    })().catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [p.frame, flow, client, select, custom]);

  // Scroll to the first packet at or after `at`: one call, the query layer finds it.
  const [topRow, setTopRow] = useState<number | null>(null);
  const at = p.at;
  useEffect(() => {
    if (at === undefined || at === null) return;
    let cancelled = false;
    client.packets(flow === undefined ? { at, limit: 0 } : { flow, at, limit: 0 }).then(
      (pg) => !cancelled && setTopRow(pg.offset),
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [at, rows.total, client, flow]);

  const base = p.base;
  // the time format the user picked (since start, UTC, since the previous row)
  const time = useTimeFormat(base);
  const cols = useMemo<Column<PacketRow>[]>(() => [
    { key: 'frame', title: 'No.', width: 72, align: 'right', render: (r) => r.frame },
    { key: 'time', title: time.title, width: time.format === 'utc' ? 210 : 96, align: 'right', render: (r, i) => time.fmt(r.time, i > 0 ? (rowsRef.current.getRow(i - 1)?.time ?? null) : null) },
    { key: 'src', title: 'Source', width: 'minmax(110px, 1fr)', render: (r) => <span title={r.source}>{r.source ?? ''}</span> },
    { key: 'dst', title: 'Destination', width: 'minmax(110px, 1fr)', render: (r) => <span title={r.destination}>{r.destination ?? ''}</span> },
    { key: 'proto', title: 'Protocol', width: 76, render: (r) => r.protocol ?? '' },
    { key: 'len', title: 'Length', width: 84, align: 'right', render: (r) => r.wireLen },
    ...(p.tcp
      ? [
          { key: 'flags', title: 'Flags', width: 92, render: (r: PacketRow) => <span className="mono">{r.flags}</span> },
          { key: 'seq', title: 'Seq', width: 80, align: 'right' as const, render: (r: PacketRow) => r.seq ?? '' },
          { key: 'ack', title: 'Ack', width: 80, align: 'right' as const, render: (r: PacketRow) => r.ack ?? '' },
          { key: 'win', title: 'Win', width: 72, align: 'right' as const, render: (r: PacketRow) => r.win ?? '' },
          { key: 'bif', title: 'In flight', width: 72, align: 'right' as const, render: (r: PacketRow) => r.bytesInFlight ?? '' },
        ]
      : []),
    { key: 'info', title: 'Info', width: 'minmax(240px, 3fr)', render: (r) => <span title={r.info}>{r.kinds.length ? <span className="pk-kinds">[{r.kinds.join(', ')}] </span> : null}{r.info ?? ''}</span> },
  ], [base, p.tcp, time]);

  return (
    <div className="packets-pane">
      <div className="packets-toolbar" data-testid="packets-toolbar">
        {p.toolbar}
        <span className="muted small">{rows.loaded ? `${fmtCount(rows.total)} packet${rows.total === 1 ? '' : 's'}` : 'Loading…'}{frame ? ` · frame ${frame} selected` : ''}</span>
      </div>
      <VirtualTable<PacketRow>
        label={flow === undefined ? 'packets of the capture' : `packets of flow ${flow}`}
        testId="packet-list"
        rowTestId="packet-row"
        columns={cols}
        total={rows.total}
        getRow={rows.getRow}
        onRange={rows.onRange}
        rowHeight={ROW_H}
        height={p.listHeight ?? 300}
        openOnClick={false}
        selected={index}
        onSelect={(r, i) => select(r.frame, i)}
        rowClass={(r) => (r.kinds.length ? 'has-event' : undefined)}
        empty="No packets."
        scrollTo={topRow}
      />
      <FramePanes client={client} frame={frame} />
    </div>
  );
}

/** The selected frame's layer tree and bytes. */
const FramePanes = memo(function FramePanes({ client, frame }: { client: Client; frame: number | null }) {
  const d = useAsync<PacketDetail | null>(() => (frame ? client.packetDetail({ frame }) : Promise.resolve(null)), [client, frame], frame !== null);
  const detail = frame !== null && d.data?.frame === frame ? d.data : null;
  const [field, setField] = useState<FieldNode | null>(null);
  useEffect(() => setField(null), [frame]);
  const bytes = useMemo(() => (detail ? hexToBytes(detail.bytes) : new Uint8Array(0)), [detail]);
  if (frame === null) return <div className="frame-panes muted small">Select a packet to see its layers and bytes.</div>;
  if (d.error) return <div className="frame-panes error-card">{d.error}</div>;
  if (!detail) return <div className="frame-panes muted small">{d.loading ? 'Reading the frame…' : 'The bytes of this capture cannot be read again (it was not opened from a file).'}</div>;
  return (
    <div className="frame-panes">
      <LayerTree tree={detail.tree} selected={field} onSelect={setField} />
      <HexView bytes={bytes} range={field ? [field.start, field.end] : null} onByte={(b) => setField(deepestAt(detail.tree, b))} />
    </div>
  );
});

function hexToBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
  return out;
}

/** The deepest node whose bytes hold byte `b` (the narrowest of equal depth, the later of equal width): the field under a clicked byte. */
export function deepestAt(tree: FieldNode[], b: number): FieldNode | null {
  let best: FieldNode | null = null;
  let bestDepth = -1;
  const walk = (ns: FieldNode[], depth: number): void => {
    for (const n of ns) {
      if (!(n.start <= b && b < n.end)) continue;
      if (depth > bestDepth || (depth === bestDepth && best !== null && n.end - n.start <= best.end - best.start)) {
        best = n;
        bestDepth = depth;
      }
      if (n.children) walk(n.children, depth + 1);
    }
  };
  walk(tree, 0);
  return best;
}

/** The path from the root to `target` (the nodes to expand). */
function pathTo(tree: FieldNode[], target: FieldNode): FieldNode[] | null {
  for (const n of tree) {
    if (n === target) return [n];
    if (n.children) {
      const p = pathTo(n.children, target);
      if (p) return [n, ...p];
    }
  }
  return null;
}

const LayerTree = memo(function LayerTree({ tree, selected, onSelect }: { tree: FieldNode[]; selected: FieldNode | null; onSelect(n: FieldNode): void }) {
  // The layers open (their fields show at once), groups within them closed.
  const [open, setOpen] = useState<Set<FieldNode>>(() => new Set(tree));
  useEffect(() => setOpen(new Set(tree)), [tree]);
  const ref = useRef<HTMLDivElement | null>(null);
  // a byte clicked in the hex view: open the path to its field and show it
  useEffect(() => {
    if (!selected) return;
    const path = pathTo(tree, selected);
    if (path) setOpen((o) => {
      if (path.slice(0, -1).every((n) => o.has(n))) return o;
      const next = new Set(o);
      for (const n of path.slice(0, -1)) next.add(n);
      return next;
    });
  }, [selected, tree]);
  useEffect(() => {
    ref.current?.querySelector('.pd-node.selected')?.scrollIntoView?.({ block: 'nearest' });
  }, [selected, open]);
  const toggle = (n: FieldNode): void =>
    setOpen((o) => {
      const next = new Set(o);
      if (next.has(n)) next.delete(n);
      else next.add(n);
      return next;
    });
  // Keys as in Wireshark's tree: ↑/↓ the previous/next visible node, → opens (or goes
  // into) a node, ← closes it (or goes to its parent).
  const visible = (): { n: FieldNode; parent: FieldNode | null }[] => {
    const out: { n: FieldNode; parent: FieldNode | null }[] = [];
    const walk = (ns: FieldNode[], parent: FieldNode | null): void => {
      for (const n of ns) {
        out.push({ n, parent });
        if (n.children?.length && open.has(n)) walk(n.children, n);
      }
    };
    walk(tree, null);
    return out;
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const list = visible();
    if (list.length === 0) return;
    const i = selected ? list.findIndex((x) => x.n === selected) : -1;
    const cur = i >= 0 ? list[i] : null;
    const kids = cur?.n.children?.length ? cur.n.children : null;
    if (e.key === 'ArrowDown') onSelect(list[Math.min(list.length - 1, i + 1)].n);
    else if (e.key === 'ArrowUp') onSelect(list[Math.max(0, i - 1)].n);
    else if (e.key === 'ArrowRight' && cur && kids) {
      if (open.has(cur.n)) onSelect(kids[0]);
      else toggle(cur.n);
    } else if (e.key === 'ArrowLeft' && cur) {
      if (kids && open.has(cur.n)) toggle(cur.n);
      else if (cur.parent) onSelect(cur.parent);
    } else return;
    e.preventDefault();
  };
  const render = (ns: FieldNode[], depth: number): ReactNode[] =>
    ns.map((n, i) => {
      const kids = n.children && n.children.length > 0;
      const isOpen = kids && open.has(n);
      return (
        <div key={`${depth}:${i}:${n.name}`} role="treeitem" aria-expanded={kids ? isOpen : undefined} aria-selected={n === selected}>
          <div
            className={`pd-node${n === selected ? ' selected' : ''}${depth === 0 ? ' layer' : ''}`}
            style={{ paddingLeft: 6 + depth * 16 }}
            data-field={n.name}
            data-start={n.start}
            data-end={n.end}
            title={n.end > n.start ? `${n.name} · bytes ${n.start}–${n.end - 1}` : n.name}
            onClick={() => onSelect(n)}
            onDoubleClick={() => kids && toggle(n)}
          >
            <span
              className="pd-twisty"
              onClick={(e) => {
                e.stopPropagation();
                if (kids) toggle(n);
              }}
            >
              {kids ? (isOpen ? '▾' : '▸') : ''}
            </span>
            {n.label}
          </div>
          {isOpen ? <div role="group">{render(n.children!, depth + 1)}</div> : null}
        </div>
      );
    });
  return (
    <div className="packet-detail" data-testid="packet-detail" role="tree" aria-label="packet details" ref={ref} tabIndex={0} onKeyDown={onKey}>
      {render(tree, 0)}
    </div>
  );
});

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 16 bytes a line: offset, hex, ASCII; the selected field's bytes highlighted in both. */
const HexView = memo(function HexView({ bytes, range, onByte }: { bytes: Uint8Array; range: [number, number] | null; onByte(b: number): void }) {
  const lines: ReactNode[] = [];
  const inRange = (b: number): boolean => range !== null && b >= range[0] && b < range[1];
  for (let o = 0; o < bytes.length; o += 16) {
    const hex: ReactNode[] = [];
    const asc: ReactNode[] = [];
    for (let k = 0; k < 16; k++) {
      const b = o + k;
      if (b >= bytes.length) break;
      const hl = inRange(b) ? ' hl' : '';
      hex.push(
        <span key={b} className={`hexb${hl}${k === 8 ? ' gap' : ''}`} data-offset={b} onClick={() => onByte(b)}>
          {HEX[bytes[b]]}
        </span>,
      );
      const c = bytes[b];
      asc.push(
        <span key={b} className={`ascb${hl}`} data-offset={b} onClick={() => onByte(b)}>
          {c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.'}
        </span>,
      );
    }
    lines.push(
      <div key={o} className="hex-line">
        <span className="hex-off">{o.toString(16).padStart(4, '0')}</span>
        <span className="hex-bytes">{hex}</span>
        <span className="hex-ascii">{asc}</span>
      </div>,
    );
  }
  return (
    <div className="hex-view mono" data-testid="hex-view" aria-label="packet bytes">
      {lines}
    </div>
  );
});

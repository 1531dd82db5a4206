// The session: owns the reading of one capture at a time (open → progress → summary,
// cancel) and hands every query to the current CaptureQuery (./capture-query). Pure
// TypeScript: the hosts (stateline serve, Electron's analysis worker; host/) lend it their
// I/O through `SessionHost`.

import { analyzeCapture } from './analyze';
import type { Analysis } from './analysis';
import type {
  ApiArgs,
  DnsMessageView,
  DnsRow,
  EventRow,
  FlowDetail,
  FlowRow,
  IncidentRow,
  Page,
  PacketRow,
  Progress,
  QuicRow,
  SessionStatus,
  StatelineApi,
  Summary,
  Timeline,
} from './api';
import { CaptureQuery, type DnsDecoder } from './capture-query';
import type { AnalysisJson } from './model';

export interface OpenedSource {
  source: AsyncIterable<Uint8Array>;
  size: number | null;
  /** Release the source when reading stops early. */
  close?(): void;
}


/** What a host (stateline serve, Electron's analysis worker) lends the session. */
export interface SessionHost {
  /** Full DNS message decoding (the Node hosts use dns-packet); Stateline's reader when absent. */
  decodeDns?: DnsDecoder;
  openPath?(path: string): Promise<OpenedSource>;
  /** Read a small text file (the TLS key log). */
  readText?(path: string): Promise<string>;
  samplePath?: string | null;
  recent?: { list(): string[]; add(path: string): void };
}

export interface OpenOptions {
  name: string;
  size: number | null;
  keylog?: string | null;
  keylogName?: string | null;
  /** The path, for recent files and for re-reading with a key log. */
  path?: string | null;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

export class StatelineSession implements StatelineApi {
  private gen = 0;
  private state: SessionStatus['state'] = 'empty';
  private name: string | null = null;
  private progress: Progress = { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' };
  private startedAt = 0;
  private elapsed = 0;
  private error: SessionStatus['error'] = null;
  private abort: AbortController | null = null;
  private current: CaptureQuery | null = null;
  private keylogName: string | null = null;
  /** A key log the client sent as text (loadKeylog): applied to every open from then on. */
  private loadedKeylog: { text: string; name: string } | null = null;
  private settled: Promise<void> = Promise.resolve();
  /** Path of the open capture (re-read when a key log is loaded). */
  currentPath: string | null = null;

  constructor(private readonly host: SessionHost = {}) {}

  /** The current analysis's queries, once reading has finished. */
  get query(): CaptureQuery | null {
    return this.current;
  }

  /** Resolves when the current reading finishes (for hosts and tests). */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  async status(): Promise<SessionStatus> {
    return this.snapshot();
  }

  private snapshot(): SessionStatus {
    return {
      state: this.state,
      generation: this.gen,
      name: this.name,
      progress: { ...this.progress },
      elapsedMs: this.state === 'loading' ? Date.now() - this.startedAt : this.elapsed,
      error: this.error,
      sampleAvailable: !!this.host.samplePath,
      keylog: this.keylogName,
    };
  }

  /** Start reading a capture from any byte source (an upload, a file stream). */
  openSource(src: OpenedSource, opts: OpenOptions): SessionStatus {
    this.abort?.abort();
    const gen = ++this.gen;
    const ac = new AbortController();
    this.abort = ac;
    this.state = 'loading';
    this.name = opts.name;
    this.currentPath = opts.path ?? null;
    const keylog = opts.keylog ?? this.loadedKeylog?.text ?? null;
    this.keylogName = opts.keylog ? (opts.keylogName ?? null) : (this.loadedKeylog?.name ?? null);
    this.progress = { bytesRead: 0, totalBytes: opts.size, packets: 0, phase: 'reading' };
    this.error = null;
    this.current = null;
    this.startedAt = Date.now();
    let analysis: Analysis | null = null;
    const run = async (): Promise<void> => {
      try {
        analysis = await analyzeCapture(src.source, {
          totalBytes: opts.size ?? undefined,
          signal: ac.signal,
          trackerOptions: keylog ? { keylog } : {},
          onProgress: (p) => {
            if (gen === this.gen) this.progress = { bytesRead: p.bytesRead, totalBytes: p.totalBytes ?? opts.size, packets: p.packets, phase: p.phase };
          },
        });
        if (gen !== this.gen) return;
        this.progress = { ...this.progress, bytesRead: Math.max(this.progress.bytesRead, analysis.info.bytes ?? 0), packets: analysis.packets, phase: 'indexing' };
        // the query tables: a turn of the event loop first, so a status poll sees the phase
        await new Promise<void>((ok) => setTimeout(ok, 0));
        if (gen !== this.gen) return;
        const query = new CaptureQuery(analysis, opts.name);
        if (this.host.decodeDns) query.decodeDns = this.host.decodeDns;
        this.current = query;
        this.state = 'ready';
        query.warmSortOrders(() => this.current === query);
        if (opts.path) this.host.recent?.add(opts.path);
      } catch (e) {
        if (gen !== this.gen) return;
        const err = e as Error & { offset?: number; frame?: number };
        if (ac.signal.aborted || err.name === 'CaptureCancelledError') {
          this.state = 'cancelled';
          this.error = null;
        } else {
          this.state = 'error';
          this.error = {
            message: err.message || String(e),
            frame: typeof err.frame === 'number' ? err.frame : null,
            offset: typeof err.offset === 'number' ? err.offset : null,
          };
        }
        src.close?.();
      } finally {
        if (gen === this.gen) {
          this.elapsed = Date.now() - this.startedAt;
          this.abort = null;
        }
      }
    };
    this.settled = run();
    return this.snapshot();
  }

  async openPath(args: ApiArgs<'openPath'>): Promise<SessionStatus> {
    if (!this.host.openPath) throw new Error('this host cannot open files by path');
    let keylog: string | null = null;
    if (args.keylogPath) {
      if (!this.host.readText) throw new Error('this host cannot read key logs');
      keylog = await this.host.readText(args.keylogPath);
    }
    let src: OpenedSource;
    try {
      src = await this.host.openPath(args.path);
    } catch (e) {
      this.abort?.abort();
      this.gen++;
      this.state = 'error';
      this.name = baseName(args.path);
      this.current = null;
      this.progress = { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' };
      this.error = { message: (e as Error).message, frame: null, offset: null };
      return this.snapshot();
    }
    return this.openSource(src, { name: baseName(args.path), size: src.size, keylog, keylogName: args.keylogPath ? baseName(args.keylogPath) : null, path: args.path });
  }

  async openSample(): Promise<SessionStatus> {
    if (!this.host.samplePath) throw new Error('no sample capture ships with this build');
    return this.openPath({ path: this.host.samplePath });
  }

  async cancel(): Promise<SessionStatus> {
    this.abort?.abort();
    return this.snapshot();
  }

  /** Close the capture: reading stops, its analysis is let go, the views go back to the start. */
  async close(): Promise<SessionStatus> {
    this.abort?.abort();
    this.abort = null;
    this.gen++;
    this.state = 'empty';
    this.name = null;
    this.current = null;
    this.currentPath = null;
    this.keylogName = null;
    this.error = null;
    this.progress = { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' };
    this.elapsed = 0;
    return this.snapshot();
  }

  async loadKeylog(args: ApiArgs<'loadKeylog'>): Promise<SessionStatus & { reread: boolean }> {
    this.loadedKeylog = { text: args.text, name: baseName(args.name) };
    const path = this.currentPath;
    if (path && this.host.openPath && (this.state === 'ready' || this.state === 'loading')) {
      const st = await this.openPath({ path });
      return { ...st, reread: true };
    }
    return { ...this.snapshot(), reread: false };
  }

  async locateFrame(args: ApiArgs<'locateFrame'>): Promise<PacketRow | null> {
    return this.current?.locateFrame(args.frame) ?? null;
  }

  async recentFiles(): Promise<string[]> {
    return this.host.recent?.list() ?? [];
  }

  async summary(): Promise<Summary | null> {
    return this.current?.summary() ?? null;
  }

  async flows(args: ApiArgs<'flows'> = {}): Promise<Page<FlowRow>> {
    return this.current?.flows(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async flow(args: ApiArgs<'flow'>): Promise<FlowDetail | null> {
    return this.current?.flow(args.id) ?? null;
  }

  async timeline(args: ApiArgs<'timeline'>): Promise<Timeline> {
    return this.current?.timeline(args) ?? { flow: args.flow, from: 0, to: 0, bucket: 0, rate: [], markers: [], points: null, packetsInRange: 0 };
  }

  async events(args: ApiArgs<'events'> = {}): Promise<Page<EventRow>> {
    return this.current?.events(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async incidents(): Promise<IncidentRow[]> {
    return this.current?.incidents() ?? [];
  }

  async dnsTransactions(args: ApiArgs<'dnsTransactions'> = {}): Promise<Page<DnsRow>> {
    return this.current?.dnsTransactions(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async dnsMessage(args: ApiArgs<'dnsMessage'>): Promise<DnsMessageView | null> {
    return this.current?.dnsMessage(args.index) ?? null;
  }

  async quicConnections(args: ApiArgs<'quicConnections'> = {}): Promise<QuicRow[]> {
    return this.current?.quicConnections(args) ?? [];
  }

  async packets(args: ApiArgs<'packets'>): Promise<Page<PacketRow>> {
    return this.current?.packets(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async exportJson(): Promise<AnalysisJson | null> {
    return this.current?.exportJson() ?? null;
  }

  async exportFlowsCsv(args: ApiArgs<'exportFlowsCsv'> = {}): Promise<string> {
    return this.current?.flowsCsv(args) ?? '';
  }
}

// The session: owns the reading of one capture at a time (open → progress → summary,
// cancel) and hands every query to the current CaptureQuery (./capture-query). Pure
// TypeScript: the hosts (stateline serve, Electron's analysis worker; host/) lend it their
// I/O through `SessionHost`.
//
// Reading the open capture again, for what the analysis did not keep:
//  - frameSource(): positioned reads of frame bytes (./frame-bytes readFrame/readFrames;
//    the packet detail, follow stream), on the file the capture came from — for an
//    upload the spool the host wrote it to (OpenOptions.spool), for gzip a decompressed
//    copy (the host's choice, host/frame-source.ts);
//  - reopen(): the whole capture as a fresh OpenedSource, to stream it through a second
//    pass (the display filters). Both null / rejecting when the capture came from a
//    source that cannot be read again.
// Both are released when the capture is replaced and by dispose().

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
  PacketDetail,
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
import type { FrameBytesSource } from './frame-bytes';
import { describeRows, packetDetail } from './packet-detail';

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
  /** Positioned reads on a capture file (./frame-bytes); `compressed`: it is gzip (offsets are in uncompressed bytes). */
  frameSource?(path: string, compressed: boolean): FrameBytesSource;
}

/** A streamed capture (an upload) as the host keeps it on disk so that it can be read again. */
export interface SpooledCapture {
  /** The copy; complete once `done` resolves. */
  path: string;
  done: Promise<void>;
  /** Deletes the copy. */
  remove(): Promise<void>;
}

export interface OpenOptions {
  name: string;
  size: number | null;
  keylog?: string | null;
  keylogName?: string | null;
  /** The path, for recent files and for re-reading with a key log. */
  path?: string | null;
  /** A streamed source's copy on disk (stateline serve's uploads): what frameSource and reopen read; the session removes it when the capture is replaced or disposed. */
  spool?: SpooledCapture | null;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

export class StatelineSession implements StatelineApi {
  private gen = 0;
  private state: SessionStatus['state'] = 'empty';
  private name: string | null = null;
  private progress: Progress = { bytesRead: 0, totalBytes: null, packets: 0 };
  private startedAt = 0;
  private elapsed = 0;
  private error: SessionStatus['error'] = null;
  private abort: AbortController | null = null;
  private current: CaptureQuery | null = null;
  private keylogName: string | null = null;
  private settled: Promise<void> = Promise.resolve();
  /** Path of the open capture (re-read when a key log is loaded). */
  currentPath: string | null = null;
  /** Where the open capture can be read again (its path, or its spool), and whether it is gzip. */
  private reread: { path: string; spool: SpooledCapture | null; compressed: boolean } | null = null;
  private spool: SpooledCapture | null = null;
  private frames: FrameBytesSource | null = null;

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
    void this.release();
    this.spool = opts.spool ?? null;
    const gen = ++this.gen;
    const ac = new AbortController();
    this.abort = ac;
    this.state = 'loading';
    this.name = opts.name;
    this.currentPath = opts.path ?? null;
    this.keylogName = opts.keylogName ?? null;
    this.progress = { bytesRead: 0, totalBytes: opts.size, packets: 0 };
    this.error = null;
    this.current = null;
    this.startedAt = Date.now();
    let analysis: Analysis | null = null;
    const run = async (): Promise<void> => {
      try {
        analysis = await analyzeCapture(src.source, {
          totalBytes: opts.size ?? undefined,
          signal: ac.signal,
          trackerOptions: opts.keylog ? { keylog: opts.keylog } : {},
          onProgress: (p) => {
            if (gen === this.gen) this.progress = { bytesRead: p.bytesRead, totalBytes: p.totalBytes ?? opts.size, packets: p.packets };
          },
        });
        if (gen !== this.gen) return;
        this.progress = { ...this.progress, bytesRead: Math.max(this.progress.bytesRead, analysis.info.bytes ?? 0), packets: analysis.packets };
        const rereadPath = opts.spool?.path ?? opts.path ?? null;
        this.reread = rereadPath !== null ? { path: rereadPath, spool: opts.spool ?? null, compressed: analysis.info.compressed } : null;
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
      void this.release();
      this.gen++;
      this.state = 'error';
      this.name = baseName(args.path);
      this.current = null;
      this.progress = { bytesRead: 0, totalBytes: null, packets: 0 };
      this.error = { message: (e as Error).message, frame: null, offset: null };
      return this.snapshot();
    }
    return this.openSource(src, { name: baseName(args.path), size: src.size, keylog, keylogName: args.keylogPath ? baseName(args.keylogPath) : null, path: args.path });
  }

  async openSample(): Promise<SessionStatus> {
    if (!this.host.samplePath) throw new Error('no sample capture ships with this build');
    return this.openPath({ path: this.host.samplePath });
  }

  /**
   * Positioned reads of the open capture's frames (./frame-bytes readFrame/readFrames),
   * opened on first use; null before the analysis is ready or when the capture cannot be
   * read again (a stream without a spool, a host without frameSource).
   */
  async frameSource(): Promise<FrameBytesSource | null> {
    const r = this.reread;
    if (!r || !this.host.frameSource || this.state !== 'ready') return null;
    if (r.spool) await r.spool.done;
    if (this.reread !== r) return null;
    return (this.frames ??= this.host.frameSource(r.path, r.compressed));
  }

  /**
   * The open capture streamed again from the start (a second pass over every packet:
   * the display filters). As the host's openPath: the caller iterates it to the end or
   * calls close(). Rejects when the capture cannot be read again.
   */
  async reopen(): Promise<OpenedSource> {
    const r = this.reread;
    if (!r || !this.host.openPath || this.state !== 'ready') throw new Error('the open capture cannot be read again');
    if (r.spool) await r.spool.done;
    return this.host.openPath(r.path);
  }

  /** Releases what the open capture holds for re-reading (the frame source, the spool). Hosts call it at exit. */
  async dispose(): Promise<void> {
    this.abort?.abort();
    await this.release();
  }

  private release(): Promise<void> {
    const frames = this.frames, spool = this.spool;
    this.frames = null;
    this.spool = null;
    this.reread = null;
    return (async () => {
      await frames?.close().catch(() => undefined);
      await spool?.remove().catch(() => undefined);
    })();
  }

  async cancel(): Promise<SessionStatus> {
    this.abort?.abort();
    return this.snapshot();
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

  async packets(args: ApiArgs<'packets'> = {}): Promise<Page<PacketRow>> {
    const q = this.current;
    if (!q) return { total: 0, offset: 0, rows: [] };
    const page = q.packets(args);
    // Wireshark's Source/Destination/Protocol/Info columns need the frames' bytes
    const src = await this.frameSource();
    if (src && this.current === q && page.rows.length) {
      try {
        page.rows = await describeRows(q.analysis, src, page.rows);
      } catch {
        // the file changed or went away: the rows without those columns
      }
    }
    return page;
  }

  async packetDetail(args: ApiArgs<'packetDetail'>): Promise<PacketDetail | null> {
    const q = this.current;
    const src = await this.frameSource();
    if (!q || !src || args.frame > q.analysis.packets) return null;
    return packetDetail(q.analysis, src, args.frame, q.packetRow(args.frame - 1));
  }

  async exportJson(): Promise<AnalysisJson | null> {
    return this.current?.exportJson() ?? null;
  }

  async exportFlowsCsv(args: ApiArgs<'exportFlowsCsv'> = {}): Promise<string> {
    return this.current?.flowsCsv(args) ?? '';
  }
}

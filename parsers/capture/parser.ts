// The contract between the capture reader (reader.ts) and the format parsers (pcap.ts,
// pcapng.ts): what a parser sees of the reader, and what the reader asks of a parser.
// A module of its own so that the parsers need not import the reader that imports them.

import type { CaptureError, CaptureInfo, CaptureRecord, RecordView } from './types';

/** What a format parser sees of the reader. */
export interface ParserHost {
  readonly info: CaptureInfo;
  /** The one reused record object. */
  readonly rec: RecordView;
  readonly onRecord: (r: CaptureRecord) => void;
  /** Set by a parser when reading cannot go on. */
  stopped: boolean;
  error(frame: number, offset: number, message: string, effect: NonNullable<CaptureError['effect']>): void;
}

/** One capture format's record loop (classic pcap or pcapng). */
export interface FormatParser {
  /** Bytes of a record needed to know its total length. */
  readonly headerLen: number;
  /**
   * Total length of the record at p (headerLen bytes available), or -1 when it is
   * unusable (the parser has recorded the error and set host.stopped).
   */
  recordLength(dv: DataView, p: number, base: number): number;
  /**
   * Delivers every complete record in buf[p, end) and returns where it stopped: at the
   * first incomplete record, or at a record that stopped reading (host.stopped set).
   * `base` is the file offset of buf[0].
   */
  parse(buf: Uint8Array, dv: DataView, p: number, end: number, base: number): number;
  /** The file ended inside the record at `base` of which `have` bytes are in buf. */
  cutShort(dv: DataView, have: number, base: number): void;
  /** True once the file header (pcap global header, first pcapng SHB) has been read. */
  readonly headerRead: boolean;
}

// The capture reader's contract: plain data (and the record a reader reuses). No Node, no DOM.

/** One record of a capture file, handed to the sink while the reader holds it. */
export interface CaptureRecord {
  /** 1-based, in file order, as Wireshark numbers frames. */
  frame: number;
  /** Byte offset of the record (pcap record header / pcapng block) in the uncompressed file. */
  offset: number;
  /**
   * Byte offset of the packet bytes (`data`) in the uncompressed file: with capLen, what
   * reads the frame back later (analysis/frame-bytes.ts).
   */
  dataOffset: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  /** LINKTYPE_* value of the record's interface. */
  linkType: number;
  /** Timestamp: whole seconds since the epoch and the nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /** Bytes present in the file, and the length on the wire. */
  capLen: number;
  origLen: number;
  /**
   * The packet bytes (length capLen). A view into the reader's buffer: valid only
   * during the callback; copy it to keep it.
   */
  data: Uint8Array;
  /**
   * The same bytes as `bytes[bytesOff, bytesOff + capLen)`: the buffer the record lies
   * in. A reader (RecordView) makes the `data` view only when it is asked for, so a sink
   * that decodes from here (analysis/analyze.ts) costs no object per record.
   */
  bytes: Uint8Array;
  bytesOff: number;
  /** pcapng opt_comment values of the packet block, if any. */
  comments: string[] | null;
}

const NO_BYTES = new Uint8Array(0);

/**
 * The reused record of a reader: `data` is made from `bytes`/`bytesOff`/`capLen` on
 * first use. (A view per record was a quarter of the reading's time and most of its
 * garbage; most sinks never ask for one.)
 */
export class RecordView implements CaptureRecord {
  frame = 0;
  offset = 0;
  dataOffset = 0;
  interfaceId = 0;
  linkType = 0;
  tsSec = 0;
  tsNsec = 0;
  capLen = 0;
  origLen = 0;
  bytes: Uint8Array = NO_BYTES;
  bytesOff = 0;
  comments: string[] | null = null;
  private view: Uint8Array | null = NO_BYTES;

  /** The record's bytes are bytes[off, off + capLen) (set capLen too). */
  at(bytes: Uint8Array, off: number): void {
    this.bytes = bytes;
    this.bytesOff = off;
    this.view = null;
  }

  get data(): Uint8Array {
    // the Uint8Array constructor, not subarray: ~4x cheaper in V8 (subarray looks up the
    // species constructor and takes a generic path)
    return (this.view ??= new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.bytesOff, this.capLen));
  }

  set data(d: Uint8Array) {
    this.bytes = d;
    this.bytesOff = 0;
    this.view = d;
  }
}

/** A damaged or cut-short part of the file. Everything before it was delivered. */
export interface CaptureError {
  /** The frame number the damaged record would have had (1-based). */
  frame: number;
  /** Byte offset in the uncompressed file where the damage was found. */
  offset: number;
  message: string;
  /**
   * What the reader did about it: 'delivered' = a warning, the record was still handed
   * on; 'skipped' = this block was left out and reading went on after it; 'stopped' =
   * reading stopped here. (Added by the reader; absent on errors made elsewhere.)
   */
  effect?: 'delivered' | 'skipped' | 'stopped';
  /** In a capture set (./set): the file the damage is in (`frame` is then the set's frame). */
  file?: string;
}

export interface CaptureInterface {
  id: number;
  /** pcapng section number (0-based) this interface belongs to. */
  section: number;
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (1e6 for microseconds, 1e9 for nanoseconds, or a power of two). */
  tsUnitsPerSec: number;
  /** if_tsoffset: seconds added to every timestamp. */
  tsOffset: number;
  name: string | null;
  description: string | null;
}

/** pcapng Decryption Secrets Block (type 0x0000000A). */
export interface DecryptionSecret {
  /** Secrets type, e.g. 0x544c534b ('TLSK', an NSS key log). */
  type: number;
  data: Uint8Array;
  offset: number;
}

export interface NameResolution {
  address: string;
  names: string[];
}

export interface InterfaceStatistics {
  interfaceId: number;
  received: number | null;
  dropped: number | null;
}

export interface CaptureInfo {
  format: 'pcap' | 'pcapng';
  compressed: boolean;
  /** Classic pcap only: 'us' or 'ns'. pcapng keeps a resolution per interface. */
  resolution: 'us' | 'ns' | null;
  /** File byte order of the (first) section. */
  byteOrder: 'little' | 'big';
  version: string;
  interfaces: CaptureInterface[];
  sections: number;
  secrets: DecryptionSecret[];
  names: NameResolution[];
  statistics: InterfaceStatistics[];
  /** Blocks of unknown or custom types skipped by length. */
  skippedBlocks: number;
  errors: CaptureError[];
  /**
   * Errors beyond the first 1000 are only counted here (a file with a warning on every
   * record must not grow memory); the error that stopped reading is always listed.
   */
  errorsNotListed?: number;
  /** Records delivered. */
  records: number;
  /** Uncompressed bytes consumed. */
  bytes: number;
}

/** Thrown when the input is not a capture at all (nothing could be read). */
export class NotACaptureError extends Error {
  constructor(message: string, readonly offset = 0) {
    super(message);
    this.name = 'NotACaptureError';
  }
}

/**
 * Thrown by a record sink (ReadOptions.onRecord) to stop reading at the record it was
 * given: the record is not counted, its frame and offset and this message become the
 * error that stopped reading, and everything before it is kept (the analysis's flow
 * table uses it when full).
 */
export class CaptureStop extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureStop';
  }
}

export class CaptureCancelledError extends Error {
  constructor() {
    super('reading was cancelled');
    this.name = 'CaptureCancelledError';
  }
}

/** The LINKTYPE_* values of CaptureRecord.linkType that the decoder reads: one table, in parsers/decode. */
export { LinkType } from '../decode/linktypes';

// Per-packet facts as columns of typed arrays (DESIGN.md "Data structures for scale"):
// a few dozen bytes per packet, no object per packet. Grown by doubling, then by half
// past a million slots (doubling would leave up to half the columns unused at the
// peak), or reserved at once from an estimate.
//
// Some columns serve only reading frames back and per-packet rows (`stateline serve`,
// the UI, display filters, `packets`, `export`'s packets table, `diff`): the wire
// length, the TCP flags and the record's offset. An analysis that needs none of them
// (`stateline analyze`) drops them before the first packet (withoutDetail): 17 bytes
// per packet instead of 27.

export class PacketColumns {
  length = 0;
  /** False after withoutDetail(): wireLen, tcpFlags, dataOffset and capLen are not kept. */
  detail = true;
  /** Seconds since the epoch. */
  time = new Float64Array(1024);
  /** Flow id (1-based) or 0 when the packet belongs to no flow. */
  flow = new Uint32Array(1024);
  /** 0 = client → server, 1 = server → client. */
  dir = new Uint8Array(1024);
  /** Transport payload bytes (as the headers state them). */
  payloadLen = new Uint32Array(1024);
  /** Original (wire) length of the frame (detail). */
  wireLen = new Uint32Array(1024);
  /** TCP flags (FIN=1 … CWR=0x80, NS=0x100), 0 for others (detail). */
  tcpFlags = new Uint16Array(1024);
  /**
   * Where the frame's bytes are in the uncompressed file, to read them back on demand
   * (./frame-bytes): 4 bytes per packet in the common case. A Uint32Array until an
   * offset passes 4 GiB, then a Float64Array (detail).
   */
  dataOffset: Uint32Array | Float64Array = new Uint32Array(1024);
  /** Bytes captured per frame: null while every frame was captured whole (capLen = wireLen), as most captures are. */
  private capLens: Uint32Array | null = null;
  /** The record's LINKTYPE_* as runs (a capture has one or a few): the first index of each run, and its link type. */
  private readonly linkFrom: number[] = [];
  private readonly linkTypes: number[] = [];

  /**
   * Keep only what the analysis itself reads (time, flow, direction, payload length):
   * frames cannot be read back, nor packet rows built. Before the first push.
   */
  withoutDetail(): void {
    if (this.length > 0) throw new Error('withoutDetail() after the first packet');
    this.detail = false;
    this.wireLen = new Uint32Array(0);
    this.tcpFlags = new Uint16Array(0);
    this.dataOffset = new Uint32Array(0);
  }

  push(time: number, flow: number, dir: number, wireLen: number, payloadLen: number, tcpFlags: number, dataOffset: number, capLen: number, linkType: number): number {
    const i = this.length;
    if (i === this.time.length) this.grow();
    this.time[i] = time;
    this.flow[i] = flow;
    this.dir[i] = dir;
    this.payloadLen[i] = payloadLen;
    if (this.detail) {
      this.wireLen[i] = wireLen;
      this.tcpFlags[i] = tcpFlags;
      if (dataOffset > 0xffffffff && this.dataOffset instanceof Uint32Array) this.dataOffset = Float64Array.from(this.dataOffset);
      this.dataOffset[i] = dataOffset;
      if (capLen !== wireLen && this.capLens === null) this.capLens = growTo(this.wireLen.subarray(0, i), new Uint32Array(this.time.length));
      if (this.capLens !== null) this.capLens[i] = capLen;
    }
    const runs = this.linkTypes.length;
    if (runs === 0 || this.linkTypes[runs - 1] !== linkType) {
      this.linkFrom.push(i);
      this.linkTypes.push(linkType);
    }
    this.length = i + 1;
    return i;
  }

  /** Bytes captured of packet i. */
  capLen(i: number): number {
    if (!this.detail) throw new Error('the analysis kept no packet detail (AnalyzeOptions.packetDetail): frames cannot be read back');
    return this.capLens !== null ? this.capLens[i] : this.wireLen[i];
  }

  /** LINKTYPE_* of packet i's record. */
  linkType(i: number): number {
    const from = this.linkFrom;
    let lo = 0, hi = from.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (from[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.linkTypes[lo] ?? 0;
  }

  /**
   * Make room for `n` packets at once (the analysis estimates the count from the file
   * size), sparing the copies and garbage of growing step by step.
   */
  reserve(n: number): void {
    if (n > this.time.length) this.grow(n);
  }

  /** Packet slots allocated (length of them used). */
  get capacity(): number {
    return this.time.length;
  }

  /** Bytes each packet slot takes in the columns held now (4 more with captured lengths, 4 more past 4 GiB; 17 without detail). */
  get bytesPerPacket(): number {
    let n = 0;
    for (const c of this.held()) n += c.BYTES_PER_ELEMENT;
    return n;
  }

  /** Bytes the columns hold (capacity × bytesPerPacket). */
  get byteLength(): number {
    let n = 0;
    for (const c of this.held()) n += c.byteLength;
    return n;
  }

  private held(): Column[] {
    const cols: Column[] = [this.time, this.flow, this.dir, this.payloadLen];
    if (this.detail) cols.push(this.wireLen, this.tcpFlags, this.dataOffset);
    if (this.capLens !== null) cols.push(this.capLens);
    return cols;
  }

  private grow(want = 0): void {
    const cap = this.time.length;
    const n = Math.max(cap < GROW_BY_HALF ? cap * 2 : cap + (cap >>> 1), want);
    this.time = growTo(this.time, new Float64Array(n));
    this.flow = growTo(this.flow, new Uint32Array(n));
    this.dir = growTo(this.dir, new Uint8Array(n));
    this.payloadLen = growTo(this.payloadLen, new Uint32Array(n));
    if (!this.detail) return;
    this.wireLen = growTo(this.wireLen, new Uint32Array(n));
    this.tcpFlags = growTo(this.tcpFlags, new Uint16Array(n));
    const off = this.dataOffset instanceof Uint32Array ? new Uint32Array(n) : new Float64Array(n);
    off.set(this.dataOffset);
    this.dataOffset = off;
    if (this.capLens !== null) this.capLens = growTo(this.capLens, new Uint32Array(n));
  }
}

/** What the byte counts read of a column. */
interface Column {
  readonly BYTES_PER_ELEMENT: number;
  readonly byteLength: number;
}

/** Capacity from which the columns grow by half, not by doubling. */
const GROW_BY_HALF = 1 << 20;

function growTo<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(old: T, next: T): T {
  next.set(old as never);
  return next;
}

/**
 * A capture set's file of each packet (its index in Analysis.files), to read the frame
 * back from that file: its dataOffset is in it (./frame-bytes). One byte per packet (two
 * past 256 files, four past 65,536); a single file has none (Analysis.frameFiles null).
 */
export class FrameFileColumn {
  length = 0;
  private data: Uint8Array | Uint16Array | Uint32Array = new Uint8Array(1024);

  push(file: number): void {
    const i = this.length;
    if (file > 0xff && this.data instanceof Uint8Array) this.data = Uint16Array.from(this.data);
    if (file > 0xffff && !(this.data instanceof Uint32Array)) this.data = Uint32Array.from(this.data);
    if (i === this.data.length) {
      const next = new (this.data.constructor as Uint8ArrayConstructor)(i * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = file;
    this.length = i + 1;
  }

  /** The file of packet i. */
  get(i: number): number {
    return this.data[i];
  }

  /** Packet i's frame number in its own file (1-based), for messages: a scan, not kept. */
  frameInFile(i: number): number {
    const f = this.data[i];
    let n = 0;
    for (let j = 0; j <= i; j++) if (this.data[j] === f) n++;
    return n;
  }

  /** Bytes held (the memory figures). */
  get byteLength(): number {
    return this.data.byteLength;
  }
}

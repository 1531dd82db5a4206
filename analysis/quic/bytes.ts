// Bytes for the QUIC tracker: the arena that holds the copies it keeps (CIDs, datagram
// heads, packets for decryption) and the comparisons of CIDs against a datagram, as
// bytes or as the hex strings the connections list them by.

/** Copies of the packets kept for decryption, packed into large chunks (no ArrayBuffer per packet). */
export class ByteArena {
  private chunk = new Uint8Array(0);
  private used = 0;

  copy(d: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    const o = this.reserve(n);
    const c = this.chunk;
    if (n <= 64) for (let i = 0; i < n; i++) c[o + i] = d[start + i]; // no subarray for a CID
    else c.set(d.subarray(start, end), o);
    return c.subarray(o, o + n);
  }

  /** d[off, off+21) (or to end), then, for at least 21 bytes, d[end-16, end): in one copy. */
  copyHeadTail(d: Uint8Array, off: number, end: number): Uint8Array {
    const h = Math.min(end - off, 21);
    const n = end - off >= 21 ? h + 16 : h;
    const o = this.reserve(n);
    const c = this.chunk;
    for (let i = 0; i < h; i++) c[o + i] = d[off + i];
    for (let i = h; i < n; i++) c[o + i] = d[end - 16 + i - h];
    return c.subarray(o, o + n);
  }

  /** A CID's bytes from its hex. */
  fromHex(cid: string): Uint8Array {
    const n = cid.length >> 1;
    const o = this.reserve(n);
    const c = this.chunk;
    for (let i = 0; i < n; i++) c[o + i] = (hexDigit(cid.charCodeAt(2 * i)) << 4) | hexDigit(cid.charCodeAt(2 * i + 1));
    return c.subarray(o, o + n);
  }

  /** Room for n bytes: their offset in this.chunk. */
  private reserve(n: number): number {
    if (this.used + n > this.chunk.length) {
      this.chunk = new Uint8Array(Math.max(1 << 20, n));
      this.used = 0;
    }
    const o = this.used;
    this.used = o + n;
    return o;
  }
}

/** The value of a lowercase hex digit's character code (as header.ts hex writes them). */
function hexDigit(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/** Are the bytes of `a` at d[off] (before `end`: where the packet's bytes end in d)? */
export function bytesEq(a: Uint8Array, d: Uint8Array, off: number, end = d.length): boolean {
  if (off + a.length > end) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== d[off + i]) return false;
  return true;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && bytesEq(a, b, 0);
}

/** Is the hex CID (from character `from`, e.g. 1 after a side prefix) at d[off] (before `end`)? */
export function bytesEqHex(cid: string, d: Uint8Array, off: number, from = 0, end = d.length): boolean {
  const L = (cid.length - from) / 2;
  if (off + L > end) return false;
  for (let i = 0; i < L; i++) {
    const b = d[off + i];
    const v = (hexDigit(cid.charCodeAt(from + 2 * i)) << 4) | hexDigit(cid.charCodeAt(from + 2 * i + 1));
    if (v !== b) return false;
  }
  return true;
}

/** Is the CID at d[off..off+len) in the list (hex strings)? */
export function hasCid(list: string[], d: Uint8Array, off: number, len: number): boolean {
  for (let i = 0; i < list.length; i++) if (list[i].length === 2 * len && bytesEqHex(list[i], d, off)) return true;
  return false;
}

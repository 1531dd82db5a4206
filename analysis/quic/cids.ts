// The CID index: which connection a connection ID belongs to (RFC 9000 5.1).
//
// Each side chooses the CIDs its peer sends to; the index keeps them per side (so the
// direction of a packet follows from whose CID it carries), plus the client's first
// Initial DCID, which names the connection until the server chose its own. A short
// header's DCID has no length on the wire: it is matched by prefix against the CIDs
// known, as Wireshark's packet-quic.c does. Lookups read the datagram in place, without
// building a key string (this runs for packets whose 4-tuple's fast path missed).

import { bytesEq, bytesEqHex, type ByteArena } from './bytes';
import type { QuicConn } from './conn';

/** A 30-bit hash of a CID's length and first bytes (a Smi, so Map lookups allocate nothing). */
function cidHash(d: Uint8Array, off: number, len: number): number {
  let h = len * 0x9e3779b1;
  const n = len < 6 ? len : 6;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ d[off + i], 0x01000193);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

export interface CidEntry {
  bytes: Uint8Array;
  conn: QuicConn;
  next: CidEntry | null;
}

/**
 * CID bytes → connection, looked up in the datagram without building a key string. The
 * key hashes at most the first 6 bytes, and CIDs of 6 bytes or more share it (the length
 * is not in it): one lookup finds every such CID that a DCID may start with (longest).
 */
export class CidIndex {
  private readonly m = new Map<number, CidEntry>();

  /** The entry whose CID is exactly the `len` bytes at `off`. */
  find(d: Uint8Array, off: number, len: number): CidEntry | null {
    let e = this.m.get(cidHash(d, off, len < 6 ? len : 6)) ?? null;
    for (; e !== null; e = e.next) if (e.bytes.length === len && bytesEq(e.bytes, d, off)) return e;
    return null;
  }

  /** The longest CID of 6 to maxLen bytes (maxLen ≥ 6) that the bytes at `off` start with. */
  longest(d: Uint8Array, off: number, maxLen: number): CidEntry | null {
    let best: CidEntry | null = null;
    for (let e = this.m.get(cidHash(d, off, 6)) ?? null; e !== null; e = e.next) {
      const L = e.bytes.length;
      if (L >= 6 && L <= maxLen && (best === null || L > best.bytes.length) && bytesEq(e.bytes, d, off)) best = e;
    }
    return best;
  }

  get(d: Uint8Array, off: number, len: number): QuicConn | undefined {
    return this.find(d, off, len)?.conn;
  }

  /** As Map.set: a later connection with the same CID replaces the earlier. */
  set(bytes: Uint8Array, conn: QuicConn): void {
    const e = this.find(bytes, 0, bytes.length);
    if (e !== null) { e.conn = conn; return; }
    const h = cidHash(bytes, 0, bytes.length < 6 ? bytes.length : 6);
    this.m.set(h, { bytes, conn, next: this.m.get(h) ?? null });
  }
}

/** Every connection's CIDs: the index per side, the CID lengths in use, one copy of each CID's bytes. */
export class ConnectionIds {
  /** CIDs the client chose (the server sends to them) → connection. */
  readonly client = new CidIndex();
  /** CIDs the server chose (the client sends to them) → connection. */
  readonly server = new CidIndex();
  /** The client's first Initial DCID → connection. */
  readonly initial = new CidIndex();
  /** CID lengths in use (bit per length), as Wireshark keeps them. */
  lengths = 0;
  /** CID (hex) → its bytes, shared by the flows' fast paths. */
  private readonly bytes = new Map<string, Uint8Array>();

  constructor(private readonly arena: ByteArena) {}

  /** A CID (hex) of the connection, chosen by the server or the client: listed once and indexed. */
  add(c: QuicConn, cid: string, server: boolean): void {
    const list = server ? c.serverCids : c.clientCids;
    if (list.includes(cid)) return;
    list.push(cid);
    (server ? this.server : this.client).set(this.bytesOf(cid), c);
    if (cid.length) this.lengths |= 1 << (cid.length / 2);
  }

  /** The bytes of the first CID of the list that the datagram d[off, end) starts with. */
  prefixMatch(cids: string[], d: Uint8Array, off: number, end: number): Uint8Array | null {
    for (let i = 0; i < cids.length; i++) {
      const cid = cids[i];
      const L = cid.length / 2;
      if (off + L > end) continue;
      if (bytesEqHex(cid, d, off)) return this.bytesOf(cid);
    }
    return null;
  }

  /**
   * The connection of the longest known CID (at most maxLen bytes) that d[off…] starts
   * with, the client's CID first at equal length; `server` tells whose CID it is.
   */
  byPrefix(d: Uint8Array, off: number, maxLen: number): { conn: QuicConn; server: boolean; len: number } | null {
    for (let len = Math.min(20, maxLen); len >= 1; len--) {
      if ((this.lengths & (1 << len)) === 0) continue;
      const cc = this.client.get(d, off, len);
      if (cc) return { conn: cc, server: false, len };
      const sc = this.server.get(d, off, len);
      if (sc) return { conn: sc, server: true, len };
    }
    return null;
  }

  /** The bytes of a CID (hex), one shared copy per CID. */
  bytesOf(cid: string): Uint8Array {
    let b = this.bytes.get(cid);
    if (b === undefined) this.bytes.set(cid, (b = this.arena.fromHex(cid)));
    return b;
  }
}

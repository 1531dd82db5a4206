// QUIC frames of a decrypted payload (RFC 9000 19; DATAGRAM RFC 9221; ACK_FREQUENCY).
// Only the frames that carry connection state are kept whole; the rest are named.

import { readVarint, varintLen, hex } from './header';

export type QuicFrame =
  | { type: 'padding'; length: number }
  | { type: 'ping' }
  | { type: 'ack'; largest: number; ecn: boolean }
  | { type: 'crypto'; offset: number; data: Uint8Array }
  | { type: 'new_connection_id'; seq: number; retirePriorTo: number; cid: string; resetToken: string }
  | { type: 'retire_connection_id'; seq: number }
  | { type: 'path_challenge'; data: string }
  | { type: 'path_response'; data: string }
  | { type: 'connection_close'; application: boolean; errorCode: number; frameType: number | null; reason: string }
  | { type: 'handshake_done' }
  | { type: 'new_token' }
  /** `data`: a view into the decrypted payload (valid while it is). */
  | { type: 'stream'; id: number; offset: number; length: number; fin: boolean; data: Uint8Array }
  | { type: 'other'; code: number };

export const TRANSPORT_ERRORS: Record<number, string> = {
  0x00: 'NO_ERROR', 0x01: 'INTERNAL_ERROR', 0x02: 'CONNECTION_REFUSED', 0x03: 'FLOW_CONTROL_ERROR',
  0x04: 'STREAM_LIMIT_ERROR', 0x05: 'STREAM_STATE_ERROR', 0x06: 'FINAL_SIZE_ERROR', 0x07: 'FRAME_ENCODING_ERROR',
  0x08: 'TRANSPORT_PARAMETER_ERROR', 0x09: 'CONNECTION_ID_LIMIT_ERROR', 0x0a: 'PROTOCOL_VIOLATION',
  0x0b: 'INVALID_TOKEN', 0x0c: 'APPLICATION_ERROR', 0x0d: 'CRYPTO_BUFFER_EXCEEDED', 0x0e: 'KEY_UPDATE_ERROR',
  0x0f: 'AEAD_LIMIT_REACHED', 0x10: 'NO_VIABLE_PATH',
};

export const H3_ERRORS: Record<number, string> = {
  0x100: 'H3_NO_ERROR', 0x101: 'H3_GENERAL_PROTOCOL_ERROR', 0x102: 'H3_INTERNAL_ERROR', 0x103: 'H3_STREAM_CREATION_ERROR',
  0x104: 'H3_CLOSED_CRITICAL_STREAM', 0x105: 'H3_FRAME_UNEXPECTED', 0x106: 'H3_FRAME_ERROR', 0x107: 'H3_EXCESSIVE_LOAD',
  0x108: 'H3_ID_ERROR', 0x109: 'H3_SETTINGS_ERROR', 0x10a: 'H3_MISSING_SETTINGS', 0x10b: 'H3_REQUEST_REJECTED',
  0x10c: 'H3_REQUEST_CANCELLED', 0x10d: 'H3_REQUEST_INCOMPLETE', 0x10e: 'H3_MESSAGE_ERROR', 0x10f: 'H3_CONNECT_ERROR',
  0x110: 'H3_VERSION_FALLBACK',
};

/** Name of a CONNECTION_CLOSE error code (0x0100..0x01ff is a TLS alert, RFC 9001 4.8). */
export function errorName(code: number, application: boolean): string {
  if (application) return H3_ERRORS[code] ?? `application error 0x${code.toString(16)}`;
  if (code >= 0x100 && code <= 0x1ff) return `CRYPTO_ERROR (TLS alert ${code - 0x100})`;
  return TRANSPORT_ERRORS[code] ?? `0x${code.toString(16)}`;
}

/** Parse the frames of a decrypted payload. Stops (keeping what it has) at a malformed frame. */
export function parseFrames(d: Uint8Array): QuicFrame[] {
  const out: QuicFrame[] = [];
  const end = d.length;
  let p = 0;
  const v = (): number => {
    const x = readVarint(d, p, end);
    if (x < 0) throw new RangeError('truncated');
    p += varintLen(d[p]);
    return x;
  };
  try {
    while (p < end) {
      const t = v();
      if (t === 0x00) {
        let n = 1;
        while (p < end && d[p] === 0) { p++; n++; }
        out.push({ type: 'padding', length: n });
      } else if (t === 0x01) out.push({ type: 'ping' });
      else if (t === 0x02 || t === 0x03) {
        const largest = v();
        v(); // delay
        const ranges = v();
        v(); // first range
        for (let i = 0; i < ranges; i++) { v(); v(); }
        if (t === 0x03) { v(); v(); v(); }
        out.push({ type: 'ack', largest, ecn: t === 0x03 });
      } else if (t === 0x04) { v(); v(); v(); out.push({ type: 'other', code: t }); } // RESET_STREAM
      else if (t === 0x05) { v(); v(); out.push({ type: 'other', code: t }); } // STOP_SENDING
      else if (t === 0x06) {
        const offset = v();
        const len = v();
        if (p + len > end) throw new RangeError('truncated');
        out.push({ type: 'crypto', offset, data: d.subarray(p, p + len) });
        p += len;
      } else if (t === 0x07) {
        const len = v();
        p += len;
        if (p > end) throw new RangeError('truncated');
        out.push({ type: 'new_token' });
      } else if (t >= 0x08 && t <= 0x0f) {
        const id = v();
        const offset = t & 0x04 ? v() : 0;
        const len = t & 0x02 ? v() : end - p;
        if (p + len > end) throw new RangeError('truncated');
        out.push({ type: 'stream', id, offset, length: len, fin: (t & 1) === 1, data: d.subarray(p, p + len) });
        p += len;
      } else if (t >= 0x10 && t <= 0x17) {
        if (t === 0x11 || t === 0x15) v();
        v();
        out.push({ type: 'other', code: t });
      } else if (t === 0x18) {
        const seq = v();
        const retirePriorTo = v();
        const len = d[p++];
        if (len < 1 || len > 20 || p + len + 16 > end) throw new RangeError('bad NEW_CONNECTION_ID');
        const cid = hex(d, p, len);
        p += len;
        const resetToken = hex(d, p, 16);
        p += 16;
        out.push({ type: 'new_connection_id', seq, retirePriorTo, cid, resetToken });
      } else if (t === 0x19) out.push({ type: 'retire_connection_id', seq: v() });
      else if (t === 0x1a || t === 0x1b) {
        if (p + 8 > end) throw new RangeError('truncated');
        out.push({ type: t === 0x1a ? 'path_challenge' : 'path_response', data: hex(d, p, 8) });
        p += 8;
      } else if (t === 0x1c || t === 0x1d) {
        const errorCode = v();
        const frameType = t === 0x1c ? v() : null;
        const len = v();
        if (p + len > end) throw new RangeError('truncated');
        const reason = new TextDecoder('utf-8', { fatal: false }).decode(d.subarray(p, p + len));
        p += len;
        out.push({ type: 'connection_close', application: t === 0x1d, errorCode, frameType, reason });
      } else if (t === 0x1e) out.push({ type: 'handshake_done' });
      else if (t === 0x30 || t === 0x31) {
        const len = t === 0x31 ? v() : end - p;
        p += len;
        out.push({ type: 'other', code: t });
      } else if (t === 0xaf) { v(); v(); v(); p++; out.push({ type: 'other', code: t }); } // ACK_FREQUENCY (draft)
      else if (t === 0x1f) out.push({ type: 'other', code: t }); // IMMEDIATE_ACK
      else break; // unknown frame type: its length is unknown, stop here
    }
  } catch {
    // keep the frames read before the damage
  }
  return out;
}

/** Contiguous bytes of a CRYPTO stream reassembled from (offset, data) chunks. */
export class CryptoStream {
  private chunks: { offset: number; data: Uint8Array }[] = [];
  /** contiguous() until the next add (a tracker asks after every packet, and again at the end). */
  private joined: Uint8Array | null = null;

  add(offset: number, data: Uint8Array): void {
    if (data.length) {
      this.chunks.push({ offset, data: data.slice() });
      this.joined = null;
    }
  }

  /** The bytes from offset 0 up to the first gap (the same array until the next add: do not modify it). */
  contiguous(): Uint8Array {
    return (this.joined ??= this.join());
  }

  private join(): Uint8Array {
    // one chunk from offset 0 (a ClientHello in one CRYPTO frame, the usual case) is the stream: no copy
    if (this.chunks.length === 1 && this.chunks[0].offset === 0) return this.chunks[0].data;
    const cs = [...this.chunks].sort((a, b) => a.offset - b.offset);
    let end = 0;
    for (const c of cs) {
      if (c.offset > end) break;
      end = Math.max(end, c.offset + c.data.length);
    }
    const out = new Uint8Array(end);
    for (const c of cs) {
      if (c.offset >= end) break;
      out.set(c.data.subarray(0, Math.min(c.data.length, end - c.offset)), c.offset);
    }
    return out;
  }

  get empty(): boolean {
    return this.chunks.length === 0;
  }
}

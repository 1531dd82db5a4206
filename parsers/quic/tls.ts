// The TLS 1.3 handshake messages QUIC carries in CRYPTO frames (RFC 8446 4; RFC 9001 8.2
// for the quic_transport_parameters extension; RFC 9000 18 for the parameters):
// ClientHello → random, SNI, ALPN; ServerHello → random, cipher suite;
// EncryptedExtensions → the server's transport parameters.

import { hex, readVarint, varintLen } from './header';

export interface ClientHelloInfo {
  random: string;
  sni: string | null;
  alpn: string[];
  cipherSuites: number[];
  transportParams: TransportParams | null;
}

export interface ServerHelloInfo {
  random: string;
  cipherSuite: number;
}

export interface TransportParams {
  originalDestinationCid: string | null;
  initialSourceCid: string | null;
  retrySourceCid: string | null;
  statelessResetToken: string | null;
  /** From preferred_address (RFC 9000 18.2), when present. */
  preferredAddressCid: string | null;
  preferredAddressResetToken: string | null;
  maxIdleTimeoutMs: number | null;
  activeConnectionIdLimit: number | null;
}

export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
}

/** Split complete handshake messages off the front of a CRYPTO stream. */
export function handshakeMessages(d: Uint8Array): HandshakeMessage[] {
  const out: HandshakeMessage[] = [];
  let p = 0;
  while (p + 4 <= d.length) {
    const len = (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3];
    if (p + 4 + len > d.length) break;
    out.push({ type: d[p], body: d.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

const dec = new TextDecoder('utf-8', { fatal: false });

function extensions(b: Uint8Array, p: number): Map<number, Uint8Array> {
  const exts = new Map<number, Uint8Array>();
  if (p + 2 > b.length) return exts;
  const total = (b[p] << 8) | b[p + 1];
  p += 2;
  const end = Math.min(b.length, p + total);
  while (p + 4 <= end) {
    const t = (b[p] << 8) | b[p + 1];
    const l = (b[p + 2] << 8) | b[p + 3];
    p += 4;
    if (p + l > end) break;
    exts.set(t, b.subarray(p, p + l));
    p += l;
  }
  return exts;
}

/** Parse a ClientHello body (without the 4-byte handshake header). */
export function parseClientHello(b: Uint8Array): ClientHelloInfo | null {
  return clientHello(b, true) as ClientHelloInfo | null;
}

/**
 * What a QUIC connection shows of its ClientHello (random, SNI, ALPN): the same parse as
 * parseClientHello without the cipher-suite list and the transport parameters (a tracker
 * reads one ClientHello per connection; those two are most of the work and the garbage).
 */
export function parseClientHelloNames(b: Uint8Array): Pick<ClientHelloInfo, 'random' | 'sni' | 'alpn'> | null {
  return clientHello(b, false);
}

const EXT_SNI = 0, EXT_ALPN = 16, EXT_QUIC_TP = 0x39, EXT_QUIC_TP_DRAFT = 0xffa5;

function clientHello(b: Uint8Array, full: boolean): Pick<ClientHelloInfo, 'random' | 'sni' | 'alpn'> & Partial<ClientHelloInfo> | null {
  if (b.length < 2 + 32 + 1) return null;
  let p = 2;
  const random = hex(b, p, 32);
  p += 32;
  p += 1 + b[p]; // session id
  if (p + 2 > b.length) return null;
  const csLen = (b[p] << 8) | b[p + 1];
  p += 2;
  const cipherSuites: number[] = [];
  if (full) for (let i = 0; i + 1 < csLen && p + i + 1 < b.length; i += 2) cipherSuites.push((b[p + i] << 8) | b[p + i + 1]);
  p += csLen;
  if (p >= b.length) return null;
  p += 1 + b[p]; // compression methods
  // the extensions of interest, as extensions() would map them (a repeated type: the last one)
  let s: Uint8Array | undefined, a: Uint8Array | undefined, tp: Uint8Array | undefined, tpDraft: Uint8Array | undefined;
  if (p + 2 <= b.length) {
    const total = (b[p] << 8) | b[p + 1];
    p += 2;
    const end = Math.min(b.length, p + total);
    while (p + 4 <= end) {
      const t = (b[p] << 8) | b[p + 1];
      const l = (b[p + 2] << 8) | b[p + 3];
      p += 4;
      if (p + l > end) break;
      if (t === EXT_SNI) s = b.subarray(p, p + l);
      else if (t === EXT_ALPN) a = b.subarray(p, p + l);
      else if (full && t === EXT_QUIC_TP) tp = b.subarray(p, p + l);
      else if (full && t === EXT_QUIC_TP_DRAFT) tpDraft = b.subarray(p, p + l);
      p += l;
    }
  }
  let sni: string | null = null;
  if (s && s.length >= 5) {
    let q = 2;
    const listEnd = Math.min(s.length, 2 + ((s[0] << 8) | s[1]));
    while (q + 3 <= listEnd) {
      const nt = s[q];
      const nl = (s[q + 1] << 8) | s[q + 2];
      q += 3;
      if (nt === 0 && q + nl <= listEnd) {
        sni = dec.decode(s.subarray(q, q + nl));
        break;
      }
      q += nl;
    }
  }
  const alpn: string[] = [];
  if (a && a.length >= 2) {
    let q = 2;
    const listEnd = Math.min(a.length, 2 + ((a[0] << 8) | a[1]));
    while (q < listEnd) {
      const l = a[q++];
      if (q + l > listEnd) break;
      alpn.push(dec.decode(a.subarray(q, q + l)));
      q += l;
    }
  }
  if (!full) return { random, sni, alpn };
  const t = tp ?? tpDraft;
  return { random, sni, alpn, cipherSuites, transportParams: t ? parseTransportParams(t) : null };
}

export function parseServerHello(b: Uint8Array): ServerHelloInfo | null {
  if (b.length < 2 + 32 + 1 + 2) return null;
  let p = 2;
  const random = hex(b, p, 32);
  p += 32;
  p += 1 + b[p];
  if (p + 2 > b.length) return null;
  return { random, cipherSuite: (b[p] << 8) | b[p + 1] };
}

/** EncryptedExtensions (type 8): the server's transport parameters. */
export function parseEncryptedExtensions(b: Uint8Array): TransportParams | null {
  const exts = extensions(b, 0);
  const tp = exts.get(0x39) ?? exts.get(0xffa5);
  return tp ? parseTransportParams(tp) : null;
}

export function parseTransportParams(d: Uint8Array): TransportParams {
  const tp: TransportParams = {
    originalDestinationCid: null, initialSourceCid: null, retrySourceCid: null, statelessResetToken: null,
    preferredAddressCid: null, preferredAddressResetToken: null, maxIdleTimeoutMs: null, activeConnectionIdLimit: null,
  };
  let p = 0;
  const end = d.length;
  while (p < end) {
    const id = readVarint(d, p, end);
    if (id < 0) break;
    p += varintLen(d[p]);
    const len = readVarint(d, p, end);
    if (len < 0) break;
    p += varintLen(d[p]);
    if (p + len > end) break;
    const val = d.subarray(p, p + len);
    switch (id) {
      case 0x00: tp.originalDestinationCid = hex(val, 0, len); break;
      case 0x01: tp.maxIdleTimeoutMs = readVarint(val, 0, len); break;
      case 0x02: if (len === 16) tp.statelessResetToken = hex(val, 0, 16); break;
      case 0x0d: {
        // preferred_address: IPv4 4+2, IPv6 16+2, CID length + CID, reset token 16
        if (len >= 4 + 2 + 16 + 2 + 1) {
          const cl = val[24];
          if (25 + cl + 16 <= len) {
            tp.preferredAddressCid = hex(val, 25, cl);
            tp.preferredAddressResetToken = hex(val, 25 + cl, 16);
          }
        }
        break;
      }
      case 0x0e: tp.activeConnectionIdLimit = readVarint(val, 0, len); break;
      case 0x0f: tp.initialSourceCid = hex(val, 0, len); break;
      case 0x10: tp.retrySourceCid = hex(val, 0, len); break;
    }
    p += len;
  }
  return tp;
}

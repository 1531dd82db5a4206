// The TLS 1.3 handshake messages QUIC carries in CRYPTO frames (RFC 8446 4; RFC 9001 8.2
// for the quic_transport_parameters extension; RFC 9000 18 for the parameters):
// ClientHello → random, SNI, ALPN, the offered pre-shared keys and early_data;
// ServerHello → random, cipher suite, the selected pre-shared key; EncryptedExtensions →
// the server's transport parameters, early_data (0-RTT accepted); NewSessionTicket →
// the ticket (the PSK identity a later connection offers to resume, RFC 8446 4.6.1).

import { hex, readVarint, varintLen } from './header';

export interface ClientHelloInfo {
  random: string;
  sni: string | null;
  alpn: string[];
  cipherSuites: number[];
  transportParams: TransportParams | null;
  /** The identities of the pre_shared_key extension (hex; a resumption's ticket), [] when none is offered. */
  pskIdentities: string[];
  /** The early_data extension: the client sends 0-RTT data (RFC 8446 4.2.10). */
  earlyData: boolean;
}

/** What a QUIC connection keeps of its ClientHello (parseClientHelloNames). */
export type ClientHelloNames = Pick<ClientHelloInfo, 'random' | 'sni' | 'alpn' | 'pskIdentities' | 'earlyData'>;

export interface ServerHelloInfo {
  random: string;
  cipherSuite: number;
  /** The pre_shared_key extension's selected identity (an index into the ClientHello's), null without it: no resumption. */
  pskSelected: number | null;
  /** A HelloRetryRequest (the ServerHello with the special random, RFC 8446 4.1.3), not a ServerHello. */
  helloRetry: boolean;
}

export interface NewSessionTicketInfo {
  /** The ticket (hex): the PSK identity of a connection that resumes with it. */
  ticket: string;
  /** The early_data extension's max_early_data_size; null when the ticket allows no 0-RTT. */
  maxEarlyData: number | null;
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
export function parseClientHelloNames(b: Uint8Array): ClientHelloNames | null {
  return clientHello(b, false);
}

const EXT_SNI = 0, EXT_ALPN = 16, EXT_PRE_SHARED_KEY = 41, EXT_EARLY_DATA = 42, EXT_QUIC_TP = 0x39, EXT_QUIC_TP_DRAFT = 0xffa5;

/** SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 4.1.3). */
const HELLO_RETRY_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

function clientHello(b: Uint8Array, full: boolean): ClientHelloNames & Partial<ClientHelloInfo> | null {
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
  let s: Uint8Array | undefined, a: Uint8Array | undefined, tp: Uint8Array | undefined, tpDraft: Uint8Array | undefined, psk: Uint8Array | undefined;
  let earlyData = false;
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
      else if (t === EXT_PRE_SHARED_KEY) psk = b.subarray(p, p + l);
      else if (t === EXT_EARLY_DATA) earlyData = true;
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
  const pskIdentities = psk ? offeredPskIdentities(psk) : [];
  if (!full) return { random, sni, alpn, pskIdentities, earlyData };
  const t = tp ?? tpDraft;
  return { random, sni, alpn, cipherSuites, transportParams: t ? parseTransportParams(t) : null, pskIdentities, earlyData };
}

/** OfferedPsks (RFC 8446 4.2.11): identities<7..2^16-1> of { identity<1..2^16-1>, uint32 obfuscated_ticket_age }, then the binders. */
function offeredPskIdentities(d: Uint8Array): string[] {
  const out: string[] = [];
  if (d.length < 2) return out;
  const end = Math.min(d.length, 2 + ((d[0] << 8) | d[1]));
  let p = 2;
  while (p + 2 <= end) {
    const l = (d[p] << 8) | d[p + 1];
    p += 2;
    if (p + l + 4 > end) break;
    out.push(hex(d, p, l));
    p += l + 4;
  }
  return out;
}

export function parseServerHello(b: Uint8Array): ServerHelloInfo | null {
  if (b.length < 2 + 32 + 1 + 2) return null;
  let p = 2;
  const random = hex(b, p, 32);
  p += 32;
  p += 1 + b[p];
  if (p + 2 > b.length) return null;
  const cipherSuite = (b[p] << 8) | b[p + 1];
  // the compression method, then the extensions
  const psk = extensions(b, p + 3).get(EXT_PRE_SHARED_KEY);
  const pskSelected = psk && psk.length >= 2 ? (psk[0] << 8) | psk[1] : null;
  return { random, cipherSuite, pskSelected, helloRetry: random === HELLO_RETRY_RANDOM };
}

/** EncryptedExtensions (type 8) carries early_data: the server accepts the client's 0-RTT data (RFC 8446 4.2.10). */
export function acceptsEarlyData(b: Uint8Array): boolean {
  return extensions(b, 0).has(EXT_EARLY_DATA);
}

/** NewSessionTicket (type 4, RFC 8446 4.6.1): lifetime, age_add, nonce<0..255>, ticket<1..2^16-1>, extensions. */
export function parseNewSessionTicket(b: Uint8Array): NewSessionTicketInfo | null {
  let p = 8;
  if (p >= b.length) return null;
  p += 1 + b[p]; // ticket_nonce
  if (p + 2 > b.length) return null;
  const l = (b[p] << 8) | b[p + 1];
  p += 2;
  if (l < 1 || p + l > b.length) return null;
  const ticket = hex(b, p, l);
  const ed = extensions(b, p + l).get(EXT_EARLY_DATA);
  const maxEarlyData = ed && ed.length >= 4 ? ((ed[0] << 24) | (ed[1] << 16) | (ed[2] << 8) | ed[3]) >>> 0 : null;
  return { ticket, maxEarlyData };
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

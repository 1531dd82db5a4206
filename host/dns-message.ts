// Full DNS messages for the user to read, decoded with dns-packet on the Node hosts
// (`stateline serve`, the Electron analysis worker): the library the product names for
// DNS. The core pairs messages with its own header-and-question reader (parsers/dns/
// wire.ts says why); the message a user opens is decoded here, in full.

import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import type DnsPacket from 'dns-packet';

// dns-packet is required on the first message shown, not when the CLI starts: every
// command imports this host module and most never decode a full DNS message.
let dnsPacketModule: typeof DnsPacket | null = null;
const dnsPacket = (): typeof DnsPacket => (dnsPacketModule ??= createRequire(import.meta.url)('dns-packet') as typeof DnsPacket);
import type { DnsMessageView, DnsRecordView } from '../analysis/api';
import { headerView } from '../analysis/dns/view';
import { rcodeName } from '../parsers/dns/wire';

const NAME_TYPES = new Set(['CNAME', 'NS', 'PTR', 'DNAME']);

/** dns-packet drops the root's trailing dot; the presentation form keeps it. */
function fqdn(name: unknown): string {
  const n = String(name ?? '');
  return n === '' || n === '.' ? '.' : n.endsWith('.') ? n : n + '.';
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function b64(b: unknown): string {
  return Buffer.isBuffer(b) ? b.toString('base64') : '';
}

function quoted(b: unknown): string {
  const s = Buffer.isBuffer(b) ? b.toString('latin1') : String(b);
  return `"${s.replace(/["\\]/g, (c) => '\\' + c)}"`;
}

/** RDATA in presentation form for the types dns-packet decodes; RFC 3597 for raw bytes. */
function dataText(type: string, data: unknown): string {
  if (Buffer.isBuffer(data)) return `\\# ${data.length} ${hex(data)}`.trim();
  if (typeof data === 'string') return NAME_TYPES.has(type) ? fqdn(data) : data;
  if (Array.isArray(data)) return data.map((x) => (Buffer.isBuffer(x) || typeof x === 'string' ? quoted(x) : JSON.stringify(x))).join(' ');
  const d = (data ?? {}) as Record<string, unknown>;
  switch (type) {
    case 'MX': return `${d.preference} ${fqdn(d.exchange)}`;
    case 'SOA': return `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case 'SRV': return `${d.priority ?? 0} ${d.weight ?? 0} ${d.port} ${fqdn(d.target)}`;
    case 'CAA': return `${d.flags ?? 0} ${d.tag} ${quoted(d.value)}`;
    // DNSSEC (RFC 4034 presentation forms; times as the decimal seconds 3.2 allows)
    case 'RRSIG': return `${d.typeCovered} ${d.algorithm} ${d.labels} ${d.originalTTL} ${d.expiration} ${d.inception} ${d.keyTag} ${fqdn(d.signersName)} ${b64(d.signature)}`;
    case 'NSEC': return `${fqdn(d.nextDomain)} ${((d.rrtypes as string[]) ?? []).join(' ')}`;
    case 'DS': return `${d.keyTag} ${d.algorithm} ${d.digestType} ${Buffer.isBuffer(d.digest) ? hex(d.digest) : ''}`;
    case 'DNSKEY': return `${d.flags} 3 ${d.algorithm} ${b64(d.key)}`;
    default:
      return JSON.stringify(data, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? hex(Buffer.from((v as { data: number[] }).data)) : v));
  }
}

interface PacketRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  flush?: boolean;
  data?: unknown;
  udpPayloadSize?: number;
  extendedRcode?: number;
  ednsVersion?: number;
  flags?: number;
  options?: { code: number; data?: Uint8Array }[];
}

function recordView(r: PacketRecord): DnsRecordView {
  if (r.type === 'OPT') {
    // RFC 6891 6.1.3: the TTL field holds the extended RCODE, the version and the flags.
    const ttl = (((r.extendedRcode ?? 0) << 24) | ((r.ednsVersion ?? 0) << 16) | (r.flags ?? 0)) >>> 0;
    const opts = (r.options ?? []).map((o) => `${o.code}:${o.data ? hex(o.data) : ''}`).join(' ');
    return { name: fqdn(r.name), type: 'OPT', class: `udp ${r.udpPayloadSize}`, ttl, data: opts };
  }
  // mDNS (RFC 6762 10.2): dns-packet reads the class's top bit as the cache-flush flag.
  const cls = (r.class ?? 'IN') + (r.flush ? ' (cache flush)' : '');
  return { name: fqdn(r.name), type: r.type, class: cls, ttl: r.ttl ?? 0, data: dataText(r.type, r.data) };
}

export function dnsPacketView(msg: Uint8Array, frame: number, transaction: number): DnsMessageView {
  const view = headerView(msg, frame, transaction, 'dns-packet');
  try {
    const p = dnsPacket().decode(Buffer.from(msg.buffer, msg.byteOffset, msg.length)) as unknown as {
      questions?: PacketRecord[]; answers?: PacketRecord[]; authorities?: PacketRecord[]; additionals?: PacketRecord[];
    };
    const opt = (p.additionals ?? []).find((r) => r.type === 'OPT');
    if (opt && msg.length >= 4) view.rcode = rcodeName(((opt.extendedRcode ?? 0) << 4) | (msg[3] & 15));
    view.sections = [
      { name: 'question', records: (p.questions ?? []).map((q) => ({ name: fqdn(q.name), type: q.type, class: q.class ?? 'IN', ttl: null, data: '' })) },
      { name: 'answer', records: (p.answers ?? []).map(recordView) },
      { name: 'authority', records: (p.authorities ?? []).map(recordView) },
      { name: 'additional', records: (p.additionals ?? []).map(recordView) },
    ];
  } catch (e) {
    view.error = `dns-packet cannot decode it: ${(e as Error).message}`;
  }
  return view;
}

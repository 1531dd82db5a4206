// Hand-built captures for the DNS tests: Ethernet + IPv4/IPv6 + UDP/TCP/ICMP frames in a
// classic pcap, and DNS messages through dns-packet's encoder (a test-only dependency
// here; the core reads DNS by hand, see parsers/dns/wire.ts).
import dnsPacket from 'dns-packet';
import { analyzeCapture } from '../../../analysis/analyze';
import { toJson } from '../../../analysis/output';
import type { AnalysisJson } from '../../../analysis/model';
import type { Protocol } from '../../../analysis/trackers';

export interface Frame {
  t: number;
  bytes: Uint8Array;
}

function ip4(a: string): number[] {
  return a.split('.').map(Number);
}

function ip6(a: string): number[] {
  const [h, t] = a.split('::');
  const head = h ? h.split(':') : [];
  const tail = t !== undefined && t ? t.split(':') : [];
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 255]);
}

function csum(b: number[]): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

const u16 = (v: number) => [(v >> 8) & 255, v & 255];
const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function ether(v6: boolean, payload: number[]): Uint8Array {
  return new Uint8Array([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...u16(v6 ? 0x86dd : 0x0800), ...payload]);
}

let ipId = 1;
function ipPacket(src: string, dst: string, proto: number, l4: number[]): number[] {
  if (src.includes(':')) return [0x60, 0, 0, 0, ...u16(l4.length), proto, 64, ...ip6(src), ...ip6(dst), ...l4];
  const h = [0x45, 0, ...u16(20 + l4.length), ...u16(ipId++), 0, 0, 64, proto, 0, 0, ...ip4(src), ...ip4(dst)];
  const c = csum(h);
  h[10] = c >> 8;
  h[11] = c & 255;
  return [...h, ...l4];
}

/** "10.0.0.1:53" or "[fd00::1]:53" → [addr, port] */
function ep(s: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s)!;
  return [m[1], Number(m[2])];
}

export function udp(t: number, from: string, to: string, payload: Uint8Array | number[]): Frame {
  const [sa, sp] = ep(from), [da, dp] = ep(to);
  const p = [...payload];
  const l4 = [...u16(sp), ...u16(dp), ...u16(8 + p.length), 0, 0, ...p];
  return { t, bytes: ether(sa.includes(':'), ipPacket(sa, da, 17, l4)) };
}

export const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01;

export function tcp(t: number, from: string, to: string, seq: number, ack: number, flags: number, payload: Uint8Array | number[] = []): Frame {
  const [sa, sp] = ep(from), [da, dp] = ep(to);
  const l4 = [...u16(sp), ...u16(dp), ...u32(seq), ...u32(ack), 0x50, flags, ...u16(65535), 0, 0, 0, 0, ...payload];
  return { t, bytes: ether(sa.includes(':'), ipPacket(sa, da, 6, l4)) };
}

/**
 * ICMP destination unreachable from `from` quoting the IP packet of `quoted` (a frame we
 * built): port unreachable unless `code` says otherwise (ICMP type 3, or ICMPv6 type 1
 * with its own codes).
 */
export function icmpUnreachable(t: number, from: string, to: string, quoted: Frame, code: number): Frame {
  const ipBytes = [...quoted.bytes.subarray(14)];
  if (from.includes(':')) {
    const body = [1, code, 0, 0, 0, 0, 0, 0, ...ipBytes];
    return { t, bytes: ether(true, ipPacket(from, to, 58, body)) };
  }
  const body = [3, code, 0, 0, 0, 0, 0, 0, ...ipBytes];
  const c = csum(body);
  body[2] = c >> 8;
  body[3] = c & 255;
  return { t, bytes: ether(false, ipPacket(from, to, 1, body)) };
}

/** ICMP (code 3) or ICMPv6 (code 4) port unreachable from `from` quoting `quoted`. */
export function icmpPortUnreachable(t: number, from: string, to: string, quoted: Frame): Frame {
  return icmpUnreachable(t, from, to, quoted, from.includes(':') ? 4 : 3);
}

export function pcap(frames: Frame[]): Uint8Array {
  const parts: number[] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0];
  const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
  for (const f of frames) {
    const sec = Math.floor(f.t), usec = Math.round((f.t - sec) * 1e6);
    parts.push(...le32(sec), ...le32(usec), ...le32(f.bytes.length), ...le32(f.bytes.length), ...f.bytes);
  }
  return new Uint8Array(parts);
}

export interface Q {
  id: number;
  name: string;
  type?: string;
}

export function query(q: Q): Uint8Array {
  return new Uint8Array(dnsPacket.encode({ type: 'query', id: q.id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: (q.type ?? 'A') as 'A', name: q.name }] }));
}

export function response(q: Q, answers: dnsPacket.Answer[] = [], rcode = 0, extraFlags = 0): Uint8Array {
  return new Uint8Array(dnsPacket.encode({
    type: 'response', id: q.id, flags: 0x8180 | rcode | extraFlags,
    questions: [{ type: (q.type ?? 'A') as 'A', name: q.name }], answers,
  }));
}

/** The two-byte length prefix of DNS over TCP. */
export function framed(...msgs: Uint8Array[]): number[] {
  return msgs.flatMap((m) => [...u16(m.length), ...m]);
}

export const T0 = 1_700_000_000;

export async function analyze(frames: Frame[] | Uint8Array, dnsTimeoutSeconds?: number, protocols?: Protocol[]): Promise<AnalysisJson> {
  const bytes = frames instanceof Uint8Array ? frames : pcap(frames);
  const a = await analyzeCapture(bytes, { trackerOptions: { dnsTimeoutSeconds, protocols } });
  return toJson(a);
}

export function dnsEvents(j: AnalysisJson): [string, number, number[]][] {
  return j.events.filter((e) => e.kind.startsWith('dns.') || e.kind.startsWith('udp.')).map((e) => [e.kind, e.frame, e.related]);
}

export function pairs(j: AnalysisJson): [number[], number | null, string][] {
  return j.dns.map((d) => [d.queryFrames, d.responseFrame, d.status]);
}

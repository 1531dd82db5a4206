// The flows table's filter box and its address ordering (the capture query reads them).
//
// Filter grammar: space-separated terms, all must match — see parseFlowFilter. Sorting
// by address is numeric (10.0.0.2 before 10.0.0.10), IPv4 before IPv6.

import type { FlowFilter } from './api';

export interface ParsedFilter {
  protocols: string[];
  ports: number[];
  kinds: string[];
  text: string[];
  /** `vlan:` terms, each a VLAN ID (one element) or a whole stack, outer first. */
  vlans: number[][];
  hasBreaks: boolean;
}

/**
 * The filter box's grammar: space-separated terms, all must match. `tcp`, `udp`,
 * `icmp`, `dns`, `quic` — protocol; `:443`, `port:443` or a bare number — either port;
 * `tcp.refused`, `kind:dns` — an event kind (prefix); `breaks` / `has:breaks` — flows with
 * breaks; `vlan:10` — flows tagged with VLAN 10 at any depth, `vlan:300/20` — flows whose
 * VLAN stack is 300 outside 20; anything else — part of the client or server address.
 */
export function parseFlowFilter(f: FlowFilter | undefined): ParsedFilter {
  const out: ParsedFilter = { protocols: [], ports: [], kinds: [], text: [], vlans: [], hasBreaks: f?.hasBreaks === true };
  for (const raw of (f?.q ?? '').trim().split(/\s+/)) {
    const t = raw.toLowerCase();
    if (!t) continue;
    let m: RegExpMatchArray | null;
    if (t === 'breaks' || t === 'has:breaks') out.hasBreaks = true;
    else if (['tcp', 'udp', 'icmp', 'dns', 'quic'].includes(t)) out.protocols.push(t);
    else if (t.startsWith('proto:')) out.protocols.push(t.slice(6));
    else if ((m = /^(?:port:|:)?(\d{1,5})$/.exec(t))) out.ports.push(Number(m[1]));
    else if ((m = /^vlan:(\d{1,4}(?:\/\d{1,4})*)$/.exec(t))) out.vlans.push(m[1].split('/').map(Number));
    else if (t.startsWith('kind:')) out.kinds.push(t.slice(5));
    else if (/^[a-z]+\.[a-z-]*$/.test(t)) out.kinds.push(t);
    else out.text.push(t.startsWith('addr:') ? t.slice(5) : t);
  }
  return out;
}

/** Whether a flow's VLAN IDs (outer first; undefined when untagged) match a `vlan:` term: one ID at any depth, or the whole stack. */
export function vlanMatches(vlan: readonly number[] | undefined, term: readonly number[]): boolean {
  if (!vlan) return false;
  if (term.length === 1) return vlan.includes(term[0]);
  return vlan.length === term.length && vlan.every((id, i) => id === term[i]);
}

/** "a.b.c.d:port" (or without the port) as address × 65536 + port; -1 if it is not one. */
export function ipv4EndpointNumber(s: string): number {
  let ip = 0, part = 0, digits = 0, dots = 0, i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      if (part > 255) return -1;
      ip = ip * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else break;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  ip = ip * 256 + part;
  let port = 0;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 58 || i + 1 === s.length || s.length - i - 1 > 5) return -1;
    for (i++; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      port = port * 10 + (c - 48);
    }
    if (port > 65535) return -1;
  }
  return ip * 65536 + port;
}

/**
 * A key whose code-unit order is the numeric order of an endpoint: IPv4 before IPv6,
 * each by address then port; anything else after them, as text.
 */
export function endpointSortKey(endpoint: string): string {
  const pad = (v: string | number, w: number): string => String(v).padStart(w, '0');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5}))?$/.exec(endpoint);
  if (v4) return `4${pad(v4[1], 3)}${pad(v4[2], 3)}${pad(v4[3], 3)}${pad(v4[4], 3)}${pad(v4[5] ?? '', 5)}`;
  const v6 = /^\[([0-9a-fA-F:]+)\](?::(\d{1,5}))?$/.exec(endpoint) ?? /^([0-9a-fA-F:]+)$/.exec(endpoint);
  if (v6 && v6[1].includes(':')) {
    const halves = v6[1].toLowerCase().split('::');
    if (halves.length <= 2) {
      const head = halves[0] ? halves[0].split(':') : [];
      const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
      const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
      const groups = [...head, ...new Array<string>(Math.max(0, fill)).fill('0'), ...tail];
      if (groups.length === 8 && groups.every((g) => g.length <= 4)) return `6${groups.map((g) => pad(g, 4)).join('')}${pad(v6[2] ?? '', 5)}`;
    }
  }
  return `9${endpoint}`;
}

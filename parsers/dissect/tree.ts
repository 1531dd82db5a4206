// The layer tree of one frame, as Wireshark's packet details pane shows it: a node per
// protocol layer, a node per field, each with the byte range [start, end) it was read
// from, so that the UI can highlight a field's bytes and find the field under a byte.
//
// Field names are Wireshark's display-filter names (ip.src, tcp.flags.syn, dns.qry.name)
// where Wireshark has one, and `value` is the field's value as tshark's JSON prints it
// (ip.proto "6", tcp.flags "0x0002", eth.type "0x0800"): the display filters use the same
// names, and the tests compare both against tshark. Pure TypeScript: no Node, no DOM.

export interface FieldNode {
  /** Display-filter name (ip.src), or the protocol's name for a layer node (ip). */
  name: string;
  /** What the tree shows: "Source Address: 10.0.0.1". */
  label: string;
  /** The value as tshark prints it ('' for a layer or a group). */
  value: string;
  /** Byte range [start, end) in the frame. */
  start: number;
  end: number;
  children?: FieldNode[];
}

/** Builds nodes under a parent, bounded by the bytes present. */
export class Tree {
  readonly nodes: FieldNode[] = [];
  /** The node whose children these are (null for the root). */
  node: FieldNode | null = null;

  /** A field: label shown as "<title>: <shown>". */
  field(name: string, title: string, value: string | number, start: number, len: number, shown?: string): FieldNode {
    const v = String(value);
    const n: FieldNode = { name, label: `${title}: ${shown ?? v}`, value: v, start, end: start + len };
    this.nodes.push(n);
    return n;
  }

  /** A node with children (a layer, a flags group, an option). */
  group(name: string, label: string, start: number, end: number, value = ''): Tree {
    const t = new Tree();
    const n: FieldNode = { name, label, value, start, end, children: t.nodes };
    this.nodes.push(n);
    t.node = n;
    return t;
  }

  /** The last node added (to widen its range or relabel it once its end is known). */
  get last(): FieldNode {
    return this.nodes[this.nodes.length - 1];
  }
}

export const hex2 = (v: number): string => '0x' + v.toString(16).padStart(2, '0');
export const hex4 = (v: number): string => '0x' + v.toString(16).padStart(4, '0');
export const hex8 = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');

export function u16(d: Uint8Array, o: number): number {
  return (d[o] << 8) | d[o + 1];
}

export function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}

export function mac(d: Uint8Array, o: number): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push(d[o + i].toString(16).padStart(2, '0'));
  return out.join(':');
}

export function ipv4(d: Uint8Array, o: number): string {
  return `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
}

/** RFC 5952 text of the IPv6 address at o. */
export function ipv6(d: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16(d, o + 2 * i));
  let bs = -1, bl = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bl && j - i > 1) { bs = i; bl = j - i; }
    i = j;
  }
  const h = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bs < 0) return h(g);
  return `${h(g.slice(0, bs))}::${h(g.slice(bs + bl))}`;
}

export function bytesHex(d: Uint8Array, o: number, n: number, sep = ''): string {
  const out: string[] = [];
  for (let i = 0; i < n && o + i < d.length; i++) out.push(d[o + i].toString(16).padStart(2, '0'));
  return out.join(sep);
}

/** "1", "0": a flag bit as tshark prints a boolean. */
export const bit = (v: number, mask: number): string => ((v & mask) !== 0 ? '1' : '0');

/** Wireshark's bit-pattern rendering of a flag: ".... ..1. = Syn: Set". */
export function bitLabel(value: number, mask: number, width: number, title: string, shown?: string): string {
  let s = '';
  for (let b = width - 1; b >= 0; b--) {
    s += (mask >> b) & 1 ? ((value >> b) & 1 ? '1' : '0') : '.';
    if (b % 4 === 0 && b > 0) s += ' ';
  }
  return `${s} = ${title}: ${shown ?? ((value & mask) !== 0 ? 'Set' : 'Not set')}`;
}

/** A flag bit field: value "1"/"0" (tshark's booleans), a bit-pattern label. */
export function flag(t: Tree, name: string, title: string, value: number, mask: number, width: number, start: number, len: number): void {
  t.nodes.push({ name, label: bitLabel(value, mask, width, title), value: bit(value, mask), start, end: start + len });
}

// A parsed display filter (./parse) compiled into a predicate over one frame's field
// values, with Wireshark's semantics for fields that occur several times in a frame
// (ip.addr: source and destination, of the packet and of the datagram an ICMP error
// quotes; tcp.port; dns.qry.name per question):
//  - `==`, `<`, `>`, `<=`, `>=`, `contains`, `matches`, `&`, `in`: some occurrence matches;
//  - `!=`: every occurrence differs (Wireshark ≥ 3.6, "all not equal"), so
//    `ip.addr != 10.0.0.1` drops every packet to or from 10.0.0.1;
//  - a field absent from the frame makes its test false, `!=` included;
//  - a bare field or protocol name tests presence.

import type { FilterNode, Literal, RelOp } from './parse';

/** One value of a field: a number (uint, bool 0/1, time in ns, IPv4 as uint32), text, 16 IPv6 bytes, or raw bytes. */
export type FieldValue = number | string | Uint8Array;

/** A frame's fields, by id (index in FILTER_FIELDS): each occurrence's value, none when absent. */
export interface FieldAccess {
  values(field: number): readonly FieldValue[];
}

export type FramePredicate = (frame: FieldAccess) => boolean;

function v6Match(v: Uint8Array, bytes: Uint8Array, prefix: number): boolean {
  let bits = prefix;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((v[i] & m) !== (bytes[i] & m)) return false;
  }
  return true;
}

function v6Order(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** -1/0/1 of value against literal, or NaN when they cannot be ordered. */
function order(v: FieldValue, lit: Literal): number {
  switch (lit.t) {
    case 'num':
    case 'v4': {
      const x = lit.t === 'num' ? lit.v : lit.addr;
      return typeof v === 'number' ? Math.sign(v - x) : NaN;
    }
    case 'v6':
      return v instanceof Uint8Array ? Math.sign(v6Order(v, lit.bytes)) : NaN;
    case 'str':
      return typeof v === 'string' ? (v < lit.v ? -1 : v > lit.v ? 1 : 0) : NaN;
    case 'bytes':
      return NaN; // the parser allows == and != only
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `needle` occurs in `hay`. */
function hasBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0];
  for (let i = hay.indexOf(first); i >= 0 && i + n <= hay.length; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < n && hay[i + k] === needle[k]) k++;
    if (k === n) return true;
  }
  return false;
}

/** Bytes as a string of one character per byte, for a regular expression over raw bytes (as PCRE2 over a byte field). */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

function equal(v: FieldValue, lit: Literal): boolean {
  if (lit.t === 'bytes') return v instanceof Uint8Array && sameBytes(v, lit.v);
  if (lit.t === 'v4') return typeof v === 'number' && ((v & lit.mask) >>> 0) === lit.addr;
  if (lit.t === 'v6') return v instanceof Uint8Array && v6Match(v, lit.bytes, lit.prefix);
  return order(v, lit) === 0;
}

function relation(op: RelOp, lit: Literal): (v: FieldValue) => boolean {
  switch (op) {
    case '==':
    case '!=':
      return (v) => equal(v, lit);
    case '<':
      return (v) => order(v, lit) < 0;
    case '<=':
      return (v) => order(v, lit) <= 0;
    case '>':
      return (v) => order(v, lit) > 0;
    case '>=':
      return (v) => order(v, lit) >= 0;
  }
}

const some = (vs: readonly FieldValue[], test: (v: FieldValue) => boolean): boolean => {
  for (let i = 0; i < vs.length; i++) if (test(vs[i])) return true;
  return false;
};

/** The predicate of a parsed filter (null: every frame). */
export function compileFilter(n: FilterNode | null): FramePredicate {
  if (!n) return () => true;
  switch (n.k) {
    case 'and': {
      const a = compileFilter(n.a), b = compileFilter(n.b);
      return (f) => a(f) && b(f);
    }
    case 'or': {
      const a = compileFilter(n.a), b = compileFilter(n.b);
      return (f) => a(f) || b(f);
    }
    case 'not': {
      const a = compileFilter(n.a);
      return (f) => !a(f);
    }
    case 'exists': {
      const id = n.field;
      return (f) => f.values(id).length > 0;
    }
    case 'cmp': {
      const id = n.field, test = relation(n.op, n.value);
      if (n.op === '!=') return (f) => {
        const vs = f.values(id);
        return vs.length > 0 && !some(vs, test);
      };
      return (f) => some(f.values(id), test);
    }
    case 'contains': {
      const id = n.field, s = n.value, b = n.bytes;
      if (b) return (f) => some(f.values(id), (v) => v instanceof Uint8Array && hasBytes(v, b));
      return (f) => some(f.values(id), (v) => typeof v === 'string' && v.includes(s));
    }
    case 'matches': {
      const id = n.field, re = n.re;
      return (f) => some(f.values(id), (v) => (typeof v === 'string' ? re.test(v) : v instanceof Uint8Array && re.test(latin1(v))));
    }
    case 'bitand': {
      const id = n.field, mask = n.mask;
      return (f) => some(f.values(id), (v) => typeof v === 'number' && (v & mask) !== 0);
    }
    case 'in': {
      const id = n.field;
      const tests = n.items.map(({ lo, hi }) => (lo === hi ? (v: FieldValue) => equal(v, lo) : (v: FieldValue) => order(v, lo) >= 0 && order(v, hi) <= 0));
      return (f) => some(f.values(id), (v) => tests.some((t) => t(v)));
    }
  }
}

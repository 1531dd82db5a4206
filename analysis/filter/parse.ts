// The display-filter language (Wireshark's, the subset of ./fields): text → a checked
// syntax tree, or a FilterError that says what is wrong and where (start/end offsets
// into the text, and "column N" in its message).
//
// A small recursive-descent parser rather than a parser library (chevrotain, nearley,
// peggy): the grammar is five rules; what matters is the errors — Wireshark's own
// wording, pointing at the offending word — and the literals, whose meaning depends on
// the field they are compared with (10.0.0.0/8 is a network for ip.addr, 0x35 a number
// for tcp.port, a bare word a string for dns.qry.name), which a hand-written parser
// checks in the same step. It also keeps the core free of a dependency the renderer's
// bundle and the browser worker would carry.
//
//   expr    := and (("||" | "or") and)*
//   and     := unary (("&&" | "and") unary)*
//   unary   := ("!" | "not") unary | "(" expr ")" | test
//   test    := FIELD [ relop value | ("contains" | "matches" | "~") value
//                    | "&" value | "in" "{" item ("," item)* "}" ]
//   relop   := "==" | "!=" | "<" | "<=" | ">" | ">=" | eq | ne | lt | le | gt | ge
//   item    := value | value ".." value
//   value   := WORD | "quoted string"
//
// `and` binds tighter than `or`, as in Wireshark. Semantics of the tree: ./evaluate.

import { FILTER_FIELDS, fieldId, type FieldSpec } from './fields';

/** A filter that cannot be parsed: the reason, and the offending text's offsets. */
export class FilterError extends Error {
  constructor(
    readonly reason: string,
    /** Offset of the offending text (0-based); `end` one past it. */
    readonly start: number,
    readonly end: number,
  ) {
    super(`${reason} (column ${start + 1})`);
    this.name = 'FilterError';
  }
}

export type RelOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A literal converted for its field's type. */
export type Literal =
  | { t: 'num'; v: number }
  | { t: 'v4'; addr: number; mask: number }
  | { t: 'v6'; bytes: Uint8Array; prefix: number }
  | { t: 'str'; v: string }
  | { t: 'bytes'; v: Uint8Array };

export type FilterNode =
  | { k: 'and' | 'or'; a: FilterNode; b: FilterNode }
  | { k: 'not'; a: FilterNode }
  | { k: 'exists'; field: number }
  | { k: 'cmp'; field: number; op: RelOp; value: Literal }
  /** `bytes` set for byte fields and `frame` (the text's bytes, or aa:bb:cc), null for text fields. */
  | { k: 'contains'; field: number; value: string; bytes: Uint8Array | null }
  | { k: 'matches'; field: number; re: RegExp }
  | { k: 'bitand'; field: number; mask: number }
  | { k: 'in'; field: number; items: { lo: Literal; hi: Literal }[] };

interface Token {
  kind: 'word' | 'string' | 'op' | '(' | ')' | '{' | '}' | ',' | 'eof';
  text: string;
  start: number;
  end: number;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '~', '&'];
const WORD_OPS: Record<string, RelOp> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
const WORD = /[A-Za-z0-9_.:/\-]/;

function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') {
      out.push({ kind: c, text: c, start, end: ++i });
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterError('the quoted string is not closed', start, text.length);
        const d = text[i];
        if (d === '"') break;
        if (d === '\\') {
          const e = text[i + 1];
          if (e === undefined) throw new FilterError('the quoted string is not closed', start, text.length);
          if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
            s += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e;
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      out.push({ kind: 'string', text: s, start, end: ++i });
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      i += op.length;
      out.push({ kind: 'op', text: op, start, end: i });
      continue;
    }
    if (WORD.test(c)) {
      while (i < text.length && WORD.test(text[i])) i++;
      out.push({ kind: 'word', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (c === '=') throw new FilterError('"=" is not an operator: write == to compare', i, i + 1);
    throw new FilterError(`"${c}" was unexpected here`, i, i + 1);
  }
  out.push({ kind: 'eof', text: '', start: text.length, end: text.length });
  return out;
}

// ---------------------------------------------------------------- literals

function parseUint(s: string): number | null {
  // decimal, 0x hex, leading-0 octal (Wireshark's strtoul with base 0)
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s.slice(2), 16);
  if (/^0[0-7]+$/.test(s)) return parseInt(s.slice(1), 8);
  if (/^[0-9]+$/.test(s)) return Number(s);
  return null;
}

function parseV4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

function parseV6(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return null;
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    // an embedded IPv4 address (::ffff:192.0.2.1) is the last two groups
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const parts = s.split('::');
  if (parts.length > 2) return null;
  const head = parts[0] ? parts[0].split(':') : [];
  const rest = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const have = head.length + rest.length;
  if (parts.length === 1 ? have !== 8 : have > 7) return null;
  const groups = [...head, ...Array<string>(8 - have).fill('0'), ...rest];
  const out = new Uint8Array(16);
  groups.forEach((g, k) => {
    const v = parseInt(g, 16);
    out[2 * k] = v >> 8;
    out[2 * k + 1] = v & 0xff;
  });
  return out;
}

/** Decimal seconds to nanoseconds, exactly (times compare as integer nanoseconds). */
function parseSeconds(s: string): number | null {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === '' && !m[2])) return null;
  const frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  return Number(m[1] || '0') * 1e9 + Number(frac);
}

/** A quoted string's bytes (characters above 0xff as UTF-8), or an unquoted aa:bb:cc (also aa-bb, aa.bb). */
function byteLiteral(tok: Token): Uint8Array | null {
  if (tok.kind === 'string') {
    const out: number[] = [];
    for (const ch of tok.text) {
      const c = ch.codePointAt(0)!;
      if (c <= 0xff) out.push(c);
      else out.push(...new TextEncoder().encode(ch));
    }
    return Uint8Array.from(out);
  }
  if (!/^[0-9a-fA-F]{2}([:.-][0-9a-fA-F]{2})*$/.test(tok.text)) return null;
  return Uint8Array.from(tok.text.split(/[:.-]/).map((h) => parseInt(h, 16)));
}

function literal(spec: FieldSpec, tok: Token, forOrder: boolean): Literal {
  const s = tok.text;
  const bad = (why: string): never => {
    throw new FilterError(why, tok.start, tok.end);
  };
  const quoted = tok.kind === 'string';
  switch (spec.type) {
    case 'label':
    case 'protocol':
      return bad(`${spec.name} has no value: test its presence alone ("${spec.name}")`);
    case 'uint':
    case 'bool': {
      if (quoted) return bad(`${spec.name} is a number: write ${s} without quotes`);
      if (spec.type === 'bool' && (s === 'True' || s === 'true' || s === 'TRUE')) return { t: 'num', v: 1 };
      if (spec.type === 'bool' && (s === 'False' || s === 'false' || s === 'FALSE')) return { t: 'num', v: 0 };
      // a negative number is a valid literal that no unsigned value equals
      const neg = s.startsWith('-');
      const v = parseUint(neg ? s.slice(1) : s);
      if (v === null) return bad(`"${s}" is not a valid number`);
      if (spec.type === 'bool') return { t: 'num', v: v !== 0 && !neg ? 1 : 0 };
      if (spec.max !== undefined && v > spec.max) return bad(`"${s}" is too big for ${spec.name} (at most ${spec.max})`);
      return { t: 'num', v: neg ? -v : v };
    }
    case 'time': {
      if (quoted) return bad(`${spec.name} is a time in seconds: write ${s} without quotes`);
      const neg = s.startsWith('-');
      const ns = parseSeconds(neg ? s.slice(1) : s);
      if (ns === null) return bad(`"${s}" is not a valid time in seconds`);
      return { t: 'num', v: neg ? -ns : ns };
    }
    case 'ipv4': {
      if (quoted) return bad(`an IPv4 address is written without quotes (${s})`);
      const slash = s.indexOf('/');
      const addr = parseV4(slash < 0 ? s : s.slice(0, slash));
      if (addr === null) return bad(`"${s}" is not a valid IPv4 address`);
      let bits = 32;
      if (slash >= 0) {
        const b = /^\d+$/.test(s.slice(slash + 1)) ? Number(s.slice(slash + 1)) : NaN;
        if (!(b >= 0 && b <= 32)) return bad(`the prefix of "${s}" must be 0 to 32 bits`);
        if (forOrder) return bad(`a network ("${s}") can only be tested with == or !=`);
        bits = b;
      }
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return { t: 'v4', addr: (addr & mask) >>> 0, mask };
    }
    case 'ipv6': {
      if (quoted) return bad(`an IPv6 address is written without quotes (${s})`);
      const slash = s.indexOf('/');
      const bytes = parseV6(slash < 0 ? s : s.slice(0, slash));
      if (bytes === null) return bad(`"${s}" is not a valid IPv6 address`);
      let prefix = 128;
      if (slash >= 0) {
        const b = /^\d+$/.test(s.slice(slash + 1)) ? Number(s.slice(slash + 1)) : NaN;
        if (!(b >= 0 && b <= 128)) return bad(`the prefix of "${s}" must be 0 to 128 bits`);
        if (forOrder) return bad(`a network ("${s}") can only be tested with == or !=`);
        prefix = b;
      }
      return { t: 'v6', bytes, prefix };
    }
    case 'string':
      return { t: 'str', v: s };
    case 'bytes': {
      if (forOrder) return bad(`${spec.name} holds bytes: compare it with ==, !=, contains or matches`);
      const b = byteLiteral(tok);
      if (!b) return bad(`"${s}" is not a byte sequence (aa:bb:cc) or a quoted string`);
      return { t: 'bytes', v: b };
    }
  }
}

// ---------------------------------------------------------------- the parser

class Parser {
  private p = 0;
  constructor(private readonly toks: Token[]) {}

  private get tok(): Token {
    return this.toks[this.p];
  }

  /** The current token's kind (a method: narrowing `this.tok.kind` would outlive this.p++). */
  private at(kind: Token['kind']): boolean {
    return this.toks[this.p].kind === kind;
  }

  private isWord(...w: string[]): boolean {
    return this.at('word') && w.includes(this.tok.text);
  }

  private isOp(...o: string[]): boolean {
    return this.at('op') && o.includes(this.tok.text);
  }

  private unexpected(expected: string): never {
    const t = this.tok;
    if (t.kind === 'eof') throw new FilterError(`the filter ends too early: ${expected} expected`, t.start, t.end);
    throw new FilterError(`"${t.kind === 'string' ? `"${t.text}"` : t.text}" was unexpected here: ${expected} expected`, t.start, t.end);
  }

  parse(): FilterNode {
    const n = this.or();
    if (!this.at('eof')) this.unexpected('"and", "or" or the end of the filter');
    return n;
  }

  private or(): FilterNode {
    let a = this.and();
    while (this.isOp('||') || this.isWord('or')) {
      this.p++;
      a = { k: 'or', a, b: this.and() };
    }
    return a;
  }

  private and(): FilterNode {
    let a = this.unary();
    while (this.isOp('&&') || this.isWord('and')) {
      this.p++;
      a = { k: 'and', a, b: this.unary() };
    }
    return a;
  }

  private unary(): FilterNode {
    if (this.isOp('!') || this.isWord('not')) {
      this.p++;
      return { k: 'not', a: this.unary() };
    }
    if (this.at('(')) {
      const open = this.tok;
      this.p++;
      const n = this.or();
      if (!this.at(')')) {
        if (this.at('eof')) throw new FilterError('this "(" is never closed', open.start, open.end);
        this.unexpected('")"');
      }
      this.p++;
      return n;
    }
    return this.test();
  }

  private test(): FilterNode {
    const t = this.tok;
    if (t.kind !== 'word' || ['and', 'or', 'not', ...Object.keys(WORD_OPS), 'contains', 'matches', 'in'].includes(t.text)) this.unexpected('a field name, "(" or "!"');
    const field = fieldId(t.text);
    if (field < 0) throw new FilterError(`"${t.text}" is not a valid field`, t.start, t.end);
    const spec = FILTER_FIELDS[field];
    this.p++;
    const opTok = this.tok;
    let op: RelOp | null = null;
    if (opTok.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(opTok.text)) op = opTok.text as RelOp;
    else if (opTok.kind === 'word' && WORD_OPS[opTok.text]) op = WORD_OPS[opTok.text];
    if (op) {
      // as tshark, at the field: it is the field that has no value
      if (spec.type === 'label' || spec.type === 'protocol') throw new FilterError(`${spec.name} has no value to compare: test its presence alone ("${spec.name}")`, t.start, t.end);
      this.p++;
      return { k: 'cmp', field, op, value: literal(spec, this.value(), op !== '==' && op !== '!=') };
    }
    if (this.isWord('contains') || this.isWord('matches') || this.isOp('~')) {
      const which = opTok.text === 'contains' ? 'contains' : 'matches';
      this.p++;
      const byteField = spec.type === 'bytes' || spec.name === 'frame';
      if (spec.type !== 'string' && !byteField)
        throw new FilterError(`"${which}" applies to text and byte fields (dns.qry.name, tcp.payload, frame), not to ${spec.name}`, opTok.start, opTok.end);
      const v = this.value();
      if (which === 'contains') {
        if (!byteField) return { k: 'contains', field, value: v.text, bytes: null };
        const b = byteLiteral(v);
        if (!b) throw new FilterError(`"${v.text}" is not a byte sequence (aa:bb:cc) or a quoted string`, v.start, v.end);
        return { k: 'contains', field, value: v.text, bytes: b };
      }
      try {
        // Wireshark's matches is a case-insensitive PCRE2 match
        return { k: 'matches', field, re: new RegExp(v.text, 'i') };
      } catch (e) {
        throw new FilterError(`"${v.text}" is not a valid regular expression: ${(e as Error).message}`, v.start, v.end);
      }
    }
    if (this.isOp('&')) {
      this.p++;
      if (spec.type !== 'uint' && spec.type !== 'bool') throw new FilterError(`"&" (bitwise and) applies to number fields, not to ${spec.name}`, opTok.start, opTok.end);
      const lit = literal(spec, this.value(), true) as { t: 'num'; v: number };
      return { k: 'bitand', field, mask: lit.v };
    }
    if (this.isWord('in')) {
      this.p++;
      if (!this.at('{')) this.unexpected('"{"');
      this.p++;
      const items: { lo: Literal; hi: Literal }[] = [];
      for (;;) {
        items.push(this.item(spec));
        if (this.at(',')) {
          this.p++;
          continue;
        }
        if (this.at('}')) break;
        this.unexpected('"," or "}"');
      }
      this.p++;
      return { k: 'in', field, items };
    }
    return { k: 'exists', field };
  }

  private item(spec: FieldSpec): { lo: Literal; hi: Literal } {
    const v = this.value();
    const dots = v.kind === 'word' ? v.text.indexOf('..') : -1;
    if (dots < 0) {
      const lit = literal(spec, v, false);
      return { lo: lit, hi: lit };
    }
    // a range lo..hi lexes as one word
    const lo: Token = { ...v, text: v.text.slice(0, dots), end: v.start + dots };
    const hi: Token = { ...v, text: v.text.slice(dots + 2), start: v.start + dots + 2 };
    return { lo: literal(spec, lo, true), hi: literal(spec, hi, true) };
  }

  private value(): Token {
    const t = this.tok;
    if (t.kind === 'word' || t.kind === 'string') {
      this.p++;
      return t;
    }
    return this.unexpected('a value');
  }
}

/** Parses a display filter; throws FilterError. An empty filter (only blanks) is null: every frame. */
export function parseFilter(text: string): FilterNode | null {
  if (text.trim() === '') return null;
  return new Parser(lex(text)).parse();
}

/** The fields a filter reads (their ids), so the frame reader computes only those. */
export function fieldsOf(n: FilterNode | null, out = new Set<number>()): Set<number> {
  if (!n) return out;
  switch (n.k) {
    case 'and':
    case 'or':
      fieldsOf(n.a, out);
      fieldsOf(n.b, out);
      break;
    case 'not':
      fieldsOf(n.a, out);
      break;
    default:
      out.add(n.field);
  }
  return out;
}

// The display-filter language: errors that name the problem and point at it (start/end,
// "column N"), the literal forms Wireshark accepts per field type, precedence, and the
// semantics of fields that occur several times or not at all (checked on field values
// set by hand here; on real captures against tshark in ./conformance.test.ts).
import { describe, expect, it } from 'vitest';
import { compileFilter, type FieldValue } from '../../../analysis/filter/evaluate';
import { FILTER_FIELDS, fieldId } from '../../../analysis/filter/fields';
import { FilterError, parseFilter } from '../../../analysis/filter/parse';

function error(text: string): { message: string; start: number; end: number } {
  try {
    parseFilter(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FilterError);
    const f = e as FilterError;
    return { message: f.message, start: f.start, end: f.end };
  }
  throw new Error(`${text} parsed`);
}

/** A frame whose fields hold the given values (the others absent). */
function frame(values: Record<string, FieldValue[]>) {
  return { values: (id: number) => values[FILTER_FIELDS[id].name] ?? [] };
}

const matches = (text: string, values: Record<string, FieldValue[]>): boolean => compileFilter(parseFilter(text))(frame(values));
const v4 = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);

describe('display filter errors', () => {
  it('point at the offending text, with its column', () => {
    expect(error('tcp.prot')).toEqual({ message: '"tcp.prot" is not a valid field (column 1)', start: 0, end: 8 });
    expect(error('tcp && tcp.prot == 1')).toMatchObject({ message: '"tcp.prot" is not a valid field (column 8)', start: 7, end: 15 });
    expect(error('tcp.port == 99999')).toEqual({ message: '"99999" is too big for tcp.port (at most 65535) (column 13)', start: 12, end: 17 });
    expect(error('ip.src == 10.1')).toMatchObject({ message: '"10.1" is not a valid IPv4 address (column 11)', start: 10, end: 14 });
    expect(error('ip.src == 10.0.0.0/33').message).toBe('the prefix of "10.0.0.0/33" must be 0 to 32 bits (column 11)');
    expect(error('ipv6.addr == 10.0.0.1').message).toBe('"10.0.0.1" is not a valid IPv6 address (column 14)');
    expect(error('tcp.port == 53.5').message).toBe('"53.5" is not a valid number (column 13)');
    expect(error('tcp.port == "53"').message).toBe('tcp.port is a number: write 53 without quotes (column 13)');
    expect(error('tcp.srcport == 53 and')).toEqual({ message: 'the filter ends too early: a field name, "(" or "!" expected (column 22)', start: 21, end: 21 });
    expect(error('(tcp')).toEqual({ message: 'this "(" is never closed (column 1)', start: 0, end: 1 });
    expect(error('tcp)').message).toBe('")" was unexpected here: "and", "or" or the end of the filter expected (column 4)');
    expect(error('tcp.analysis.retransmission == 1').message).toBe('tcp.analysis.retransmission has no value to compare: test its presence alone ("tcp.analysis.retransmission") (column 1)');
    expect(error('tcp.port contains "x"').message).toBe('"contains" applies to text and byte fields (dns.qry.name, tcp.payload, frame), not to tcp.port (column 10)');
    expect(error('tcp contains "x"').message).toBe('"contains" applies to text and byte fields (dns.qry.name, tcp.payload, frame), not to tcp (column 5)');
    expect(error('frame contains 4x:45').message).toBe('"4x:45" is not a byte sequence (aa:bb:cc) or a quoted string (column 16)');
    expect(error('tcp.payload > 47:45').message).toBe('tcp.payload holds bytes: compare it with ==, !=, contains or matches (column 15)');
    expect(error('dns.qry.name matches "("').message).toMatch(/^"\(" is not a valid regular expression: .* \(column 22\)$/);
    expect(error('tcp.port = 80').message).toBe('"=" is not an operator: write == to compare (column 10)');
    expect(error('dns.qry.name == "abc').message).toBe('the quoted string is not closed (column 17)');
    expect(error('tcp.port ==').message).toBe('the filter ends too early: a value expected (column 12)');
    expect(error('tcp.port in {80 443}').message).toBe('"443" was unexpected here: "," or "}" expected (column 17)');
    expect(error('ip.addr > 10.0.0.0/8').message).toBe('a network ("10.0.0.0/8") can only be tested with == or != (column 11)');
  });

  it('an empty filter is every frame', () => {
    expect(parseFilter('  ')).toBeNull();
    expect(compileFilter(null)(frame({}))).toBe(true);
  });
});

describe('display filter literals and operators', () => {
  it('numbers in decimal, hex and octal; word operators; bool flags as 1/0, True/False or any non-zero', () => {
    for (const t of ['tcp.port == 53', 'tcp.port == 0x35', 'tcp.port == 065', 'tcp.port eq 53', 'tcp.port ge 53', 'tcp.port le 53', 'tcp.port in {50..60}', 'tcp.port in {80, 53}'])
      expect(matches(t, { 'tcp.port': [53] }), t).toBe(true);
    for (const t of ['tcp.port != 53', 'tcp.port ne 53', 'tcp.port lt 53', 'tcp.port gt 53', 'tcp.port == -1', 'tcp.port in {1..52, 54}'])
      expect(matches(t, { 'tcp.port': [53] }), t).toBe(false);
    for (const t of ['tcp.flags.syn == 1', 'tcp.flags.syn == True', 'tcp.flags.syn == true', 'tcp.flags.syn == 2', 'tcp.flags.syn', 'tcp.flags & 0x02'])
      expect(matches(t, { 'tcp.flags.syn': [1], 'tcp.flags': [0x12] }), t).toBe(true);
    expect(matches('tcp.flags.syn == False', { 'tcp.flags.syn': [0] })).toBe(true);
    // a flag that is 0 is still present: the bare field is true for every TCP packet, as in Wireshark
    expect(matches('tcp.flags.syn', { 'tcp.flags.syn': [0] })).toBe(true);
  });

  it('IPv4 and IPv6 addresses, networks in CIDR form', () => {
    const f = { 'ip.addr': [v4('10.1.2.3'), v4('192.168.0.1')] };
    expect(matches('ip.addr == 10.0.0.0/8', f)).toBe(true);
    expect(matches('ip.addr == 10.1.2.3', f)).toBe(true);
    expect(matches('ip.addr == 11.0.0.0/8', f)).toBe(false);
    expect(matches('ip.addr == 0.0.0.0/0', f)).toBe(true);
    expect(matches('ip.addr > 192.168.0.0', f)).toBe(true);
    const a6 = new Uint8Array(16);
    a6.set([0xfe, 0x80], 0);
    a6[15] = 1;
    const g = { 'ipv6.src': [a6] };
    expect(matches('ipv6.src == fe80::1', g)).toBe(true);
    expect(matches('ipv6.src == fe80::/10', g)).toBe(true);
    expect(matches('ipv6.src == FE80:0:0:0:0:0:0:1', g)).toBe(true);
    expect(matches('ipv6.src == ::ffff:10.0.0.1', g)).toBe(false);
    expect(matches('ipv6.src == 2001:db8::/32', g)).toBe(false);
  });

  it('strings: == and contains are case-sensitive, matches is a case-insensitive regular expression; a bare word is a string', () => {
    const f = { 'dns.qry.name': ['www.Example.com'] };
    expect(matches('dns.qry.name == "www.Example.com"', f)).toBe(true);
    expect(matches('dns.qry.name == www.Example.com', f)).toBe(true);
    expect(matches('dns.qry.name == "www.example.com"', f)).toBe(false);
    expect(matches('dns.qry.name contains "Example"', f)).toBe(true);
    expect(matches('dns.qry.name contains "example"', f)).toBe(false);
    expect(matches('dns.qry.name matches "^WWW\\\\.example"', f)).toBe(true);
    expect(matches('dns.qry.name ~ "com$"', f)).toBe(true);
  });

  it('bytes: contains a quoted string or aa:bb:cc, == and != whole, matches over the raw bytes', () => {
    const payload = new TextEncoder().encode('GET /x HTTP/1.1\r\n');
    const f = { 'tcp.payload': [payload], frame: [Uint8Array.from([0, 1, ...payload, 0xff])] };
    expect(matches('tcp.payload contains "GET"', f)).toBe(true);
    expect(matches('tcp.payload contains 47:45:54', f)).toBe(true);
    expect(matches('tcp.payload contains 47-45-54', f)).toBe(true);
    expect(matches('tcp.payload contains "get"', f)).toBe(false);
    expect(matches('tcp.payload matches "^get /"', f)).toBe(true);
    expect(matches('frame contains "\\xff"', f)).toBe(true);
    expect(matches('frame contains 00:01:47', f)).toBe(true);
    expect(matches('frame contains 01:00', f)).toBe(false);
    expect(matches('tcp.payload == "GET /x HTTP/1.1\\r\\n"', f)).toBe(true);
    expect(matches('tcp.payload != 47:45:54', f)).toBe(true);
    expect(matches('udp.payload contains "GET"', f)).toBe(false);
  });

  it('times are seconds, compared exactly in nanoseconds', () => {
    expect(matches('frame.time_relative == 0.5', { 'frame.time_relative': [500_000_000] })).toBe(true);
    expect(matches('frame.time_relative > 0.4999999999', { 'frame.time_relative': [499_999_999] })).toBe(false);
    expect(matches('frame.time_relative >= .25', { 'frame.time_relative': [250_000_000] })).toBe(true);
  });
});

describe('display filter semantics', () => {
  it('"and" binds tighter than "or"; not, !, parentheses', () => {
    expect(matches('tcp or udp and ip.src == 1.1.1.1', { tcp: [1] })).toBe(true);
    expect(matches('(tcp or udp) and ip.src == 1.1.1.1', { tcp: [1] })).toBe(false);
    expect(matches('!tcp', { tcp: [1] })).toBe(false);
    expect(matches('not not tcp', { tcp: [1] })).toBe(true);
    expect(matches('tcp && !(udp || icmp)', { tcp: [1] })).toBe(true);
  });

  it('a field that occurs twice: == matches either occurrence, != only when every occurrence differs (Wireshark ≥ 3.6)', () => {
    const f = { 'tcp.port': [40000, 80] };
    expect(matches('tcp.port == 80', f)).toBe(true);
    expect(matches('tcp.port != 80', f)).toBe(false);
    expect(matches('!(tcp.port == 80)', f)).toBe(false);
    expect(matches('tcp.port != 443', f)).toBe(true);
    expect(matches('tcp.port > 1024', f)).toBe(true);
    expect(matches('tcp.port < 100', f)).toBe(true);
  });

  it('a field the frame lacks makes every comparison false, != included; its negation true', () => {
    expect(matches('tcp.port != 80', {})).toBe(false);
    expect(matches('tcp.port == 80', {})).toBe(false);
    expect(matches('!(tcp.port == 80)', {})).toBe(true);
    expect(matches('dns.qry.name contains "a"', {})).toBe(false);
  });

  it('every field of the table parses as a presence test', () => {
    for (const f of FILTER_FIELDS) expect(parseFilter(f.name)).toEqual({ k: 'exists', field: fieldId(f.name) });
  });
});

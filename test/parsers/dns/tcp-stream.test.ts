// The DNS-over-TCP framing reassembler on its own (RFC 1035 4.2.2 length prefix).
import { describe, expect, it } from 'vitest';
import { DnsTcpStream } from '../../../parsers/dns/tcp-stream';

function feed(segs: [number, number[], boolean?][]): string[] {
  const s = new DnsTcpStream();
  const out: string[] = [];
  for (const [seq, bytes, syn] of segs) {
    const d = new Uint8Array(bytes);
    s.segment(seq, !!syn, d, 0, d.length, d.length, (m, o, l) => out.push([...m.subarray(o, o + l)].join(',')));
  }
  return out;
}

describe('DnsTcpStream', () => {
  it('two messages in one segment', () => {
    expect(feed([[0, [], true], [1, [0, 2, 1, 2, 0, 1, 9]]])).toEqual(['1,2', '9']);
  });
  it('one message across three segments, the prefix split too', () => {
    expect(feed([[0, [], true], [1, [0]], [2, [3, 7]], [4, [8, 9, 0, 1]], [8, [5]]])).toEqual(['7,8,9', '5']);
  });
  it('retransmitted and overlapping bytes are trimmed', () => {
    expect(feed([[0, [], true], [1, [0, 3, 7]], [1, [0, 3, 7]], [2, [3, 7, 8, 9]]])).toEqual(['7,8,9']);
  });
  it('out-of-order segments wait for the gap', () => {
    expect(feed([[0, [], true], [4, [8, 9]], [1, [0, 3, 7]]])).toEqual(['7,8,9']);
  });
  it('picks up mid-stream (no SYN) at the first byte seen, across the 2^32 wrap', () => {
    expect(feed([[0xfffffffe, [0, 2]], [0, [4, 5]]])).toEqual(['4,5']);
  });
  it('a segment cut by the snaplen loses the framing', () => {
    const s = new DnsTcpStream();
    s.segment(1, false, new Uint8Array([0, 9, 1]), 0, 3, 11, () => {});
    expect(s.lostSync).toBe(true);
    expect(s.lostReason).toContain('cut short');
  });
});

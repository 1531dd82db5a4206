// What the TCP tracker makes of the fidelity fixtures (fixtures/fidelity, recorded by
// record-fidelity.sh with the Linux kernel's TCP; README.md there gives the frames and
// test/fixtures/fidelity.test.ts checks those facts with tshark): issue 12's one-sided
// captures (item 2), one event per unseen ACK (3), receiver-side captures (5) and port
// reuse against a stale server connection (6). Where Wireshark or Zeek would say
// otherwise, the test says who is right.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, analyzeFile, states, unexpected, type Result } from './helpers';

const dir = resolve(__dirname, '../../../fixtures/fidelity');
const load = (name: string): Promise<Result> => analyzeFile(resolve(dir, name));
const tcpOf = (r: Result, id = 1) => r.json.flows.find((f) => f.id === id)!.tcp!;

/** Two classic pcaps (µs, same link type) merged into one, records in time order (as mergecap does). */
function merge(a: Buffer, b: Buffer): Uint8Array {
  const records = (buf: Buffer): { t: number; bytes: Buffer }[] => {
    const out: { t: number; bytes: Buffer }[] = [];
    for (let off = 24; off < buf.length;) {
      const len = 16 + buf.readUInt32LE(off + 8);
      out.push({ t: buf.readUInt32LE(off) * 1e6 + buf.readUInt32LE(off + 4), bytes: buf.subarray(off, off + len) });
      off += len;
    }
    return out;
  };
  const all = [...records(a), ...records(b)].sort((x, y) => x.t - y.t);
  return new Uint8Array(Buffer.concat([a.subarray(0, 24), ...all.map((r) => r.bytes)]));
}

describe('one-sided captures (issue 12 item 2)', () => {
  it('client only (21 frames): tcp.one-sided at the ACK of the unseen SYN-ACK; the server ESTABLISHED, its FIN inferred at the close; SH SADF as Zeek', async () => {
    const r = await load('one-sided-client-only.pcap');
    expect(r.events).toEqual(['2 tcp.one-sided']); // no tcp.unclosed: both FINs are known
    const e = r.byKind('tcp.one-sided')[0];
    expect(e).toMatchObject({ severity: 'warning', flow: 1, related: [21] });
    // frame 2 acknowledges the SYN-ACK; 19 the server's 20 000 bytes; 21 one more: its FIN
    expect(e.message).toBe("only 10.91.0.1:40202's side of the connection was captured (21 packets, none from 10.91.0.2:8080), yet it acknowledged 10.91.0.2:8080's SYN-ACK, 20000 bytes of data and FIN: asymmetric routing or a one-way tap; 10.91.0.2:8080's state is inferred from those acknowledgements (finally CLOSED)");
    expect(states(r)).toEqual(['1 SYN-SENT/LISTEN', '2 ESTABLISHED/ESTABLISHED', '20 FIN-WAIT-1/CLOSE-WAIT', '21 TIME-WAIT/CLOSED']);
    const t = tcpOf(r);
    expect(t.states[1].guess).toMatch(/^one-sided capture: nothing from the server was captured/);
    // the server's FIN (unseen) was sent from CLOSE-WAIT, so it acknowledged the client's FIN
    expect(t.states[3].guess).toBe("one-sided capture: 10.91.0.1:40202 acknowledged one past 10.91.0.2:8080's data at the close, taken for 10.91.0.2:8080's FIN (which acknowledged its own)");
    expect([t.client!.finalState, t.server!.finalState]).toEqual(['TIME-WAIT', 'CLOSED']);
    // Zeek: the responder never seen (INACTIVE), the originator CLOSED → SH; no flip (the SYN came first)
    expect([t.connState, t.history]).toEqual(['SH', 'SADF']);
    expect(unexpected(r)).toEqual([]);
  });

  it('server only (19 frames): the server acknowledging the client\'s data proves the client ESTABLISHED, not SYN-SENT; its FIN inferred; SHR ^hadf as Zeek', async () => {
    const r = await load('one-sided-server-only.pcap');
    expect(r.events).toEqual(['1 tcp.one-sided']);
    const e = r.byKind('tcp.one-sided')[0];
    expect(e).toMatchObject({ severity: 'warning', flow: 1, related: [19] });
    expect(e.message).toBe("only 10.91.0.2:8080's side of the connection was captured (19 packets, none from 10.91.0.1:40202), yet it acknowledged 10.91.0.1:40202's SYN, 3019 bytes of data and FIN: asymmetric routing or a one-way tap; 10.91.0.1:40202's state is inferred from those acknowledgements (finally TIME-WAIT)");
    // 1 SYN-ACK; 2 the ACK of the first 1448 bytes: the client had the SYN-ACK (ESTABLISHED)
    // and its data carried the ACK of it (the server ESTABLISHED); 19 the server's FIN
    // acknowledges one more than the 3019 bytes: the client had closed first
    expect(states(r)).toEqual(['1 SYN-SENT/SYN-RECEIVED', '2 ESTABLISHED/ESTABLISHED', '19 TIME-WAIT/LAST-ACK']);
    const t = tcpOf(r);
    expect(t.states[1].guess).toBe("one-sided capture: nothing from the client was captured, its state is inferred from the server's ACKs");
    expect(t.states[2].guess).toBe("one-sided capture: 10.91.0.2:8080 acknowledged one past 10.91.0.1:40202's data at the close, taken for 10.91.0.1:40202's FIN");
    expect([t.client!.finalState, t.server!.finalState]).toEqual(['TIME-WAIT', 'LAST-ACK']);
    // Zeek flips a connection whose first packet is a SYN-ACK from a likely server port
    // (8080): '^', the responder's letters in lower case; originator INACTIVE, responder CLOSED → SHR
    expect([t.connState, t.history]).toEqual(['SHR', '^hadf']);
    expect(unexpected(r)).toEqual([]);
  });

  it('the two inferred views agree with the whole connection (both files merged): client TIME-WAIT; the server CLOSED once the last ACK, only in the client file, is seen', async () => {
    const whole = await analyze(merge(readFileSync(resolve(dir, 'one-sided-client-only.pcap')), readFileSync(resolve(dir, 'one-sided-server-only.pcap'))));
    expect(whole.events).toEqual([]);
    const t = tcpOf(whole);
    expect([t.connState, t.client!.finalState, t.server!.finalState]).toEqual(['SF', 'TIME-WAIT', 'CLOSED']);
    const c = tcpOf(await load('one-sided-client-only.pcap'));
    const s = tcpOf(await load('one-sided-server-only.pcap'));
    expect([c.client!.finalState, c.server!.finalState]).toEqual([t.client!.finalState, t.server!.finalState]);
    expect(s.client!.finalState).toBe(t.client!.finalState);
    // what each side sent, as the other side acknowledged it
    expect([c.client!.bytesSent, s.server!.bytesSent]).toEqual([t.client!.bytesSent, t.server!.bytesSent]);
  });
});

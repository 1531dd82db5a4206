// The RFC 9293 state machine, smoltcp style: the transition table per state and event
// (test_<state>_<event>), the pairs it has no rule for (the catch-all arm), then whole
// segment sequences per state that check both endpoints' states frame by frame, the
// state-break events they raise and the unexpected pairs the tracker records.

import { describe, expect, it } from 'vitest';
import { Ev, RULES, next, ruleFor, State, STATE_NAMES } from '../../../analysis/tcp/states';
import type { Seg } from './build';
import { analyzeSegs, states, unexpected } from './helpers';

const S = State;
const name = (s: number): string => STATE_NAMES[s];

describe('transition table (RFC 9293)', () => {
  const cases: [string, number, number, number][] = [
    ['test_closed_send_syn', S.CLOSED, Ev.SND_SYN, S.SYN_SENT],
    ['test_closed_midstream', S.CLOSED, Ev.MIDSTREAM, S.ESTABLISHED],
    ['test_closed_send_ack_of_syn', S.CLOSED, Ev.SND_ACK_OF_SYN, S.ESTABLISHED],
    ['test_closed_send_synack', S.CLOSED, Ev.SND_SYNACK, S.SYN_RECEIVED],
    ['test_closed_synack_first', S.CLOSED, Ev.SYNACK_FIRST, S.SYN_SENT],
    ['test_closed_send_rst', S.CLOSED, Ev.SND_RST, S.CLOSED],
    ['test_closed_rcv_fin', S.CLOSED, Ev.RCV_FIN, S.CLOSED],
    ['test_closed_rcv_ack_of_fin', S.CLOSED, Ev.RCV_ACK_OF_FIN, S.CLOSED],
    ['test_closed_rcv_rst', S.CLOSED, Ev.RCV_RST, S.CLOSED],
    ['test_listen_send_synack', S.LISTEN, Ev.SND_SYNACK, S.SYN_RECEIVED],
    ['test_listen_send_syn', S.LISTEN, Ev.SND_SYN, S.SYN_SENT],
    ['test_listen_send_ack_of_syn', S.LISTEN, Ev.SND_ACK_OF_SYN, S.ESTABLISHED],
    ['test_listen_midstream', S.LISTEN, Ev.MIDSTREAM, S.ESTABLISHED],
    ['test_listen_send_rst', S.LISTEN, Ev.SND_RST, S.CLOSED],
    ['test_listen_refuse', S.LISTEN, Ev.REFUSE, S.CLOSED],
    ['test_listen_one_sided', S.LISTEN, Ev.ONE_SIDED, S.ESTABLISHED],
    ['test_listen_rcv_rst', S.LISTEN, Ev.RCV_RST, S.LISTEN],
    ['test_syn_sent_send_syn', S.SYN_SENT, Ev.SND_SYN, S.SYN_SENT],
    ['test_syn_sent_send_ack_of_syn', S.SYN_SENT, Ev.SND_ACK_OF_SYN, S.ESTABLISHED],
    ['test_syn_sent_send_synack', S.SYN_SENT, Ev.SND_SYNACK, S.SYN_RECEIVED],
    ['test_syn_sent_rcv_rst', S.SYN_SENT, Ev.RCV_RST, S.CLOSED],
    ['test_syn_sent_one_sided', S.SYN_SENT, Ev.ONE_SIDED, S.ESTABLISHED],
    ['test_syn_sent_send_rst', S.SYN_SENT, Ev.SND_RST, S.CLOSED],
    ['test_syn_received_send_synack', S.SYN_RECEIVED, Ev.SND_SYNACK, S.SYN_RECEIVED],
    ['test_syn_received_rcv_ack_of_syn', S.SYN_RECEIVED, Ev.RCV_ACK_OF_SYN, S.ESTABLISHED],
    ['test_syn_received_send_fin', S.SYN_RECEIVED, Ev.SND_FIN, S.FIN_WAIT_1],
    ['test_syn_received_rcv_fin', S.SYN_RECEIVED, Ev.RCV_FIN, S.CLOSE_WAIT],
    ['test_syn_received_rcv_rst', S.SYN_RECEIVED, Ev.RCV_RST, S.LISTEN],
    ['test_syn_received_send_rst', S.SYN_RECEIVED, Ev.SND_RST, S.CLOSED],
    ['test_established_send_fin', S.ESTABLISHED, Ev.SND_FIN, S.FIN_WAIT_1],
    ['test_established_rcv_fin', S.ESTABLISHED, Ev.RCV_FIN, S.CLOSE_WAIT],
    ['test_established_rcv_rst', S.ESTABLISHED, Ev.RCV_RST, S.CLOSED],
    ['test_established_send_rst', S.ESTABLISHED, Ev.SND_RST, S.CLOSED],
    ['test_fin_wait_1_send_fin', S.FIN_WAIT_1, Ev.SND_FIN, S.FIN_WAIT_1],
    ['test_fin_wait_1_rcv_ack_of_fin', S.FIN_WAIT_1, Ev.RCV_ACK_OF_FIN, S.FIN_WAIT_2],
    ['test_fin_wait_1_rcv_fin', S.FIN_WAIT_1, Ev.RCV_FIN, S.CLOSING],
    ['test_fin_wait_1_rcv_rst', S.FIN_WAIT_1, Ev.RCV_RST, S.CLOSED],
    ['test_fin_wait_2_rcv_ack_of_fin', S.FIN_WAIT_2, Ev.RCV_ACK_OF_FIN, S.FIN_WAIT_2],
    ['test_fin_wait_2_rcv_fin', S.FIN_WAIT_2, Ev.RCV_FIN, S.TIME_WAIT],
    ['test_fin_wait_2_rcv_rst', S.FIN_WAIT_2, Ev.RCV_RST, S.CLOSED],
    ['test_closing_send_fin', S.CLOSING, Ev.SND_FIN, S.CLOSING],
    ['test_closing_rcv_ack_of_fin', S.CLOSING, Ev.RCV_ACK_OF_FIN, S.TIME_WAIT],
    ['test_closing_rcv_fin', S.CLOSING, Ev.RCV_FIN, S.CLOSING],
    ['test_closing_rcv_rst', S.CLOSING, Ev.RCV_RST, S.CLOSED],
    ['test_close_wait_send_fin', S.CLOSE_WAIT, Ev.SND_FIN, S.LAST_ACK],
    ['test_close_wait_rcv_fin', S.CLOSE_WAIT, Ev.RCV_FIN, S.CLOSE_WAIT],
    ['test_close_wait_rcv_rst', S.CLOSE_WAIT, Ev.RCV_RST, S.CLOSED],
    ['test_last_ack_send_fin', S.LAST_ACK, Ev.SND_FIN, S.LAST_ACK],
    ['test_last_ack_rcv_ack_of_fin', S.LAST_ACK, Ev.RCV_ACK_OF_FIN, S.CLOSED],
    ['test_last_ack_rcv_fin', S.LAST_ACK, Ev.RCV_FIN, S.LAST_ACK],
    ['test_last_ack_rcv_rst', S.LAST_ACK, Ev.RCV_RST, S.CLOSED],
    ['test_time_wait_rcv_fin', S.TIME_WAIT, Ev.RCV_FIN, S.TIME_WAIT],
    ['test_time_wait_rcv_ack_of_fin', S.TIME_WAIT, Ev.RCV_ACK_OF_FIN, S.TIME_WAIT],
    ['test_time_wait_rcv_rst', S.TIME_WAIT, Ev.RCV_RST, S.CLOSED],
  ];
  for (const [title, from, ev, to] of cases) {
    it(`${title}: ${name(from)} → ${name(to)}`, () => {
      expect(ruleFor(from, ev)).not.toBeNull();
      expect(name(next(from, ev))).toBe(name(to));
    });
  }

  // the catch-all arm: no rule, the state stays and the tracker records the pair
  const unruled: [string, number, number][] = [
    ['test_closed_send_fin', S.CLOSED, Ev.SND_FIN],
    ['test_closed_one_sided', S.CLOSED, Ev.ONE_SIDED],
    ['test_listen_rcv_fin', S.LISTEN, Ev.RCV_FIN],
    ['test_listen_synack_first', S.LISTEN, Ev.SYNACK_FIRST],
    ['test_syn_sent_rcv_fin', S.SYN_SENT, Ev.RCV_FIN],
    ['test_syn_sent_refuse', S.SYN_SENT, Ev.REFUSE],
    ['test_syn_received_send_syn', S.SYN_RECEIVED, Ev.SND_SYN],
    ['test_established_send_syn', S.ESTABLISHED, Ev.SND_SYN],
    ['test_established_send_synack', S.ESTABLISHED, Ev.SND_SYNACK],
    ['test_established_midstream', S.ESTABLISHED, Ev.MIDSTREAM],
    ['test_fin_wait_2_send_fin', S.FIN_WAIT_2, Ev.SND_FIN],
    ['test_time_wait_send_fin', S.TIME_WAIT, Ev.SND_FIN],
  ];
  for (const [title, from, ev] of unruled) {
    it(`${title}: no rule, stays ${name(from)}`, () => {
      expect(ruleFor(from, ev)).toBeNull();
      expect(name(next(from, ev))).toBe(name(from));
    });
  }

  it('cites an RFC 9293 section or an observer inference in every rule, one rule per (state, event)', () => {
    for (const r of RULES) expect(r.rfc).toMatch(/^(3\.\d+(\.\d+)*|observer inference: .*\(3\.\d+)/);
    // what the observer infers it also shows as a guess
    for (const r of RULES) if (r.rfc.startsWith('observer inference')) expect(r.guess).toBeTruthy();
    expect(ruleFor(S.ESTABLISHED, Ev.RCV_FIN)!.rfc).toContain('3.10.7.4');
    expect(ruleFor(S.CLOSED, Ev.MIDSTREAM)!.guess).toMatch(/mid-stream/);
    expect(ruleFor(S.LISTEN, Ev.REFUSE)!.fromStart).toBe(true);
  });
});

// A connection: client 10.81.0.1:40000 (ISN 1000), server 10.81.0.2:80 (ISN 5000).
const syn: Seg = { t: 0, from: 'c', flags: 'S', seq: 1000, mss: 1460, ws: 7, sackPerm: true };
const synAck: Seg = { t: 0.01, from: 's', flags: 'SA', seq: 5000, ack: 1001, mss: 1460, ws: 7, sackPerm: true };
const ack3: Seg = { t: 0.02, from: 'c', flags: 'A', seq: 1001, ack: 5001, win: 502 };
const handshake = [syn, synAck, ack3];
const data = (t: number, from: 'c' | 's', seq: number, ack: number, len: number): Seg => ({ t, from, flags: 'PA', seq, ack, len, win: 502 });
const ack = (t: number, from: 'c' | 's', seq: number, a: number, win = 502): Seg => ({ t, from, flags: 'A', seq, ack: a, win });
const fin = (t: number, from: 'c' | 's', seq: number, a: number): Seg => ({ t, from, flags: 'FA', seq, ack: a, win: 502 });

describe('per state, through segments', () => {
  it('test_closed_handshake: SYN-SENT/LISTEN → SYN-RECEIVED → ESTABLISHED both', async () => {
    const r = await analyzeSegs(handshake);
    expect(states(r)).toEqual(['1 SYN-SENT/LISTEN', '2 SYN-SENT/SYN-RECEIVED', '3 ESTABLISHED/ESTABLISHED']);
    expect(r.json.flows[0].tcp!.states[0].guess).toBe('server assumed LISTEN');
    expect(r.json.flows[0].tcp!.handshakeRtt).toBeCloseTo(0.02, 6);
  });

  it('test_established_client_closes_first: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT / CLOSE-WAIT, LAST-ACK, CLOSED', async () => {
    const r = await analyzeSegs([...handshake, fin(1, 'c', 1001, 5001), ack(1.01, 's', 5001, 1002), fin(1.02, 's', 5001, 1002), ack(1.03, 'c', 1002, 5002)]);
    expect(states(r).slice(3)).toEqual(['4 FIN-WAIT-1/CLOSE-WAIT', '5 FIN-WAIT-2/CLOSE-WAIT', '6 TIME-WAIT/LAST-ACK', '7 TIME-WAIT/CLOSED']);
    expect(r.json.flows[0].tcp!.connState).toBe('SF');
    expect(r.events).toEqual([]);
  });

  it('test_established_server_closes_first: the server waits in TIME-WAIT', async () => {
    const r = await analyzeSegs([...handshake, fin(1, 's', 5001, 1001), fin(1.01, 'c', 1001, 5002), ack(1.02, 's', 5002, 1002)]);
    expect(states(r).slice(3)).toEqual(['4 CLOSE-WAIT/FIN-WAIT-1', '5 LAST-ACK/TIME-WAIT', '6 CLOSED/TIME-WAIT']);
  });

  it('test_fin_wait_1_simultaneous_close: both FIN-WAIT-1 → CLOSING → TIME-WAIT', async () => {
    const r = await analyzeSegs([...handshake, fin(1, 'c', 1001, 5001), fin(1.0001, 's', 5001, 1001), ack(1.01, 'c', 1002, 5002), ack(1.01, 's', 5002, 1002)]);
    expect(states(r).slice(3)).toEqual(['4 FIN-WAIT-1/CLOSE-WAIT', '5 CLOSING/LAST-ACK', '6 CLOSING/CLOSED', '7 TIME-WAIT/CLOSED']);
  });

  it('test_syn_sent_refused: RST,ACK to the SYN → tcp.refused, both CLOSED, Zeek REJ', async () => {
    const r = await analyzeSegs([syn, { t: 0.001, from: 's', flags: 'RA', seq: 0, ack: 1001, win: 0 }]);
    expect(r.events).toEqual(['2 tcp.refused']);
    expect(states(r)).toEqual(['1 SYN-SENT/CLOSED', '2 CLOSED/CLOSED']);
    expect(r.byKind('tcp.refused')[0].related).toEqual([1]);
    expect(r.byKind('tcp.refused')[0].severity).toBe('break');
    expect(r.json.flows[0].tcp!.connState).toBe('REJ');
    expect(unexpected(r)).toEqual([]);
  });

  it('test_closed_refused_again: a retransmitted SYN refused again stays CLOSED on the server, no unexpected pair', async () => {
    const rst = { t: 0.001, from: 's' as const, flags: 'RA', seq: 0, ack: 1001, win: 0 };
    const r = await analyzeSegs([syn, rst, { ...syn, t: 1 }, { ...rst, t: 1.001 }]);
    expect(r.events).toEqual(['2 tcp.refused', '3 tcp.retransmission']);
    expect(states(r)).toEqual(['1 SYN-SENT/CLOSED', '2 CLOSED/CLOSED', '3 SYN-SENT/CLOSED', '4 CLOSED/CLOSED']);
    expect(unexpected(r)).toEqual([]);
  });

  it('test_syn_sent_unanswered: SYN and its retransmissions, nothing back → tcp.unanswered on the first SYN, Zeek S0', async () => {
    const r = await analyzeSegs([syn, { ...syn, t: 1 }, { ...syn, t: 3 }]);
    expect(r.events).toEqual(['1 tcp.unanswered', '2 tcp.retransmission', '3 tcp.retransmission']);
    const e = r.byKind('tcp.unanswered')[0];
    expect(e.message).toContain('sent 3 times over 3.0 s (2 retransmissions)');
    expect(e.related).toEqual([2, 3]);
    expect(r.json.flows[0].tcp!.connState).toBe('S0');
    expect(r.json.flows[0].tcp!.history).toBe('S');
  });

  it('test_established_peer_lost_state_bare_rst: data answered by <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.1) → tcp.peer-lost-state', async () => {
    const r = await analyzeSegs([...handshake, data(1, 'c', 1001, 5001, 10), ack(1.01, 's', 5001, 1011), data(30, 'c', 1011, 5001, 10), { t: 30.001, from: 's', flags: 'R', seq: 5001, win: 0 }]);
    expect(r.events).toEqual(['7 tcp.peer-lost-state']);
    const e = r.byKind('tcp.peer-lost-state')[0];
    expect(e.related).toEqual([6, 5]);
    expect(e.message).toMatch(/bare RST \(seq = the ACK it received, 1\)/);
    expect(states(r).at(-1)).toBe('7 CLOSED/CLOSED');
    expect(r.json.flows[0].tcp!.connState).toBe('RSTR');
  });

  it('test_established_peer_lost_state_rst_ack_seq0: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> also proves it', async () => {
    const r = await analyzeSegs([...handshake, data(1, 'c', 1001, 5001, 10), { t: 1.001, from: 's', flags: 'RA', seq: 0, ack: 1011, win: 0 }]);
    expect(r.events).toEqual(['5 tcp.peer-lost-state']);
  });

  it('test_established_abort: an in-window RST,ACK at SND.NXT from an endpoint with state → tcp.abort, Zeek RSTO', async () => {
    const r = await analyzeSegs([...handshake, data(1, 's', 5001, 1001, 100), ack(1.01, 'c', 1001, 5101), { t: 2, from: 'c', flags: 'RA', seq: 1001, ack: 5101, win: 0 }]);
    expect(r.events).toEqual(['6 tcp.abort']);
    expect(r.json.flows[0].tcp!.connState).toBe('RSTO');
    expect(states(r).at(-1)).toBe('6 CLOSED/CLOSED');
  });

  it('test_time_wait_late_rst: a RST after both FINs is no abort', async () => {
    const r = await analyzeSegs([...handshake, fin(1, 'c', 1001, 5001), fin(1.01, 's', 5001, 1002), { t: 1.02, from: 'c', flags: 'R', seq: 1002, win: 0 }]);
    expect(r.events).toEqual([]);
  });

  it('test_established_half_open: data retransmitted with no answer → tcp.half-open at the first unanswered segment', async () => {
    const r = await analyzeSegs([...handshake, data(1, 'c', 1001, 5001, 10), ack(1.01, 's', 5001, 1011), data(5, 'c', 1011, 5001, 10), data(5.3, 'c', 1011, 5001, 10), data(5.9, 'c', 1011, 5001, 10)]);
    expect(r.events).toEqual(['6 tcp.half-open', '7 tcp.retransmission', '8 tcp.retransmission', '8 tcp.unclosed']);
    const e = r.byKind('tcp.half-open')[0];
    expect(e.related).toEqual([5, 7, 8]);
    expect(e.message).toContain('2 retransmissions');
  });

  it('test_closed_midstream: first segment carries data → tcp.midstream, both ESTABLISHED (guessed), Zeek OTH', async () => {
    const r = await analyzeSegs([data(0, 'c', 7000, 9000, 10), ack(0.01, 's', 9000, 7010), data(0.02, 's', 9000, 7010, 20)]);
    expect(r.events).toEqual(['1 tcp.midstream', '3 tcp.unclosed']);
    const st = r.json.flows[0].tcp!.states;
    expect(st).toHaveLength(1);
    expect(st[0]).toMatchObject({ frame: 1, client: 'ESTABLISHED', server: 'ESTABLISHED' });
    expect(st[0].guess).toMatch(/mid-stream pickup/);
    expect(r.json.flows[0].tcp!.connState).toBe('OTH');
    expect(r.json.flows[0].tcp!.client!.windowScaleFrom).toBe('unknown');
  });

  it('test_syn_received_missing_syn: a SYN-ACK first: the client assumed SYN-SENT, Zeek flips (^h)', async () => {
    const r = await analyzeSegs([synAck, ack3]);
    expect(states(r)).toEqual(['1 SYN-SENT/SYN-RECEIVED', '2 ESTABLISHED/ESTABLISHED']);
    expect(r.json.flows[0].tcp!.states[0].guess).toMatch(/SYN was not captured/);
    expect(r.json.flows[0].tcp!.history).toBe('^hA');
    expect(r.events).toEqual(['2 tcp.unclosed']);
    expect(unexpected(r)).toEqual([]);
  });

  it('test_established_idle: a gap above tcpIdleSeconds → tcp.idle on the frame after it', async () => {
    const r = await analyzeSegs([...handshake, data(100, 'c', 1001, 5001, 10), ack(100.01, 's', 5001, 1011)], { tcpIdleSeconds: 60 });
    expect(r.events).toEqual(['4 tcp.idle', '5 tcp.unclosed']);
    expect(r.byKind('tcp.idle')[0].related).toEqual([3]);
    const quiet = await analyzeSegs([...handshake, data(100, 'c', 1001, 5001, 10)]);
    expect(quiet.events).toEqual(['4 tcp.unclosed']);
  });

  it('test_established_unclosed: open at the end of the capture → tcp.unclosed (info) on the last frame', async () => {
    const r = await analyzeSegs(handshake);
    expect(r.events).toEqual(['3 tcp.unclosed']);
    expect(r.byKind('tcp.unclosed')[0]).toMatchObject({ severity: 'info', message: 'still open when the capture ended (client ESTABLISHED, server ESTABLISHED)' });
  });

  it('test_time_wait_port_reuse: a new SYN (new ISN) on the tuple starts a new flow → tcp.port-reuse naming how the old one ended', async () => {
    const closed = [...handshake, fin(1, 'c', 1001, 5001), fin(1.01, 's', 5001, 1002), ack(1.02, 'c', 1002, 5002)];
    const r = await analyzeSegs([...closed, { ...syn, t: 5, seq: 90000 }, { ...synAck, t: 5.01, seq: 70000, ack: 90001 }, { ...ack3, t: 5.02, seq: 90001, ack: 70001 }]);
    expect(r.json.flows.map((f) => [f.id, f.firstFrame, f.lastFrame])).toEqual([[1, 1, 6], [2, 7, 9]]);
    expect(r.events).toEqual(['7 tcp.port-reuse', '9 tcp.unclosed']);
    expect(r.byKind('tcp.port-reuse')[0].message).toContain('had closed normally');
    const abandoned = await analyzeSegs([...handshake, { ...syn, t: 5, seq: 90000 }]);
    expect(abandoned.byKind('tcp.port-reuse')[0].message).toContain('never closed: its state was abandoned');
  });

  it('test_established_injected_reset: a RST whose TTL differs from the sender\'s earlier packets, which all agreed, is forged — the sender stays ESTABLISHED; a TTL that already varied proves nothing', async () => {
    const via = (ttl: number) => (x: Seg): Seg => (x.from === 's' ? { ...x, ttl } : x);
    const talk = [...handshake, data(1, 'c', 1001, 5001, 10), ack(1.01, 's', 5001, 1011), data(2, 'c', 1011, 5001, 10)].map(via(63));
    const rst: Seg = { t: 2.001, from: 's', flags: 'R', seq: 5001, ack: 0, win: 0, ttl: 64 };
    const forged = await analyzeSegs([...talk, rst]);
    expect(forged.events).toEqual(['7 tcp.injected-reset']);
    expect(forged.byKind('tcp.injected-reset')[0]).toMatchObject({ severity: 'break', related: [6, 5] });
    expect(states(forged).slice(-1)).toEqual(['7 CLOSED/ESTABLISHED']);
    // the same RST at the TTL of the server's packets: the server lost the connection
    const own = await analyzeSegs([...talk, { ...rst, ttl: 63 }]);
    expect(own.events).toEqual(['7 tcp.peer-lost-state']);
    expect(states(own).slice(-1)).toEqual(['7 CLOSED/CLOSED']);
    // the server's packets came at two TTLs (a route change): no verdict from the TTL
    const moved = await analyzeSegs([...talk.slice(0, 4), { ...talk[4], ttl: 62 }, talk[5], rst]);
    expect(moved.events).toEqual(['7 tcp.peer-lost-state']);
    // one earlier packet is no pattern
    const once = await analyzeSegs([syn, { ...synAck, ttl: 63 }, { t: 0.02, from: 's', flags: 'R', seq: 5001, ack: 0, win: 0, ttl: 64 }]);
    expect(once.byKind('tcp.injected-reset')).toEqual([]);
  });

  it('test_established_port_reuse_routing: until the new SYN is answered, only segments with the new connection\'s numbers join its flow', async () => {
    const flows = (r: Awaited<ReturnType<typeof analyzeSegs>>) => r.json.flows.map((f) => [f.id, f.firstFrame, f.lastFrame, f.packets]);
    const newSyn = { ...syn, t: 5, seq: 90000 };
    // refused: the RST,ACK acknowledges ISN + 1 of the new SYN
    const refused = await analyzeSegs([...handshake, newSyn, { t: 5.01, from: 's', flags: 'RA', seq: 0, ack: 90001 }]);
    expect(flows(refused)).toEqual([[1, 1, 3, 3], [2, 4, 5, 2]]);
    expect(refused.events).toEqual(['3 tcp.unclosed', '4 tcp.port-reuse', '5 tcp.refused']);
    // one-sided: the client's ACK at ISN + 1 (its SYN-ACK not captured) and its data stay new
    const oneSided = await analyzeSegs([...handshake, newSyn, { ...ack3, t: 5.02, seq: 90001, ack: 70001 }, data(5.03, 'c', 90001, 70001, 10)]);
    expect(flows(oneSided)).toEqual([[1, 1, 3, 3], [2, 4, 6, 3]]);
    // the old connection's segments after the new SYN (a challenge ACK, the client's data) go back to it
    const stale = await analyzeSegs([...handshake, newSyn, ack(5.01, 's', 5001, 1001), data(5.02, 'c', 1001, 5001, 10)]);
    expect(flows(stale)).toEqual([[1, 1, 6, 5], [2, 4, 4, 1]]);
  });

  it('test_listen_one_sided_capture: only the client was captured — the server inferred ESTABLISHED from its ACKs (guess), tcp.one-sided, no unanswered', async () => {
    const r = await analyzeSegs([syn, ack3, data(1, 'c', 1001, 5001, 10), fin(2, 'c', 1011, 5001)]);
    expect(states(r)).toEqual(['1 SYN-SENT/LISTEN', '2 ESTABLISHED/ESTABLISHED', '4 FIN-WAIT-1/CLOSE-WAIT']);
    expect(r.json.flows[0].tcp!.states[1].guess).toMatch(/one-sided capture/);
    // the ACK of frame 2 acknowledges a SYN-ACK the capture, running since the SYN, never held
    expect(r.events).toEqual(['2 tcp.one-sided', '4 tcp.unclosed']);
    expect(r.json.flows[0].tcp!.connState).toBe('SH');
    expect(unexpected(r)).toEqual([]);
  });

  it('test_established_unexpected_synack: the server sends its SYN-ACK again after the client\'s ACK was captured → recorded, state kept', async () => {
    // the ACK was lost after the capture point: the server is still in SYN-RECEIVED
    const r = await analyzeSegs([...handshake, { ...synAck, t: 1 }, { ...ack3, t: 1.01 }]);
    expect(unexpected(r)).toEqual(['4 server ESTABLISHED send SYN-ACK']);
    expect(states(r)).toEqual(['1 SYN-SENT/LISTEN', '2 SYN-SENT/SYN-RECEIVED', '3 ESTABLISHED/ESTABLISHED']);
  });

  it('test_closed_send_fin_again: the server\'s FIN again after the observer saw it acknowledged → recorded; the client\'s TIME-WAIT takes it by rule', async () => {
    // the client's ACK of the FIN was lost after the capture point: the server is still in LAST-ACK
    const r = await analyzeSegs([...handshake, fin(1, 'c', 1001, 5001), ack(1.01, 's', 5001, 1002), fin(1.02, 's', 5001, 1002), ack(1.03, 'c', 1002, 5002), fin(1.5, 's', 5001, 1002)]);
    expect(states(r).slice(3)).toEqual(['4 FIN-WAIT-1/CLOSE-WAIT', '5 FIN-WAIT-2/CLOSE-WAIT', '6 TIME-WAIT/LAST-ACK', '7 TIME-WAIT/CLOSED']);
    expect(unexpected(r)).toEqual(['8 server CLOSED send FIN']);
  });

  it('a SYN retransmission (same ISN) stays in its flow', async () => {
    const r = await analyzeSegs([syn, { ...syn, t: 1 }, synAck, ack3]);
    expect(r.json.flows).toHaveLength(1);
    expect(r.events).toEqual(['2 tcp.retransmission', '4 tcp.unclosed']);
  });
});

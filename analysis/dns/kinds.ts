// DNS event kinds (../shared/docs/EVENTS.md), with the plain-language
// explanation the UI and the CLI show: which state, held by whom, was lost, and what
// followed.

import { registerEventKinds, type EventKindInfo } from '../events.js'; // '.js': the lint's ban of Node's 'events' module also matches '../events'

export const DNS_EVENT_KINDS: Record<string, EventKindInfo> = {
  'dns.unanswered': {
    severity: 'break',
    title: 'DNS query unanswered',
    explanation:
      'DNS over UDP keeps no connection: the only state of a lookup is the query ID and question the client ' +
      'remembers while it waits. No response to this query came back (or it came only after the client\'s ' +
      'timeout, by when the client had given up): the query or its answer was lost, or the server never ' +
      'answered. The client either retried or the name lookup failed.',
    reference: 'Zeek dns_unmatched_msg; a query without dns.response_in in Wireshark',
  },
  'dns.retransmission': {
    severity: 'warning',
    title: 'DNS query retransmitted',
    explanation:
      'The client sent the same query (same ID and question) again because no answer came in time. The ' +
      'client still held the lookup\'s state and retried; repeated retransmissions point at loss on the ' +
      'path or a slow server. A retry from a new source port (a resolver that opens a new socket) is ' +
      'still the same query — Wireshark, which pairs per port pair, misses that case.',
    reference: 'Wireshark dns.retransmission',
  },
  'dns.orphan-response': {
    severity: 'break',
    title: 'DNS response without a query',
    explanation:
      'A response arrived for which no outstanding query was seen: either the capture started after the ' +
      'query, or the client had already dropped the lookup\'s state (it got an earlier answer to the same ' +
      'query — a duplicate — or timed out), so nobody was waiting for it. When the client\'s host refused ' +
      'it with ICMP port unreachable, it is dns.client-gone instead (one break per response).',
    reference: 'Zeek dns_unmatched_reply; Wireshark dns.unsolicited / retransmitted response',
  },
  'dns.client-gone': {
    severity: 'break',
    title: 'DNS answer reached a closed socket',
    explanation:
      'The response came back, but the client\'s host answered it with ICMP port unreachable: the socket ' +
      'that sent the query was already closed (the application gave up or exited), so its state — the ' +
      'query ID it waited for — was gone, and the operating system dropped the answer. A response no query ' +
      'waited for any more (a duplicate of an answer, or one whose query is not in the capture) refused so ' +
      'is this one event, not also dns.orphan-response: the ICMP says why nobody waited.',
    reference: 'RFC 1122 §4.1.3.1 (UDP: ICMP Port Unreachable); RFC 792',
  },
  'dns.id-reuse': {
    severity: 'warning',
    title: 'DNS query ID reused',
    explanation:
      'Two queries with different questions were outstanding with the same ID on the same socket. The ' +
      'client can only tell their answers apart by the question; a resolver that matches on the ID alone ' +
      'may take one answer for the other. They are two transactions, not a retransmission.',
  },
  'dns.question-mismatch': {
    severity: 'break',
    title: 'DNS answer to another question',
    explanation:
      'A response carries the ID of an outstanding query but a different question. A correct server ' +
      'echoes the question; a mismatch means a confused resolver or middlebox, or a spoofing / cache ' +
      'poisoning attempt. Stateline does not pair it with the query (Wireshark, which ignores the ' +
      'question, does).',
  },
  'dns.truncated': {
    severity: 'info',
    title: 'DNS response truncated',
    explanation:
      'The server set the TC bit: the answer did not fit in the UDP datagram, and the client is expected ' +
      'to ask again over TCP (RFC 7766). The TCP retry is linked when the capture has it.',
  },
  'dns.error': {
    severity: 'info',
    title: 'DNS error response',
    explanation:
      'The server answered with an error code (RCODE other than NOERROR): NXDOMAIN — the name does not ' +
      'exist; SERVFAIL — the server could not resolve it (often an upstream failure or DNSSEC validation ' +
      'error); REFUSED — the server will not answer this client.',
  },
  'dns.failover': {
    severity: 'info',
    title: 'DNS lookup failed over to another resolver',
    explanation:
      'The client asked the same question (same query ID, from a new socket) of another resolver after the ' +
      'first did not answer or refused the query with ICMP port unreachable — as glibc\'s stub resolver ' +
      'moves to the next nameserver of resolv.conf. The lookup survived, late by the time stated; the ' +
      'query to the first resolver stays dns.unanswered: that resolver did fail it.',
    reference: 'glibc resolver behaviour (res_send: the next nameserver after a timeout or an ICMP error)',
  },
  'dns.malformed': {
    severity: 'warning',
    title: 'DNS message cannot be decoded',
    explanation:
      'A message on a DNS port could not be decoded (too short, a name that runs past the end, a ' +
      'compression loop, or a TCP stream whose message boundaries were lost). It is left out of the ' +
      'pairing; the message says where decoding stopped.',
  },
};

registerEventKinds(DNS_EVENT_KINDS);

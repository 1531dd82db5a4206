// The QUIC event kinds of ../shared/docs/EVENTS.md with their plain-language explanations.

import { registerEventKinds } from '../events.js'; // '.js': the lint's ban of Node's 'events' module also matches '../events'

export const QUIC_EVENT_KINDS = {
  'quic.migration': {
    severity: 'info',
    title: 'QUIC connection moved to a new path',
    explanation:
      "The connection's packets (the same connection IDs) continue on a new address/port pair. QUIC keeps its state in the connection IDs, not in the addresses, so the connection survives a NAT rebinding or a client that changed networks. When the new path's connection IDs were never seen in clear, the move is inferred from the timing, the server endpoint and the packet sizes, and marked so.",
    reference: 'RFC 9000 section 9',
  },
  'quic.unknown-cid': {
    severity: 'warning',
    title: 'QUIC packet for an unknown connection ID',
    explanation:
      'A short-header packet whose destination connection ID belongs to no connection seen in the capture. Either the capture began after the handshake (so the IDs were never seen), or the receiver no longer knows the connection — it lost its state, and will answer with a stateless reset or not at all.',
  },
  'quic.stateless-reset': {
    severity: 'break',
    title: 'QUIC stateless reset',
    explanation:
      'An endpoint received a packet for a connection it has no state for (typically a server that restarted) and answered with a stateless reset: a packet that looks like a short-header packet and ends in the 16-byte reset token tied to the connection ID. The peer that receives it drops the connection at once. With the key log the token is matched exactly; without it the reset is recognised by its shape (an unknown destination ID, at least 21 bytes, smaller than the packet it answers) and by the client giving up the connection right after it, and flagged as likely.',
    reference: 'RFC 9000 section 10.3',
  },
  'quic.handshake-unanswered': {
    severity: 'break',
    title: 'QUIC handshake never answered',
    explanation:
      "The client sent Initial packets and nothing came back: no server listens there, a firewall drops UDP, or the server cannot handle the client's version. No connection state was ever created on the server side.",
    reference: 'like Zeek S0',
  },
  'quic.version-negotiation': {
    severity: 'info',
    title: 'QUIC version negotiation',
    explanation: "The server does not speak the version the client offered and lists the versions it supports; the client must start again with one of them.",
    reference: 'RFC 8999 section 6, RFC 9000 section 6',
  },
  'quic.retry': {
    severity: 'info',
    title: 'QUIC Retry',
    explanation:
      "The server asks the client to prove its address before it keeps any state: it sends a token and a new connection ID, and the client starts its handshake again with them. Costs one round trip; nothing broke.",
    reference: 'RFC 9000 section 8.1',
  },
  'quic.connection-close': {
    severity: 'info',
    escalated: 'break',
    title: 'QUIC CONNECTION_CLOSE',
    explanation:
      'An endpoint closed the connection with a CONNECTION_CLOSE frame carrying an error code. NO_ERROR is an orderly close; any other code means the connection was torn down because of an error (the code and reason say which). Readable in Initial packets always, in Handshake and 1-RTT packets with the key log.',
  },
  'quic.idle': {
    severity: 'warning',
    title: 'QUIC connection idle',
    explanation:
      'No packet of the connection for longer than the idle threshold. QUIC endpoints drop a connection silently after their idle timeout, and NATs drop UDP mappings after a short silence; packets after such a gap may find no state anywhere.',
  },
  'quic.server-gone': {
    severity: 'break',
    title: 'QUIC server process gone',
    explanation:
      "The client's packets of an established connection are answered only by ICMP port unreachable: the server host no longer has a socket on that port, so the server process (and all its connection state) is gone. The client keeps retransmitting until its idle timeout.",
  },
  'quic.server-silent': {
    severity: 'break',
    title: 'QUIC server stopped answering',
    explanation:
      "The client keeps sending packets of an established connection and the server never answers again, not even with a stateless reset: the server restarted (or the path broke) and lost the connection's state. The client gives up after its idle timeout.",
  },
  'quic.zero-rtt': {
    severity: 'info',
    title: 'QUIC 0-RTT data',
    explanation:
      "The client sent application data in 0-RTT packets, before the handshake completed: early data protected with keys from a session ticket that an earlier connection to the server gave it. The server may accept it (EncryptedExtensions carries early_data) or reject it, and then the client sends the same data again in 1-RTT; it can accept it only if it resumes the session, which its ServerHello says in clear. 0-RTT data can be replayed by an attacker, so servers take it only for requests that are safe to repeat.",
    reference: 'RFC 9001 section 4.6, RFC 8446 section 4.2.10; Zeek quic history Z',
  },
  'quic.resumption': {
    severity: 'info',
    title: 'QUIC session resumption',
    explanation:
      "The ClientHello offers a pre-shared key: a session ticket that the server gave the client in an earlier connection (NewSessionTicket), so the client carried TLS state over from it. When the server accepts it (its ServerHello selects the key) the handshake skips the certificate. The offered identity is the ticket itself, which travels encrypted: with the key log the earlier connection is named by it, without the key log by the same server name and client host, and marked so.",
    reference: 'RFC 8446 sections 2.2, 4.2.11, 4.6.1',
  },
} as const;

registerEventKinds(QUIC_EVENT_KINDS);

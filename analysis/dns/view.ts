// A DNS message decoded for the user to read (the UI's message panel, the API's
// dnsMessage), by Stateline's own reader. The Node hosts decode with dns-packet instead
// (host/dns-message.ts); both give the same DnsMessageView.

import type { DnsMessageView, DnsRecordView } from '../api';
import { className, decodeMessage, DnsDecodeError, headerFlags, opcodeName, rcodeName, typeName, type DnsRecord } from '../../parsers/dns/wire';

function recordView(r: DnsRecord): DnsRecordView {
  // OPT (RFC 6891): the class is the UDP payload size, the TTL the extended RCODE and flags.
  return { name: r.name, type: typeName(r.type), class: r.type === 41 ? `udp ${r.rclass}` : className(r.rclass), ttl: r.ttl, data: r.data };
}

/**
 * A view with the header fields read straight from the message's first 4 bytes (the
 * same for every decoder); the decoder adds the sections, or the error.
 */
export function headerView(msg: Uint8Array, frame: number, transaction: number, decoder: DnsMessageView['decoder']): DnsMessageView {
  return {
    transaction, frame, decoder,
    id: msg.length >= 2 ? (msg[0] << 8) | msg[1] : 0,
    opcode: msg.length >= 3 ? opcodeName((msg[2] >> 3) & 15) : '',
    rcode: msg.length >= 4 ? rcodeName(msg[3] & 15) : '',
    flags: headerFlags(msg),
    sections: [],
    error: null,
  };
}

export function dnsMessageView(msg: Uint8Array, frame: number, transaction: number): DnsMessageView {
  const view = headerView(msg, frame, transaction, 'stateline');
  try {
    const m = decodeMessage(msg, 0, msg.length);
    view.rcode = rcodeName(m.rcode);
    view.sections = [
      { name: 'question', records: m.questions.map((q) => ({ name: q.name, type: typeName(q.type), class: className(q.qclass), ttl: null, data: '' })) },
      { name: 'answer', records: m.answers.map(recordView) },
      { name: 'authority', records: m.authorities.map(recordView) },
      { name: 'additional', records: m.additionals.map(recordView) },
    ];
  } catch (e) {
    if (!(e instanceof DnsDecodeError)) throw e;
    view.error = `${e.message} (byte ${e.offset} of the message)`;
  }
  return view;
}

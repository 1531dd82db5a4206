// A QUIC connection in the --json output (model.ts QuicJson, OUTPUT.md "quic[]"; the
// fields beyond OUTPUT.md's are described in the README's JSON notes).

import { versionHex } from '../../parsers/quic/header';
import type { QuicJson } from '../model';
import { NO_CIDS, type QuicConn } from './conn';
import { zeekHistory } from './history';
import { earlyDataOutcome } from './resumption';

export function quicJson(c: QuicConn): QuicJson & Record<string, unknown> {
  return {
    number: c.number,
    versions: c.versions.map(versionHex),
    sni: c.sni,
    alpn: c.alpn,
    clientCids: c.clientCids.filter((x) => x !== ''),
    serverCids: c.serverCids.filter((x) => x !== ''),
    paths: c.paths.map((p) => ({ client: p.client, server: p.server, firstFrame: p.firstFrame, lastFrame: p.lastFrame, ...(p.inferred ? { inferred: true } : {}) })),
    frames: c.frames.toArray(),
    inferredFrames: c.inferredFrames.toArray(),
    inferredCids: [...(c.inferredCids ?? NO_CIDS)].map((x) => ({ side: x[0] === 's' ? 'server' : 'client', cid: x.slice(1) })),
    clientZeroLengthCid: c.clientCids.includes(''),
    handshakeDoneFrame: c.handshakeDoneFrame || null,
    serverTransportParameters: c.serverParams,
    decryptedPackets: c.decrypted,
    history: zeekHistory(c),
    zeroRttPackets: c.zeroRttPackets,
    resumedFrom: c.resumedFrom?.number ?? null,
    resumption: c.pskIdentities.length
      ? { by: c.resumedBy, ticketFrame: c.resumedTicketFrame || null, pskAccepted: c.pskSelected === undefined ? null : c.pskSelected !== null && !c.helloRetry, earlyData: earlyDataOutcome(c).outcome }
      : null,
  };
}

// The facts of the QUIC resumption and 0-RTT fixtures (fixtures/quic/README.md), frame by
// frame: checked against tshark in resumption-fixtures.test.ts, held against the
// analysis in resumption.test.ts.

export interface ResumptionCase {
  name: string;
  /** the two client Initials carrying a ClientHello */
  clientHellos: [number, number];
  /** the first connection's NewSessionTicket: a 1-RTT (short header) packet from the server */
  ticket: number;
  /** the frames holding a 0-RTT packet (all in the second connection, from the client) */
  zeroRtt: number[];
  /** 0-RTT packets in those frames */
  zeroRttPackets: number;
  /** the server's first flight of the second connection (ServerHello, EncryptedExtensions) */
  serverHello: number;
  /** the server selected the offered ticket (pre_shared_key in the ServerHello) */
  resumed: boolean;
  /** EncryptedExtensions carries early_data: the server accepted the 0-RTT data */
  accepted: boolean;
}

export const RESUMPTION_CASES: ResumptionCase[] = [
  { name: 'ngtcp2-resumption-0rtt', clientHellos: [1, 18], ticket: 10, zeroRtt: [18, 19, 20, 21], zeroRttPackets: 4, serverHello: 22, resumed: true, accepted: true },
  { name: 'ngtcp2-resumption-rejected', clientHellos: [1, 15], ticket: 10, zeroRtt: [15, 16, 17, 18], zeroRttPackets: 4, serverHello: 19, resumed: false, accepted: false },
  { name: 'quicgo-0rtt', clientHellos: [1, 29], ticket: 10, zeroRtt: [30], zeroRttPackets: 1, serverHello: 31, resumed: true, accepted: true },
  { name: 'quicgo-0rtt-rejected', clientHellos: [1, 20], ticket: 8, zeroRtt: [21], zeroRttPackets: 1, serverHello: 22, resumed: true, accepted: false },
];

// The protocol trackers every analysis runs, in order. Each protocol's tracker lives
// in its own folder (analysis/tcp, analysis/dns, analysis/quic, analysis/udp) and is
// added here. The UDP tracker (ICMP errors on UDP flows) always runs: it is what tells
// of a gone UDP peer whatever the application; the DNS tracker, when it runs, explains
// the errors that refused its responses (dns.client-gone) before they are udp events.

import type { Tracker } from './analysis';
import type { IncidentOptions } from './incidents/options';
import { DnsTracker } from './dns/tracker';
import { QuicTracker } from './quic/tracker';
import { TcpTracker } from './tcp/tracker';
import { UdpTracker } from './udp/tracker';

/** The trackers `protocols` chooses from (the UDP tracker is not one of them: it always runs). */
export type Protocol = 'tcp' | 'dns' | 'quic';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'dns', 'quic'];

export interface TrackerOptions {
  /** Which protocol trackers run (default: all). Fewer trackers, less time and memory. */
  protocols?: readonly Protocol[];
  /** NSS key log text (SSLKEYLOGFILE format) for QUIC decryption. */
  keylog?: string;
  /** Seconds of silence after which a TCP flow is flagged idle (default 300). */
  tcpIdleSeconds?: number;
  /** Seconds after which a DNS query without response is unanswered (default 5). */
  dnsTimeoutSeconds?: number;
  /** Seconds of silence inside a QUIC connection flagged idle. */
  quicIdleSeconds?: number;
  /** Thresholds of the incidents found over the trackers' events (./incidents/options: defaults there and in the README). */
  incidents?: IncidentOptions;
}

export function createTrackers(opts: TrackerOptions): Tracker[] {
  const on = new Set(opts.protocols ?? PROTOCOLS);
  const trackers: Tracker[] = [];
  const udp = new UdpTracker();
  if (on.has('tcp')) trackers.push(new TcpTracker({ idleSeconds: opts.tcpIdleSeconds }));
  if (on.has('quic')) trackers.push(new QuicTracker({ keylog: opts.keylog, idleSeconds: opts.quicIdleSeconds }));
  if (on.has('dns')) {
    const dns = new DnsTracker({ dnsTimeoutSeconds: opts.dnsTimeoutSeconds });
    udp.explainWith(dns);
    trackers.push(dns);
  }
  trackers.push(udp);
  return trackers;
}

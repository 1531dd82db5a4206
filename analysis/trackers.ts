// The protocol trackers every analysis runs, in order. Each protocol's tracker lives
// in its own folder (analysis/tcp, analysis/dns, analysis/quic) and is added here.

import type { Tracker } from './analyze';
import { DnsTracker } from './dns/tracker';
import { QuicTracker } from './quic/tracker';
import { TcpTracker } from './tcp/tracker';

export interface TrackerOptions {
  /** NSS key log text (SSLKEYLOGFILE format) for QUIC decryption. */
  keylog?: string;
  /** Seconds of silence after which a TCP flow is flagged idle (default 300). */
  tcpIdleSeconds?: number;
  /** Seconds after which a DNS query without response is unanswered (default 5). */
  dnsTimeoutSeconds?: number;
  /** Seconds of silence inside a QUIC connection flagged idle. */
  quicIdleSeconds?: number;
}

export function createTrackers(_opts: TrackerOptions): Tracker[] {
  const trackers: Tracker[] = [];
  trackers.push(new TcpTracker({ idleSeconds: _opts.tcpIdleSeconds }));
  trackers.push(new QuicTracker({ keylog: _opts.keylog, idleSeconds: _opts.quicIdleSeconds }));
  trackers.push(new DnsTracker({ dnsTimeoutSeconds: _opts.dnsTimeoutSeconds }));
  return trackers;
}

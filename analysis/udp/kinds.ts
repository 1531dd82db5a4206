// UDP event kinds (../shared/docs/EVENTS.md): ICMP errors that refused a UDP datagram,
// with the plain-language explanation the UI and the CLI show.

import { registerEventKinds, type EventKindInfo } from '../events.js'; // '.js': the lint's ban of Node's 'events' module also matches '../events'

export const UDP_EVENT_KINDS: Record<string, EventKindInfo> = {
  'udp.port-unreachable': {
    severity: 'break',
    title: 'UDP datagram refused (port unreachable)',
    explanation:
      'The receiving host answered a UDP datagram with ICMP port unreachable: no socket was open on that ' +
      'port. UDP keeps no connection state, so this is the only sign that the application on the other ' +
      'side was gone (not started, crashed, or closed its socket) and the datagram was dropped.',
  },
  'udp.unreachable': {
    severity: 'warning',
    title: 'UDP datagram refused (unreachable)',
    explanation:
      'A router or the destination answered a UDP datagram with ICMP destination unreachable (no route, ' +
      'host unreachable, or administratively prohibited by a firewall): the datagram never reached the ' +
      'application.',
  },
};

registerEventKinds(UDP_EVENT_KINDS);

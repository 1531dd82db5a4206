// The incident kinds of ../shared/docs/EVENTS.md ("Incidents"): severity, title and what
// each means in general (each incident's own explanation says it with its numbers).
// Incidents are not events: they group events, so they have a registry of their own.

import type { Severity } from '../model';

export interface IncidentKindInfo {
  severity: Severity;
  title: string;
  explanation: string;
}

export const INCIDENT_KINDS: Record<string, IncidentKindInfo> = {
  'incident.server-lost-state': {
    severity: 'break',
    title: 'Server lost the state of its connections',
    explanation:
      'Several connections to one server endpoint were reset by it as connections it did not know, close together: the process behind the port restarted or crashed and forgot every connection it held. SYNs refused or unanswered meanwhile show when nothing listened; the first handshake it answers afterwards shows it back.',
  },
  'incident.host-lost-state': {
    severity: 'break',
    title: 'Host lost the state of its connections',
    explanation:
      'Connections on several service ports of one host lost their state at the same moment: the host rebooted, its TCP state table was flushed, or every service on it restarted together. One cause, so one incident about the host rather than one per port.',
  },
  'incident.service-down': {
    severity: 'break',
    title: 'Service down',
    explanation:
      'New connections to one endpoint were refused or never answered, from several clients or again and again, with no established connection to lose: nothing listened there (refused), or nothing answered (unanswered: the host is down, unreachable, or a firewall drops the SYNs).',
  },
  'incident.resolver-down': {
    severity: 'break',
    title: 'DNS resolver down',
    explanation:
      'Queries to one resolver went unanswered, were bounced by ICMP or answered SERVFAIL, one after another, with no answer between them: the resolver (or the path to it) was out for that window. Clients that asked another resolver instead are named, and whether each lookup was lost or only delayed.',
  },
  'incident.client-gone': {
    severity: 'break',
    title: 'Client gone before its answers came',
    explanation:
      "Answers to one client host were bounced by its own ICMP port unreachable on several sockets: the process that had asked died or closed its sockets before the answers arrived, so its kernel had nobody to hand them to. The state (the outstanding requests) lived in that process and went with it.",
  },
  'incident.middlebox-reset': {
    severity: 'break',
    title: 'Resets forged by a middlebox',
    explanation:
      'Resets that their claimed sender did not send (their TTL disagrees with that endpoint\'s own packets) ended several flows through the same path: a firewall, IDS, load balancer or NAT dropped its state or enforced a policy and forged them, while the endpoints may still hold their connections.',
  },
  'incident.scan': {
    severity: 'warning',
    title: 'Scan',
    explanation:
      'One source probed many ports or hosts in a short time, most of them refused or unanswered, the open ones reset right after the handshake with no data: a port scan, not clients that needed a service.',
  },
  'incident.syn-flood': {
    severity: 'break',
    title: 'SYN flood',
    explanation:
      'Many SYNs to one endpoint within a second, none answered, each from its own port and never retransmitted: a flood that fills the listener\'s SYN backlog (or that its SYN-ACKs cannot answer), not clients retrying a dead service.',
  },
  'incident.path-stall': {
    severity: 'warning',
    title: 'Path stalled',
    explanation:
      'Several flows between the same two hosts had to send the same segments again and again over the same interval, while others between them fell silent: the path lost every packet for a while, for everyone, and the connections recovered when their backed-off timers fired after it came back.',
  },
};

export function incidentInfo(kind: string): IncidentKindInfo | undefined {
  return INCIDENT_KINDS[kind];
}

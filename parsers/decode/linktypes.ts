// The link-layer header types the decoder reads (tcpdump.org LINKTYPE_* values, the
// pcap header's network field and the pcapng interface's LinkType), and their names:
// the one table the decoder, the reader's callers and the summary share.

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  /** DLT_RAW on most BSDs. */
  RAW_BSD: 12,
  /** DLT_RAW on OpenBSD. */
  RAW_OPENBSD: 14,
  PPP_HDLC: 50,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
export type LinkTypeId = (typeof LinkType)[keyof typeof LinkType];

const NAMES: Readonly<Record<number, string>> = {
  [LinkType.NULL]: 'null/loopback',
  [LinkType.ETHERNET]: 'ethernet',
  [LinkType.PPP]: 'ppp',
  [LinkType.RAW_BSD]: 'raw ip',
  [LinkType.RAW_OPENBSD]: 'raw ip',
  [LinkType.PPP_HDLC]: 'ppp hdlc',
  [LinkType.RAW]: 'raw ip',
  [LinkType.LOOP]: 'loop',
  [LinkType.LINUX_SLL]: 'linux sll',
  [LinkType.IPV4]: 'ipv4',
  [LinkType.IPV6]: 'ipv6',
  [LinkType.LINUX_SLL2]: 'linux sll2',
};

/** What a user reads for each: the app's overview ("Linux cooked (SLL) (113)"). */
const TITLES: Readonly<Record<number, string>> = {
  [LinkType.NULL]: 'BSD loopback',
  [LinkType.ETHERNET]: 'Ethernet',
  [LinkType.PPP]: 'PPP',
  [LinkType.RAW_BSD]: 'raw IP',
  [LinkType.RAW_OPENBSD]: 'raw IP',
  [LinkType.PPP_HDLC]: 'PPP in HDLC framing',
  [LinkType.RAW]: 'raw IP',
  [LinkType.LOOP]: 'OpenBSD loopback',
  [LinkType.LINUX_SLL]: 'Linux cooked (SLL)',
  [LinkType.IPV4]: 'raw IPv4',
  [LinkType.IPV6]: 'raw IPv6',
  [LinkType.LINUX_SLL2]: 'Linux cooked v2 (SLL2)',
};

/** "Ethernet (1)", or "link type 147" for one the decoder does not read. */
export function linkTypeTitle(linkType: number): string {
  const t = TITLES[linkType];
  return t ? `${t} (${linkType})` : `link type ${linkType}`;
}

/** The name of a link type the decoder reads, or null for one it does not. */
export function linkTypeName(linkType: number): string | null {
  return NAMES[linkType] ?? null;
}

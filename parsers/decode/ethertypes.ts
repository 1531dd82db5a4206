// Names of the EtherTypes a capture may hold (IEEE registry values), for what a user
// reads where the decoder leaves a frame undecoded: "ARP (EtherType 0x0806)" rather
// than a bare number. The decoder's own dispatch (IPv4, IPv6, VLAN tags, MPLS, PPPoE)
// lives in decoder.ts; this table only names.

const NAMES: Readonly<Record<number, string>> = {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x0842: 'Wake-on-LAN',
  0x22f0: 'AVTP',
  0x6002: 'DEC MOP RC',
  0x8035: 'RARP',
  0x809b: 'AppleTalk',
  0x80f3: 'AARP',
  0x8100: '802.1Q VLAN',
  0x8137: 'IPX',
  0x86dd: 'IPv6',
  0x8808: 'Ethernet flow control',
  0x8809: 'Slow protocols (LACP)',
  0x8847: 'MPLS',
  0x8848: 'MPLS multicast',
  0x8863: 'PPPoE discovery',
  0x8864: 'PPPoE session',
  0x888e: 'EAPOL (802.1X)',
  0x8892: 'PROFINET',
  0x88a4: 'EtherCAT',
  0x88a8: '802.1ad QinQ',
  0x88cc: 'LLDP',
  0x88e5: 'MACsec',
  0x88f7: 'PTP',
  0x8902: 'CFM (802.1ag)',
  0x8906: 'FCoE',
  0x8914: 'FCoE initialization',
  0x9000: 'Loopback (CTP)',
};

export function etherTypeName(type: number): string | null {
  return NAMES[type] ?? null;
}

/**
 * An entry of capture.unsupported ("EtherType 0x0806", "link type 147") as a user reads
 * it: named when the EtherType has a name, as it is otherwise.
 */
export function unsupportedTitle(what: string): string {
  const m = /^EtherType 0x([0-9a-f]{4})$/i.exec(what);
  const name = m ? etherTypeName(parseInt(m[1], 16)) : null;
  return name ? `${name} (${what})` : what;
}

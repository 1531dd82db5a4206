// A capture of nothing but new flows: n one-packet flows (UDP datagrams to port 5000, or
// TCP SYNs to port 80) from distinct source endpoints, as a scan makes.

export function oneFlowPerPacket(n: number, proto: 'udp' | 'tcp'): Uint8Array {
  const l4 = proto === 'udp' ? 8 : 20;
  const pkt = 14 + 20 + l4;
  const out = new Uint8Array(24 + n * (16 + pkt));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 65535, true);
  dv.setUint32(20, 1, true); // Ethernet
  let o = 24;
  for (let i = 0; i < n; i++) {
    dv.setUint32(o, 1_700_000_000 + (i >> 10), true);
    dv.setUint32(o + 4, (i & 1023) * 100, true);
    dv.setUint32(o + 8, pkt, true);
    dv.setUint32(o + 12, pkt, true);
    const ip = o + 16 + 14;
    dv.setUint16(ip - 2, 0x0800);
    out[ip] = 0x45;
    dv.setUint16(ip + 2, 20 + l4);
    out[ip + 8] = 64;
    out[ip + 9] = proto === 'udp' ? 17 : 6;
    dv.setUint32(ip + 12, 0x0a000000 + (i >>> 14));
    dv.setUint32(ip + 16, 0xc0a80001);
    const t = ip + 20;
    dv.setUint16(t, 1024 + (i & 16383));
    dv.setUint16(t + 2, proto === 'udp' ? 5000 : 80);
    if (proto === 'udp') dv.setUint16(t + 4, 8);
    else {
      dv.setUint32(t + 4, Math.imul(i, 7919) >>> 0);
      out[t + 12] = 0x50;
      out[t + 13] = 0x02; // SYN
      dv.setUint16(t + 14, 65535);
    }
    o += 16 + pkt;
  }
  return out;
}

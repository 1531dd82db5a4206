// The DNS layer of the tree (RFC 1035; over TCP with its 2-byte length, RFC 1035 4.2.2):
// header and flags, questions, and every resource record with its RDATA for the common
// types, named as Wireshark's dns.* fields. Names are read by parsers/dns/wire's
// readName (compression pointers, hop limit).

import { className, opcodeName, rcodeName, readName, typeName } from '../dns/wire';
import * as wire from '../dns/wire';
import { flag, hex4, ipv4, ipv6, Tree, u16, u32 } from './tree';

/** tshark prints names without the trailing dot, the root as "<Root>". */
function nameText(n: string): string {
  return n === '.' ? '<Root>' : n.endsWith('.') ? n.slice(0, -1) : n;
}

export function dissectDns(root: Tree, d: Uint8Array, at: number, end: number, overTcp: boolean): void {
  let m = at;
  const t = root.group('dns', 'Domain Name System', at, end);
  if (overTcp) {
    t.field('dns.length', 'Length', u16(d, at), at, 2);
    m = at + 2;
    end = Math.min(end, m + u16(d, at));
  }
  const len = end - m;
  if (len < 12) {
    t.nodes.push({ name: '_ws.malformed', label: '[DNS header cut short]', value: '', start: m, end });
    return;
  }
  const fl = u16(d, m + 2);
  const qr = fl >> 15;
  const rcode = fl & 15;
  const counts = [u16(d, m + 4), u16(d, m + 6), u16(d, m + 8), u16(d, m + 10)];
  t.node!.label = `Domain Name System (${qr ? 'response' : 'query'})`;
  t.field('dns.id', 'Transaction ID', hex4(u16(d, m)), m, 2);
  const f = t.group('dns.flags', `Flags: ${hex4(fl)} ${qr ? 'Standard query response' : 'Standard query'}${qr ? `, ${rcodeName(rcode)}` : ''}`, m + 2, m + 4, hex4(fl));
  flag(f, 'dns.flags.response', 'Response', fl, 0x8000, 16, m + 2, 2);
  f.nodes.push({ name: 'dns.flags.opcode', label: `Opcode: ${opcodeName((fl >> 11) & 15)} (${(fl >> 11) & 15})`, value: String((fl >> 11) & 15), start: m + 2, end: m + 4 });
  if (qr) flag(f, 'dns.flags.authoritative', 'Authoritative', fl, 0x0400, 16, m + 2, 2);
  flag(f, 'dns.flags.truncated', 'Truncated', fl, 0x0200, 16, m + 2, 2);
  flag(f, 'dns.flags.recdesired', 'Recursion desired', fl, 0x0100, 16, m + 2, 2);
  if (qr) flag(f, 'dns.flags.recavail', 'Recursion available', fl, 0x0080, 16, m + 2, 2);
  flag(f, 'dns.flags.z', 'Z', fl, 0x0040, 16, m + 2, 2);
  if (qr) flag(f, 'dns.flags.authenticated', 'Answer authenticated', fl, 0x0020, 16, m + 2, 2);
  flag(f, 'dns.flags.checkdisable', 'Non-authenticated data', fl, 0x0010, 16, m + 2, 2);
  if (qr) f.nodes.push({ name: 'dns.flags.rcode', label: `Reply code: ${rcodeName(rcode)} (${rcode})`, value: String(rcode), start: m + 2, end: m + 4 });
  t.field('dns.count.queries', 'Questions', counts[0], m + 4, 2);
  t.field('dns.count.answers', 'Answer RRs', counts[1], m + 6, 2);
  t.field('dns.count.auth_rr', 'Authority RRs', counts[2], m + 8, 2);
  t.field('dns.count.add_rr', 'Additional RRs', counts[3], m + 10, 2);
  let p = m + 12;
  const titles = ['Queries', 'Answers', 'Authoritative nameservers', 'Additional records'];
  for (let s = 0; s < 4; s++) {
    if (counts[s] === 0) continue;
    const sec = t.group(['dns.queries', 'dns.answers', 'dns.authorities', 'dns.additionals'][s], titles[s], p, p);
    for (let i = 0; i < counts[s]; i++) {
      const start = p;
      const name = readName(d, m, len, p);
      if (name === null) {
        sec.nodes.push({ name: '_ws.malformed', label: `[Malformed name: ${wire.nameError}]`, value: '', start: p, end });
        sec.node!.end = end;
        return;
      }
      const ne = wire.nameEnd;
      if (ne + (s === 0 ? 4 : 10) > end) {
        sec.nodes.push({ name: '_ws.malformed', label: '[Record cut short]', value: '', start: p, end });
        return;
      }
      const type = u16(d, ne), cls = u16(d, ne + 2);
      if (s === 0) {
        const q = sec.group('dns.qry', `${nameText(name)}: type ${typeName(type)}, class ${className(cls)}`, start, ne + 4);
        q.field('dns.qry.name', 'Name', nameText(name), start, ne - start);
        q.field('dns.qry.type', 'Type', type, ne, 2, `${typeName(type)} (${type})`);
        q.field('dns.qry.class', 'Class', hex4(cls), ne + 2, 2, `${className(cls)} (${hex4(cls)})`);
        p = ne + 4;
      } else {
        const ttl = u32(d, ne + 4), rdlen = u16(d, ne + 8);
        const rd = ne + 10;
        const rend = Math.min(end, rd + rdlen);
        // OPT (RFC 6891) puts the UDP payload size where the class goes
        const r = sec.group('dns.resp', `${nameText(name)}: type ${typeName(type)}${type === 41 ? '' : `, class ${className(cls)}`}`, start, rend);
        r.field('dns.resp.name', 'Name', nameText(name), start, ne - start);
        r.field('dns.resp.type', 'Type', type, ne, 2, `${typeName(type)} (${type})`);
        if (type === 41) r.field('dns.rr.udp_payload_size', 'UDP payload size', cls, ne + 2, 2);
        else r.field('dns.resp.class', 'Class', hex4(cls), ne + 2, 2, `${className(cls)} (${hex4(cls)})`);
        if (type !== 41) r.field('dns.resp.ttl', 'Time to live', ttl, ne + 4, 4, `${ttl} (${ttl} second${ttl === 1 ? '' : 's'})`);
        r.field('dns.resp.len', 'Data length', rdlen, ne + 8, 2);
        let shown = '';
        if (type === 1 && rdlen === 4 && rd + 4 <= end) r.field('dns.a', 'Address', (shown = ipv4(d, rd)), rd, 4);
        else if (type === 28 && rdlen === 16 && rd + 16 <= end) r.field('dns.aaaa', 'AAAA Address', (shown = ipv6(d, rd)), rd, 16);
        else if ((type === 5 || type === 2 || type === 12) && rdlen > 0) {
          const n = readName(d, m, len, rd);
          if (n !== null) {
            const fname = type === 5 ? 'dns.cname' : type === 2 ? 'dns.ns' : 'dns.ptr.domain_name';
            r.field(fname, type === 5 ? 'CNAME' : type === 2 ? 'Name Server' : 'Domain Name', (shown = nameText(n)), rd, rdlen);
          }
        } else if (type === 6 && rdlen > 0) {
          const mn = readName(d, m, len, rd);
          if (mn !== null) {
            const me = wire.nameEnd;
            r.field('dns.soa.mname', 'Primary name server', (shown = nameText(mn)), rd, me - rd);
            const rn = readName(d, m, len, me);
            const re = wire.nameEnd;
            if (rn !== null && re + 20 <= rend) {
              r.field('dns.soa.rname', 'Responsible authority\'s mailbox', nameText(rn), me, re - me);
              r.field('dns.soa.serial_number', 'Serial Number', u32(d, re), re, 4);
              r.field('dns.soa.mininum_ttl', 'Minimum TTL', u32(d, re + 16), re + 16, 4);
            }
          }
        } else if (type === 16 && rdlen > 0) {
          const tl = d[rd];
          r.field('dns.txt.length', 'TXT Length', tl, rd, 1);
          if (rd + 1 + tl <= rend) r.field('dns.txt', 'TXT', (shown = new TextDecoder().decode(d.subarray(rd + 1, rd + 1 + tl))), rd + 1, tl);
        }
        const top = sec.last;
        if (shown) top.label += `, ${typeName(type) === 'A' || typeName(type) === 'AAAA' ? 'addr' : typeName(type).toLowerCase()} ${shown}`;
        p = rd + rdlen;
        if (p > end) {
          sec.nodes.push({ name: '_ws.malformed', label: '[RDATA cut short]', value: '', start: rd, end });
          sec.node!.end = end;
          return;
        }
      }
    }
    sec.node!.end = p;
  }
}

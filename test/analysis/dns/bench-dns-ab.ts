// End-to-end cost of DNS in `analyze --json`: the same run with the DNS tracker's
// methods replaced by no-ops (DNS_OFF=1) and as is. Run by hand, alternating:
//   for i in 1 2 3; do DNS_OFF=1 npx tsx test/analysis/dns/bench-dns-ab.ts; npx tsx test/analysis/dns/bench-dns-ab.ts; done
import { createReadStream, statSync } from 'node:fs';
import { analyzeCapture } from '../../../analysis/analyze';
import { DnsTracker } from '../../../analysis/dns/tracker';
import { toJson } from '../../../analysis/output';

const file = process.argv[2] ?? 'bench-data/bench-1000000-seed1.pcap';
if (process.env.DNS_OFF) {
  const p = DnsTracker.prototype as unknown as Record<string, unknown>;
  p.onPacket = () => {};
  p.explainIcmpError = () => false;
  p.finish = () => {};
  p.dnsRows = function* () {};
}
const t0 = performance.now();
const a = await analyzeCapture(createReadStream(file, { highWaterMark: 1 << 20 }), { totalBytes: statSync(file).size });
const t1 = performance.now();
const j = toJson(a);
const t15 = performance.now();
const s = JSON.stringify(j);
const t2 = performance.now();
console.log(`${process.env.DNS_OFF ? 'DNS off' : 'DNS on '}: analyze ${(t1 - t0).toFixed(0)} ms, toJson ${(t15 - t1).toFixed(0)} ms, stringify ${(t2 - t15).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms, JSON ${(s.length / 2 ** 20).toFixed(1)} MiB`);

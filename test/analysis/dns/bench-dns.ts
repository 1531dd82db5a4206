// Measures what DNS costs inside `stateline analyze` (not a test: run by hand).
//   npx tsx test/analysis/dns/bench-dns.ts [CAPTURE]   (default: bench-data/bench-1000000-seed1.pcap)
// Times the DNS tracker's per-packet path (header + first question + pairing), its
// finish() and the JSON's answer decoding, and compares the per-message cost of the
// hand parser with a full dns-packet decode of the same messages.
import { createReadStream, statSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { analyzeCapture } from '../../../analysis/analyze';
import { DnsTracker } from '../../../analysis/dns/tracker';
import { answerTexts, DnsHeader, DnsQuestion, readHeader, readQuestion } from '../../../parsers/dns/wire';
import { toJson } from '../../../analysis/output';

const file = process.argv[2] ?? 'bench-data/bench-1000000-seed1.pcap';
const proto = DnsTracker.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const spent: Record<string, bigint> = { onPacket: 0n, explainIcmpError: 0n, finish: 0n };
for (const m of Object.keys(spent)) {
  const orig = proto[m];
  proto[m] = function (this: unknown, ...args: unknown[]) {
    const t0 = process.hrtime.bigint();
    try {
      return orig.apply(this, args);
    } finally {
      spent[m] += process.hrtime.bigint() - t0;
    }
  };
}
// The timer's own cost per call, to subtract.
const n0 = 1_000_000;
const t = process.hrtime.bigint();
for (let i = 0; i < n0; i++) process.hrtime.bigint();
const timerNs = Number(process.hrtime.bigint() - t) / n0;

const t0 = performance.now();
const a = await analyzeCapture(createReadStream(file, { highWaterMark: 1 << 20 }), { totalBytes: statSync(file).size });
const t1 = performance.now();
const json = toJson(a);
const t2 = performance.now();
const dns = a.trackers.find((x) => x instanceof DnsTracker) as DnsTracker;
const r0 = performance.now();
for (const row of dns.dnsRows()) void row;
const rowsMs = (performance.now() - r0).toFixed(1);
const ms = (ns: bigint, calls = 0) => (Number(ns) / 1e6 - (calls * timerNs) / 1e6).toFixed(1);
console.log(`capture ${file}: ${a.packets} packets, analyze ${(t1 - t0).toFixed(0)} ms, toJson ${(t2 - t1).toFixed(0)} ms`);
console.log(`DNS messages ${dns.messages}, transactions ${dns.transactions.length}, dns[] ${json.dns.length}`);
console.log(`DnsTracker.onPacket ${ms(spent.onPacket, a.packets)} ms (timer overhead ${timerNs.toFixed(0)} ns/call subtracted), finish ${ms(spent.finish)} ms, dns[] rows (answers decoded) ${rowsMs} ms`);

// Per-message: hand parser vs dns-packet, on the responses kept by the tracker.
const msgs = dns.transactions.filter((x) => x.response).map((x) => dns.responseBytes(x));
const h = new DnsHeader(), q = new DnsQuestion();
let s = performance.now();
for (let r = 0; r < 5; r++) for (const m of msgs) { readHeader(m, 0, m.length, h); readQuestion(m, 0, m.length, q, false); }
const hand = (performance.now() - s) / 5 / msgs.length * 1000;
s = performance.now();
const bufs = msgs.map((m) => Buffer.from(m.buffer, m.byteOffset, m.length));
for (const b of bufs) dnsPacket.decode(b);
const full = (performance.now() - s) / msgs.length * 1000;
console.log(`per response message (${msgs.length}): header + question by hand ${hand.toFixed(3)} µs; dns-packet full decode ${full.toFixed(2)} µs`);
s = performance.now();
let nAns = 0;
for (const m of msgs) nAns += answerTexts(m).length;
console.log(`answers as text (hand): ${((performance.now() - s)).toFixed(1)} ms for ${msgs.length} responses, ${nAns} answers`);
s = performance.now();
for (const x of dns.transactions) dns.toJson(x);
console.log(`toJson of every transaction again (no endpoint cache): ${((performance.now() - s)).toFixed(1)} ms`);
for (let r = 0; r < 3; r++) {
  s = performance.now();
  for (const m of msgs) answerTexts(m);
  console.log(`answers again: ${((performance.now() - s)).toFixed(1)} ms`);
}
console.log(`distinct question names: ${new Set(dns.transactions.map((x) => x.name.toLowerCase())).size}`);
if (process.env.DUMP) {
  const { writeFileSync } = await import('node:fs');
  const parts: Uint8Array[] = [];
  for (const m of msgs) { parts.push(new Uint8Array([m.length >> 8, m.length & 255]), m); }
  writeFileSync(process.env.DUMP, Buffer.concat(parts));
}
const mu = process.memoryUsage();
console.log(`heap used ${(mu.heapUsed / 2 ** 20).toFixed(0)} MiB, external ${(mu.external / 2 ** 20).toFixed(0)} MiB, arrayBuffers ${(mu.arrayBuffers / 2 ** 20).toFixed(0)} MiB`);

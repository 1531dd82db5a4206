// How the DNS tracker's modules raise their events and word them: the emit callback
// (Analysis.emit with the source 'dns'), query IDs in hex, durations in a readable unit,
// hosts without their port.

import type { Flow } from '../flows';

/** Raises one DNS event (see Analysis.emit). */
export type DnsEmit = (kind: string, frame: number, time: number, flow: number | null, message: string, related: number[]) => void;

const HEX = '0123456789abcdef';

/** A 16-bit query ID as "0x01bb" (digits by hand: toString(16) and padStart cost several strings each). */
export function hex4(id: number): string {
  return '0x' + HEX[(id >> 12) & 15] + HEX[(id >> 8) & 15] + HEX[(id >> 4) & 15] + HEX[id & 15];
}

export function secs(x: number): string {
  return x < 0.001 ? `${(x * 1e6).toFixed(0)} µs` : x < 1 ? `${(x * 1000).toFixed(1)} ms` : `${x.toFixed(2)} s`;
}

/** A flow's client or server address without the port ("10.0.0.53", "[fd00::53]"). */
export function hostText(flow: Flow, client: boolean): string {
  return flow.endpoint(client).replace(/:\d+$/, '');
}

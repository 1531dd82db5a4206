// Which flow of capture A is which flow of capture B (issue 13, `stateline diff`). Two
// captures of the same traffic from two vantage points, or from before and after a
// change, number their flows differently, and a NAT between the points may change the
// client's port (or its address). Flows are matched in passes, each over what the
// earlier ones left, pairing equals in order of their start:
//   1. 'key'       the same key: transport, client and server endpoints, VLAN IDs;
//   2. 'reversed'  the same key with client and server swapped (one capture missed the
//                  first packets, so each took the other end for the client);
//   3. 'endpoint'  the same transport and server endpoint (ip:port) and the same client
//                  host (the NAT changed the client's port);
//   4. 'service'   the same transport and server endpoint, any client (the NAT changed
//                  the client's address too) — only where each side has as many such
//                  flows left, so that the order pairs them.
// Pure: it reads the flows of the model (./model's FlowJson).

import type { FlowJson } from '../model';

export type FlowMatchRule = 'key' | 'reversed' | 'endpoint' | 'service';

export interface FlowPair {
  a: FlowJson;
  b: FlowJson;
  by: FlowMatchRule;
  /** B's client is A's server (rule 'reversed'): B's direction 0 is A's direction 1. */
  flipped: boolean;
}

export interface FlowMatching {
  pairs: FlowPair[];
  onlyInA: FlowJson[];
  onlyInB: FlowJson[];
}

/** The host of an "ip:port" or "[v6]:port" endpoint. */
export function hostOf(endpoint: string): string {
  if (endpoint.startsWith('[')) return endpoint.slice(1, endpoint.indexOf(']'));
  const i = endpoint.lastIndexOf(':');
  return i > 0 && endpoint.indexOf(':') === i ? endpoint.slice(0, i) : endpoint;
}

const vlanOf = (f: FlowJson): string => (f.vlan ?? []).join('.');

export function matchFlows(flowsA: readonly FlowJson[], flowsB: readonly FlowJson[]): FlowMatching {
  const byStart = (x: FlowJson, y: FlowJson): number => x.start - y.start || x.id - y.id;
  let restA = [...flowsA].sort(byStart);
  let restB = [...flowsB].sort(byStart);
  const pairs: FlowPair[] = [];

  /** Pair A's and B's flows of equal `keyA(a)` / `keyB(b)` in order; `whole`: only groups of equal size. */
  const pass = (by: FlowMatchRule, keyA: (f: FlowJson) => string, keyB: (f: FlowJson) => string, whole = false): void => {
    const groups = new Map<string, FlowJson[]>();
    for (const b of restB) {
      const k = keyB(b);
      const g = groups.get(k);
      if (g) g.push(b);
      else groups.set(k, [b]);
    }
    if (whole) {
      const countA = new Map<string, number>();
      for (const a of restA) countA.set(keyA(a), (countA.get(keyA(a)) ?? 0) + 1);
      for (const [k, g] of groups) if (countA.get(k) !== g.length) groups.delete(k);
    }
    const taken = new Set<FlowJson>();
    const left: FlowJson[] = [];
    for (const a of restA) {
      const b = groups.get(keyA(a))?.shift();
      if (!b) {
        left.push(a);
        continue;
      }
      pairs.push({ a, b, by, flipped: by === 'reversed' });
      taken.add(b);
    }
    restA = left;
    restB = restB.filter((b) => !taken.has(b));
  };

  pass('key', (f) => `${f.transport} ${f.client} ${f.server} ${vlanOf(f)}`, (f) => `${f.transport} ${f.client} ${f.server} ${vlanOf(f)}`);
  pass('reversed', (f) => `${f.transport} ${f.client} ${f.server} ${vlanOf(f)}`, (f) => `${f.transport} ${f.server} ${f.client} ${vlanOf(f)}`);
  pass('endpoint', (f) => `${f.transport} ${f.server} ${hostOf(f.client)}`, (f) => `${f.transport} ${f.server} ${hostOf(f.client)}`);
  pass('service', (f) => `${f.transport} ${f.server}`, (f) => `${f.transport} ${f.server}`, true);
  pairs.sort((x, y) => x.a.id - y.a.id);
  return { pairs, onlyInA: restA.sort((x, y) => x.id - y.id), onlyInB: restB.sort((x, y) => x.id - y.id) };
}

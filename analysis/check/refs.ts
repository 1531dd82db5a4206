// Flow references of `stateline check`: a flow named the way a re-recording of the same
// scenario keeps it. "tcp 10.0.0.1 -> 10.0.0.2:80 [2]" is the second flow (in capture
// order) whose transport is tcp, whose client is host 10.0.0.1 (any port: the client's
// port is ephemeral) and whose server is 10.0.0.2:80 (the service port). Without "[…]"
// the reference selects every flow of that key; "[2-5]" selects the 2nd to the 5th.
// (Brackets rather than "#2": in YAML an unquoted " #" starts a comment.)

import type { FlowJson } from '../model';

export interface FlowRef {
  transport: string;
  clientHost: string;
  server: string;
  /** 1-based positions among the flows of the key, inclusive; null = all of them. */
  from: number | null;
  to: number | null;
}

const REF_RE = /^(tcp|udp|icmp) +(\S+) +-> +(\S+?)(?: +\[(\d+)(?:-(\d+))?\])?$/;

/** The host of an "ip:port" or "[ip]:port" endpoint. */
export function hostOf(endpoint: string): string {
  return endpoint.replace(/:\d+$/, '');
}

/** A flow's key, the reference without a position. */
export function flowKey(f: Pick<FlowJson, 'transport' | 'client' | 'server'>): string {
  return `${f.transport} ${hostOf(f.client)} -> ${f.server}`;
}

/** The reference's parts, or why the text is not a flow reference. */
export function parseFlowRef(text: string): FlowRef | string {
  const m = REF_RE.exec(text.trim());
  if (!m) return `not a flow reference: ${JSON.stringify(text)} (expected "tcp CLIENT-HOST -> SERVER:PORT", optionally " [N]" or " [N-M]")`;
  const from = m[4] === undefined ? null : Number(m[4]);
  const to = m[5] === undefined ? from : Number(m[5]);
  if (from !== null && (from < 1 || to! < from)) return `bad position in flow reference ${JSON.stringify(text)}`;
  return { transport: m[1], clientHost: m[2], server: m[3], from, to };
}

/** The flows of a capture grouped by key, each group in capture order: what references resolve against. */
export class FlowIndex {
  private readonly byKey = new Map<string, FlowJson[]>();
  private readonly byId = new Map<number, FlowJson>();
  /** Each flow's position (1-based) among the flows of its key. */
  private readonly position = new Map<number, number>();

  constructor(readonly flows: FlowJson[]) {
    for (const f of [...flows].sort((a, b) => a.firstFrame - b.firstFrame || a.id - b.id)) {
      const k = flowKey(f);
      let g = this.byKey.get(k);
      if (!g) this.byKey.set(k, (g = []));
      g.push(f);
      this.position.set(f.id, g.length);
      this.byId.set(f.id, f);
    }
  }

  flow(id: number): FlowJson | undefined {
    return this.byId.get(id);
  }

  /** The flows of a key, in capture order. */
  group(key: string): FlowJson[] {
    return this.byKey.get(key) ?? [];
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** The flows a reference selects (empty when none). */
  resolve(ref: FlowRef): FlowJson[] {
    const g = this.group(`${ref.transport} ${ref.clientHost} -> ${ref.server}`);
    return ref.from === null ? g : g.slice(ref.from - 1, ref.to!);
  }

  /** The reference that names flow `id` alone ("[n]" only when its key has several flows). */
  refOf(id: number): string {
    const f = this.byId.get(id)!;
    const k = flowKey(f);
    return this.group(k).length > 1 ? `${k} [${this.position.get(id)}]` : k;
  }
}

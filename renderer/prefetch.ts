// Answers asked for ahead of a click. When the pointer rests on a row of the flows table,
// that flow's detail, the first page of its packets and its whole timeline (at the width
// its view will have) are asked for then; the flow view that opens next takes them
// instead of asking again, so opening it waits for no answer that a user's hover — some
// 100–500 ms before a click — had time to bring. An answer is taken once, within a few
// seconds; all are forgotten when another capture opens (App).

import type { Client } from './client';

const FRESH_MS = 10_000;
const MAX_HELD = 32;
const held = new Map<string, { at: number; p: Promise<unknown> }>();

/** Ask for `key` now (once while it is fresh), for a later `take`. */
export function ahead<T>(key: string, load: () => Promise<T>): void {
  const h = held.get(key);
  if (h && performance.now() - h.at < FRESH_MS) return;
  const p = load();
  p.catch(() => held.delete(key));
  held.delete(key);
  held.set(key, { at: performance.now(), p });
  // (the oldest first: a Map keeps insertion order)
  while (held.size > MAX_HELD) held.delete(held.keys().next().value!);
}

/** The answer asked for ahead under `key` if it is fresh (it is used up), else `load()`. */
export function take<T>(key: string, load: () => Promise<T>): Promise<T> {
  const h = held.get(key);
  held.delete(key);
  return h && performance.now() - h.at < FRESH_MS ? (h.p as Promise<T>) : load();
}

/** Drop every answer asked for ahead (another capture, or the same one read again). */
export function forgetAhead(): void {
  held.clear();
}

/** How many answers are held (tests). */
export function heldAhead(): number {
  return held.size;
}

/** The keys the flow view asks its answers under (FlowDetailView). */
export const aheadKeys = {
  flow: (id: number) => `flow:${id}`,
  timeline: (id: number, maxPoints: number) => `timeline:${id}:${maxPoints}`,
  packets: (id: number, limit: number) => `packets:${id}:0:${limit}`,
};

/** Ask for what opening flow `id` at `maxPoints` needs. */
export function flowAhead(client: Client, id: number, maxPoints: number, packetLimit: number): void {
  ahead(aheadKeys.flow(id), () => client.flow({ id }));
  ahead(aheadKeys.packets(id, packetLimit), () => client.packets({ flow: id, offset: 0, limit: packetLimit }));
  ahead(aheadKeys.timeline(id, maxPoints), () => client.timeline({ flow: id, maxPoints }));
}

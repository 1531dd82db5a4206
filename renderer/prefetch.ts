// Answers asked for ahead of a click. When the pointer rests on a row of the flows table,
// or presses it, that flow's detail, the first page of its packets and its whole timeline
// (at the width its view will have) are asked for then; the flow view that opens next
// takes them instead of asking again, so opening it waits for no answer that a user's
// hover — some 100–500 ms before a click — had time to bring. An answer is taken once,
// within a few seconds; all are forgotten when another capture opens (App).
//
// The flows table opens the view once those answers are in (`whenAhead`, at most a
// moment), and the view draws what has come at once (`peekAhead`): the flow, its charts
// and its packets in one render and one layout, not a view of placeholders laid out
// first and again as each answer arrives.

import type { FlowDetail, Page, PacketRow, Timeline } from '../analysis/api';
import type { Client } from './client';

const FRESH_MS = 10_000;
const MAX_HELD = 32;
const held = new Map<string, { at: number; p: Promise<unknown> }>();

/** The answers that have come, by the promise that brought them (`remember`). */
const CAME = new WeakMap<Promise<unknown>, { value: unknown }>();

/** `p`, its answer remembered once it comes: a view mounted after that draws it at once (`came`). */
export function remember<T>(p: Promise<T>): Promise<T> {
  if (!CAME.has(p)) p.then((value) => CAME.set(p, { value }), () => undefined);
  return p;
}

/** The answer `p` (remembered) brought, once it has come; null before, or when it failed. */
export function came<T>(p: Promise<T>): { value: T } | null {
  return (CAME.get(p) as { value: T } | undefined) ?? null;
}

/** Ask for `key` now (once while it is fresh), for a later `take`. */
export function ahead<T>(key: string, load: () => Promise<T>): void {
  const h = held.get(key);
  if (h && performance.now() - h.at < FRESH_MS) return;
  const p = remember(load());
  // (a failed answer is dropped, not one asked for again under the same key since)
  p.catch(() => held.get(key)?.p === p && held.delete(key));
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

/** The answer held under `key` if it is fresh and has come (not used up: `take` still gives it). */
export function peekAhead<T>(key: string): { value: T } | null {
  const h = held.get(key);
  return h && performance.now() - h.at < FRESH_MS ? came(h.p as Promise<T>) : null;
}

/**
 * Resolves once every answer held under `keys` has come or failed, or after `capMs`
 * (a key with nothing held is not waited for).
 */
export function whenAhead(keys: string[], capMs: number): Promise<void> {
  const waits = keys.map((k) => held.get(k)?.p).filter((p) => p && !came(p)).map((p) => p!.then(() => undefined, () => undefined));
  if (waits.length === 0) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<void>((r) => (timer = setTimeout(r, capMs)));
  return Promise.race([Promise.all(waits).then(() => undefined), cap]).finally(() => clearTimeout(timer));
}

/** Drop every answer asked for ahead (another capture, or the same one read again). */
export function forgetAhead(): void {
  held.clear();
}

/** How many answers are held (tests). */
export function heldAhead(): number {
  return held.size;
}

/** One of the answers a flow view asks for: its key here and the call that brings it. */
export interface Ask<T> {
  key: string;
  load(): Promise<T>;
}

/** What opening a flow asks for — the flow view takes these, a hover asks them ahead. */
export const flowAsks = {
  flow: (client: Client, id: number): Ask<FlowDetail | null> => ({ key: `flow:${id}`, load: () => client.flow({ id }) }),
  timeline: (client: Client, id: number, maxPoints: number): Ask<Timeline> => ({ key: `timeline:${id}:${maxPoints}`, load: () => client.timeline({ flow: id, maxPoints }) }),
  packets: (client: Client, id: number, limit: number): Ask<Page<PacketRow>> => ({ key: `packets:${id}:0:${limit}`, load: () => client.packets({ flow: id, offset: 0, limit }) }),
};

/** `ask`'s answer: the one asked for ahead if fresh, else asked for now. */
export function taken<T>(ask: Ask<T>): Promise<T> {
  return take(ask.key, ask.load);
}

/** Ask for what opening flow `id` at `maxPoints` needs; answers their keys. */
export function flowAhead(client: Client, id: number, maxPoints: number, packetLimit: number): string[] {
  const asks = [flowAsks.flow(client, id), flowAsks.packets(client, id, packetLimit), flowAsks.timeline(client, id, maxPoints)] as Ask<unknown>[];
  for (const a of asks) ahead(a.key, a.load);
  return asks.map((a) => a.key);
}

// The event taxonomy of ../shared/docs/EVENTS.md: kind → severity, title and a
// plain-language explanation (which state, held by whom, was lost, and what that did).
// Each tracker registers its kinds here; the UI and the CLI read the same table.

import type { Severity } from './model';

export interface EventKindInfo {
  severity: Severity;
  /** The severity when raised with `escalate` (a kind whose gravity depends on a value: a close with an error code). */
  escalated?: Severity;
  /** Short title for lists and charts. */
  title: string;
  /** Plain language: which state, held by whom, was lost or broke, and what followed. */
  explanation: string;
  /** What Wireshark or Zeek call the same thing, if anything. */
  reference?: string;
}

export const EVENT_KINDS: Record<string, EventKindInfo> = {};

export function registerEventKinds(kinds: Record<string, EventKindInfo>): void {
  Object.assign(EVENT_KINDS, kinds);
}

export function eventInfo(kind: string): EventKindInfo | undefined {
  return EVENT_KINDS[kind];
}

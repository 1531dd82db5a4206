// Light and dark palettes: the user's choice (settings.ts) or, by default, the OS's
// (prefers-color-scheme). CSS takes its colours from variables in styles.css (switched by
// <html data-theme>); charts take concrete colours from here (so a PNG export keeps them).
// The series colours are Okabe & Ito's colour-blind-safe set: every series of a chart
// differs in hue and lightness (the receive window from a lost segment, a retransmission
// from a RST), and the lines that could still be confused differ in dash too.

import { useEffect, useState } from 'react';
import { useSettings } from './settings';
import type { Severity } from '../analysis/model';

export interface Palette {
  dark: boolean;
  fg: string;
  muted: string;
  grid: string;
  bg: string;
  accent: string;
  client: string;
  server: string;
  ack: string;
  window: string;
  /** Marks of the sequence graph. */
  retransmission: string;
  lost: string;
  outOfOrder: string;
  reset: string;
  severity: Record<Severity, string>;
}

const LIGHT: Palette = {
  dark: false,
  fg: '#1d2330',
  muted: '#6b7385',
  grid: '#e3e6ec',
  bg: '#ffffff',
  accent: '#2f6fde',
  client: '#0072b2',
  server: '#009e73',
  ack: '#6b6b6b',
  window: '#e69f00',
  retransmission: '#d55e00',
  lost: '#cc79a7',
  outOfOrder: '#56b4e9',
  reset: '#1d2330',
  severity: { break: '#d55e00', warning: '#e69f00', info: '#56b4e9' },
};

const DARK: Palette = {
  dark: true,
  fg: '#e4e8f0',
  muted: '#98a0b3',
  grid: '#2c3240',
  bg: '#161a22',
  accent: '#6ea0ff',
  client: '#4da3ff',
  server: '#2fc48f',
  ack: '#b8bcc6',
  window: '#e69f00',
  retransmission: '#ff7a3d',
  lost: '#e58fc4',
  outOfOrder: '#f0e442',
  reset: '#ffffff',
  severity: { break: '#ff7a3d', warning: '#e69f00', info: '#56b4e9' },
};

const query = '(prefers-color-scheme: dark)';

/** The palette of the user's theme; "system" follows the OS's and its changes. */
export function usePalette(): Palette {
  const { theme } = useSettings();
  // (one query list per component, not one per render: the listener is not moved at each render)
  const [mq] = useState(() => (typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null));
  const [systemDark, setDark] = useState(mq ? mq.matches : false);
  useEffect(() => {
    if (!mq) return;
    const on = (e: MediaQueryListEvent): void => setDark(e.matches);
    mq.addEventListener?.('change', on);
    return () => mq.removeEventListener?.('change', on);
  }, [mq]);
  return (theme === 'system' ? systemDark : theme === 'dark') ? DARK : LIGHT;
}

/** RFC 9293 state colours for the state lanes. */
export const STATE_COLORS: Record<string, string> = {
  CLOSED: '#9aa1ad',
  LISTEN: '#8c9bb5',
  'SYN-SENT': '#f2c14e',
  'SYN-RECEIVED': '#f29e4c',
  ESTABLISHED: '#46b37b',
  'FIN-WAIT-1': '#6cb4e8',
  'FIN-WAIT-2': '#3d8fd1',
  CLOSING: '#a77fd8',
  'TIME-WAIT': '#6a6fd6',
  'CLOSE-WAIT': '#3bb3a7',
  'LAST-ACK': '#2e8f9e',
};

export function stateColor(s: string): string {
  return STATE_COLORS[s] ?? '#b9a6a6';
}

export const QUIC_TYPE_COLORS: Record<string, string> = {
  Initial: '#f2a541',
  '0-RTT': '#e86a92',
  Handshake: '#a77fd8',
  Retry: '#d7263d',
  VN: '#8c564b',
  '1-RTT': '#3d8fd1',
  other: '#9aa1ad',
};

// Light and dark palettes following the OS (prefers-color-scheme). CSS takes its colours
// from variables in styles.css; charts take concrete colours from here (so a PNG export
// keeps them).

import { useEffect, useState } from 'react';
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
  severity: Record<Severity, string>;
}

const LIGHT: Palette = {
  dark: false,
  fg: '#1d2330',
  muted: '#6b7385',
  grid: '#e3e6ec',
  bg: '#ffffff',
  accent: '#2f6fde',
  client: '#2f6fde',
  server: '#2a9d6a',
  ack: '#7a4fd1',
  window: '#c98a00',
  severity: { break: '#d7263d', warning: '#e08a00', info: '#3b82c4' },
};

const DARK: Palette = {
  dark: true,
  fg: '#e4e8f0',
  muted: '#98a0b3',
  grid: '#2c3240',
  bg: '#161a22',
  accent: '#6ea0ff',
  client: '#6ea0ff',
  server: '#4fd39a',
  ack: '#b48cff',
  window: '#f0b429',
  severity: { break: '#ff5a6e', warning: '#ffb020', info: '#66b3ff' },
};

const query = '(prefers-color-scheme: dark)';

export function usePalette(): Palette {
  const mq = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null;
  const [dark, setDark] = useState(mq ? mq.matches : false);
  useEffect(() => {
    if (!mq) return;
    const on = (e: MediaQueryListEvent): void => setDark(e.matches);
    mq.addEventListener?.('change', on);
    return () => mq.removeEventListener?.('change', on);
  }, [mq]);
  return dark ? DARK : LIGHT;
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

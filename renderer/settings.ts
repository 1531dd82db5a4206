// The user's view settings: the theme (light, dark, or the system's) and how times are
// shown in tables and tooltips (seconds since the capture's start, UTC, or since the
// previous row). Kept in localStorage, shared by every component through one small
// store (useSyncExternalStore), so a change redraws the whole app at once.

import { useSyncExternalStore } from 'react';

export type ThemeSetting = 'system' | 'light' | 'dark';
export type TimeFormat = 'relative' | 'utc' | 'delta';

export interface Settings {
  theme: ThemeSetting;
  timeFormat: TimeFormat;
}

const KEY = 'stateline.settings';
const DEFAULTS: Settings = { theme: 'system', timeFormat: 'relative' };

export const TIME_FORMATS: { value: TimeFormat; title: string }[] = [
  { value: 'relative', title: 'Time: since start' },
  { value: 'utc', title: 'Time: UTC' },
  { value: 'delta', title: 'Time: since previous' },
];

function load(): Settings {
  try {
    const raw = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;
    const v = raw ? (JSON.parse(raw) as Partial<Settings>) : {};
    return {
      theme: v.theme === 'light' || v.theme === 'dark' || v.theme === 'system' ? v.theme : DEFAULTS.theme,
      timeFormat: TIME_FORMATS.some((f) => f.value === v.timeFormat) ? v.timeFormat! : DEFAULTS.timeFormat,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

let current: Settings = load();
const listeners = new Set<() => void>();

export function getSettings(): Settings {
  return current;
}

export function setSettings(patch: Partial<Settings>): void {
  current = { ...current, ...patch };
  try {
    localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    // private mode or no storage: the setting holds for this page only
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useSettings(): Settings {
  return useSyncExternalStore(subscribe, getSettings, getSettings);
}

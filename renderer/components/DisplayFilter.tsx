// The display-filter box over a packet list (issue 15 item 3): Wireshark's filter
// language, checked by the host as the user types (green when it parses, red with the
// reason and the offending part underlined when not), field names completed from the
// core's field table (StatelineApi.filterFields: the renderer imports only types from
// analysis/), the filters applied before remembered in localStorage, Enter applies.

import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { FilterCheck, FilterFieldInfo } from '../../analysis/api';
import type { Client } from '../client';

const HISTORY_KEY = 'stateline.displayFilterHistory';
const HISTORY_MAX = 20;
const SUGGESTIONS_MAX = 12;
/** Characters of a field name: the word under the caret that the autocomplete completes. */
const NAME_CHAR = /[A-Za-z0-9_.]/;

export function loadFilterHistory(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, HISTORY_MAX) : [];
  } catch {
    return [];
  }
}

function saveFilterHistory(list: string[]): void {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_MAX)));
  } catch {
    // storage full or disabled: the history lasts this page only
  }
}

/** The field-name word that ends at `caret`, and where it starts. */
function wordAt(text: string, caret: number): { start: number; word: string } {
  let s = caret;
  while (s > 0 && NAME_CHAR.test(text[s - 1])) s--;
  return { start: s, word: text.slice(s, caret) };
}

type Validity = { state: 'empty' } | { state: 'checking' } | { state: 'ok' } | { state: 'error'; error: FilterCheck };

interface Props {
  client: Client;
  /** The filter applied now ('' for none). */
  applied: string;
  /** Apply a filter (always one that parses; '' clears). */
  onApply(filter: string): void;
}

export const DisplayFilter = memo(function DisplayFilter({ client, applied, onApply }: Props) {
  const [text, setText] = useState(applied);
  const [validity, setValidity] = useState<Validity>({ state: applied ? 'ok' : 'empty' });
  const [fields, setFields] = useState<FilterFieldInfo[]>([]);
  const [history, setHistory] = useState<string[]>(loadFilterHistory);
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState<'fields' | 'history' | null>(null);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement | null>(null);
  const listId = useId();
  const errorId = useId();

  // The field table (for completion) is asked for when the box is first focused, not
  // with every packet list: opening a flow does not wait behind it.
  const [wantFields, setWantFields] = useState(false);
  useEffect(() => {
    if (!wantFields) return;
    let live = true;
    client.filterFields().then((f) => live && setFields(f), () => undefined);
    return () => {
      live = false;
    };
  }, [client, wantFields]);

  useEffect(() => setText(applied), [applied]);

  // Check as the user types: each answer is kept only if the text is still the same.
  const latest = useRef(text);
  latest.current = text;
  useEffect(() => {
    if (text.trim() === '') {
      setValidity({ state: 'empty' });
      return;
    }
    setValidity((v) => (v.state === 'error' ? v : { state: 'checking' }));
    const t = setTimeout(() => {
      client.checkFilter({ filter: text }).then(
        (err) => {
          if (latest.current === text) setValidity(err ? { state: 'error', error: err } : { state: 'ok' });
        },
        () => undefined,
      );
    }, 80);
    return () => clearTimeout(t);
  }, [text, client]);

  const { start: wordStart, word } = wordAt(text, caret);
  const suggestions = useMemo(() => {
    if (open === 'history') return history.map((h) => ({ value: h, label: h, note: '' }));
    if (open !== 'fields' || word.length === 0) return [];
    const w = word.toLowerCase();
    return fields
      .filter((f) => f.name.startsWith(w) && f.name !== w)
      .slice(0, SUGGESTIONS_MAX)
      .map((f) => ({ value: f.name, label: f.name, note: f.description }));
  }, [open, word, fields, history]);

  const apply = useCallback(
    (value: string) => {
      setOpen(null);
      const v = value.trim();
      if (v) {
        const next = [v, ...history.filter((h) => h !== v)].slice(0, HISTORY_MAX);
        setHistory(next);
        saveFilterHistory(next);
      }
      onApply(v);
    },
    [history, onApply],
  );

  const choose = (k: number): void => {
    const s = suggestions[k];
    if (!s) return;
    if (open === 'history') {
      setText(s.value);
      apply(s.value);
      return;
    }
    // replace the word under the caret by the field name
    const next = text.slice(0, wordStart) + s.value + text.slice(caret);
    setText(next);
    setOpen(null);
    const at = wordStart + s.value.length;
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(at, at);
      setCaret(at);
    });
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    const listed = suggestions.length > 0;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!listed && open === null) {
        setOpen(text.trim() === '' ? 'history' : 'fields');
        setActive(0);
      } else setActive((a) => Math.min(suggestions.length - 1, a + 1));
    } else if (e.key === 'ArrowUp' && listed) {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Tab' && listed && open === 'fields') {
      e.preventDefault();
      choose(active >= 0 ? active : 0);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (listed && active >= 0) choose(active);
      else if (validity.state !== 'error') {
        // a filter still being checked is checked again by the host when applied
        if (validity.state !== 'checking' || text.trim() === '') apply(text);
        else client.checkFilter({ filter: text }).then((err) => (err ? setValidity({ state: 'error', error: err }) : apply(text)), () => undefined);
      }
    } else if (e.key === 'Escape') {
      // closes the list, then undoes an edit; only then does Esc leave the view (App)
      if (open && suggestions.length) {
        e.preventDefault();
        setOpen(null);
      } else if (text !== applied) {
        e.preventDefault();
        setText(applied);
      }
    }
  };

  const cls = validity.state === 'ok' ? 'df-ok' : validity.state === 'error' ? 'df-bad' : '';
  const err = validity.state === 'error' ? validity.error : null;
  const dirty = text.trim() !== applied;

  return (
    <div className="display-filter" data-testid="display-filter">
      <div className="df-row">
        <input
          ref={input}
          className={`df-input mono ${cls}`}
          data-testid="display-filter-input"
          data-state={validity.state}
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="Display filter, e.g. tcp.analysis.retransmission or ip.addr == 10.0.0.0/8 && tcp.port == 443"
          aria-label="Display filter"
          aria-invalid={err ? true : undefined}
          aria-describedby={err ? errorId : undefined}
          aria-autocomplete="list"
          aria-controls={listId}
          aria-expanded={suggestions.length > 0}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setOpen('fields');
            setActive(-1);
          }}
          onKeyDown={onKey}
          onFocus={() => setWantFields(true)}
          onKeyUp={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
          onClick={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
          onBlur={() => setTimeout(() => setOpen(null), 150)}
        />
        <button className="small" disabled={!dirty || validity.state === 'error'} onClick={() => apply(text)} title="Apply (Enter)">
          Apply
        </button>
        <button className="small" disabled={!applied && !text} onClick={() => { setText(''); apply(''); }} title="Show every packet">
          Clear
        </button>
        <button
          className="small"
          disabled={history.length === 0}
          aria-haspopup="listbox"
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            setOpen(open === 'history' ? null : 'history');
            setActive(-1);
            input.current?.focus();
          }}
          title="Filters applied before"
          data-testid="display-filter-history"
        >
          History ▾
        </button>
      </div>
      {suggestions.length > 0 && (
        <ul className="df-suggest" id={listId} role="listbox" data-testid="display-filter-suggestions">
          {suggestions.map((s, k) => (
            <li
              key={s.value}
              role="option"
              aria-selected={k === active}
              className={k === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(k);
              }}
            >
              <span className="mono">{s.label}</span>
              {s.note && <span className="muted small"> {s.note}</span>}
            </li>
          ))}
        </ul>
      )}
      {err && (
        <div className="df-error" id={errorId} role="alert" data-testid="display-filter-error">
          <div>{err.message}</div>
          <div className="mono df-where">
            {text.slice(0, err.start)}
            <mark>{text.slice(err.start, Math.max(err.end, err.start + 1)) || ' '}</mark>
            {text.slice(Math.max(err.end, err.start + 1))}
          </div>
        </div>
      )}
    </div>
  );
});

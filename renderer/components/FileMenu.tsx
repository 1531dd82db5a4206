// A menu button of the top bar (the File menu: Open…, Close, Export JSON, Key log…), as
// in Wireshark: the actions used once per capture, out of the bar so the bar holds the
// tabs on one line. WAI-ARIA menu button: Enter, Space or ↓ on the button opens it on
// its first item, ↑/↓/Home/End move, Enter activates, Esc or a click outside shuts it
// (focus back on the button). The items stay in the DOM while it is shut (hidden), so
// their state — the key log's name — can be read.

import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';

export interface MenuItem {
  label: string;
  title?: string;
  /** Shown at the right of the item ("Ctrl+O"). */
  shortcut?: string;
  testId?: string;
  onSelect(): void;
}

export function FileMenu({ label, title, items, testId }: { label: string; title: string; items: MenuItem[]; testId?: string }) {
  const [open, setOpen] = useState(false);
  // opened from the keyboard: focus goes to the first item; `left`: the button is near the
  // window's left edge (a wrapped bar), so the list hangs from its left, not its right
  const [focusFirst, setFocusFirst] = useState(false);
  const [left, setLeft] = useState(false);
  const root = useRef<HTMLDivElement | null>(null);
  const button = useRef<HTMLButtonElement | null>(null);
  const entries = (): HTMLButtonElement[] => [...(root.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? [])];

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent): void => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);

  useLayoutEffect(() => {
    if (open && focusFirst) entries()[0]?.focus();
  }, [open, focusFirst]);

  const show = (fromKeys: boolean): void => {
    setLeft((button.current?.getBoundingClientRect().right ?? Infinity) < 260);
    setFocusFirst(fromKeys);
    setOpen(true);
  };
  const shut = (): void => {
    setOpen(false);
    button.current?.focus();
  };
  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const all = entries();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const go = (i: number): void => all[(i + all.length) % all.length]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(all.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') {
      if (e.key === 'Tab') return setOpen(false);
      shut();
    } else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div className="menu" ref={root} onKeyDown={open ? onMenuKey : undefined}>
      <button
        ref={button}
        aria-haspopup="menu"
        aria-expanded={open}
        title={title}
        data-testid={testId}
        onClick={() => (open ? setOpen(false) : show(false))}
        onKeyDown={(e) => {
          if (!open && (e.key === 'ArrowDown' || e.key === 'Enter' || e.key === ' ')) {
            e.preventDefault();
            show(true);
          }
        }}
      >
        {label} <span aria-hidden>▾</span>
      </button>
      <div className={`menu-list${left ? ' left' : ''}`} role="menu" aria-label={label} hidden={!open}>
        {items.map((it) => (
          <button
            key={it.label}
            role="menuitem"
            tabIndex={-1}
            title={it.title}
            data-testid={it.testId}
            onClick={() => {
              setOpen(false);
              it.onSelect();
            }}
          >
            <span className="menu-label">{it.label}</span>
            {it.shortcut && <span className="menu-key muted small">{it.shortcut}</span>}
          </button>
        ))}
      </div>
    </div>
  );
}

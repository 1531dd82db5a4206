// The RFC 9293 state changes of all connections, as one append-only log of typed columns
// with a per-connection linked list (each entry points to the connection's next one).
// A small object per change ({frame, time, client, server}, its time a boxed number)
// was ~45k live objects on a 10k-connection capture, all kept until the end; the
// objects are now built only when asked for (the JSON, the timeline).

import type { TcpStateJson } from '../model';
import { STATE_NAMES } from './states';

/** A StateLog as a worker sends it (its arrays' buffers transferred). */
export interface StateLogTransfer {
  length: number;
  frame: Uint32Array<ArrayBuffer>;
  time: Float64Array<ArrayBuffer>;
  client: Uint8Array<ArrayBuffer>;
  server: Uint8Array<ArrayBuffer>;
  nextOf: Int32Array<ArrayBuffer>;
  guesses: Map<number, string>;
}

export class StateLog {
  length = 0;
  private frame = new Uint32Array(1024);
  private time = new Float64Array(1024);
  /** Client state, server state (StateId). */
  private client = new Uint8Array(1024);
  private server = new Uint8Array(1024);
  /** The connection's next entry, -1 at its last. */
  private nextOf = new Int32Array(1024);
  /** The guesses, by entry (rare: only where the observer had to assume something). */
  private readonly guesses = new Map<number, string>();

  /** Append an entry after `tail` (-1: the connection's first); returns its index. */
  add(tail: number, frame: number, time: number, client: number, server: number, guess: string | null): number {
    const i = this.length;
    if (i === this.frame.length) this.grow();
    this.frame[i] = frame;
    this.time[i] = time;
    this.client[i] = client;
    this.server[i] = server;
    this.nextOf[i] = -1;
    if (guess) this.guesses.set(i, guess);
    if (tail >= 0) this.nextOf[tail] = i;
    this.length = i + 1;
    return i;
  }

  /** Set one endpoint's state (0 client, 1 server) in every entry of the list from `head`. */
  setState(head: number, endpoint: number, state: number): void {
    const col = endpoint === 0 ? this.client : this.server;
    for (let i = head; i >= 0; i = this.nextOf[i]) col[i] = state;
  }

  /** The entries of the list from `head`, as the JSON has them. */
  list(head: number): TcpStateJson[] {
    const out: TcpStateJson[] = [];
    for (let i = head; i >= 0; i = this.nextOf[i]) {
      const guess = this.guesses.get(i);
      const frame = this.frame[i], time = this.time[i], client = STATE_NAMES[this.client[i]], server = STATE_NAMES[this.server[i]];
      // one literal per shape, keys in the order the JSON always had
      out.push(guess ? { frame, time, client, server, guess } : { frame, time, client, server });
    }
    return out;
  }

  /** The log as it is (no copy: after a transfer of its buffers, this object is unusable). */
  toTransfer(): StateLogTransfer {
    return { length: this.length, frame: this.frame, time: this.time, client: this.client, server: this.server, nextOf: this.nextOf, guesses: this.guesses };
  }

  static fromTransfer(d: StateLogTransfer): StateLog {
    const log = new StateLog();
    log.length = d.length;
    log.frame = d.frame;
    log.time = d.time;
    log.client = d.client;
    log.server = d.server;
    log.nextOf = d.nextOf;
    for (const [i, g] of d.guesses) log.guesses.set(i, g);
    return log;
  }

  static buffers(d: StateLogTransfer): ArrayBuffer[] {
    return [d.frame, d.time, d.client, d.server, d.nextOf].map((x) => x.buffer);
  }

  private grow(): void {
    const n = this.frame.length * 2;
    this.frame = copy(this.frame, new Uint32Array(n));
    this.time = copy(this.time, new Float64Array(n));
    this.client = copy(this.client, new Uint8Array(n));
    this.server = copy(this.server, new Uint8Array(n));
    this.nextOf = copy(this.nextOf, new Int32Array(n));
  }
}

function copy<T extends Uint32Array | Float64Array | Uint8Array | Int32Array>(old: T, next: T): T {
  next.set(old as never);
  return next;
}

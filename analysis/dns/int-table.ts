// The DNS tracker's maps from a pair of int32 keys to a transaction index: outstanding
// queries by flow and ID, the latest query by client host, server and ID.

/**
 * Open-addressing hash table from a pair of int32 keys to a transaction index (>= 0),
 * in typed arrays: no per-entry objects and no boxed keys for the garbage collector.
 */
export class IntTable {
  private k1 = new Int32Array(0);
  private k2 = new Int32Array(0);
  private v = new Int32Array(0);
  private mask = 0;
  private size = 0;

  constructor(cap = 1024) {
    this.alloc(cap);
  }

  private alloc(cap: number): void {
    this.k1 = new Int32Array(cap);
    this.k2 = new Int32Array(cap);
    this.v = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b), 0x9e3779b1);
    h ^= h >>> 15;
    return h & this.mask;
  }

  get(a: number, b: number): number {
    const k1 = this.k1, k2 = this.k2, v = this.v, mask = this.mask;
    for (let i = this.slot(a, b); ; i = (i + 1) & mask) {
      const x = v[i];
      if (x < 0) return -1;
      if (k1[i] === a && k2[i] === b) return x;
    }
  }

  set(a: number, b: number, val: number): void {
    const k1 = this.k1, k2 = this.k2, v = this.v, mask = this.mask;
    let i = this.slot(a, b);
    for (; v[i] >= 0; i = (i + 1) & mask) {
      if (k1[i] === a && k2[i] === b) {
        v[i] = val;
        return;
      }
    }
    k1[i] = a;
    k2[i] = b;
    v[i] = val;
    if (++this.size * 2 > mask + 1) this.rehash();
  }

  /** set(a, b, val), returning the value it replaces (-1: none): one probe for a get and a set. */
  swap(a: number, b: number, val: number): number {
    const k1 = this.k1, k2 = this.k2, v = this.v, mask = this.mask;
    let i = this.slot(a, b);
    for (; v[i] >= 0; i = (i + 1) & mask) {
      if (k1[i] === a && k2[i] === b) {
        const old = v[i];
        v[i] = val;
        return old;
      }
    }
    k1[i] = a;
    k2[i] = b;
    v[i] = val;
    if (++this.size * 2 > mask + 1) this.rehash();
    return -1;
  }

  delete(a: number, b: number): void {
    this.deleteIf(a, b, -1);
  }

  /** Removes the entry of (a, b) when its value is `only` (any value when `only` is -1). */
  deleteIf(a: number, b: number, only: number): void {
    const k1 = this.k1, k2 = this.k2, v = this.v, mask = this.mask;
    let i = this.slot(a, b);
    for (; ; i = (i + 1) & mask) {
      if (v[i] < 0) return;
      if (k1[i] === a && k2[i] === b) break;
    }
    if (only >= 0 && v[i] !== only) return;
    v[i] = -1;
    this.size--;
    // Backward-shift deletion: move later entries of the probe run into the hole.
    for (let j = (i + 1) & mask; v[j] >= 0; j = (j + 1) & mask) {
      const h = this.slot(k1[j], k2[j]);
      const stays = i <= j ? h > i && h <= j : h > i || h <= j;
      if (stays) continue;
      k1[i] = k1[j];
      k2[i] = k2[j];
      v[i] = v[j];
      v[j] = -1;
      i = j;
    }
  }

  private rehash(): void {
    const k1 = this.k1, k2 = this.k2, v = this.v;
    this.alloc((this.mask + 1) * 2);
    this.size = 0;
    for (let i = 0; i < v.length; i++) if (v[i] >= 0) this.set(k1[i], k2[i], v[i]);
  }
}

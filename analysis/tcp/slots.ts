// Fixed-size numeric slots for per-connection state, carved out of shared Float64Array
// pages. A number field of an object that holds a double or an unsigned 32-bit value
// at or above 2^30 (sequence numbers, times) is a boxed heap number in V8: one extra
// heap object per field per connection, which the young-generation GC copies and the
// old-generation GC marks. In a page the values are raw doubles: the owning object
// keeps only a reference to its page and its offset. Pages are never resized (an
// object's page reference stays valid) and are freed with the last object using them.

/** Slots per page: small enough not to waste much for a few connections. */
const SLOTS_PER_PAGE = 256;

export class NumberSlots {
  private readonly stride: number;
  private readonly init: ArrayLike<number>;
  private page: Float64Array | null = null;
  private used = 0;
  /** The page of the slot returned by the last take(). */
  lastPage: Float64Array = new Float64Array(0);

  /** `init`: the initial value of each of the `init.length` numbers of a slot. */
  constructor(init: ArrayLike<number>) {
    this.stride = init.length;
    this.init = init;
  }

  /** A fresh slot, initialised: its offset in `lastPage`. */
  take(): number {
    if (this.page === null || this.used === SLOTS_PER_PAGE) {
      this.page = new Float64Array(SLOTS_PER_PAGE * this.stride);
      this.used = 0;
    }
    const o = this.used++ * this.stride;
    const p = this.page;
    for (let k = 0; k < this.stride; k++) if (this.init[k] !== 0) p[o + k] = this.init[k];
    this.lastPage = p;
    return o;
  }
}

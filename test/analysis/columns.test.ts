// The columns' record locations (analysis/columns.ts): captured lengths kept only once
// one differs from the wire length, link types as runs, offsets widened past 4 GiB —
// each read back per packet as pushed.
import { describe, expect, it } from 'vitest';
import { PacketColumns } from '../../analysis/columns';

describe('PacketColumns record locations', () => {
  it('reads back offset, captured length and link type for every packet, across growth', () => {
    const c = new PacketColumns();
    const want: [number, number, number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const wire = 60 + (i % 100);
      const cap = i >= 3000 && i % 7 === 0 ? 54 : wire; // snap-length cuts from packet 3000 on
      const link = i < 2000 ? 1 : i < 2500 ? 113 : 1;
      const off = i === 4000 ? 2 ** 32 + 24 : i > 4000 ? 2 ** 32 + 24 + i * 100 : 24 + i * 100; // past 4 GiB at 4000
      c.push(i, 0, 0, wire, 0, 0, off, cap, link);
      want.push([off, cap, link, wire]);
    }
    for (let i = 0; i < want.length; i++) {
      expect([c.dataOffset[i], c.capLen(i), c.linkType(i), c.wireLen[i]]).toEqual(want[i]);
    }
    expect(c.dataOffset).toBeInstanceOf(Float64Array);
  });

  it('keeps 4-byte offsets and no captured lengths for a small capture of whole frames', () => {
    const c = new PacketColumns();
    for (let i = 0; i < 3000; i++) c.push(i, 0, 0, 100, 0, 0, 24 + i * 116, 100, 1);
    expect(c.dataOffset).toBeInstanceOf(Uint32Array);
    expect(c.capLen(2999)).toBe(100);
    expect(c.linkType(0)).toBe(1);
  });
});

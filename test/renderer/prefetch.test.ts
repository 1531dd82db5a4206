// Answers asked for ahead of a click (renderer/prefetch.ts): the flow view takes what a
// hover asked for instead of asking again — once, while fresh, and never across captures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ahead, forgetAhead, heldAhead, take } from '../../renderer/prefetch';

afterEach(() => {
  forgetAhead();
  vi.restoreAllMocks();
});

describe('asking ahead', () => {
  it('gives the view the answer asked for ahead, once, without asking again', async () => {
    const load = vi.fn(async () => ({ id: 7 }));
    ahead('flow:7', load);
    ahead('flow:7', load); // (a second hover on the same row asks nothing more)
    expect(load).toHaveBeenCalledTimes(1);
    const other = vi.fn(async () => ({ id: -1 }));
    expect(await take('flow:7', other)).toEqual({ id: 7 });
    expect(other).not.toHaveBeenCalled();
    // used up: the next open asks for itself
    expect(await take('flow:7', other)).toEqual({ id: -1 });
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('asks for itself what was not asked ahead, or was asked too long ago', async () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    ahead('timeline:3:600', async () => 'old');
    now += 60_000;
    expect(await take('timeline:3:600', async () => 'new')).toBe('new');
    expect(await take('timeline:4:600', async () => 'own')).toBe('own');
  });

  it('forgets every answer when another capture opens, and holds a bounded number', async () => {
    for (let i = 0; i < 100; i++) ahead(`flow:${i}`, async () => i);
    expect(heldAhead()).toBeLessThanOrEqual(32);
    // the newest are the ones kept
    expect(await take('flow:99', async () => -1)).toBe(99);
    expect(await take('flow:0', async () => -1)).toBe(-1);
    forgetAhead();
    expect(heldAhead()).toBe(0);
    expect(await take('flow:98', async () => -1)).toBe(-1);
  });

  it('drops an answer that failed, so that the view asks again', async () => {
    ahead('flow:5', async () => {
      throw new Error('gone');
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(await take('flow:5', async () => 'again')).toBe('again');
  });

  it('keeps an answer asked for again after an earlier one under the same key failed late', async () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    let fail!: (e: Error) => void;
    ahead('flow:6', () => new Promise((_, no) => (fail = no)));
    now += 60_000; // the first is stale: a new hover asks again
    ahead('flow:6', async () => 'second');
    fail(new Error('late'));
    await new Promise((r) => setTimeout(r, 0));
    expect(await take('flow:6', async () => 'own')).toBe('second');
  });
});

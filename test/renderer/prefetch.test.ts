// Answers asked for ahead of a click (renderer/prefetch.ts): the flow view takes what a
// hover asked for instead of asking again — once, while fresh, and never across captures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ahead, forgetAhead, heldAhead, peekAhead, take, whenAhead } from '../../renderer/prefetch';

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

describe('opening once the answers are in', () => {
  it('shows an answer that has come, without using it up, and nothing before it comes', async () => {
    let give!: (v: { id: number }) => void;
    ahead('flow:8', () => new Promise((r) => (give = r)));
    expect(peekAhead('flow:8')).toBeNull();
    give({ id: 8 });
    await new Promise((r) => setTimeout(r, 0));
    expect(peekAhead('flow:8')).toEqual({ value: { id: 8 } });
    expect(peekAhead('flow:8')).toEqual({ value: { id: 8 } });
    // still there for the view's own take
    expect(await take('flow:8', async () => ({ id: -1 }))).toEqual({ id: 8 });
    expect(peekAhead('flow:8')).toBeNull();
  });

  it('shows no answer that failed, nor one asked for too long ago', async () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    ahead('flow:9', async () => {
      throw new Error('gone');
    });
    ahead('timeline:9:600', async () => 'tl');
    await new Promise((r) => setTimeout(r, 0));
    expect(peekAhead('flow:9')).toBeNull();
    expect(peekAhead('timeline:9:600')).toEqual({ value: 'tl' });
    now += 60_000;
    expect(peekAhead('timeline:9:600')).toBeNull();
  });

  it('waits for every answer held under the keys, one that fails too, and nothing for a key with none', async () => {
    const gives: (() => void)[] = [];
    ahead('flow:1', () => new Promise<string>((r) => gives.push(() => r('f'))));
    ahead('packets:1:0:50', () => new Promise<string>((_, no) => gives.push(() => no(new Error('x')))));
    let done = false;
    const w = whenAhead(['flow:1', 'packets:1:0:50', 'timeline:1:600'], 10_000).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    gives[0]();
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    gives[1]();
    await w;
    expect(done).toBe(true);
    // nothing held under these: no wait at all
    let now = false;
    await Promise.race([whenAhead(['flow:77'], 10_000).then(() => (now = true)), new Promise((r) => setTimeout(r, 0))]);
    expect(now).toBe(true);
  });

  it('waits no longer than its cap for an answer that does not come', async () => {
    ahead('flow:2', () => new Promise(() => undefined));
    const t = Date.now();
    await whenAhead(['flow:2'], 30);
    const waited = Date.now() - t;
    expect(waited).toBeGreaterThanOrEqual(25);
    expect(waited).toBeLessThan(5000);
  });
});

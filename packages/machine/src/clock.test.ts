import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';

describe('virtual clock', () => {
  it('fires events in time order, ties in scheduling order, and skips cancelled ones', () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.at(30, () => seen.push('c@30'));
    c.at(10, () => seen.push('a@10'));
    c.at(10, () => seen.push('b@10'));
    const x = c.at(20, () => seen.push('x@20'));
    x.cancel();
    c.at(40, () => seen.push('late'));
    c.advanceTo(35);
    expect(seen).toEqual(['a@10', 'b@10', 'c@30']);
    expect(c.now).toBe(35);
    expect(c.nextEventTime()).toBe(40);
  });

  it('lets an event schedule another that is due before the target time', () => {
    const c = new VirtualClock();
    const times: number[] = [];
    const tick = () => { times.push(c.now); if (c.now < 50) c.after(10, tick); };
    c.at(0, tick);
    c.advanceTo(100);
    expect(times).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('refuses to go back in time', () => {
    const c = new VirtualClock();
    c.advanceTo(5);
    expect(() => c.advanceTo(4)).toThrow(/cannot go back/);
  });
});

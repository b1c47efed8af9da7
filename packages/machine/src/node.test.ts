import { describe, expect, it } from 'vitest';
import { Node } from './node.js';
import type { Core } from './core.js';

describe('node scheduling', () => {
  it('runs cores in step with virtual time according to their frequencies', () => {
    const node = new Node({ cores: [{ freqHz: 1e9 }, { freqHz: 250e6 }], memory: 1 << 20, quantumNs: 1000 });
    const executed = [0, 0];
    for (const core of node.cores) {
      core.driver = {
        runSlice(c: Core, budget: number) {
          executed[c.id] += budget;
          c.cpu.icount += budget;
          return 'ran';
        },
      };
    }
    const out = node.run({ untilNs: 1_000_000 });
    expect(out.kind).toBe('time-limit');
    expect(node.clock.now).toBe(1_000_000);
    expect(executed).toEqual([1_000_000, 250_000]);
  });

  it('skips idle time to the next event and reports a deadlock when nothing can happen', () => {
    const node = new Node({ cores: 1, memory: 1 << 20 });
    let wakeups = 0;
    let idle = false;
    node.clock.at(5_000_000, () => { idle = false; wakeups++; });
    node.cores[0].driver = { runSlice: () => { if (idle) return 'idle'; idle = true; return 'ran'; } };
    const out = node.run();
    expect(wakeups).toBe(1);
    expect(out).toEqual({ kind: 'deadlock', reason: 'every core is idle and no event is pending' });
    // Woken at 5 ms, the core ran one 1 ms quantum before halting again.
    expect(node.clock.now).toBe(6_000_000);
  });

  it('derives each core\'s TSC from virtual time', () => {
    const node = new Node({ cores: 1, memory: 1 << 20, tscHz: 2e9, freqHz: 1e9 });
    const core = node.cores[0];
    core.beginSlice(1000);
    core.cpu.icount += 500;
    expect(core.localTimeNs()).toBe(1500);
    expect(core.tsc()).toBe(3000);
  });
});

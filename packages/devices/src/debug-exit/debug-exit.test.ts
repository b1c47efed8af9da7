import { describe, expect, it } from 'vitest';
import { DebugExit } from './debug-exit.js';

describe('debug exit port', () => {
  it('reports the low byte written as the exit status', () => {
    const seen: number[] = [];
    const d = new DebugExit('exit', (s) => seen.push(s));
    expect(d.status).toBeUndefined();
    d.ioWrite(0, 4, 0x1234);
    expect(seen).toEqual([0x34]);
    expect(d.status).toBe(0x34);
    const e = new DebugExit();
    e.loadState(d.saveState());
    expect(e.status).toBe(0x34);
  });
});

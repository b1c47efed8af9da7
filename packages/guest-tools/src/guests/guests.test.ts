import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseElf64, PT } from '../elf/index.js';
import { buildDemoKernel, DEMO_KERNEL_BASE } from './demo-kernel.js';
import { buildHelloElf } from './hello.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('guests built from this repository', () => {
  it('are reproducible: the same source gives the same bytes', () => {
    expect(sha(buildDemoKernel())).toBe(sha(buildDemoKernel()));
    expect(sha(buildHelloElf(3))).toBe(sha(buildHelloElf(3)));
    expect(sha(buildHelloElf(3))).not.toBe(sha(buildHelloElf(4)));
  });

  it('are valid ELF64 executables at their documented addresses', () => {
    const k = parseElf64(buildDemoKernel());
    expect(k.entry).toBe(DEMO_KERNEL_BASE);
    const load = k.phdrs.find((p) => p.type === PT.LOAD)!;
    expect(load.paddr).toBe(DEMO_KERNEL_BASE);
    // Code and the data the kernel writes sit on different pages.
    expect(load.filesz).toBeGreaterThan(4096 + 10000);
    const h = parseElf64(buildHelloElf());
    expect(h.entry).toBe(0x401000);
    expect(h.interp).toBeUndefined();
  });
});

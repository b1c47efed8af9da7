// Serval alone (QEMU does not check these; see kernels/sdm64.ts), against the SDM's outcomes.
import { beforeAll, describe, expect, it } from 'vitest';
import { type RunLog, runServal, section } from './harness.js';
import { sdm64Kernel } from './kernels/sdm64.js';

const GP0 = 'exc=0d ec=00000000 rip=L+00000000 cs=0010 fl=00000887 sp=0000000000190000 ss=0018 frame=000000000018ffd8 if=0';

describe('sdm64: control-register and EFER checks QEMU does not make, on Serval', () => {
  let log: RunLog;
  beforeAll(() => { log = runServal(sdm64Kernel().image, 'sdm64'); });
  const expectLine = (tag: string, rest: string) => expect(section(log, `${tag}:`)).toEqual([`${tag}: ${rest}`]);

  it('runs to its end', () => {
    expect(log.error).toBeUndefined();
    expect(log.lines.at(-1)).toBe('done');
  });
  it('MOV to CR4: #GP(0) for clearing PAE in long mode, reserved bits, bits whose feature CPUID lacks', () => {
    for (const t of ['pae-off-in-long-mode', 'reserved-bit-15', 'smep-without-cpuid', 'high-bit']) expectLine(`sdm.cr4.${t}`, GP0);
    expectLine('sdm.cr4.pge-on', 'ok');
  });
  it('MOV to CR0: #GP(0) for PG without PE, NW without CD, bits 63:32, paging off in 64-bit mode', () => {
    for (const t of ['pg-without-pe', 'nw-without-cd', 'high-bit', 'paging-off-in-64-bit-mode']) expectLine(`sdm.cr0.${t}`, GP0);
    expectLine('sdm.cr0.wp-on', 'ok');
  });
  it('MOV to CR3 and CR8: #GP(0) for reserved bits (63:MAXPHYADDR without PCIDE; 63:4)', () => {
    expectLine('sdm.cr3.bit-52', GP0);
    expectLine('sdm.cr3.bit-40', GP0);
    expectLine('sdm.cr8.reserved', GP0);
    expectLine('sdm.cr8.tpr', 'ok');
  });
  it('WRMSR to EFER: #GP(0) for a reserved bit', () => {
    expectLine('sdm.efer.reserved-bit-1', GP0);
  });
  it('WRMSR of a non-canonical address to GS_BASE, KERNEL_GS_BASE, LSTAR: #GP(0)', () => {
    for (const t of ['gs-base', 'kernel-gs-base', 'lstar']) expectLine(`sdm.msr.${t}-noncanonical`, GP0);
  });
  it('SYSCALL in compatibility mode: #UD (Intel)', () => {
    expectLine('sdm.syscall.compat-mode', 'exc=06 rip=L+00000000 cs=0008 fl=00000887 sp=0000000000190000 ss=0018 frame=000000000018ffd8 if=0');
  });
  it('WRMSR to EFER: #GP(0) for changing LME while paging is on', () => {
    expectLine('sdm.efer.lme-off-with-paging', GP0);
  });
});

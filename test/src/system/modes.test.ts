import { expect, it } from 'vitest';
import { section, systemSuite } from './harness.js';
import { modesKernel } from './kernels/modes.js';

systemSuite('modes', modesKernel, ({ agree, qemu }) => {
  agree('pm32', '32-bit protected mode at the multiboot entry, again after real mode, and after leaving long mode');
  agree('rm', '16-bit real mode: segment arithmetic, a 2-byte push, INT and IRET through the IVT');
  agree('lm64', 'long mode: EFER.LMA, CR0/CR4, 64-bit code after the far jump, and again after compatibility mode');
  agree('compat', 'compatibility mode: 32-bit code under EFER.LMA');
  it('QEMU shows the modes the architecture defines (the reference itself is sane)', () => {
    expect(section(qemu(), 'lm64:')[0]).toMatch(/^lm64: inc=1 push=8 efer=0d01 cr0=80000011 cr4=00000020 cs=0010$/);
    expect(section(qemu(), 'compat:')[0]).toMatch(/^compat: inc=0 push=4 efer=0d01 cs=0008$/);
    expect(section(qemu(), 'pm32.left:')[0]).toBe('pm32.left: efer=0901 efer=0801 cr0=00000011 inc=0 push=4');
  });
});

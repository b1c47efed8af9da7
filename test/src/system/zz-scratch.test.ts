import { it } from 'vitest';
import { paging64Kernel } from './kernels/paging64.js';
import { runQemu, runServal } from './harness.js';
it('scratch', async () => {
  const k = paging64Kernel();
  const q = await runQemu(k.image, 'p');
  const s = runServal(k.image, 'p');
  console.log('QEMU', q.status, q.error, '\n' + q.lines.join('\n'));
  console.log('SERVAL', s.status, s.error, '\n' + s.lines.join('\n'));
});

// busybox sha256sum of a deterministic file: Serval (in-memory root), natively, qemu-x86_64.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node } from '@serval/machine';
import { BufferedHostIo, Lwk, MemFs } from '@serval/lwk';
import { BUSYBOX, external, record, report, skipped, type Runs } from './common.js';

export function sha256Bench(mb: number, reps: number, dir: string): void {
  const title = `busybox sha256sum ${mb} MiB`;
  if (!existsSync(BUSYBOX)) return skipped(title, 'run scripts/fetch-debian.sh for busybox-static');
  const data = new Uint8Array(mb * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < data.length; i++) { x = (Math.imul(x, 1103515245) + 12345) | 0; data[i] = x >>> 24; }
  const file = join(dir, 'data.bin');
  writeFileSync(file, data);
  const bb = readFileSync(BUSYBOX);
  const runs: Runs = {};
  let instructions = 0;
  for (let i = 0; i < reps; i++) {
    const fs = new MemFs();
    fs.addFile('/data.bin', data);
    const node = new Node({ cores: 1, memory: (mb + 256) * 1024 * 1024 });
    const io = new BufferedHostIo();
    const lwk = new Lwk(node, { io, fs });
    lwk.spawn(bb, { argv: ['sha256sum', '/data.bin'], path: '/bin/busybox' });
    const t0 = process.hrtime.bigint();
    lwk.run();
    record(runs, { name: 'serval', seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: 0 });
    instructions = node.cores[0].cpu.icount;
    record(runs, external('native', BUSYBOX, ['sha256sum', file]));
    record(runs, external('qemu-x86_64', 'qemu-x86_64', [BUSYBOX, 'sha256sum', file]));
  }
  report(title, instructions, runs);
}

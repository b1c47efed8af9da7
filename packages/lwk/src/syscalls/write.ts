import { E } from '../errno.js';
import { int, type Syscall } from './context.js';

export const write: Syscall = {
  nr: 1,
  name: 'write',
  handler(ctx, [fd, buf, count]) {
    const f = ctx.task.files.get(int(fd));
    if (!f) return -E.BADF;
    if (count === 0) return 0;
    const bytes = ctx.readUser(buf, Math.min(count, 1 << 24));
    if (!bytes) return -E.FAULT;
    return f.write(bytes);
  },
};

export const writev: Syscall = {
  nr: 20,
  name: 'writev',
  handler(ctx, [fd, iov, iovcnt]) {
    const f = ctx.task.files.get(int(fd));
    if (!f) return -E.BADF;
    if (int(iovcnt) < 0 || int(iovcnt) > 1024) return -E.INVAL;
    const vec = ctx.readUser(iov, 16 * int(iovcnt));
    if (!vec) return -E.FAULT;
    const dv = new DataView(vec.buffer, vec.byteOffset);
    let total = 0;
    for (let i = 0; i < int(iovcnt); i++) {
      const base = dv.getUint32(i * 16 + 4, true) * 4294967296 + dv.getUint32(i * 16, true);
      const len = dv.getUint32(i * 16 + 8, true);
      if (!len) continue;
      const bytes = ctx.readUser(base, len);
      if (!bytes) return total || -E.FAULT;
      const n = f.write(bytes);
      if (n < 0) return total || n;
      total += n;
    }
    return total;
  },
};

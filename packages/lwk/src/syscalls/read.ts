import { E } from '../errno.js';
import { int, type Syscall } from './context.js';

export const read: Syscall = {
  nr: 0,
  name: 'read',
  handler(ctx, [fd, buf, count]) {
    const f = ctx.task.files.get(int(fd));
    if (!f) return -E.BADF;
    if (count === 0) return 0;
    const r = f.read(Math.min(count, 1 << 20));
    if (typeof r === 'number') return r;
    if (!ctx.writeUser(buf, r)) return -E.FAULT;
    return r.length;
  },
};

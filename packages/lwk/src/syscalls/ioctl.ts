import { E } from '../errno.js';
import { int, type Syscall } from './context.js';

const TCGETS = 0x5401, TIOCGWINSZ = 0x5413;

export const ioctl: Syscall = {
  nr: 16,
  name: 'ioctl',
  handler(ctx, [fd, req, arg]) {
    const f = ctx.task.files.get(int(fd));
    if (!f) return -E.BADF;
    if (!f.isatty()) return -E.NOTTY;
    switch (req) {
      case TCGETS: {
        // A cooked terminal: ICRNL | OPOST | ONLCR | ICANON | ECHO | ISIG, CS8 | CREAD, B38400.
        const t = new Uint8Array(60);
        const dv = new DataView(t.buffer);
        dv.setUint32(0, 0x100, true); dv.setUint32(4, 0x5, true); dv.setUint32(8, 0xbf, true); dv.setUint32(12, 0x8a3b, true);
        return ctx.writeUser(arg, t) ? 0 : -E.FAULT;
      }
      case TIOCGWINSZ: {
        const w = new Uint8Array(8);
        new DataView(w.buffer).setUint16(0, 24, true);
        new DataView(w.buffer).setUint16(2, 80, true);
        return ctx.writeUser(arg, w) ? 0 : -E.FAULT;
      }
      default: return -E.NOTTY;
    }
  },
};

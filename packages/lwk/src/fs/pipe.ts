// Pipes: a bounded buffer with reader and writer counts. Reading an empty pipe blocks while a
// writer exists (EOF after the last one); writing with no reader is EPIPE (and SIGPIPE).
import { E } from '../errno.js';
import type { FileImpl, OpenFile } from './file.js';
import { S_IFIFO, type Stat } from './types.js';

export const PIPE_CAPACITY = 65536;

export class Pipe {
  private buf = new Uint8Array(PIPE_CAPACITY);
  private head = 0;
  private len = 0;
  readers = 0;
  writers = 0;
  constructor(readonly ino: number) {}

  get available(): number { return this.len; }
  get space(): number { return PIPE_CAPACITY - this.len; }

  take(max: number): Uint8Array {
    const n = Math.min(max, this.len);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.buf[(this.head + i) % PIPE_CAPACITY];
    this.head = (this.head + n) % PIPE_CAPACITY;
    this.len -= n;
    return out;
  }

  put(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, this.space);
    for (let i = 0; i < n; i++) this.buf[(this.head + this.len + i) % PIPE_CAPACITY] = bytes[i];
    this.len += n;
    return n;
  }
}

function pipeStat(p: Pipe): Stat {
  return { dev: 0xc, ino: p.ino, mode: S_IFIFO | 0o600, nlink: 1, uid: 1000, gid: 1000, rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0, mtimeNs: 0, ctimeNs: 0 };
}

export function pipeEnd(p: Pipe, reading: boolean): FileImpl {
  if (reading) p.readers++; else p.writers++;
  return {
    kind: 'pipe',
    seekable: false,
    read(f: OpenFile, max: number) {
      if (!reading) return -E.BADF;
      if (p.available) return p.take(max);
      if (p.writers === 0) return new Uint8Array(0);
      return f.nonblock ? -E.AGAIN : 'block';
    },
    write(f: OpenFile, bytes: Uint8Array) {
      if (reading) return -E.BADF;
      if (p.readers === 0) return -E.PIPE;
      // Writes of up to PIPE_BUF (4096) bytes are atomic: all or nothing.
      if (p.space === 0 || (bytes.length <= 4096 && p.space < bytes.length)) return f.nonblock ? -E.AGAIN : 'block';
      return p.put(bytes);
    },
    stat: () => pipeStat(p),
    readReady: () => p.available > 0 || p.writers === 0,
    writeReady: () => p.space > 0 || p.readers === 0,
    release() { if (reading) p.readers--; else p.writers--; },
  };
}

// Character devices and the host console. /dev is synthetic (the same on every host, so runs
// repeat); the console forwards to the host's standard streams (HostIo).
import { E } from '../errno.js';
import type { HostIo } from '../host-io.js';
import type { FileImpl, OpenFile } from './file.js';
import { S_IFCHR, S_IFREG, type Stat } from './types.js';

function chrStat(rdev: number, ino: number, mode = 0o666): Stat {
  return { dev: 0x5, ino, mode: S_IFCHR | mode, nlink: 1, uid: 0, gid: 0, rdev, size: 0, blksize: 4096, blocks: 0, atimeNs: 0, mtimeNs: 0, ctimeNs: 0 };
}

function device(rdev: number, ino: number, read: (max: number) => Uint8Array, write: (b: Uint8Array) => number, tty = false): FileImpl {
  return {
    kind: 'chr', seekable: true,
    read: (_f: OpenFile, max: number) => read(max),
    write: (_f: OpenFile, b: Uint8Array) => write(b),
    stat: () => chrStat(rdev, ino, tty ? 0o620 : 0o666),
    readReady: () => true, writeReady: () => true, release() {},
    isatty: () => tty,
  };
}

/** xorshift-based bytes: /dev/urandom and getrandom are seeded, so runs repeat exactly. */
export class Entropy {
  private x: number;
  constructor(seed: number) { this.x = seed | 0 || 0x9e3779b9; }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let x = this.x;
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      this.x = x;
      out[i] = x & 0xff;
    }
    return out;
  }
}

export function devNull(): FileImpl { return device(0x103, 3, () => new Uint8Array(0), (b) => b.length); }
export function devZero(): FileImpl { return device(0x105, 5, (m) => new Uint8Array(Math.min(m, 1 << 20)), (b) => b.length); }
export function devFull(): FileImpl { return device(0x107, 7, (m) => new Uint8Array(Math.min(m, 1 << 20)), () => -E.NOSPC); }
export function devRandom(e: Entropy): FileImpl { return device(0x109, 9, (m) => e.bytes(Math.min(m, 1 << 20)), (b) => b.length); }

/** The host's standard streams: fd 0 reads host stdin, fds 1 and 2 write host stdout and stderr. */
export function hostConsole(io: HostIo, hostFd: number): FileImpl {
  return {
    kind: 'chr', seekable: false,
    read: (_f: OpenFile, max: number) => (hostFd === 0 ? io.read(0, max) : -E.BADF),
    write: (_f: OpenFile, b: Uint8Array) => { if (hostFd === 0) return -E.BADF; io.write(hostFd, b); return b.length; },
    stat: () => chrStat(0x8800 + hostFd, 100 + hostFd, 0o620),
    readReady: () => true, writeReady: () => true, release() {},
    isatty: () => io.isatty(hostFd),
  };
}

/** A read-only file with fixed contents (/proc entries). */
export function textFile(text: string, ino: number): FileImpl {
  const data = new TextEncoder().encode(text);
  return {
    kind: 'file', seekable: true,
    read(f: OpenFile, max: number) { const b = data.slice(f.pos, f.pos + max); f.pos += b.length; return b; },
    write: () => -E.ACCES,
    stat: () => ({ dev: 0x4, ino, mode: S_IFREG | 0o444, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0, mtimeNs: 0, ctimeNs: 0 }),
    readReady: () => true, writeReady: () => false, release() {},
    size: () => data.length,
  };
}

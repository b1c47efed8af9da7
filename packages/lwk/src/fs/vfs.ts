// The file namespace a process sees: a root file system plus the synthetic /dev and /proc.
import { E } from '../errno.js';
import type { FileImpl, OpenFile as OpenFileT } from './file.js';
import { OpenFile } from './file.js';
import { Entropy, devFull, devNull, devRandom, devZero, textFile } from './special.js';
import { type FileSystem, type FsHandle, O, S_IFDIR, S_IFMT, type Stat, join } from './types.js';

/** What /proc/self needs to know about the calling process. */
export interface ProcView {
  pid: number;
  exe: string;
  /** The text of /proc/self/maps. */
  maps(): string;
  fdPath(fd: number): string | undefined;
  cpus: number;
  memTotal: number;
  memFree: number;
}

export function regularFile(h: FsHandle, st: Stat): FileImpl {
  const dir = (st.mode & S_IFMT) === S_IFDIR;
  return {
    kind: dir ? 'dir' : 'file', seekable: true,
    read(f: OpenFileT, max: number) {
      const buf = new Uint8Array(Math.min(max, 1 << 24));
      const n = h.read(buf, f.pos);
      if (n < 0) return n;
      f.pos += n;
      return buf.subarray(0, n);
    },
    write(f: OpenFileT, b: Uint8Array) {
      if (f.flags & O.APPEND) f.pos = h.size();
      const n = h.write(b, f.pos);
      if (n > 0) f.pos += n;
      return n;
    },
    stat: () => h.stat(),
    readReady: () => true, writeReady: () => true,
    release: () => h.close(),
    size: () => h.size(),
    truncate: (len: number) => h.truncate(len),
    readdir: h.readdir ? () => h.readdir!() : undefined,
  };
}

const DEV = ['null', 'zero', 'full', 'random', 'urandom'];

export class Vfs {
  readonly entropy: Entropy;
  constructor(readonly root: FileSystem, seed = 1) {
    this.entropy = new Entropy(seed);
  }

  private dev(name: string): FileImpl | undefined {
    switch (name) {
      case 'null': return devNull();
      case 'zero': return devZero();
      case 'full': return devFull();
      case 'random': case 'urandom': return devRandom(this.entropy);
      default: return undefined;
    }
  }

  private proc(path: string, p: ProcView): FileImpl | string | number | undefined {
    // /proc/<own pid>/... is /proc/self/...; other processes' entries are not offered.
    const own = `/proc/${p.pid}/`;
    if (path.startsWith(own)) path = `/proc/self/${path.slice(own.length)}`;
    else if (/^\/proc\/\d+(\/|$)/.test(path)) return -E.NOENT; // never the host's processes
    if (path === '/proc/self/exe') return p.exe;
    if (path === '/proc/self/maps') return textFile(p.maps(), 0x1003);
    const fd = /^\/proc\/self\/fd\/(\d+)$/.exec(path);
    if (fd) return p.fdPath(Number(fd[1])) ?? -E.NOENT;
    if (path === '/proc/cpuinfo') {
      return textFile(Array.from({ length: p.cpus }, (_, i) => `processor\t: ${i}\nvendor_id\t: ServalServal\nmodel name\t: Serval virtual x86-64 CPU\nflags\t\t: fpu tsc msr pae cx8 apic mtrr pge cmov pat clflush mmx fxsr sse sse2 syscall nx lm\n\n`).join(''), 0x1001);
    }
    if (path === '/proc/meminfo') return textFile(`MemTotal:       ${Math.floor(p.memTotal / 1024)} kB\nMemFree:        ${Math.floor(p.memFree / 1024)} kB\n`, 0x1002);
    return undefined;
  }

  /** Opens `path` (relative to `cwd`) into a new open file description, or -errno. */
  open(cwd: string, path: string, flags: number, mode: number, p: ProcView): OpenFileT | number {
    if (path === '') return -E.NOENT;
    const abs = join(cwd, path);
    if (abs.startsWith('/dev/') && DEV.includes(abs.slice(5))) return new OpenFile(this.dev(abs.slice(5))!, flags, abs);
    if (abs.startsWith('/proc/')) {
      const r = this.proc(abs, p);
      if (typeof r === 'number') return r;
      if (typeof r === 'string') return this.open('/', r, flags, mode, p);
      if (r) return new OpenFile(r, flags, abs);
    }
    const h = this.root.open(abs, flags, mode);
    if (typeof h === 'number') return h;
    return new OpenFile(regularFile(h, h.stat()), flags, abs);
  }

  stat(cwd: string, path: string, follow: boolean, p: ProcView): Stat | number {
    const abs = join(cwd, path);
    if (abs.startsWith('/dev/') && DEV.includes(abs.slice(5))) return this.dev(abs.slice(5))!.stat();
    if (abs.startsWith('/proc/')) {
      const r = this.proc(abs, p);
      if (typeof r === 'number') return r;
      if (typeof r === 'string') return follow ? this.stat('/', r, true, p) : { ...this.dev('null')!.stat(), mode: 0o120777 };
      if (r) return r.stat();
    }
    return this.root.stat(abs, follow);
  }

  readlink(cwd: string, path: string, p: ProcView): string | number {
    const abs = join(cwd, path);
    if (abs.startsWith('/proc/')) {
      const r = this.proc(abs, p);
      if (typeof r === 'string' || typeof r === 'number') return r;
    }
    return this.root.readlink(abs);
  }
}

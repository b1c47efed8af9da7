// The host's files as the LWK's root file system (serval run's default, as with qemu-user), or a
// host directory as a private root (--root DIR). Synchronous node:fs calls: the simulation waits
// for the host's disk like a guest would wait for its own.
import * as fs from 'node:fs';
import { Errno, type DirEntry, type FileSystem, type FsHandle, type Stat, fileType, normalize } from '@serval/lwk';

const ERRNO: Record<string, number> = {
  ENOENT: Errno.NOENT, EACCES: Errno.ACCES, EPERM: Errno.PERM, EEXIST: Errno.EXIST, ENOTDIR: Errno.NOTDIR,
  EISDIR: Errno.ISDIR, ENOTEMPTY: Errno.NOTEMPTY, EINVAL: Errno.INVAL, ELOOP: Errno.LOOP, EXDEV: Errno.XDEV,
  ENAMETOOLONG: Errno.NAMETOOLONG, EBADF: Errno.BADF, ENOSPC: Errno.NOSPC, EROFS: Errno.ROFS, EMFILE: Errno.MFILE,
  EBUSY: Errno.BUSY, ENOTSUP: Errno.NOTSUP, EFBIG: Errno.FBIG, EIO: Errno.IO,
};

function errno(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return -(ERRNO[code] ?? Errno.IO);
}

function toStat(s: fs.BigIntStats): Stat {
  const ns = (v: bigint) => Number(v);
  return {
    dev: Number(s.dev), ino: Number(s.ino & 0xffffffffffffn), mode: Number(s.mode), nlink: Number(s.nlink),
    uid: 1000, gid: 1000, rdev: Number(s.rdev), size: Number(s.size), blksize: Number(s.blksize), blocks: Number(s.blocks),
    atimeNs: ns(s.atimeNs), mtimeNs: ns(s.mtimeNs), ctimeNs: ns(s.ctimeNs),
  };
}

/** Linux open(2) flags the host may see (O_CLOEXEC and the like stay with the LWK's descriptor). */
const HOST_FLAGS = 0o3 | 0o100 | 0o200 | 0o1000 | 0o2000 | 0o200000 | 0o400000;

export class HostFs implements FileSystem {
  readonly name = 'hostfs';
  constructor(private readonly root = '/') {}

  private host(path: string): string {
    const p = normalize(path);
    return this.root === '/' ? p : `${this.root.replace(/\/$/, '')}${p}`;
  }

  private run(fn: () => void): number {
    try { fn(); return 0; } catch (e) { return errno(e); }
  }

  stat(path: string, follow: boolean): Stat | number {
    try { return toStat(follow ? fs.statSync(this.host(path), { bigint: true }) : fs.lstatSync(this.host(path), { bigint: true })); } catch (e) { return errno(e); }
  }

  readlink(path: string): string | number {
    try { return fs.readlinkSync(this.host(path)); } catch (e) { return errno(e); }
  }

  open(path: string, flags: number, mode: number): FsHandle | number {
    const hp = this.host(path);
    let st: fs.BigIntStats;
    try {
      if ((flags & 0o100) === 0 || fs.existsSync(hp)) {
        st = fs.statSync(hp, { bigint: true });
        if (st.isDirectory()) return this.dir(hp, st, flags);
      }
    } catch (e) {
      return errno(e);
    }
    let fd: number;
    try {
      fd = fs.openSync(hp, flags & HOST_FLAGS, mode & 0o7777);
    } catch (e) {
      return errno(e);
    }
    return {
      stat: () => toStat(fs.fstatSync(fd, { bigint: true })),
      read(buf, pos) { try { return fs.readSync(fd, buf, 0, buf.length, pos); } catch (e) { return errno(e); } },
      write(buf, pos) { try { return fs.writeSync(fd, buf, 0, buf.length, pos); } catch (e) { return errno(e); } },
      truncate(len) { try { fs.ftruncateSync(fd, len); return 0; } catch (e) { return errno(e); } },
      size: () => Number(fs.fstatSync(fd, { bigint: true }).size),
      close() { try { fs.closeSync(fd); } catch { /* already closed */ } },
    };
  }

  private dir(hp: string, st: fs.BigIntStats, flags: number): FsHandle | number {
    if ((flags & 3) !== 0) return -Errno.ISDIR;
    return {
      stat: () => toStat(st),
      read: () => -Errno.ISDIR,
      write: () => -Errno.ISDIR,
      truncate: () => -Errno.ISDIR,
      size: () => 4096,
      readdir(): DirEntry[] | number {
        try {
          const entries: DirEntry[] = [{ name: '.', ino: Number(st.ino & 0xffffffffffffn), type: 4 }, { name: '..', ino: 2, type: 4 }];
          for (const d of fs.readdirSync(hp, { withFileTypes: true })) {
            let ino = 0;
            try { ino = Number(fs.lstatSync(`${hp}/${d.name}`, { bigint: true }).ino & 0xffffffffffffn); } catch { /* raced away */ }
            const mode = d.isDirectory() ? 0o040000 : d.isSymbolicLink() ? 0o120000 : d.isCharacterDevice() ? 0o020000 : d.isFIFO() ? 0o010000 : 0o100000;
            entries.push({ name: d.name, ino, type: fileType(mode) });
          }
          return entries;
        } catch (e) {
          return errno(e);
        }
      },
      close() {},
    };
  }

  mkdir(path: string, mode: number): number { return this.run(() => fs.mkdirSync(this.host(path), mode)); }
  rmdir(path: string): number { return this.run(() => fs.rmdirSync(this.host(path))); }
  unlink(path: string): number { return this.run(() => fs.unlinkSync(this.host(path))); }
  rename(a: string, b: string): number { return this.run(() => fs.renameSync(this.host(a), this.host(b))); }
  symlink(target: string, path: string): number { return this.run(() => fs.symlinkSync(target, this.host(path))); }
  link(a: string, b: string): number { return this.run(() => fs.linkSync(this.host(a), this.host(b))); }
  chmod(path: string, mode: number): number { return this.run(() => fs.chmodSync(this.host(path), mode & 0o7777)); }
  truncate(path: string, len: number): number { return this.run(() => fs.truncateSync(this.host(path), len)); }
  utimens(path: string, atimeNs: number, mtimeNs: number): number {
    return this.run(() => fs.utimesSync(this.host(path), atimeNs / 1e9, mtimeNs / 1e9));
  }
}

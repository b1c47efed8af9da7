// File-system interfaces of the LWK. A FileSystem serves absolute, normalized paths; the host's
// files (serval run's default, like qemu-user), an in-memory tree (--root/--initrd) and the
// synthetic /dev and /proc all implement it. Failures are negative errno values, as the syscall
// layer returns them.

export const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000,
  S_IFCHR = 0o020000, S_IFIFO = 0o010000, S_IFSOCK = 0o140000, S_IFBLK = 0o060000;
export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

export const O = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000,
  APPEND: 0o2000, NONBLOCK: 0o4000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000, CLOEXEC: 0o2000000,
  PATH: 0o10000000, TMPFILE: 0o20200000,
} as const;

export interface Stat {
  dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number; rdev: number;
  size: number; blksize: number; blocks: number; atimeNs: number; mtimeNs: number; ctimeNs: number;
}

export interface DirEntry { name: string; ino: number; type: number }

/** An open regular file or directory of a FileSystem. */
export interface FsHandle {
  stat(): Stat;
  /** Bytes read at `pos`, or -errno. */
  read(buf: Uint8Array, pos: number): number;
  write(buf: Uint8Array, pos: number): number;
  truncate(len: number): number;
  size(): number;
  /** Directory entries (directories only). */
  readdir?(): DirEntry[] | number;
  close(): void;
}

export interface FileSystem {
  readonly name: string;
  stat(path: string, follow: boolean): Stat | number;
  readlink(path: string): string | number;
  open(path: string, flags: number, mode: number): FsHandle | number;
  mkdir(path: string, mode: number): number;
  rmdir(path: string): number;
  unlink(path: string): number;
  rename(from: string, to: string): number;
  symlink(target: string, path: string): number;
  link(from: string, to: string): number;
  chmod(path: string, mode: number): number;
  truncate(path: string, len: number): number;
  utimens(path: string, atimeNs: number, mtimeNs: number): number;
}

export function fileType(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFDIR: return DT.DIR;
    case S_IFLNK: return DT.LNK;
    case S_IFCHR: return DT.CHR;
    case S_IFIFO: return DT.FIFO;
    case S_IFSOCK: return DT.SOCK;
    case S_IFBLK: return DT.BLK;
    default: return DT.REG;
  }
}

/** Lexical normalization of an absolute path: no `.`, `..`, empty or trailing components. */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop(); else out.push(part);
  }
  return `/${out.join('/')}`;
}

export function join(cwd: string, path: string): string {
  return normalize(path.startsWith('/') ? path : `${cwd}/${path}`);
}

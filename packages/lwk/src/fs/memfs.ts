// An in-memory file system: the private root a job gets with --root or --initrd. Inodes with
// link counts, directories, symlinks (followed up to 40 deep, as Linux does), files that grow.
import { E } from '../errno.js';
import { type DirEntry, type FileSystem, type FsHandle, O, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type Stat, fileType } from './types.js';

interface Inode {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  mtimeNs: number;
  data: Uint8Array;
  size: number;
  children?: Map<string, Inode>;
  parent?: Inode;
  target?: string;
}

const MAX_LINKS = 40;

export class MemFs implements FileSystem {
  readonly name = 'memfs';
  private nextIno = 2;
  readonly root: Inode;

  constructor(private readonly now: () => number = () => 0) {
    this.root = this.node(S_IFDIR | 0o755);
    this.root.parent = this.root;
    this.root.nlink = 2;
  }

  private node(mode: number): Inode {
    const n: Inode = { ino: this.nextIno++, mode, nlink: 1, uid: 0, gid: 0, mtimeNs: this.now(), data: new Uint8Array(0), size: 0 };
    if ((mode & S_IFMT) === S_IFDIR) n.children = new Map();
    return n;
  }

  /** Walks to `path`; `follow` says whether a final symlink is followed. Returns the inode or -errno. */
  private walk(path: string, follow: boolean, depth = 0): Inode | number {
    const parts = path.split('/').filter(Boolean);
    let cur = this.root;
    for (let i = 0; i < parts.length; i++) {
      if ((cur.mode & S_IFMT) !== S_IFDIR) return -E.NOTDIR;
      const name = parts[i];
      let next = name === '.' ? cur : name === '..' ? cur.parent! : cur.children!.get(name);
      if (!next) return -E.NOENT;
      const last = i === parts.length - 1;
      if ((next.mode & S_IFMT) === S_IFLNK && (!last || follow)) {
        if (depth >= MAX_LINKS) return -E.LOOP;
        const base = `/${parts.slice(0, i).join('/')}`;
        const t = next.target!;
        const r = this.walk(t.startsWith('/') ? t : `${base}/${t}`, true, depth + 1);
        if (typeof r === 'number') return r;
        next = r;
      }
      cur = next;
    }
    return cur;
  }

  private parentOf(path: string): { dir: Inode; name: string } | number {
    const i = path.lastIndexOf('/');
    const name = path.slice(i + 1);
    if (!name || name === '.' || name === '..') return -E.EXIST;
    const dir = this.walk(path.slice(0, i) || '/', true);
    if (typeof dir === 'number') return dir;
    if ((dir.mode & S_IFMT) !== S_IFDIR) return -E.NOTDIR;
    return { dir, name };
  }

  private statOf(n: Inode): Stat {
    return {
      dev: 0x801, ino: n.ino, mode: n.mode, nlink: n.nlink, uid: n.uid, gid: n.gid, rdev: 0,
      size: (n.mode & S_IFMT) === S_IFDIR ? 4096 : (n.mode & S_IFMT) === S_IFLNK ? n.target!.length : n.size,
      blksize: 4096, blocks: Math.ceil(n.size / 512), atimeNs: n.mtimeNs, mtimeNs: n.mtimeNs, ctimeNs: n.mtimeNs,
    };
  }

  stat(path: string, follow: boolean): Stat | number {
    const n = this.walk(path, follow);
    return typeof n === 'number' ? n : this.statOf(n);
  }

  readlink(path: string): string | number {
    const n = this.walk(path, false);
    if (typeof n === 'number') return n;
    return (n.mode & S_IFMT) === S_IFLNK ? n.target! : -E.INVAL;
  }

  open(path: string, flags: number, mode: number): FsHandle | number {
    let n = this.walk(path, (flags & O.NOFOLLOW) === 0);
    if (n === -E.NOENT && (flags & O.CREAT)) {
      const p = this.parentOf(path);
      if (typeof p === 'number') return p;
      n = this.node(S_IFREG | (mode & 0o7777));
      p.dir.children!.set(p.name, n);
    } else if (typeof n === 'number') {
      return n;
    } else if ((flags & O.CREAT) && (flags & O.EXCL)) {
      return -E.EXIST;
    }
    const node = n;
    const type = node.mode & S_IFMT;
    if (type === S_IFLNK) return -E.LOOP;
    if ((flags & O.DIRECTORY) && type !== S_IFDIR) return -E.NOTDIR;
    if (type === S_IFDIR && (flags & O.ACCMODE) !== O.RDONLY) return -E.ISDIR;
    if ((flags & O.TRUNC) && type === S_IFREG && (flags & O.ACCMODE) !== O.RDONLY) { node.size = 0; node.mtimeNs = this.now(); }
    return this.handle(node);
  }

  private handle(n: Inode): FsHandle {
    const fs = this;
    return {
      stat: () => fs.statOf(n),
      read(buf, pos) {
        if ((n.mode & S_IFMT) === S_IFDIR) return -E.ISDIR;
        const len = Math.max(0, Math.min(buf.length, n.size - pos));
        buf.set(n.data.subarray(pos, pos + len));
        return len;
      },
      write(buf, pos) {
        const end = pos + buf.length;
        fs.grow(n, end);
        n.data.set(buf, pos);
        if (end > n.size) n.size = end;
        n.mtimeNs = fs.now();
        return buf.length;
      },
      truncate(len) { fs.grow(n, len); if (len < n.size) n.data.fill(0, len, n.size); n.size = len; return 0; },
      size: () => n.size,
      readdir() {
        if (!n.children) return -E.NOTDIR;
        const out: DirEntry[] = [{ name: '.', ino: n.ino, type: 4 }, { name: '..', ino: n.parent!.ino, type: 4 }];
        for (const [name, c] of n.children) out.push({ name, ino: c.ino, type: fileType(c.mode) });
        return out;
      },
      close() {},
    };
  }

  private grow(n: Inode, size: number): void {
    if (size <= n.data.length) return;
    const d = new Uint8Array(Math.max(size, n.data.length * 2, 64));
    d.set(n.data.subarray(0, n.size));
    n.data = d;
  }

  mkdir(path: string, mode: number): number {
    const p = this.parentOf(path);
    if (typeof p === 'number') return p;
    if (p.dir.children!.has(p.name)) return -E.EXIST;
    const d = this.node(S_IFDIR | (mode & 0o7777));
    d.parent = p.dir;
    d.nlink = 2;
    p.dir.nlink++;
    p.dir.children!.set(p.name, d);
    return 0;
  }

  rmdir(path: string): number {
    const p = this.parentOf(path);
    if (typeof p === 'number') return p;
    const d = p.dir.children!.get(p.name);
    if (!d) return -E.NOENT;
    if ((d.mode & S_IFMT) !== S_IFDIR) return -E.NOTDIR;
    if (d.children!.size) return -E.NOTEMPTY;
    p.dir.children!.delete(p.name);
    p.dir.nlink--;
    return 0;
  }

  unlink(path: string): number {
    const p = this.parentOf(path);
    if (typeof p === 'number') return p;
    const n = p.dir.children!.get(p.name);
    if (!n) return -E.NOENT;
    if ((n.mode & S_IFMT) === S_IFDIR) return -E.ISDIR;
    p.dir.children!.delete(p.name);
    n.nlink--;
    return 0;
  }

  rename(from: string, to: string): number {
    const a = this.parentOf(from), b = this.parentOf(to);
    if (typeof a === 'number') return a;
    if (typeof b === 'number') return b;
    const n = a.dir.children!.get(a.name);
    if (!n) return -E.NOENT;
    const old = b.dir.children!.get(b.name);
    if (old && (old.mode & S_IFMT) === S_IFDIR && old.children!.size) return -E.NOTEMPTY;
    a.dir.children!.delete(a.name);
    b.dir.children!.set(b.name, n);
    if (n.children) n.parent = b.dir;
    return 0;
  }

  symlink(target: string, path: string): number {
    const p = this.parentOf(path);
    if (typeof p === 'number') return p;
    if (p.dir.children!.has(p.name)) return -E.EXIST;
    const n = this.node(S_IFLNK | 0o777);
    n.target = target;
    p.dir.children!.set(p.name, n);
    return 0;
  }

  link(from: string, to: string): number {
    const n = this.walk(from, false);
    if (typeof n === 'number') return n;
    if ((n.mode & S_IFMT) === S_IFDIR) return -E.PERM;
    const p = this.parentOf(to);
    if (typeof p === 'number') return p;
    if (p.dir.children!.has(p.name)) return -E.EXIST;
    p.dir.children!.set(p.name, n);
    n.nlink++;
    return 0;
  }

  chmod(path: string, mode: number): number {
    const n = this.walk(path, true);
    if (typeof n === 'number') return n;
    n.mode = (n.mode & S_IFMT) | (mode & 0o7777);
    return 0;
  }

  truncate(path: string, len: number): number {
    const h = this.open(path, O.WRONLY, 0);
    return typeof h === 'number' ? h : h.truncate(len);
  }

  utimens(path: string, _atimeNs: number, mtimeNs: number): number {
    const n = this.walk(path, true);
    if (typeof n === 'number') return n;
    n.mtimeNs = mtimeNs;
    return 0;
  }

  // ---- seeding (from a cpio archive or a host directory) ----

  addFile(path: string, data: Uint8Array, mode = 0o644): void {
    this.mkdirs(path.slice(0, path.lastIndexOf('/')) || '/');
    const h = this.open(path, O.CREAT | O.WRONLY | O.TRUNC, mode);
    if (typeof h === 'number') throw new Error(`memfs: cannot create ${path}: errno ${-h}`);
    h.write(data, 0);
    this.chmod(path, mode);
  }

  mkdirs(path: string): void {
    let cur = '';
    for (const part of path.split('/').filter(Boolean)) {
      cur += `/${part}`;
      const r = this.mkdir(cur, 0o755);
      if (r !== 0 && r !== -E.EXIST) throw new Error(`memfs: cannot create ${cur}: errno ${-r}`);
    }
  }
}

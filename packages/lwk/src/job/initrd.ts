// An initrd as a job's private file system (Kitten boots its init task from one): the archive is
// kept in physical memory as an 'initrd' region, and its members become an in-memory file system.
import { parseCpio } from '@serval/guest-tools';
import { MemFs } from '../fs/memfs.js';
import type { Lwk } from '../kernel.js';
import type { PmemRegion } from '../mm/pmem.js';

/** The members of a newc cpio archive as a file system (device nodes and sockets are left out). */
export function memFsFromCpio(archive: Uint8Array): { fs: MemFs; skipped: string[] } {
  const fs = new MemFs();
  const skipped: string[] = [];
  for (const m of parseCpio(archive)) {
    const path = `/${m.path}`.replace(/\/+$/, '') || '/';
    if (path === '/' || path === '/.') continue;
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    switch (m.type) {
      case 'dir': fs.mkdirs(path); fs.chmod(path, m.mode); break;
      case 'file': fs.addFile(path, m.data, m.mode); break;
      case 'symlink': fs.mkdirs(dir); fs.symlink(m.target ?? '', path); break;
      case 'hardlink': fs.mkdirs(dir); fs.link(`/${m.target}`, path); break;
      default: skipped.push(`${path} (${m.type})`);
    }
  }
  return { fs, skipped };
}

/** Keeps the archive in the node's memory, typed 'initrd' in pmem. */
export function placeInitrd(k: Lwk, archive: Uint8Array): PmemRegion {
  const r = k.pmem.alloc(Math.max(archive.length, 1), 'initrd', 'initrd');
  k.node.memory.write(r.start, archive);
  return r;
}

// Archives a host directory: a depth-first walk in sorted order (each directory before its
// contents), so the same tree always gives the same archive.
import { lstatSync, readdirSync, readFileSync, readlinkSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { ImageError } from '../errors.js';
import { buildCpio, type BuildOptions } from './build.js';
import type { CpioEntry } from './types.js';

export interface DirectoryOptions extends BuildOptions {
  /** Keep the host's owners (default: everything belongs to root, as an initramfs wants). */
  keepOwners?: boolean;
  /** Keep the host's modification times (default: options.mtime or 0, for reproducible output). */
  keepTimes?: boolean;
  /** Path inside the archive to put the directory's contents under (default: the top level). */
  prefix?: string;
}

/** The entries for everything under `hostDir` (not `hostDir` itself), in archive order. */
export function cpioEntriesFromDirectory(hostDir: string, options: DirectoryOptions = {}): CpioEntry[] {
  const entries: CpioEntry[] = [];
  const seen = new Map<string, string>(); // dev:ino of files with several links -> first path
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      throw new ImageError('HOST_IO', `cannot read directory ${dir}: ${(e as Error).message}`, { cause: e });
    }
    for (const name of names) {
      const host = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(host, { bigint: true });
      const common = {
        path, mode: Number(st.mode & 0o7777n),
        uid: options.keepOwners ? Number(st.uid) : 0, gid: options.keepOwners ? Number(st.gid) : 0,
        ...(options.keepTimes ? { mtime: Number(st.mtimeMs / 1000n) } : {}),
      };
      if (st.isDirectory()) {
        entries.push({ ...common, type: 'dir' });
        walk(host, path);
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1n ? seen.get(key) : undefined;
        if (first) {
          entries.push({ ...common, type: 'hardlink', target: first });
        } else {
          if (st.nlink > 1n) seen.set(key, path);
          entries.push({ ...common, type: 'file', data: readFileSync(host) });
        }
      } else if (st.isSymbolicLink()) {
        entries.push({ ...common, type: 'symlink', target: readlinkSync(host) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        entries.push({ ...common, type: st.isCharacterDevice() ? 'char' : 'block', ...deviceNumbers(st) });
      } else if (st.isFIFO()) {
        entries.push({ ...common, type: 'fifo' });
      }
      // Sockets are left out: they mean nothing outside the running system that made them.
    }
  };
  const prefix = options.prefix ? options.prefix.replace(/^\/+|\/+$/g, '') : '';
  walk(hostDir, prefix);
  return entries;
}

export function cpioFromDirectory(hostDir: string, options: DirectoryOptions = {}): Uint8Array {
  return buildCpio(cpioEntriesFromDirectory(hostDir, options), options);
}

/** Linux's dev_t encoding (glibc's major()/minor()): 12 bits of major and 20 of minor, split. */
function deviceNumbers(st: BigIntStats): { major: number; minor: number } {
  const d = st.rdev;
  return {
    major: Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn)),
    minor: Number((d & 0xffn) | ((d >> 12n) & ~0xffn)),
  };
}

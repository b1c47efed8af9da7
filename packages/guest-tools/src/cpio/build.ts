// Writes "newc" cpio archives deterministically: inode numbers count up from 1 in entry order,
// times and owners default to 0, so the same entries always give the same bytes.
import { ImageError } from '../errors.js';
import { DEFAULT_MODE, HEADER_SIZE, NEWC_MAGIC, S_IF, TRAILER, type CpioEntry } from './types.js';

export interface BuildOptions {
  /** mtime for entries that do not give one (default 0). */
  mtime?: number;
}

const TYPE_BITS: Record<Exclude<CpioEntry['type'], 'hardlink'>, number> = {
  dir: S_IF.DIR, file: S_IF.REG, symlink: S_IF.LNK, char: S_IF.CHR, block: S_IF.BLK, fifo: S_IF.FIFO,
};

interface Member { name: Uint8Array; fields: number[]; data: Uint8Array }

const enc = new TextEncoder();
const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** The archive path for `path`: relative, without "./", refusing ".." and empty names. */
export function normalizeCpioPath(path: string): string {
  let p = path.replace(/^\/+/, '').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (p === '' && path !== '') p = '.';
  if (p === '' || p.includes('\0') || p.split('/').some((c) => c === '..' || c === '')) {
    throw new ImageError('BAD_PATH', `cpio entry path ${JSON.stringify(path)} is not a usable relative path (empty, "..", "//" or NUL)`);
  }
  return p;
}

export function buildCpio(entries: CpioEntry[], options: BuildOptions = {}): Uint8Array {
  const paths = entries.map((e) => normalizeCpioPath(e.path));
  const index = new Map<string, number>();
  paths.forEach((p, i) => {
    if (index.has(p)) throw new ImageError('DUPLICATE_PATH', `cpio entry ${p} appears twice`);
    index.set(p, i);
  });
  // Hard links: every name of a file shares its inode and link count; the file's data goes with
  // the last name written, which is where both the kernel and GNU cpio expect it.
  const fileOf = entries.map((e, i) => (e.type === 'hardlink' ? resolveLink(entries, paths, index, i) : i));
  const links = new Map<number, number[]>();
  fileOf.forEach((f, i) => links.set(f, [...(links.get(f) ?? []), i]));
  const inode = new Map<number, number>();
  let nextIno = 1;
  const members: Member[] = entries.map((e, i) => {
    const f = fileOf[i];
    if (!inode.has(f)) inode.set(f, nextIno++);
    const group = links.get(f)!;
    const owner = entries[f];
    let data: Uint8Array = new Uint8Array(0);
    if (owner.type === 'file' && group[group.length - 1] === i) {
      data = typeof owner.data === 'string' ? enc.encode(owner.data) : owner.data;
    } else if (e.type === 'symlink') {
      if (!e.target) throw new ImageError('BAD_PATH', `symlink ${paths[i]} has an empty target`);
      data = enc.encode(e.target);
    }
    const type = e.type === 'hardlink' ? S_IF.REG : TYPE_BITS[e.type];
    // A hard link is another name for one inode: mode, owner and time are the file's.
    const meta = e.type === 'hardlink' ? owner : e;
    const mode = meta.mode ?? DEFAULT_MODE[meta.type];
    if (mode < 0 || mode > 0o7777) throw new ImageError('BAD_MODE', `cpio entry ${paths[i]} has mode 0o${mode.toString(8)}; give permission bits only (the type sets the rest)`);
    const dev = e.type === 'char' || e.type === 'block' ? [e.major, e.minor] : [0, 0];
    const fields = [
      inode.get(f)!, type | mode, meta.uid ?? 0, meta.gid ?? 0, e.type === 'dir' ? 2 : group.length,
      meta.mtime ?? options.mtime ?? 0, data.length, 0, 0, dev[0], dev[1], 0, 0,
    ];
    return { name: enc.encode(`${paths[i]}\0`), fields, data };
  });
  members.push({ name: enc.encode(`${TRAILER}\0`), fields: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], data: new Uint8Array(0) });
  return write(members);
}

function resolveLink(entries: CpioEntry[], paths: string[], index: Map<string, number>, i: number): number {
  const seen = new Set<number>();
  let j = i;
  while (entries[j].type === 'hardlink') {
    seen.add(j);
    const target = index.get(normalizeCpioPath((entries[j] as { target: string }).target));
    if (target === undefined) throw new ImageError('BAD_LINK', `hard link ${paths[i]} points at ${(entries[j] as { target: string }).target}, which is not in the archive`);
    if (seen.has(target)) throw new ImageError('BAD_LINK', `hard link ${paths[i]} is part of a cycle of hard links`);
    j = target;
  }
  if (entries[j].type !== 'file') throw new ImageError('BAD_LINK', `hard link ${paths[i]} points at ${paths[j]}, which is a ${entries[j].type}, not a regular file`);
  return j;
}

function write(members: Member[]): Uint8Array {
  let size = 0;
  for (const m of members) {
    size += HEADER_SIZE + m.name.length;
    size += pad4(size) + m.data.length;
    size += pad4(size);
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (const m of members) {
    // namesize (field 11) counts the terminating NUL; check (field 12) is 0 in newc.
    m.fields[11] = m.name.length;
    const header = NEWC_MAGIC + m.fields.map((v) => {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ImageError('FIELD_RANGE', `cpio header value ${v} does not fit in 32 bits`);
      return v.toString(16).toUpperCase().padStart(8, '0');
    }).join('');
    out.set(enc.encode(header), p);
    p += HEADER_SIZE;
    out.set(m.name, p);
    p += m.name.length;
    p += pad4(p);
    out.set(m.data, p);
    p += m.data.length;
    p += pad4(p);
  }
  return out;
}

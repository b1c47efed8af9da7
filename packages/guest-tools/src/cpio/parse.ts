// Reads "newc" cpio archives (and the "crc" variant, verifying its checksums), including several
// archives concatenated with zero padding between them, as initramfs images often are.
import { ImageError } from '../errors.js';
import { CRC_MAGIC, HEADER_SIZE, NEWC_MAGIC, S_IF, S_IFMT, TRAILER, type CpioMember, type CpioType } from './types.js';

const dec = new TextDecoder();
const TYPES: [number, CpioType][] = [
  [S_IF.REG, 'file'], [S_IF.DIR, 'dir'], [S_IF.LNK, 'symlink'], [S_IF.CHR, 'char'], [S_IF.BLK, 'block'], [S_IF.FIFO, 'fifo'], [S_IF.SOCK, 'socket'],
];

/**
 * The members of the archive in order. Hard links come back as the first name of each file with
 * type 'file' and the file's data, and every further name as type 'hardlink' naming the first.
 */
export function parseCpio(b: Uint8Array): CpioMember[] {
  const members: CpioMember[] = [];
  let p = 0;
  for (;;) {
    if (p >= b.length) throw new ImageError('TRUNCATED', `the cpio archive is truncated: it ends at byte ${p} without its ${TRAILER} member`);
    const [m, next] = readMember(b, p);
    p = next;
    if (m) { members.push(m); continue; }
    // After a trailer: padding, then possibly another archive.
    while (p < b.length && b[p] === 0) p++;
    if (p >= b.length) break;
    if (!startsWith(b, p, NEWC_MAGIC) && !startsWith(b, p, CRC_MAGIC)) {
      throw new ImageError('TRAILING_DATA', `the cpio archive is followed by ${b.length - p} bytes that are not another archive (at byte ${p})`);
    }
  }
  return joinHardLinks(members);
}

/** The member at p, or undefined at a trailer; and the offset after it. */
function readMember(b: Uint8Array, p: number): [CpioMember | undefined, number] {
  const start = p;
  if (b.length - p < 6) throw truncated(p, 'a header');
  const magic = dec.decode(b.subarray(p, p + 6));
  if (magic !== NEWC_MAGIC && magic !== CRC_MAGIC) {
    const what = magic === '070707' ? 'the old portable (odc) format' : b[p] === 0xc7 && b[p + 1] === 0x71 ? 'the old binary format' : undefined;
    if (what) throw new ImageError('UNSUPPORTED', `the cpio archive at byte ${p} uses ${what}; only newc (070701) is read`);
    throw new ImageError('BAD_MAGIC', `no cpio header at byte ${p}: expected the newc magic 070701, found ${JSON.stringify(magic)}`);
  }
  if (b.length - p < HEADER_SIZE) throw truncated(p, 'a header');
  const f: number[] = [];
  for (let i = 0; i < 13; i++) {
    const text = dec.decode(b.subarray(p + 6 + 8 * i, p + 14 + 8 * i));
    if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new ImageError('CORRUPT', `the cpio header at byte ${p} has a field that is not hexadecimal: ${JSON.stringify(text)}`);
    f.push(parseInt(text, 16));
  }
  const [ino, rawMode, uid, gid, nlink, mtime, filesize, devMajor, devMinor, rdevMajor, rdevMinor, namesize, check] = f;
  p += HEADER_SIZE;
  if (namesize === 0 || b.length - p < namesize) throw truncated(start, 'a file name');
  if (b[p + namesize - 1] !== 0) throw new ImageError('CORRUPT', `the cpio member at byte ${start} has a name without its terminating NUL`);
  const path = dec.decode(b.subarray(p, p + namesize - 1));
  p = align4(p + namesize);
  if (b.length - p < filesize) throw truncated(start, `the data of ${path}`);
  const data = b.subarray(p, p + filesize);
  p = align4(p + filesize);
  if (path === TRAILER) return [undefined, p];
  const type = TYPES.find(([bits]) => (rawMode & S_IFMT) === bits)?.[1];
  if (!type) throw new ImageError('CORRUPT', `the cpio member ${path} has an unknown file type (mode 0o${rawMode.toString(8)})`);
  // The "crc" variant sums the bytes of regular files only (symlink targets carry 0).
  if (magic === CRC_MAGIC && type === 'file') {
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum = (sum + data[i]) >>> 0;
    if (sum !== check) throw new ImageError('CHECK_MISMATCH', `the cpio member ${path} fails its checksum`);
  }
  const m: CpioMember = { path, type, mode: rawMode & 0o7777, rawMode, uid, gid, mtime, ino, nlink, devMajor, devMinor, rdevMajor, rdevMinor, data };
  if (type === 'symlink') m.target = dec.decode(data);
  return [m, p];
}

function joinHardLinks(members: CpioMember[]): CpioMember[] {
  const groups = new Map<string, CpioMember[]>();
  for (const m of members) {
    if (m.type !== 'file' || m.nlink < 2) continue;
    const key = `${m.ino}:${m.devMajor}:${m.devMinor}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const first = group[0];
    first.data = group.find((m) => m.data.length > 0)?.data ?? first.data;
    for (const m of group.slice(1)) {
      m.type = 'hardlink';
      m.target = first.path;
      m.data = first.data;
    }
  }
  return members;
}

function truncated(at: number, what: string): ImageError {
  return new ImageError('TRUNCATED', `the cpio archive is truncated: it ends inside ${what} (member at byte ${at})`);
}

function startsWith(b: Uint8Array, p: number, s: string): boolean {
  return b.length - p >= s.length && dec.decode(b.subarray(p, p + s.length)) === s;
}

const align4 = (n: number) => (n + 3) & ~3;

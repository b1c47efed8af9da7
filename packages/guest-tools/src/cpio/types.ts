// What a cpio archive holds, as this package builds and parses it: the "newc" format (magic
// 070701), which is what the Linux kernel unpacks as an initramfs.

interface Common {
  /** Relative path inside the archive ("bin/sh"); a leading "/" or "./" is dropped. */
  path: string;
  /** Permission bits (0o7777 at most); defaults depend on the type (see DEFAULT_MODE). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch; defaults to the archive's mtime (0), which keeps output reproducible. */
  mtime?: number;
}

export type CpioEntry =
  | (Common & { type: 'dir' })
  | (Common & { type: 'file'; data: Uint8Array | string })
  | (Common & { type: 'symlink'; target: string })
  | (Common & { type: 'char' | 'block'; major: number; minor: number })
  | (Common & { type: 'fifo' })
  /**
   * Another name for the regular file at `target` (a path in the same archive). It shares the
   * file's inode, so its own mode, owner and mtime are ignored.
   */
  | (Common & { type: 'hardlink'; target: string });

export type CpioType = CpioEntry['type'] | 'socket';

/** File type bits of the mode field (S_IFMT and friends). */
export const S_IF = { SOCK: 0o140000, LNK: 0o120000, REG: 0o100000, BLK: 0o060000, DIR: 0o040000, CHR: 0o020000, FIFO: 0o010000 } as const;
export const S_IFMT = 0o170000;

export const DEFAULT_MODE: Record<CpioEntry['type'], number> = {
  dir: 0o755, file: 0o644, symlink: 0o777, char: 0o600, block: 0o600, fifo: 0o644, hardlink: 0o644,
};

export const TRAILER = 'TRAILER!!!';
export const NEWC_MAGIC = '070701';
/** The same layout with a checksum of the file data in the last field. */
export const CRC_MAGIC = '070702';
export const HEADER_SIZE = 110;

/** One member of a parsed archive, with every header field. */
export interface CpioMember {
  path: string;
  type: CpioType;
  /** Permission bits; `rawMode` keeps the type bits too. */
  mode: number;
  rawMode: number;
  uid: number;
  gid: number;
  mtime: number;
  ino: number;
  nlink: number;
  /** Device holding the file (hard links are recognised by ino and this). */
  devMajor: number;
  devMinor: number;
  /** The device a char/block node stands for. */
  rdevMajor: number;
  rdevMinor: number;
  /** File contents (a view into the archive); for symlinks, the target's bytes. */
  data: Uint8Array;
  /** Symlinks: where they point. Hard links: the path of the group's first member. */
  target?: string;
}

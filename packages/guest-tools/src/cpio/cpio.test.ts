// The reference is GNU cpio (Debian's `cpio`): it must list and extract what we build, and what
// it writes must parse here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes, requireTool } from '../testing/tools.js';
import { buildCpio, cpioEntriesFromDirectory, cpioFromDirectory, parseCpio, type CpioEntry } from './index.js';

// In the order a sorted depth-first walk gives, so an extracted copy archives to the same bytes.
const entries: CpioEntry[] = [
  { path: '/bin', type: 'dir' },
  { path: 'bin/busybox', type: 'file', data: randomBytes(5001), mode: 0o755 },
  { path: 'bin/ls', type: 'symlink', target: 'busybox' },
  { path: 'bin/sh', type: 'hardlink', target: 'bin/busybox' },
  { path: 'dev', type: 'dir' },
  { path: 'dev/console', type: 'char', major: 5, minor: 1, mode: 0o600 },
  { path: 'dev/null', type: 'char', major: 1, minor: 3, mode: 0o666 },
  { path: 'dev/sda', type: 'block', major: 8, minor: 0, mode: 0o660 },
  { path: 'empty', type: 'file', data: '' },
  { path: 'etc', type: 'dir' },
  { path: 'etc/a-name-that-is-rather-longer-than-the-others.conf', type: 'file', data: 'x=1\n' },
  { path: 'etc/passwd', type: 'file', data: 'root:x:0:0:root:/root:/bin/sh\n' },
  { path: 'init', type: 'file', data: '#!/bin/sh\nexec /bin/sh\n', mode: 0o755 },
  { path: 'tmp', type: 'dir', mode: 0o1777 },
  { path: 'tmp/fifo', type: 'fifo', mode: 0o600 },
  { path: 'tmp/h\u00e9', type: 'symlink', target: '../etc/passwd' },
];
const paths = entries.map((e) => e.path.replace(/^\//, ''));
const noDevices = entries.filter((e) => e.type !== 'char' && e.type !== 'block');

function cpio(args: string[], input?: Uint8Array, cwd?: string): string {
  const r = spawnSync('cpio', args, { input, cwd, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`cpio ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.toString();
}

function codeOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe('cpio (newc)', () => {
  it('builds the same bytes for the same entries, 4-byte aligned, ending in TRAILER!!!', () => {
    const a = buildCpio(entries), b = buildCpio(entries.map((e) => ({ ...e })));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.length % 4).toBe(0);
    const text = Buffer.from(a).toString('latin1');
    expect(text.startsWith('07070100000001000041ED')).toBe(true); // inode 1, a directory 0755
    expect(text).toContain('TRAILER!!!\0');
  });

  it('is listed by GNU cpio with the same names, types, modes, links and devices', (ctx) => {
    if (!requireTool(ctx, 'cpio')) return;
    const archive = buildCpio(entries);
    expect(cpio(['-it'], archive).trimEnd().split('\n')).toEqual(paths);
    const lines = cpio(['-itvn'], archive).trimEnd().split('\n');
    const listed = lines.map((l) => {
      const m = /^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:(\d+),\s*(\d+)|(\d+))\s+\w{3}\s+\d+\s+(?:\d{4}|\d\d:\d\d) (.*)$/.exec(l);
      if (!m) throw new Error(`unexpected cpio -itv line: ${l}`);
      return { perms: m[1], links: +m[2], dev: m[5] ? `${m[5]},${m[6]}` : undefined, size: m[7] ? +m[7] : undefined, name: m[8] };
    });
    expect(listed.map((l) => l.perms)).toEqual([
      'drwxr-xr-x', '-rwxr-xr-x', 'lrwxrwxrwx', '-rwxr-xr-x', 'drwxr-xr-x', 'crw-------', 'crw-rw-rw-', 'brw-rw----', '-rw-r--r--',
      'drwxr-xr-x', '-rw-r--r--', '-rw-r--r--', '-rwxr-xr-x', 'drwxrwxrwt', 'prw-------', 'lrwxrwxrwx',
    ]);
    expect(listed[2].name).toBe('bin/ls -> busybox');
    expect(listed[15].name).toBe('tmp/h\u00e9 -> ../etc/passwd');
    expect(listed.slice(5, 8).map((l) => l.dev)).toEqual(['5,1', '1,3', '8,0']);
    // Both names of the hard-linked file count two links; the data travels with the last one.
    expect([listed[1].links, listed[3].links, listed[1].size, listed[3].size]).toEqual([2, 2, 0, 5001]);
  });

  it('survives extraction by GNU cpio and archiving the extracted tree again, byte for byte', (ctx) => {
    if (!requireTool(ctx, 'cpio')) return;
    const dir = mkdtempSync(join(tmpdir(), 'serval-cpio-'));
    try {
      // Device nodes need privileges to create; everything else must come back identical.
      const archive = buildCpio(noDevices);
      cpio(['-idm', '--no-absolute-filenames', '--quiet'], archive, dir);
      expect(statSync(join(dir, 'bin/sh')).ino).toBe(statSync(join(dir, 'bin/busybox')).ino);
      expect(Buffer.from(cpioFromDirectory(dir)).equals(Buffer.from(archive))).toBe(true);
      const timed = cpioEntriesFromDirectory(dir, { keepTimes: true, prefix: 'root' });
      expect(timed[0].path).toBe('root/bin');
      expect(timed.find((e) => e.path === 'root/init')?.mtime).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses back what it builds', () => {
    const parsed = parseCpio(buildCpio(entries, { mtime: 1_700_000_000 }));
    expect(parsed.map((m) => m.path)).toEqual(paths);
    parsed.forEach((m, i) => {
      const e = entries[i];
      expect(m.type).toBe(e.type);
      expect(m.mtime).toBe(1_700_000_000);
      if (e.type === 'file') expect(Buffer.from(m.data).equals(Buffer.from(e.data))).toBe(true);
      if (e.type === 'symlink' || e.type === 'hardlink') expect(m.target).toBe(e.target);
      if (e.type === 'char' || e.type === 'block') expect([m.rdevMajor, m.rdevMinor]).toEqual([e.major, e.minor]);
      if (e.mode !== undefined) expect(m.mode).toBe(e.mode);
    });
    expect(Buffer.from(parsed[3].data).equals(Buffer.from(parsed[1].data))).toBe(true);
  });

  it('parses what GNU cpio writes (newc with 512-byte padding, crc), and concatenated archives', (ctx) => {
    if (!requireTool(ctx, 'cpio')) return;
    const list = new TextEncoder().encode(paths.filter((p) => !p.startsWith('dev/')).join('\n') + '\n');
    const dir = mkdtempSync(join(tmpdir(), 'serval-cpio-'));
    try {
      cpio(['-idm', '--quiet'], buildCpio(noDevices), dir);
      for (const format of ['newc', 'crc']) {
        const gnu = new Uint8Array(spawnSync('cpio', ['-o', '-H', format, '--quiet'], { input: list, cwd: dir }).stdout);
        const parsed = parseCpio(gnu);
        // GNU cpio holds back a hard-linked file until its last name, so the group's order differs.
        const kind = (t: string) => (t === 'hardlink' ? 'file' : t);
        const byPath = (list: [string, string][]) => list.sort(([a], [b]) => (a < b ? -1 : 1));
        expect(byPath(parsed.map((m) => [m.path, kind(m.type)]))).toEqual(byPath(noDevices.map((e) => [e.path.replace(/^\//, ''), kind(e.type)])));
        const links = parsed.filter((m) => m.path === 'bin/busybox' || m.path === 'bin/sh');
        expect(links.map((m) => m.type)).toEqual(['file', 'hardlink']);
        expect(links[1].target).toBe(links[0].path);
        expect(links.every((m) => m.data.length === 5001)).toBe(true);
        expect(new TextDecoder().decode(parsed.find((m) => m.path === 'init')!.data)).toBe('#!/bin/sh\nexec /bin/sh\n');
      }
      const crc = new Uint8Array(spawnSync('cpio', ['-o', '-H', 'crc', '--quiet'], { input: list, cwd: dir }).stdout);
      const at = Buffer.from(crc).indexOf('exec /bin/sh');
      crc[at] ^= 1;
      expect(codeOf(() => parseCpio(crc))).toBe('CHECK_MISMATCH');
      const odc = new Uint8Array(spawnSync('cpio', ['-o', '-H', 'odc', '--quiet'], { input: list, cwd: dir }).stdout);
      expect(codeOf(() => parseCpio(odc))).toBe('UNSUPPORTED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const two = new Uint8Array([...buildCpio([{ path: 'a', type: 'dir' }]), 0, 0, 0, 0, ...buildCpio([{ path: 'b', type: 'file', data: 'x' }])]);
    expect(parseCpio(two).map((m) => m.path)).toEqual(['a', 'b']);
  });

  it('rejects damaged archives and bad entries with stable codes', () => {
    const archive = buildCpio(entries);
    expect(codeOf(() => parseCpio(new TextEncoder().encode('hello world, not an archive at all')))).toBe('BAD_MAGIC');
    for (const n of [0, 50, 112, 200, archive.length - 200, archive.length - 4]) expect(codeOf(() => parseCpio(archive.subarray(0, n))), `cut at ${n}`).toBe('TRUNCATED');
    expect(codeOf(() => parseCpio(new Uint8Array([...archive, 1, 2, 3, 4])))).toBe('TRAILING_DATA');
    const hex = archive.slice(); hex[10] = 0x7a; // 'z' in the inode field
    expect(codeOf(() => parseCpio(hex))).toBe('CORRUPT');
    expect(codeOf(() => buildCpio([{ path: 'a', type: 'dir' }, { path: '/a/', type: 'dir' }]))).toBe('DUPLICATE_PATH');
    expect(codeOf(() => buildCpio([{ path: 'a/../b', type: 'dir' }]))).toBe('BAD_PATH');
    expect(codeOf(() => buildCpio([{ path: 'a', type: 'hardlink', target: 'nowhere' }]))).toBe('BAD_LINK');
    expect(codeOf(() => buildCpio([{ path: 'd', type: 'dir' }, { path: 'a', type: 'hardlink', target: 'd' }]))).toBe('BAD_LINK');
    expect(codeOf(() => buildCpio([{ path: 'a', type: 'file', data: '', mode: 0o100644 }]))).toBe('BAD_MODE');
  });
});

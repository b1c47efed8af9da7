// Kernel modules for an initramfs: finds modules by name in an unpacked linux-image tree
// (lib/modules/<release>/kernel/...), adds what each depends on (the "depends=" of its .modinfo
// section, which is what depmod writes into modules.dep — Debian's package ships no modules.dep),
// and orders them so every module comes after its dependencies, ready for busybox insmod.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ImageError } from '../errors.js';
import type { CpioEntry } from '../cpio/types.js';

export interface KernelModule {
  /** Canonical name (dashes as underscores), e.g. "virtio_blk". */
  name: string;
  /** Path under lib/modules/<release>/, e.g. "kernel/drivers/block/virtio_blk.ko". */
  path: string;
  data: Uint8Array;
  depends: string[];
}

const canon = (n: string) => n.replace(/-/g, '_');

/** The key=value strings of a module's .modinfo section (a relocatable ELF64). */
export function modinfo(ko: Uint8Array, what = 'the module'): Map<string, string[]> {
  const bad = (m: string) => new ImageError('BAD_MODULE', `${what}: ${m}`);
  if (ko.length < 64 || ko[0] !== 0x7f || ko[1] !== 0x45 || ko[2] !== 0x4c || ko[3] !== 0x46 || ko[4] !== 2) throw bad('not an ELF64 file (a compressed .ko must be unpacked first)');
  const dv = new DataView(ko.buffer, ko.byteOffset, ko.byteLength);
  const shoff = Number(dv.getBigUint64(0x28, true)), shentsize = dv.getUint16(0x3a, true), shnum = dv.getUint16(0x3c, true), shstrndx = dv.getUint16(0x3e, true);
  if (shentsize !== 64 || shoff + shnum * 64 > ko.length || shstrndx >= shnum) throw bad('its section headers are missing or truncated');
  const sh = (i: number) => {
    const o = shoff + 64 * i;
    return { name: dv.getUint32(o, true), offset: Number(dv.getBigUint64(o + 0x18, true)), size: Number(dv.getBigUint64(o + 0x20, true)) };
  };
  const strtab = sh(shstrndx);
  const str = (at: number) => {
    let end = at;
    while (end < ko.length && ko[end] !== 0) end++;
    return new TextDecoder().decode(ko.subarray(at, end));
  };
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    if (str(strtab.offset + s.name) !== '.modinfo') continue;
    if (s.offset + s.size > ko.length) throw bad('its .modinfo section is truncated');
    const out = new Map<string, string[]>();
    for (const kv of new TextDecoder().decode(ko.subarray(s.offset, s.offset + s.size)).split('\0')) {
      const eq = kv.indexOf('=');
      if (eq <= 0) continue;
      const k = kv.slice(0, eq);
      out.set(k, [...(out.get(k) ?? []), kv.slice(eq + 1)]);
    }
    return out;
  }
  throw bad('it has no .modinfo section');
}

function walk(dir: string, found: Map<string, string>, root: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, found, root);
    else if (e.name.endsWith('.ko')) found.set(canon(e.name.slice(0, -3)), relative(root, p));
  }
}

/**
 * `names` and everything they depend on, from `moduleDir` (lib/modules/<release>), each after its
 * dependencies (a name asked for twice, or reached twice, appears once).
 */
export function kernelModules(moduleDir: string, names: string[]): KernelModule[] {
  const index = new Map<string, string>();
  walk(join(moduleDir, 'kernel'), index, moduleDir);
  const out: KernelModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (raw: string, from?: string) => {
    const name = canon(raw);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new ImageError('MODULE_CYCLE', `modules depend on each other in a cycle through ${name}`);
    const path = index.get(name);
    if (!path) throw new ImageError('NO_SUCH_MODULE', `module ${name}${from ? ` (needed by ${from})` : ''} is not under ${moduleDir} (built in, or another kernel?)`);
    state.set(name, 'visiting');
    const data = readFileSync(join(moduleDir, path));
    const depends = (modinfo(data, path).get('depends')?.[0] ?? '').split(',').filter((d) => d !== '').map(canon);
    for (const d of depends) visit(d, name);
    state.set(name, 'done');
    out.push({ name, path, data, depends });
  };
  for (const n of names) visit(n);
  return out;
}

/** Initramfs entries putting the modules at lib/modules/<release>/<path> (directories included). */
export function moduleEntries(mods: KernelModule[], release: string): CpioEntry[] {
  const dirs = new Set<string>();
  const entries: CpioEntry[] = [];
  for (const m of mods) {
    const full = `lib/modules/${release}/${m.path}`;
    const parts = full.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) { dirs.add(d); entries.push({ path: d, type: 'dir' }); }
    }
    entries.push({ path: full, type: 'file', data: m.data, mode: 0o644 });
  }
  return entries;
}

/** /init lines that load the modules in order with busybox insmod (stopping at the first failure). */
export function insmodScript(mods: KernelModule[], release: string): string {
  return mods.map((m) => `insmod /lib/modules/${release}/${m.path} || echo "insmod ${m.name} failed"\n`).join('');
}

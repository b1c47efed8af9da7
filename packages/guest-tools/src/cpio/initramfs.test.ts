import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { debianFile, requireTool } from '../testing/tools.js';
import { DEFAULT_APPLETS, initramfsWithBusybox, parseCpio } from './index.js';

const script = '#!/bin/sh\nmount -t proc proc /proc\necho hello from init\npoweroff -f\n';

describe('initramfs with busybox', () => {
  it('holds busybox, its applets, /init, the device nodes and root in /etc/passwd', () => {
    const busybox = new TextEncoder().encode('\x7fELF pretend busybox');
    const members = parseCpio(initramfsWithBusybox(busybox, script, { extra: [{ path: 'etc/motd', type: 'file', data: 'hi\n' }] }));
    const at = (p: string) => {
      const m = members.find((x) => x.path === p);
      if (!m) throw new Error(`${p} is missing`);
      return m;
    };
    expect(at('bin/busybox')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(at('bin/sh')).toMatchObject({ type: 'symlink', target: 'busybox' });
    expect(members.filter((m) => m.type === 'symlink').length).toBe(DEFAULT_APPLETS.length);
    expect(at('init')).toMatchObject({ type: 'file', mode: 0o755, uid: 0, gid: 0 });
    expect(new TextDecoder().decode(at('init').data)).toBe(script);
    expect(at('dev/console')).toMatchObject({ type: 'char', rdevMajor: 5, rdevMinor: 1 });
    expect(at('dev/null')).toMatchObject({ type: 'char', rdevMajor: 1, rdevMinor: 3, mode: 0o666 });
    for (const d of ['proc', 'sys', 'tmp', 'dev', 'etc']) expect(at(d).type).toBe('dir');
    expect(at('tmp').mode).toBe(0o1777);
    expect(new TextDecoder().decode(at('etc/passwd').data)).toMatch(/^root:x:0:0:/);
    expect(members[members.length - 1].path).toBe('etc/motd');
    // Every member's parent directory comes before it, as the kernel's unpacker needs.
    const seen = new Set<string>();
    for (const m of members) {
      const parent = m.path.includes('/') ? m.path.slice(0, m.path.lastIndexOf('/')) : undefined;
      if (parent) expect(seen.has(parent), `${m.path} before ${parent}`).toBe(true);
      seen.add(m.path);
    }
  });

  it("links only applets Debian's busybox-static has", (ctx) => {
    const path = debianFile(ctx, 'busybox-static', 'bin', 'busybox');
    if (!path || !requireTool(ctx, 'cpio')) return;
    const list = spawnSync(path, ['--list']).stdout.toString().split('\n');
    expect(DEFAULT_APPLETS.filter((a) => !list.includes(a))).toEqual([]);
    const image = initramfsWithBusybox(readFileSync(path), script);
    const names = spawnSync('cpio', ['-it', '--quiet'], { input: image }).stdout.toString().trimEnd().split('\n');
    expect(names).toContain('bin/busybox');
    expect(names).toContain('dev/console');
  });
});

// Debian 12's stock kernel mounts a virtio-blk disk backed by a host file (issue 6): the default
// command line (ACPI, APIC platform, PCI; only the crypto self-tests skipped), the virtio modules
// and ext4 loaded from the initramfs with busybox insmod (dependencies from the modules' own
// modinfo), an ext4 image the host made with mkfs.ext4 -d. The guest checks a file the host put
// there, writes a file of known bytes, syncs, unmounts, writes to hvc0 and powers off; the host
// then reads the file back out of the image with debugfs and compares every byte. Then the same
// guest with INTx instead of MSI-X (pci=nomsi) in the Linux host shim, saved by one serval process
// while its virtio devices are live and continued by another: console, instruction count and the
// disk image end exactly as in a run never interrupted. Each boot takes minutes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_APPLETS, initramfsWithBusybox, insmodScript, kernelModules, moduleEntries } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp } from './tools.js';

const BOOT = debianFile('linux-image', 'boot');
const MODULES = debianFile('linux-image', 'lib/modules');
const BUSYBOX = debianFile('busybox-static', 'bin/busybox');
const MINUTES = 60_000;

/** e2fsprogs (mkfs.ext4, debugfs, e2fsck) live in /sbin, which a user's PATH may lack. */
function e2fs(name: string): string | undefined {
  for (const p of [name, `/usr/sbin/${name}`, `/sbin/${name}`]) if (spawnSync(p, ['-V'], { stdio: 'ignore' }).status === 0) return p;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(`${name} (e2fsprogs) is required for this test (CI installs it: see .ci/run)`);
  console.warn(`skipping: ${name} (e2fsprogs) is not installed`);
  return undefined;
}
const MKFS = e2fs('mkfs.ext4');
const DEBUGFS = e2fs('debugfs');
const E2FSCK = e2fs('e2fsck');

/** Deterministic bytes (xorshift32), every value 0-255 represented. */
function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff; }
  return out;
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** An initramfs with busybox, the virtio and ext4 modules, `extra` files and `init` after the insmods. */
function initramfs(path: string, init: string, extra: { path: string; data: Uint8Array }[] = []): void {
  const release = readdirSync(MODULES!)[0];
  const mods = kernelModules(join(MODULES!, release), ['virtio_pci', 'virtio_blk', 'virtio_console', 'crc32c_generic', 'ext4']);
  const script = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
${insmodScript(mods, release)}${init}`;
  writeFileSync(path, initramfsWithBusybox(readFileSync(BUSYBOX!), script, {
    applets: [...DEFAULT_APPLETS, 'md5sum'],
    extra: [...moduleEntries(mods, release), ...extra.map((e) => ({ path: e.path, type: 'file' as const, data: e.data }))],
  }));
}

/** A 32 MiB ext4 image holding `files`, made by mkfs.ext4 -d. */
function ext4Image(dir: string, files: Record<string, Uint8Array>): string {
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(tree, name), data);
  const image = join(dir, 'disk.img');
  writeFileSync(image, new Uint8Array(0));
  const mk = spawnSync(MKFS!, ['-q', '-F', '-d', tree, image, '32M'], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`mkfs.ext4 failed: ${mk.stderr}`);
  return image;
}

describe.skipIf(!BOOT || !MODULES || !BUSYBOX || !MKFS || !DEBUGFS || !E2FSCK)('Debian\'s stock kernel on a virtio-blk disk backed by a host file', () => {
  it('mounts the ext4 disk, reads the host\'s file, writes one the host reads back byte for byte, and talks on hvc0', () => {
    const dir = tmp('serval-virtio-blk-');
    const release = readdirSync(MODULES!)[0];
    const mods = kernelModules(join(MODULES!, release), ['virtio_pci', 'virtio_blk', 'virtio_console', 'crc32c_generic', 'ext4']);
    expect(mods.map((m) => m.name)).toEqual([
      'virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio', 'virtio_pci', 'virtio_blk', 'virtio_console',
      'crc32c_generic', 'jbd2', 'mbcache', 'crc16', 'ext4',
    ]);
    // The disk: ext4 with a file from the host. What the guest writes: known bytes shipped in the
    // initramfs, and a line of text.
    const fromHost = pattern(200_000, 7);
    const image = ext4Image(dir, { 'from-host.bin': fromHost });
    const payload = pattern(300_001, 99);
    const initrd = join(dir, 'initrd.cpio');
    initramfs(initrd, `echo "vda: $(cat /sys/block/vda/size) sectors, serial $(cat /sys/block/vda/serial)"
grep -E 'virtio[0-9]-(req|config)' /proc/interrupts | sed 's/^ *[0-9]*: *[0-9]* *//'
mkdir /mnt
mount -t ext4 /dev/vda /mnt && echo mounted
echo "host file: $(md5sum /mnt/from-host.bin)"
mkdir /mnt/out
cp /payload.bin /mnt/out/written.bin
echo "known bytes from the guest" > /mnt/hello.txt
sync
umount /mnt && echo unmounted
echo "hvc0 says $((6 * 7))" > /dev/hvc0
poweroff -f
`, [{ path: 'payload.bin', data: payload }]);
    const vmlinuz = join(BOOT!, readdirSync(BOOT!).find((f) => f.startsWith('vmlinuz-'))!);
    const r = serval(['vm', 'boot', '--kernel', vmlinuz, '--initrd', initrd, '--format', 'pvh', '--memory', '256M',
      '--append', 'console=ttyS0 cryptomgr.notests', '--disk', image, '--hvc'], { timeoutMs: 40 * MINUTES });
    const log = r.stdout;
    // The kernel found both functions on PCI and bound its modern virtio driver to them.
    expect(log).toContain('pci 0000:00:01.0: [1af4:1042] type 00 class 0x018000');
    expect(log).toContain('pci 0000:00:02.0: [1af4:1043] type 00 class 0x078000');
    expect(log).not.toMatch(/insmod \w+ failed/);
    expect(log).toMatch(/virtio_blk virtio0: \[vda\] 65536 512-byte logical blocks/);
    expect(log).toContain('vda: 65536 sectors, serial vda');
    // Interrupts arrive by MSI-X, one vector for the configuration and one for the request queue.
    expect(log).toMatch(/PCI-MSI\S*\s+\d+-edge\s+virtio0-config/);
    expect(log).toMatch(/PCI-MSI\S*\s+\d+-edge\s+virtio0-req\.0/);
    expect(log).toContain('mounted');
    expect(log).toContain(`host file: ${md5(fromHost)}  /mnt/from-host.bin`);
    expect(log).toContain('unmounted');
    expect(log).toContain('hvc0 says 42');
    expect(log).toContain('reboot: Power down');
    expect(log).not.toMatch(/EXT4-fs error|I\/O error|blk_update_request|virtio.*needs a reset/i);
    expect(r.status, r.stderr).toBe(0);
    // The host reads what the guest wrote out of the image file.
    const out = join(dir, 'written.bin');
    const dump = spawnSync(DEBUGFS!, ['-R', `dump /out/written.bin ${out}`, image], { encoding: 'utf8' });
    expect(dump.status, dump.stderr).toBe(0);
    const written = readFileSync(out);
    expect(written.length).toBe(payload.length);
    expect(Buffer.compare(written, Buffer.from(payload))).toBe(0);
    const cat = spawnSync(DEBUGFS!, ['-R', 'cat /hello.txt', image], { encoding: 'utf8' });
    expect(cat.stdout).toBe('known bytes from the guest\n');
    // And the file system the guest unmounted is clean.
    const fsck = spawnSync(E2FSCK!, ['-fn', image], { encoding: 'utf8' });
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 45 * MINUTES);

  it('INTx, and a checkpoint taken while the disk is live: the continued run ends as the uninterrupted one, disk image included', () => {
    const dir = tmp('serval-virtio-ckpt-');
    const image = ext4Image(dir, { 'from-host.bin': pattern(100_000, 3) });
    const initrd = join(dir, 'initrd.cpio');
    initramfs(initrd, `grep -E 'virtio[0-9]' /proc/interrupts | sed 's/^ *[0-9]*: *[0-9]* *//'
mkdir /mnt
mount -t ext4 /dev/vda /mnt && echo mounted
echo "host file: $(md5sum /mnt/from-host.bin)"
cp /mnt/from-host.bin /mnt/copy.bin
echo "written after the checkpoint" > /mnt/hello.txt
sync
umount /mnt && echo unmounted
poweroff -f
`);
    const vmlinuz = join(BOOT!, readdirSync(BOOT!).find((f) => f.startsWith('vmlinuz-'))!);
    const devices = [
      'pic8259', 'ioapic', 'lapic', 'hpet', 'acpi-pm', 'pci', 'pit8254', 'rtc', 'i8042', 'port80', 'uart16550', 'debug-exit',
    ].map((c, i) => ({ id: `d${i}`, class: c }));
    const config = (disk: string) => JSON.stringify({
      name: 'linux', memory: '256M', kernel: { path: vmlinuz, format: 'pvh', initrd, cmdline: 'console=ttyS0 cryptomgr.notests pci=nomsi' },
      devices: [...devices, { id: 'vda', class: 'virtio-blk', options: { path: disk } }],
    });
    // Two copies of the disk: one for the whole run, one for the run cut in two.
    const wholeDisk = join(dir, 'whole.img'), cutDisk = join(dir, 'cut.img');
    writeFileSync(wholeDisk, readFileSync(image));
    writeFileSync(cutDisk, readFileSync(image));
    writeFileSync(join(dir, 'whole.json'), config(wholeDisk));
    writeFileSync(join(dir, 'cut.json'), config(cutDisk));
    const v3 = (...cmds: string[][]) => serval(['host', 'v3', '--host-memory', '1G', ...cmds.flatMap((c, i) => (i ? ['+', ...c] : c))], { cwd: dir, timeoutMs: 20 * MINUTES });
    const whole = v3(['create', 'whole.json'], ['launch', '0'], ['cons', '0'], ['wait', '0'], ['inspect', '0']);
    expect(whole.stderr).toBe('');
    expect(whole.stdout).toMatch(/IO-APIC\s+1[6-9]-fasteoi\s+virtio0/);
    expect(whole.stdout).toContain('mounted');
    expect(whole.stdout).toContain('unmounted');
    // 1000 ms: the virtio driver is up and the guest is loading ext4 and reaching for the disk.
    const a = v3(['create', 'cut.json'], ['cons', '0'], ['simulate', '0', '1000'], ['save', '0', 'linux.ckpt']);
    expect(a.stderr).toBe('');
    const b = v3(['create', 'cut.json'], ['load', '0', 'linux.ckpt'], ['cons', '0'], ['continue', '0'], ['wait', '0'], ['inspect', '0']);
    expect(b.stderr).toBe('');
    const before = a.stdout.slice(a.stdout.indexOf('\n') + 1, a.stdout.indexOf('saved linux.ckpt'));
    expect(before).toContain('virtio_blk virtio0: [vda]');
    expect(before).not.toContain('unmounted');
    const after = b.stdout.slice(b.stdout.indexOf('\n') + 1);
    expect(before + after).toBe(whole.stdout.slice(whole.stdout.indexOf('\n') + 1));
    expect(after).toMatch(/vm0 linux stopped \(guest-exit 0\) instructions=\d{10} /);
    expect(Buffer.compare(readFileSync(cutDisk), readFileSync(wholeDisk))).toBe(0);
    const cat = spawnSync(DEBUGFS!, ['-R', 'cat /hello.txt', cutDisk], { encoding: 'utf8' });
    expect(cat.stdout).toBe('written after the checkpoint\n');
    // Disks and a 70 MB checkpoint: kept only when something failed.
    rmSync(dir, { recursive: true, force: true });
  }, 60 * MINUTES);
});

// A minimal initramfs around a static busybox: enough for /init to be a shell script that mounts
// /proc and /sys and runs the usual commands.
import { buildCpio, type BuildOptions } from './build.js';
import type { CpioEntry } from './types.js';

/** Applets linked into /bin by default. */
export const DEFAULT_APPLETS = [
  '[', 'ash', 'awk', 'basename', 'cat', 'chmod', 'chown', 'cp', 'cut', 'date', 'dd', 'df', 'dirname', 'dmesg', 'du', 'echo',
  'env', 'expr', 'false', 'find', 'free', 'grep', 'halt', 'head', 'hostname', 'id', 'insmod', 'kill', 'ln', 'ls', 'lsmod',
  'mkdir', 'mknod', 'modprobe', 'mount', 'mv', 'poweroff', 'printf', 'ps', 'readlink', 'reboot', 'rm', 'rmdir', 'rmmod',
  'sed', 'seq', 'sh', 'sleep', 'sort', 'stat', 'sync', 'tail', 'tee', 'test', 'top', 'touch', 'tr', 'true', 'umount',
  'uname', 'uniq', 'vi', 'wc', 'xargs', 'yes',
];

export interface InitramfsOptions extends BuildOptions {
  /** Names linked to /bin/busybox (default DEFAULT_APPLETS; "busybox --list" gives all a build has). */
  applets?: string[];
  /** More entries, appended after the standard ones (their directories must exist or come first). */
  extra?: CpioEntry[];
}

/**
 * The initramfs: /bin/busybox with its applets as symlinks, /init (the script, mode 0755: start it
 * with "#!/bin/sh"), /dev/console and /dev/null (which the kernel and the shell open before
 * anything could create them), empty /proc, /sys and /tmp, and /etc/passwd with root.
 */
export function initramfsWithBusybox(busybox: Uint8Array, initScript: string | Uint8Array, options: InitramfsOptions = {}): Uint8Array {
  const applets = [...new Set(options.applets ?? DEFAULT_APPLETS)].filter((a) => a !== 'busybox' && !a.includes('/')).sort();
  const entries: CpioEntry[] = [
    { path: 'bin', type: 'dir' },
    { path: 'bin/busybox', type: 'file', data: busybox, mode: 0o755 },
    ...applets.map((a): CpioEntry => ({ path: `bin/${a}`, type: 'symlink', target: 'busybox' })),
    { path: 'dev', type: 'dir' },
    { path: 'dev/console', type: 'char', major: 5, minor: 1, mode: 0o600 },
    { path: 'dev/null', type: 'char', major: 1, minor: 3, mode: 0o666 },
    { path: 'etc', type: 'dir' },
    { path: 'etc/group', type: 'file', data: 'root:x:0:\n' },
    { path: 'etc/passwd', type: 'file', data: 'root:x:0:0:root:/root:/bin/sh\n' },
    { path: 'init', type: 'file', data: initScript, mode: 0o755 },
    { path: 'proc', type: 'dir', mode: 0o555 },
    { path: 'root', type: 'dir', mode: 0o700 },
    { path: 'sbin', type: 'dir' },
    { path: 'sys', type: 'dir', mode: 0o555 },
    { path: 'tmp', type: 'dir', mode: 0o1777 },
    { path: 'usr', type: 'dir' },
    ...(options.extra ?? []),
  ];
  return buildCpio(entries, options);
}

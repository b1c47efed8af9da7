// serval image: build what a guest boots from — an initramfs (from a host directory, or around a
// static busybox) and the vmlinux inside a bzImage.
import { writeFileSync } from 'node:fs';
import { cpioFromDirectory, extractVmlinux, initramfsWithBusybox } from '@serval/guest-tools';
import { parseArgs, UsageError, type OptionSpec } from '../args.js';
import { FileError, readHostFile } from '../host-io.js';

export const IMAGE_OPTIONS: Record<string, OptionSpec> = {
  output: { value: true, help: 'the file to write (required)' },
  busybox: { value: true, help: 'initramfs: a static busybox to build it around (instead of a directory)' },
  init: { value: true, help: 'initramfs: the /init script to use with --busybox (default: mount /proc, start a shell)' },
};

export const IMAGE_USAGE = `usage:
  serval image initramfs --output OUT DIR              a newc cpio of a host directory
  serval image initramfs --output OUT --busybox BIN    /bin/busybox, its applets, /init, /dev nodes
  serval image vmlinux --output OUT BZIMAGE            the ELF kernel inside a bzImage`;

/** The /init the busybox initramfs gets by default: the shell on the console, as a rescue image gives. */
export const DEFAULT_INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "Serval initramfs: kernel $(uname -r)"
exec sh
`;

export function imageCommand(argv: string[], log: (msg: string) => void): number {
  const [what, ...rest] = argv;
  const p = parseArgs(rest, IMAGE_OPTIONS, `image ${what ?? ''}`.trim());
  const out = p.options.get('output');
  if (what !== 'initramfs' && what !== 'vmlinux') throw new UsageError(`image needs initramfs or vmlinux\n${IMAGE_USAGE}`);
  if (!out) throw new UsageError(`image ${what} needs --output FILE`);
  let bytes: Uint8Array;
  if (what === 'vmlinux') {
    if (p.positionals.length !== 1) throw new UsageError('image vmlinux needs exactly one bzImage');
    bytes = extractVmlinux(readHostFile(p.positionals[0]), p.positionals[0]);
  } else {
    const busybox = p.options.get('busybox');
    if (busybox !== undefined) {
      if (p.positionals.length) throw new UsageError('image initramfs takes a directory or --busybox, not both');
      const init = p.options.get('init');
      bytes = initramfsWithBusybox(readHostFile(busybox), init === undefined ? DEFAULT_INIT : readHostFile(init));
    } else {
      if (p.options.has('init')) throw new UsageError('--init goes with --busybox');
      if (p.positionals.length !== 1) throw new UsageError('image initramfs needs one directory (or --busybox BIN)');
      bytes = cpioFromDirectory(p.positionals[0]);
    }
  }
  try {
    writeFileSync(out, bytes);
  } catch (e) {
    throw new FileError('CANNOT_WRITE', `cannot write ${out}: ${(e as Error).message}`, { cause: e });
  }
  log(`wrote ${out} (${bytes.length} bytes)`);
  return 0;
}

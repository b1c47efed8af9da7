// What `vm boot` and `host boot` share: turning flags or a config file into a validated VM
// config, resolving built-in guests, and reporting how a VM ended.
import { buildDemoKernel, buildLwkGuest } from '@serval/guest-tools';
import { parseVmConfigText, type Vm, type VmConfig } from '@serval/hypervisor';
import { UsageError, type OptionSpec, type Parsed } from './args.js';
import { readHostFile } from './host-io.js';

export const VM_OPTIONS: Record<string, OptionSpec> = {
  kernel: { value: true, help: 'guest kernel: bzImage, PVH vmlinux, ELF64 or multiboot; default: the built-in demo guest (builtin:demo)' },
  initrd: { value: true, help: 'initial ramdisk (Linux kernels)' },
  cmdline: { value: true, help: 'kernel command line' },
  append: { value: true, help: 'kernel command line (QEMU\'s spelling)' },
  format: { value: true, help: 'kernel format: auto (default), bzimage, pvh, elf64, multiboot' },
  memory: { value: true, help: 'guest memory, e.g. 64M (default 64M)' },
  cores: { value: true, help: 'number of vCPUs (default 1)' },
  freq: { value: true, help: 'vCPU clock, e.g. 2GHz (default 1GHz)' },
  disk: { value: true, help: 'a host file as the guest\'s virtio-blk disk (/dev/vda in Linux; needs virtio_pci and virtio_blk)' },
  'disk-readonly': { value: false, help: 'attach --disk read-only' },
  hvc: { value: false, help: 'add a virtio console (Linux hvc0) whose output joins the serial console\'s' },
  stats: { value: false, help: 'print instructions, exits and virtual time to stderr at the end' },
};

export const BUILTIN_DEMO = 'builtin:demo';

/** Host files, plus the guests built into Serval. */
export function readFileOrBuiltin(path: string): Uint8Array {
  if (path === BUILTIN_DEMO) return buildDemoKernel();
  // The LWK guest (multiboot, lapic): its config names an input and an output file (see docs/examples).
  if (path === 'builtin:lwk-guest') return buildLwkGuest();
  return readHostFile(path);
}

export function vmConfigFrom(p: Parsed): VmConfig {
  if (p.positionals.length > 1) throw new UsageError(`vm boot takes one config file, got: ${p.positionals.join(' ')}`);
  const o = p.options;
  if (p.positionals.length === 1) {
    for (const k of ['kernel', 'initrd', 'cmdline', 'append', 'format', 'memory', 'cores', 'freq', 'disk', 'disk-readonly', 'hvc']) {
      if (o.has(k)) throw new UsageError(`--${k} cannot be combined with a config file; put it in the file`);
    }
    const file = p.positionals[0];
    return parseVmConfigText(new TextDecoder().decode(readHostFile(file)), file);
  }
  if (o.has('disk-readonly') && !o.has('disk')) throw new UsageError('--disk-readonly goes with --disk FILE');
  const cores = o.has('cores') ? Number(o.get('cores')) : 1;
  if (!Number.isInteger(cores) || cores < 1) throw new UsageError(`--cores ${o.get('cores')} is not a positive whole number`);
  const raw = {
    name: 'vm0',
    memory: o.get('memory') ?? '64M',
    cores: Array.from({ length: cores }, () => (o.has('freq') ? { freq: o.get('freq') } : {})),
    kernel: {
      path: o.get('kernel') ?? BUILTIN_DEMO, cmdline: o.get('append') ?? o.get('cmdline') ?? '', format: o.get('format') ?? 'auto',
      ...(o.has('initrd') ? { initrd: o.get('initrd') } : {}),
    },
    // A PC: the legacy devices and the APIC platform (local APICs, I/O APIC, HPET, ACPI PM block,
    // PCI host bridge, described by ACPI tables) a Linux kernel expects, harmless to other guests.
    devices: [
      { id: 'pic', class: 'pic8259' },
      { id: 'ioapic', class: 'ioapic' },
      { id: 'lapic', class: 'lapic' },
      { id: 'hpet', class: 'hpet' },
      { id: 'pm', class: 'acpi-pm' },
      { id: 'pci', class: 'pci' },
      { id: 'pit', class: 'pit8254' },
      { id: 'rtc', class: 'rtc' },
      { id: 'kbc', class: 'i8042' },
      { id: 'post', class: 'port80' },
      { id: 'com1', class: 'uart16550', options: { port: 0x3f8, irq: 4 } },
      { id: 'exit', class: 'debug-exit', options: { port: 0xf4 } },
      // Virtio devices on the PCI bus, in this order (vda in slot 1).
      ...(o.has('disk') ? [{ id: 'vda', class: 'virtio-blk', options: { path: o.get('disk'), readonly: o.has('disk-readonly') } }] : []),
      ...(o.has('hvc') ? [{ id: 'hvc0', class: 'virtio-console' }] : []),
    ],
  };
  return parseVmConfigText(JSON.stringify(raw), 'command line');
}

/** The process exit status for a VM that stopped, and a line about it. */
export function vmOutcome(vm: Vm): { status: number; line: string } {
  const r = vm.stopReason;
  if (!r) return { status: 1, line: `VM "${vm.config.name}" did not stop (state ${vm.state})` };
  switch (r.kind) {
    case 'guest-exit': return { status: r.status, line: `VM "${vm.config.name}" stopped: the guest exited with status ${r.status}` };
    case 'requested': return { status: 0, line: `VM "${vm.config.name}" stopped` };
    case 'reset': return { status: 0, line: `VM "${vm.config.name}" reset itself (reboot)` };
    default: return { status: 1, line: `VM "${vm.config.name}" failed: ${r.message}` };
  }
}

export function vmStats(vm: Vm, ns: number): string {
  const exits = [...vm.exitCounts].map(([k, n]) => `${k}=${n}`).join(' ');
  return `instructions=${vm.instructions} virtual_ns=${Math.round(ns)} exits: ${exits || 'none'}`;
}

// Host services a guest reaches by hypercall: what a runtime or an LWK inside a VM needs from the
// host without emulated devices — the machine it was given, the time, and the host files its
// config names. Files are reached by their index in the config's `files` list, never by host
// path, so a guest cannot touch any file its user did not hand it.
import type { HostOS } from '../host.js';
import type { HypercallRegistry } from './registry.js';

/** Hypercall numbers: "SV" in the high half, apart from KVM's and Xen's small numbers. */
export const HC = {
  /** RBX = what (INFO_*): the value. */
  INFO: 0x53560000,
  /** RBX = file index: its size in bytes. */
  FILE_SIZE: 0x53560001,
  /** RBX = file index, RCX = guest-physical buffer, RDX = length, RSI = file offset: bytes read. */
  FILE_READ: 0x53560002,
  /** RBX = file index, RCX = guest-physical buffer, RDX = length: the file's new contents; 0. */
  FILE_WRITE: 0x53560003,
} as const;

export const INFO = { VCPUS: 0, MEMORY: 1, TSC_HZ: 2, GUEST_NS: 3, FILES: 4 } as const;

const EINVAL = 22, ENOENT = 2, EFAULT = 14, EACCES = 13, EIO = 5;

export interface HostFile {
  readonly id: string;
  readonly path: string;
  readonly writable: boolean;
}

/** What the services need of the VM. */
export interface ServiceVm {
  readonly host: HostOS;
  readonly vcpuCount: number;
  readonly memorySize: number;
  readonly tscHz: number;
  readonly files: readonly HostFile[];
  /** Guest time now, in ns. */
  guestNowNs(): number;
  readGuest(gpa: number, len: number): Uint8Array;
  writeGuest(gpa: number, bytes: Uint8Array): void;
}

export function registerHostServices(reg: HypercallRegistry, vm: ServiceVm): void {
  const inRam = (gpa: number, len: number) => len >= 0 && gpa >= 0 && gpa + len <= vm.memorySize;
  // Files are read from the host once per call: the host may change them between calls.
  const read = (f: HostFile): Uint8Array | number => {
    try { return vm.host.readFile(f.path); } catch { return -ENOENT; }
  };
  reg.register(HC.INFO, 'info', ({ args: [what] }) => {
    switch (what) {
      case INFO.VCPUS: return vm.vcpuCount;
      case INFO.MEMORY: return vm.memorySize;
      case INFO.TSC_HZ: return vm.tscHz;
      case INFO.GUEST_NS: return Math.floor(vm.guestNowNs());
      case INFO.FILES: return vm.files.length;
      default: return -EINVAL;
    }
  });
  reg.register(HC.FILE_SIZE, 'file-size', ({ args: [idx] }) => {
    const f = vm.files[idx];
    if (!f) return -ENOENT;
    const b = read(f);
    return typeof b === 'number' ? b : b.length;
  });
  reg.register(HC.FILE_READ, 'file-read', ({ args: [idx, gpa, len, off] }) => {
    const f = vm.files[idx];
    if (!f) return -ENOENT;
    if (!inRam(gpa, len)) return -EFAULT;
    const b = read(f);
    if (typeof b === 'number') return b;
    const part = b.subarray(Math.min(off, b.length), Math.min(off + len, b.length));
    vm.writeGuest(gpa, part);
    return part.length;
  });
  reg.register(HC.FILE_WRITE, 'file-write', ({ args: [idx, gpa, len] }) => {
    const f = vm.files[idx];
    if (!f) return -ENOENT;
    if (!f.writable) return -EACCES;
    if (!inRam(gpa, len)) return -EFAULT;
    if (!vm.host.writeFile) return -EIO;
    try { vm.host.writeFile(f.path, vm.readGuest(gpa, len)); } catch { return -EIO; }
    return 0;
  });
}

// The VM configuration: one validating schema, shared by config files, the CLI's flags and the
// control interface, so every path to a VM checks the same things.
import { ConfigError } from '../errors.js';
import { KERNEL_FORMATS } from '../loader/boot.js';
import { anyObject, array, bool, freq, int, object, optional, positive, required, size, str, withDefault } from './schema.js';

const MB = 1024 * 1024;

const deviceSchema = object({
  id: required(str()),
  class: required(str()),
  options: withDefault(anyObject(), {}),
});

const coreSchema = object({
  freq: optional(freq()),
  /** The host core this vCPU runs on. */
  hostCore: optional(int({ min: 0, max: 255 })),
});

const cpuidSchema = object({
  leaf: required(int({ min: 0, max: 0xffffffff })),
  subleaf: optional(int({ min: 0, max: 0xffffffff })),
  eax: withDefault(int({ min: 0, max: 0xffffffff }), 0),
  ebx: withDefault(int({ min: 0, max: 0xffffffff }), 0),
  ecx: withDefault(int({ min: 0, max: 0xffffffff }), 0),
  edx: withDefault(int({ min: 0, max: 0xffffffff }), 0),
});

export const vmConfigSchema = object({
  name: withDefault(str(), 'vm0'),
  memory: withDefault(size({ min: 2 * MB, max: 64 * 1024 * MB, multipleOf: 2 * MB }), '64M'),
  cores: withDefault(array(coreSchema, { min: 1, max: 64 }), [{}]),
  kernel: required(object({
    path: required(str()),
    format: withDefault(str({ oneOf: KERNEL_FORMATS }), 'auto'),
    cmdline: withDefault(str(), ''),
    initrd: optional(str()),
  })),
  devices: withDefault(array(deviceSchema), []),
  /**
   * Guest time: the TSC's frequency (default: vCPU 0's clock), reported in CPUID leaves 0x15/0x16,
   * and a dilation factor — the guest's clocks (TSC, timers, counters) run at factor × virtual time.
   */
  time: withDefault(object({
    tscFreq: optional(freq()),
    dilation: withDefault(positive({ max: 1000 }), 1),
  }), {}),
  /**
   * Host files the guest may reach through the file hypercalls (hypercall/host-services.ts), by
   * index in this list; only `writable` ones may be written.
   */
  files: withDefault(array(object({
    id: required(str()),
    path: required(str()),
    writable: withDefault(bool(), false),
  })), []),
  /** CPUID leaves replacing the baseline's (what the guest is told it can use, and so can). */
  cpuid: withDefault(array(cpuidSchema), []),
});

export type VmConfig = ReturnType<typeof vmConfigSchema>;
export type DeviceConfig = VmConfig['devices'][number];

export function parseVmConfig(raw: unknown): VmConfig {
  const cfg = vmConfigSchema(raw, '');
  const ids = new Set<string>();
  cfg.devices.forEach((d, i) => {
    if (ids.has(d.id)) throw new ConfigError(`devices[${i}].id`, `device id "${d.id}" is used twice`);
    ids.add(d.id);
  });
  const fileIds = new Set<string>();
  cfg.files.forEach((f, i) => {
    if (fileIds.has(f.id)) throw new ConfigError(`files[${i}].id`, `file id "${f.id}" is used twice`);
    fileIds.add(f.id);
  });
  return cfg;
}

export { parseVmConfigText } from './text.js';

// Kernel modules with insmod/rmmod semantics: options are validated at load time, a module that is
// in use refuses to unload, and a failed load leaves the host unchanged.
import type { LinuxHost } from './host.js';

export interface ModuleInstance {
  /** Why the module cannot be unloaded right now, or undefined when it can. */
  busy(): string | undefined;
  exit(): void;
  /** Lines for /proc/<module>. */
  status(): string[];
}

export interface KernelModule {
  readonly name: string;
  init(host: LinuxHost, options: Record<string, string>): ModuleInstance;
}

/** Parses "key=value key2=value2" (insmod's syntax). */
export function parseModuleOptions(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) out[a] = '1';
    else out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

// @serval/host-linux-shim — a Linux-like host that loads the hypervisor as a module.
export { LinuxHost, type LinuxHostConfig } from './host.js';
export { type KernelModule, type ModuleInstance, parseModuleOptions } from './module.js';
export { DevFs, type DeviceFile } from './devfs.js';
export { HostMemory } from './memory.js';
export { v3veeModule, type V3veeOptions, CONTROL_OPS } from './v3vee/module.js';
export { VM_OPS, type VmInfo } from './v3vee/vm-file.js';
export { ModuleHostOS, BufferedConsole } from './v3vee/hostos.js';
export { ShimError } from './errors.js';
export { HostShell, ScriptError, SHELL_COMMANDS, shellHelp, splitWords, type ShellIo } from './shell/shell.js';

// @serval/hypervisor — a Palacios-like VMM that takes from its host only the HostOS interface.
export type { HostOS, CoreLease, MemoryBlock, ConsoleStream, LogLevel, NetPort, BlockStorage } from './host.js';
export { Hypervisor } from './hypervisor.js';
export { Vm, VM_TRANSITIONS, type VmState, type VmAction, type StopReason } from './vm.js';
export { Vcpu } from './vcpu.js';
export { HC, INFO, HypercallRegistry, type HypercallContext, type HypercallHandler, type HostFile } from './hypercall/index.js';
export { parseVmConfig, type VmConfig, type DeviceConfig } from './config/vm-config.js';
export { parseVmConfigText, readConfigText, configFormat, type ConfigFormat } from './config/text.js';
export { parseYaml } from './config/yaml.js';
export { DEVICE_CLASSES } from './devices/attach.js';
export { HypervisorError, ConfigError, VmStateError } from './errors.js';
export { loadMultibootKernel, bootMultiboot, MB_INFO, type MultibootLoad } from './loader/multiboot.js';
/** A host over a bare node, for tests of VMs in other packages. */
export { TestHost } from './test-host.js';
export {
  saveCheckpoint, loadCheckpoint, checkpointConfig, CheckpointError, GuestClock, CHECKPOINT_MAGIC, CHECKPOINT_VERSION,
} from './checkpoint/index.js';
/** A timer-driven guest whose output depends on exact interrupt timing (checkpoint tests). */
export { buildTickerGuest, tickerVmConfig, TICKER_GUEST_SOURCE } from './checkpoint/ticker-guest.js';
export { NetSwitch, MAX_FRAME, type FrameLink, type NetSwitchOptions, type SwitchStats } from './net/switch.js';
export { HostNetworks, type HostNetworksOptions } from './net/networks.js';
export { UserNat, GATEWAY_MAC, type HostTcp, type HostTcpEvent, type UserNatOptions } from './net/nat.js';

// What every device model shares: a name, symmetric save/load of its state (checkpoints restore a
// device to an identical one), and typed errors.
import { ServalError } from '@serval/x86';

export class DeviceError extends ServalError {}

export interface Device {
  /** Instance name, e.g. "com1". */
  readonly name: string;
  /** Device class, e.g. "uart16550". */
  readonly kind: string;
  /** A JSON-serializable snapshot of everything guest-visible. */
  saveState(): unknown;
  loadState(state: unknown): void;
  /** The VM stopped: make what the guest wrote durable on the host (disks). */
  flush?(): void;
  /** The VM is freed: release host resources (open files). */
  dispose?(): void;
}

/** Reads a field of a saved state, failing with a clear error when it is missing or mistyped. */
export function field<T>(state: unknown, key: string, type: 'number' | 'string' | 'boolean' | 'object', device: string): T {
  if (typeof state !== 'object' || state === null) throw new DeviceError('BAD_DEVICE_STATE', `${device}: saved state is not an object`);
  const v = (state as Record<string, unknown>)[key];
  if (type === 'object' ? typeof v !== 'object' || v === null : typeof v !== type) {
    throw new DeviceError('BAD_DEVICE_STATE', `${device}: saved state field "${key}" is missing or not a ${type}`);
  }
  return v as T;
}

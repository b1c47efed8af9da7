// Devices that answer at more than one place in the port space (the PIC pair and its ELCR, the
// i8042's 0x60 and 0x64, the PIT and port 0x61) hand the host a list of ranges instead of one
// PortDevice, because a PortDevice only sees offsets from its base and cannot tell two bases apart.
import type { PortDevice } from '@serval/machine';
import { DeviceError } from './device.js';

export interface PortRange {
  base: number;
  length: number;
  device: PortDevice;
}

/** Reads an array of finite numbers from a saved state (`field` checks only `typeof`). */
export function numberArray(state: unknown, key: string, length: number | undefined, device: string): number[] {
  const v = typeof state === 'object' && state !== null ? (state as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(v) || (length !== undefined && v.length !== length) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new DeviceError('BAD_DEVICE_STATE', `${device}: saved state field "${key}" is missing or not an array of ${length ?? 'some'} numbers`);
  }
  return [...(v as number[])];
}

/** A number field that must be an integer within [min, max]. */
export function intField(state: unknown, key: string, min: number, max: number, device: string): number {
  const v = typeof state === 'object' && state !== null ? (state as Record<string, unknown>)[key] : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new DeviceError('BAD_DEVICE_STATE', `${device}: saved state field "${key}" is missing or not an integer in [${min}, ${max}]`);
  }
  return v;
}

/**
 * Splits a wide access into byte accesses, as the bus does for 8-bit peripherals: byte i of the
 * value goes to offset + i. Offsets past the device's `length` read as 0xff and drop writes.
 */
export function readBytes(offset: number, size: number, length: number, readByte: (offset: number) => number): number {
  let v = 0;
  for (let i = 0; i < size; i++) {
    const b = offset + i < length ? readByte(offset + i) & 0xff : 0xff;
    v += b * 2 ** (8 * i);
  }
  return v;
}

export function writeBytes(offset: number, size: number, length: number, value: number, writeByte: (offset: number, byte: number) => void): void {
  for (let i = 0; i < size; i++) {
    if (offset + i < length) writeByte(offset + i, Math.floor(value / 2 ** (8 * i)) & 0xff);
  }
}

// An MSI-X table and pending-bit array (PCI 3.0 6.8.2): one 16-byte entry per vector (address
// low/high, data, vector control with its mask bit) and one pending bit each. A vector fired while
// masked (by its entry or by the function mask) stays pending and is sent when unmasked. The
// capability's message control (enable, function mask) lives in the function's configuration
// space; the owner passes it in with `control`.
import { DeviceError } from '../device.js';
import { numberArray } from '../ports.js';

export const MSIX_ENTRY = 16;
const CTRL_ENABLE = 0x8000, CTRL_FUNCTION_MASK = 0x4000, VECTOR_MASKED = 1;

export class MsixTable {
  /** Per vector: address low, address high, data, vector control. */
  readonly table: Uint32Array;
  readonly pending: Uint8Array;
  /** Message control of the capability (bits 15 enable, 14 function mask). */
  control = 0;

  constructor(readonly vectors: number, private readonly send: (addr: number, data: number) => void, private readonly who: string) {
    if (vectors < 1 || vectors > 2048) throw new DeviceError('BAD_DEVICE_OPTION', `${who}: MSI-X has 1 to 2048 vectors, not ${vectors}`);
    this.table = new Uint32Array(vectors * 4);
    this.pending = new Uint8Array(vectors);
    this.reset();
  }

  reset(): void {
    this.table.fill(0);
    for (let v = 0; v < this.vectors; v++) this.table[4 * v + 3] = VECTOR_MASKED;
    this.pending.fill(0);
    this.control = 0;
  }

  get enabled(): boolean { return (this.control & CTRL_ENABLE) !== 0; }

  private masked(v: number): boolean {
    return (this.control & CTRL_FUNCTION_MASK) !== 0 || (this.table[4 * v + 3] & VECTOR_MASKED) !== 0;
  }

  /** Signals vector `v` (ignored when out of range, as a write to a vector the table lacks). */
  fire(v: number): void {
    if (v >= this.vectors) return;
    if (this.masked(v)) { this.pending[v] = 1; return; }
    this.send(this.table[4 * v], this.table[4 * v + 2]);
  }

  /** New message control from the configuration space: unmasking may release pending vectors. */
  setControl(value: number): void {
    this.control = value & (CTRL_ENABLE | CTRL_FUNCTION_MASK);
    this.release();
  }

  private release(): void {
    if (!this.enabled) return;
    for (let v = 0; v < this.vectors; v++) {
      if (this.pending[v] && !this.masked(v)) { this.pending[v] = 0; this.send(this.table[4 * v], this.table[4 * v + 2]); }
    }
  }

  /** Table reads: dword granularity (the driver's 8-byte reads arrive as two). */
  readTable(offset: number, size: number): number {
    const i = offset >>> 2;
    if (i >= this.table.length) return 0;
    const v = this.table[i];
    return size === 4 ? v : (v >>> (8 * (offset & 3))) & (size === 2 ? 0xffff : 0xff);
  }

  writeTable(offset: number, size: number, value: number): void {
    const i = offset >>> 2;
    if (i >= this.table.length) return;
    if (size === 4) this.table[i] = value >>> 0;
    else {
      const shift = 8 * (offset & 3), mask = (size === 2 ? 0xffff : 0xff) << shift;
      this.table[i] = ((this.table[i] & ~mask) | ((value << shift) & mask)) >>> 0;
    }
    if ((i & 3) === 3) { this.table[i] &= VECTOR_MASKED; this.release(); }
  }

  /** The pending-bit array, read-only to the driver. */
  readPba(offset: number, size: number): number {
    let v = 0;
    for (let bit = 0; bit < 8 * size; bit++) {
      const n = 8 * offset + bit;
      if (n < this.vectors && this.pending[n]) v += 2 ** bit;
    }
    return v;
  }

  saveState(): unknown {
    return { table: [...this.table], pending: [...this.pending], control: this.control };
  }

  loadState(s: unknown): void {
    const table = numberArray(s, 'table', this.table.length, this.who);
    const pending = numberArray(s, 'pending', this.vectors, this.who);
    const control = numberArray({ c: [(s as { control?: unknown }).control] }, 'c', 1, this.who)[0];
    this.table.set(table);
    this.pending.set(pending);
    this.control = control & (CTRL_ENABLE | CTRL_FUNCTION_MASK);
  }
}

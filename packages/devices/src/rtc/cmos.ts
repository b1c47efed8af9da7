// The CMOS bytes a PC BIOS leaves for the OS and for firmware that reads them back (SeaBIOS,
// bootloaders): equipment, memory sizes in the classic AT and extended locations, and the
// checksum over 0x10-0x2D. Filled once at power-on from the VM's memory layout.

export interface MemoryLayout {
  /** Bytes of RAM below 4 GiB (including the first 1 MiB). */
  below4g: number;
  /** Bytes of RAM mapped from 4 GiB up. */
  above4g: number;
}

const KIB = 1024, MIB = 1024 * KIB, UNIT64K = 64 * KIB;

export function fillFirmwareCmos(ram: Uint8Array, mem: MemoryLayout): void {
  ram[0x0f] = 0x00; // shutdown status: normal power-on
  ram[0x10] = 0x00; // no floppy drives
  ram[0x12] = 0x00; // no AT hard disks
  ram[0x14] = 0x02; // equipment: FPU present, no floppy, EGA/VGA display
  put16(ram, 0x15, 640); // base memory in KiB
  const ext = Math.min(0xffff, Math.max(0, Math.floor((mem.below4g - MIB) / KIB)));
  put16(ram, 0x17, ext); // extended memory above 1 MiB in KiB (saturates at 64 MiB)
  put16(ram, 0x30, ext); // the same, as POST measured it
  put16(ram, 0x34, Math.min(0xffff, Math.max(0, Math.floor((mem.below4g - 16 * MIB) / UNIT64K)))); // above 16 MiB, 64 KiB units
  const high = Math.min(0xffffff, Math.floor(mem.above4g / UNIT64K)); // above 4 GiB, 64 KiB units
  ram[0x5b] = high & 0xff;
  ram[0x5c] = (high >> 8) & 0xff;
  ram[0x5d] = (high >> 16) & 0xff;
  let sum = 0;
  for (let i = 0x10; i <= 0x2d; i++) sum += ram[i];
  ram[0x2e] = (sum >> 8) & 0xff; // the AT checksum is stored big-endian
  ram[0x2f] = sum & 0xff;
}

function put16(ram: Uint8Array, at: number, v: number): void {
  ram[at] = v & 0xff;
  ram[at + 1] = (v >> 8) & 0xff;
}

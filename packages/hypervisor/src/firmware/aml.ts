// A small AML (ACPI Machine Language) encoder: just what a firmware DSDT for Serval needs — names,
// scopes, devices, integers, strings, packages, buffers and EISA IDs. Each function returns the
// encoded bytes of one term; callers concatenate them. Encodings follow the ACPI specification's
// AML grammar (section 20).

export type Bytes = number[];

const OP = {
  ZERO: 0x00, ONE: 0x01, NAME: 0x08, BYTE: 0x0a, WORD: 0x0b, DWORD: 0x0c, STRING: 0x0d, QWORD: 0x0e,
  SCOPE: 0x10, BUFFER: 0x11, PACKAGE: 0x12, METHOD: 0x14, RETURN: 0xa4, ONES: 0xff, EXT: 0x5b, DEVICE: 0x82,
  DUAL_NAME: 0x2e, MULTI_NAME: 0x2f, ROOT: 0x5c,
} as const;

/** PkgLength: the length of what follows it, itself included, in 1 to 4 bytes. */
export function pkgLength(contentLength: number): Bytes {
  if (contentLength + 1 <= 0x3f) return [contentLength + 1];
  for (let n = 2; n <= 4; n++) {
    const total = contentLength + n;
    if (total < 2 ** (4 + 8 * (n - 1))) {
      const out = [((n - 1) << 6) | (total & 0xf)];
      for (let i = 1; i < n; i++) out.push((total >> (4 + 8 * (i - 1))) & 0xff);
      return out;
    }
  }
  throw new RangeError(`AML package of ${contentLength} bytes is too long`);
}

function nameSeg(seg: string): Bytes {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(seg)) throw new RangeError(`"${seg}" is not an AML name segment`);
  return [...seg.padEnd(4, '_')].map((c) => c.charCodeAt(0));
}

/** A name string: "\\_SB.PCI0", "_HID", "^FOO" is not needed here. */
export function nameString(path: string): Bytes {
  const root = path.startsWith('\\');
  const segs = (root ? path.slice(1) : path).split('.').filter((s) => s.length > 0);
  const out: Bytes = root ? [OP.ROOT] : [];
  if (segs.length === 0) return [...out, 0x00];
  if (segs.length === 2) out.push(OP.DUAL_NAME);
  else if (segs.length > 2) out.push(OP.MULTI_NAME, segs.length);
  for (const s of segs) out.push(...nameSeg(s));
  return out;
}

export function integer(v: number): Bytes {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`AML integer ${v} is not a non-negative integer`);
  if (v === 0) return [OP.ZERO];
  if (v === 1) return [OP.ONE];
  const le = (n: number) => Array.from({ length: n }, (_, i) => Math.floor(v / 2 ** (8 * i)) & 0xff);
  if (v <= 0xff) return [OP.BYTE, v];
  if (v <= 0xffff) return [OP.WORD, ...le(2)];
  if (v <= 0xffffffff) return [OP.DWORD, ...le(4)];
  return [OP.QWORD, ...le(8)];
}

export function string(s: string): Bytes {
  return [OP.STRING, ...[...s].map((c) => c.charCodeAt(0) & 0x7f), 0];
}

/** The 32-bit compressed EISA ID ("PNP0A03" → 0x030AD041), as iasl's EISAID() makes it. */
export function eisaId(id: string): Bytes {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new RangeError(`"${id}" is not an EISA ID`);
  const c = (i: number) => id.charCodeAt(i) - 0x40;
  const v = ((c(0) << 26) | (c(1) << 21) | (c(2) << 16) | parseInt(id.slice(3), 16)) >>> 0;
  const swapped = (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
  return integer(swapped);
}

export function name(path: string, value: Bytes): Bytes {
  return [OP.NAME, ...nameString(path), ...value];
}

export function scope(path: string, ...terms: Bytes[]): Bytes {
  const body = [...nameString(path), ...terms.flat()];
  return [OP.SCOPE, ...pkgLength(body.length), ...body];
}

export function device(path: string, ...terms: Bytes[]): Bytes {
  const body = [...nameString(path), ...terms.flat()];
  return [OP.EXT, OP.DEVICE, ...pkgLength(body.length), ...body];
}

export function pkg(...elements: Bytes[]): Bytes {
  if (elements.length > 255) throw new RangeError(`AML package of ${elements.length} elements needs a VarPackage`);
  const body = [elements.length, ...elements.flat()];
  return [OP.PACKAGE, ...pkgLength(body.length), ...body];
}

export function buffer(bytes: Bytes): Bytes {
  const body = [...integer(bytes.length), ...bytes];
  return [OP.BUFFER, ...pkgLength(body.length), ...body];
}

/** A method with no arguments that returns a constant term. */
export function methodReturning(path: string, value: Bytes): Bytes {
  const body = [...nameString(path), 0x00, OP.RETURN, ...value];
  return [OP.METHOD, ...pkgLength(body.length), ...body];
}

// ---------------------------------------------------------------- resource templates (_CRS)

const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Word address space descriptor: producer, fixed min and max, positive decode. */
export function wordRange(kind: 'bus' | 'io', min: number, max: number): Bytes {
  const type = kind === 'bus' ? 2 : 1;
  const typeFlags = kind === 'io' ? 0x03 : 0x00; // I/O: entire range
  return [0x88, ...le16(13), type, 0x0c, typeFlags, ...le16(0), ...le16(min), ...le16(max), ...le16(0), ...le16(max - min + 1)];
}

/** DWord memory range: producer, fixed, positive decode, read/write, non-cacheable. */
export function dwordMemory(min: number, max: number): Bytes {
  return [0x87, ...le16(23), 0, 0x0c, 0x01, ...le32(0), ...le32(min), ...le32(max), ...le32(0), ...le32(max - min + 1)];
}

/** Small I/O port descriptor with 16-bit decode. */
export function ioPort(min: number, max: number, align: number, length: number): Bytes {
  return [0x47, 0x01, ...le16(min), ...le16(max), align, length];
}

/** A resource template: descriptors and the end tag (checksum 0: "treat as checksummed"). */
export function resourceTemplate(...descriptors: Bytes[]): Bytes {
  return buffer([...descriptors.flat(), 0x79, 0x00]);
}

// Calendar fields of the MC146818 and their register encodings. The clock is kept as whole UNIX
// seconds; Date is used only as calendar arithmetic on explicit values (never to read the time).

export interface Fields {
  sec: number;
  min: number;
  hour: number;
  /** 0 = Sunday, as Date.getUTCDay. */
  weekday: number;
  day: number;
  month: number;
  /** Full year, e.g. 2024. */
  year: number;
}

export function toFields(secs: number): Fields {
  const d = new Date(secs * 1000);
  return {
    sec: d.getUTCSeconds(), min: d.getUTCMinutes(), hour: d.getUTCHours(), weekday: d.getUTCDay(),
    day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: d.getUTCFullYear(),
  };
}

/** Out-of-range values carry into the next unit (hour 24 is the next day), as Date does. */
export function fromFields(f: Omit<Fields, 'weekday'>): number {
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.min, f.sec, 0);
  return Math.floor(d.getTime() / 1000);
}

export function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

/** Nibbles above 9 are taken at face value: the chip does not validate either. */
export function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0x0f);
}

/** Encodes a value for a time register in the format register B selects. */
export function encode(v: number, binary: boolean): number {
  return binary ? v : toBcd(v);
}

export function decode(v: number, binary: boolean): number {
  return binary ? v : fromBcd(v);
}

/** An hour register: 0-23, or 1-12 with bit 7 for PM in 12-hour mode. */
export function encodeHour(h: number, binary: boolean, h24: boolean): number {
  if (h24) return encode(h, binary);
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return encode(h12, binary) | (h >= 12 ? 0x80 : 0);
}

export function decodeHour(v: number, binary: boolean, h24: boolean): number {
  if (h24) return decode(v, binary);
  return (decode(v & 0x7f, binary) % 12) + (v & 0x80 ? 12 : 0);
}

// When the MC146818's alarm next matches. The chip compares the alarm bytes with the time bytes
// at every update, in whatever format register B selects; 0xC0-0xFF in an alarm byte matches
// anything. A byte that can never equal a time byte (say 0x60 in BCD) means no alarm ever.
import { encode, encodeHour } from './calendar.js';

const DAY = 86_400;

/** The first UNIX second >= from whose time of day matches alarm bytes ram[1], ram[3], ram[5]. */
export function nextAlarm(from: number, ram: Uint8Array, binary: boolean, h24: boolean): number {
  const sa = ram[1], ma = ram[3], ha = ram[5];
  const any = (b: number) => (b & 0xc0) === 0xc0;
  const day0 = Math.floor(from / DAY) * DAY;
  // A match exists on every day if at all, so the first candidate is today or tomorrow.
  for (const day of [day0, day0 + DAY]) {
    for (let h = 0; h < 24; h++) {
      if (day + h * 3600 + 3599 < from || !(any(ha) || ha === encodeHour(h, binary, h24))) continue;
      for (let m = 0; m < 60; m++) {
        const base = day + h * 3600 + m * 60;
        if (base + 59 < from || !(any(ma) || ma === encode(m, binary))) continue;
        for (let s = 0; s < 60; s++) {
          if (base + s >= from && (any(sa) || sa === encode(s, binary))) return base + s;
        }
      }
    }
  }
  return Infinity;
}

// Exact conversions between virtual nanoseconds and the cycles of a device's input clock (the
// PIT's 1.193182 MHz, the RTC's 32.768 kHz). Products like ns * hz pass 2^53 after a few seconds,
// so both directions split off whole seconds first; what remains stays exact in a double.

/** Whole cycles of an `hz` clock (started at time 0) completed at virtual time `ns`. */
export function cyclesAt(ns: number, hz: number): number {
  const t = Math.floor(ns);
  const q = Math.floor(t / 1e9);
  const r = t - q * 1e9;
  return q * hz + Math.floor((r * hz) / 1e9);
}

/** The first virtual nanosecond at which `cyclesAt` reaches `n`. */
export function cycleTime(n: number, hz: number): number {
  const q = Math.floor(n / hz);
  const r = n - q * hz;
  return q * 1e9 + Math.ceil((r * 1e9) / hz);
}

// One 8254 counter. Nothing ticks: the counting element (CE) is a function of the input-clock
// tick number, computed from the segment that was loaded (count n at tick `load`). Every method
// takes the current tick `tk`; a write at tick tk happens between clock pulses tk and tk + 1.
//
// Timing follows the Intel 8254 datasheet: a count written (or triggered) at tk is loaded into
// the CE by pulse tk + 1, which does not decrement it, so mode 0's OUT rises N + 1 pulses after
// the write; modes 2 and 3 pick up a new count only at the end of the current period/half-cycle.

const IDLE = 0, ARMED = 1, COUNTING = 2;

/** The saved fields, all numbers or booleans; tick fields are saved relative to "now". */
export const TICK_FIELDS = ['load', 'ref', 'nextAt', 'nullUntil'] as const;
export const NUM_FIELDS = ['mode', 'modeBits', 'rw', 'cr', 'crLow', 'latch', 'status', 'state', 'frozen', 'n', 'acc', 'nextN'] as const;
export const BOOL_FIELDS = ['bcd', 'wHigh', 'rHigh', 'haveCount', 'gate', 'idleOut', 'low', 'run', 'nextLow'] as const;

export class Channel {
  mode = 3;
  /** M2-M1-M0 as programmed (6 and 7 act as 2 and 3 but read back in the status byte). */
  modeBits = 3;
  bcd = false;
  /** Access mode: 1 low byte, 2 high byte, 3 low then high. */
  rw = 3;
  cr = 0;
  crLow = 0;
  wHigh = false;
  rHigh = false;
  haveCount = false;
  /** Output latch (count latch command) and status latch, -1 when empty. */
  latch = -1;
  status = -1;
  /** IDLE: no count yet (or stopped by the gate); ARMED: modes 1/5 waiting for a trigger. */
  state = IDLE;
  /** CE value shown while not counting, and before a pending load. */
  frozen = 0;
  idleOut = true;
  n = 0x10000;
  load = 0;
  /** Mode 3: this segment starts with the low half-cycle. */
  low = false;
  /** Modes 0 and 4, where a low gate suspends counting: ticks counted before `ref`, and whether counting now. */
  acc = 0;
  ref = 0;
  run = true;
  /** Modes 2 and 3: a count written while counting waits for the end of the period. */
  nextN = 0;
  nextAt = Infinity;
  nextLow = false;
  /** Tick at which the count register reaches the CE (status NULL COUNT until then). */
  nullUntil = Infinity;

  constructor(public gate: boolean) {}

  private get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  private wrap(v: number): number {
    const m = this.modulus;
    return ((v % m) + m) % m;
  }

  /** Applies a pending mode 2/3 count once its tick has come. */
  sync(tk: number): void {
    if (tk >= this.nextAt) {
      this.n = this.nextN;
      this.load = this.nextAt;
      this.low = this.nextLow;
      this.nextAt = Infinity;
    }
  }

  private counted(tk: number): number {
    return this.acc + (this.run ? Math.max(0, tk - this.ref) : 0);
  }

  /** Mode 3 half-cycle at tk: whether OUT is high and how many pulses into the half it is. */
  private square(tk: number): { high: boolean; p: number } {
    const n = this.n, pos = (tk - this.load) % n;
    if (!this.low) { const hi = (n + 1) >> 1; return pos < hi ? { high: true, p: pos } : { high: false, p: pos - hi }; }
    const lo = n >> 1;
    return pos < lo ? { high: false, p: pos } : { high: true, p: pos - lo };
  }

  /** The CE as a binary number. */
  value(tk: number): number {
    this.sync(tk);
    if (this.state !== COUNTING || tk < this.load) return this.frozen;
    const n = this.n;
    switch (this.mode) {
      case 0: case 4: return this.wrap(n - this.counted(tk));
      case 1: case 5: return this.wrap(n - (tk - this.load));
      case 2: return this.wrap(n - ((tk - this.load) % n));
      default: {
        // Mode 3 counts down by two; an odd count spends one extra pulse high (N, N-1, N-3, ...)
        // and one fewer low (N, N-3, N-5, ...).
        const { high, p } = this.square(tk);
        if (n % 2 === 0) return this.wrap(n - 2 * p);
        return this.wrap(p === 0 ? n : high ? n + 1 - 2 * p : n - 1 - 2 * p);
      }
    }
  }

  out(tk: number): boolean {
    this.sync(tk);
    if (this.state === IDLE) return this.idleOut;
    if (this.state === ARMED) return true;
    const n = this.n, load = this.load;
    switch (this.mode) {
      case 0: return this.counted(tk) >= n;
      case 4: return this.counted(tk) !== n;
      case 1: return !(tk >= load && tk < load + n);
      case 5: return tk !== load + n;
      case 2: return tk < load || n === 1 || (tk - load) % n !== n - 1;
      default: return tk < load || this.square(tk).high;
    }
  }

  nullCount(tk: number): boolean {
    return tk < this.nullUntil;
  }

  /** The first tick after tk at which OUT goes from low to high (Infinity if none is coming). */
  nextRise(tk: number): number {
    this.sync(tk);
    if (this.state !== COUNTING) return Infinity;
    const n = this.n, load = this.load;
    let t: number;
    switch (this.mode) {
      case 0: return this.run && this.counted(tk) < n ? this.ref + n - this.acc : Infinity;
      case 4: t = this.ref + n + 1 - this.acc; return this.run && t > tk ? t : Infinity;
      case 1: t = load + n; return t > tk ? t : Infinity;
      case 5: t = load + n + 1; return t > tk ? t : Infinity;
      case 2: {
        const e = tk - load;
        t = n === 1 ? Infinity : e < 0 ? load + n : load + n * (Math.floor(e / n) + 1);
        break;
      }
      default: {
        const first = this.low ? n >> 1 : n, e = tk - load;
        t = (n >> 1) === 0 ? Infinity : load + first + (e < first ? 0 : (Math.floor((e - first) / n) + 1) * n);
      }
    }
    if (t <= this.nextAt) return t;
    // The period ends before the next rise: the waiting count takes over from nextAt.
    const m = this.nextN;
    if (this.mode === 2) return m === 1 ? Infinity : this.nextAt + m;
    return (m >> 1) === 0 ? Infinity : this.nextAt + (this.nextLow ? m >> 1 : m);
  }

  /** Control word for this counter (RW != 0): resets its logic, OUT to the mode's initial level. */
  control(v: number, tk: number): void {
    this.frozen = this.value(tk);
    this.rw = (v >> 4) & 3;
    this.modeBits = (v >> 1) & 7;
    this.mode = this.modeBits > 5 ? this.modeBits - 4 : this.modeBits;
    this.bcd = (v & 1) !== 0;
    this.state = IDLE;
    this.idleOut = this.mode !== 0;
    this.nextAt = Infinity;
    this.nullUntil = Infinity;
    this.haveCount = this.wHigh = this.rHigh = false;
    this.latch = this.status = -1;
  }

  latchCount(tk: number): void {
    if (this.latch >= 0) return; // a second latch before the first is read is ignored
    const v = this.value(tk);
    this.latch = this.bcd ? toBcd(v) : v;
  }

  latchStatus(tk: number): void {
    if (this.status >= 0) return;
    this.status = (this.out(tk) ? 0x80 : 0) | (this.nullCount(tk) ? 0x40 : 0) | (this.rw << 4) | (this.modeBits << 1) | (this.bcd ? 1 : 0);
  }

  readByte(tk: number): number {
    if (this.status >= 0) {
      const s = this.status;
      this.status = -1;
      return s;
    }
    const latched = this.latch >= 0;
    const v = latched ? this.latch : this.bcd ? toBcd(this.value(tk)) : this.value(tk);
    let high = this.rw === 2;
    if (this.rw === 3) { high = this.rHigh; this.rHigh = !this.rHigh; }
    if (latched && (this.rw !== 3 || high)) this.latch = -1;
    return high ? v >> 8 : v & 0xff;
  }

  writeByte(b: number, tk: number): void {
    if (this.rw === 1) return this.writeCount(b, tk);
    if (this.rw === 2) return this.writeCount(b << 8, tk);
    if (this.wHigh) { this.wHigh = false; return this.writeCount(this.crLow | (b << 8), tk); }
    this.crLow = b;
    this.wHigh = true;
    // Mode 0: the first byte of a two-byte count stops counting and drops OUT at once.
    if (this.mode === 0) {
      this.frozen = this.value(tk);
      this.state = IDLE;
      this.idleOut = false;
    }
  }

  private writeCount(raw: number, tk: number): void {
    this.sync(tk);
    const v = this.bcd ? fromBcd(raw) : raw;
    const n = v === 0 ? this.modulus : v;
    this.cr = v;
    this.haveCount = true;
    switch (this.mode) {
      case 0: case 4:
        this.start(tk, n);
        return;
      case 1: case 5:
        this.nullUntil = Infinity;
        if (this.state !== COUNTING) this.state = ARMED;
        return;
      default:
        if (this.state === COUNTING) return this.deferCount(tk, n);
        if (this.gate) this.start(tk, n); else { this.state = IDLE; this.idleOut = true; this.nullUntil = Infinity; }
    }
  }

  /** Modes 2 and 3: a count written while counting is loaded when the period (half-cycle) ends. */
  private deferCount(tk: number, n: number): void {
    if (tk < this.load) { this.n = n; return; } // the previous count has not even been loaded yet
    if (this.nextAt === Infinity) {
      const cur = this.n, e = tk - this.load;
      if (this.mode === 2) {
        this.nextAt = this.load + cur * (Math.floor(e / cur) + 1);
        this.nextLow = false;
      } else {
        const pos = e % cur, base = tk - pos, hi = (cur + 1) >> 1, lo = cur >> 1;
        const firstEnd = this.low ? lo : hi;
        this.nextAt = base + (pos < firstEnd ? firstEnd : cur);
        this.nextLow = pos < firstEnd ? !this.low : this.low;
      }
    }
    this.nextN = n;
    this.nullUntil = this.nextAt;
  }

  /** Loads count n into the CE at the next pulse (tk + 1). */
  private start(tk: number, n: number): void {
    this.frozen = this.value(tk);
    this.state = COUNTING;
    this.n = n;
    this.load = this.ref = tk + 1;
    this.acc = 0;
    this.low = false;
    this.run = this.mode === 0 || this.mode === 4 ? this.gate : true;
    this.nextAt = Infinity;
    this.nullUntil = tk + 1;
  }

  setGate(level: boolean, tk: number): void {
    this.sync(tk);
    if (level === this.gate) return;
    this.gate = level;
    const counting = this.state === COUNTING;
    switch (this.mode) {
      case 0: case 4:
        // A low gate suspends counting; OUT is unaffected.
        if (!counting) return;
        if (level) { this.ref = Math.max(tk, this.load); this.run = true; } else { this.acc = this.counted(tk); this.ref = tk; this.run = false; }
        return;
      case 1: case 5:
        // A rising gate (re)triggers: the count register is loaded at the next pulse.
        if (level && this.haveCount) this.trigger(tk);
        return;
      default:
        // Modes 2 and 3: a low gate stops counting and forces OUT high; a rising gate reloads.
        if (!level) {
          if (counting) { this.frozen = this.value(tk); this.state = IDLE; this.idleOut = true; }
          if (this.nextAt !== Infinity) { this.nextAt = Infinity; this.nullUntil = Infinity; }
        } else if (this.haveCount) {
          this.trigger(tk);
        }
    }
  }

  private trigger(tk: number): void {
    const loadedBefore = this.nullUntil;
    this.start(tk, this.cr === 0 ? this.modulus : this.cr);
    // Reloading a count that already reached the CE once does not make it null again.
    if (loadedBefore !== Infinity) this.nullUntil = loadedBefore;
  }
}

export function toBcd(v: number): number {
  return (v % 10) | (Math.floor(v / 10) % 10) << 4 | (Math.floor(v / 100) % 10) << 8 | (Math.floor(v / 1000) % 10) << 12;
}

export function fromBcd(v: number): number {
  return ((v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000) % 10000;
}

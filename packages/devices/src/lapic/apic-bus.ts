// The APIC bus: interrupt messages between local APICs (IPIs), from I/O APICs and from MSI writes,
// routed by destination as the xAPIC architecture defines it (physical IDs, flat and cluster
// logical destinations, shorthands), plus the EOI broadcast that level-triggered I/O APIC pins
// wait for. Delivery is immediate: a message lands in the target's IRR (or its INIT/SIPI/NMI
// latch) before `deliver` returns, so the order of events is the order of the calls.

/** ICR / redirection-entry delivery modes. */
export const DM = { FIXED: 0, LOWEST: 1, SMI: 2, NMI: 4, INIT: 5, STARTUP: 6, EXTINT: 7 } as const;

/** ICR destination shorthands. */
export const SHORTHAND = { NONE: 0, SELF: 1, ALL: 2, OTHERS: 3 } as const;

export interface ApicMessage {
  vector: number;
  /** One of DM. */
  mode: number;
  /** Destination mode: logical (true) or physical. */
  logical: boolean;
  /** 8-bit xAPIC destination (APIC ID, or logical mask/cluster). */
  dest: number;
  /** Level-triggered (the target sets its TMR bit and broadcasts the EOI). */
  level: boolean;
  /** The level of an INIT (ICR bit 14): INIT with level 0 and level trigger is "INIT de-assert". */
  assert: boolean;
  shorthand: number;
}

/** What the bus needs from each local APIC. */
export interface ApicEndpoint {
  readonly apicId: number;
  /** Logical destination register bits 31:24 and the destination format model (DFR 31:28). */
  readonly logicalId: number;
  readonly flatModel: boolean;
  /** Arbitration priority for lowest-priority delivery (the TPR). */
  readonly arbitrationPriority: number;
  /** Accepts a message the bus decided is for it. */
  accept(m: ApicMessage): void;
}

/** Whatever waits for EOIs of level-triggered vectors (the I/O APICs). */
export interface EoiListener {
  eoi(vector: number): void;
}

export class ApicBus {
  readonly endpoints: ApicEndpoint[] = [];
  private readonly eoiListeners: EoiListener[] = [];

  attach(e: ApicEndpoint): void {
    this.endpoints.push(e);
  }

  onEoi(l: EoiListener): void {
    this.eoiListeners.push(l);
  }

  broadcastEoi(vector: number): void {
    for (const l of this.eoiListeners) l.eoi(vector);
  }

  /** Does endpoint `e` match destination `dest` in the given mode? */
  static matches(e: ApicEndpoint, logical: boolean, dest: number): boolean {
    dest &= 0xff;
    if (!logical) return dest === 0xff || dest === (e.apicId & 0xff);
    if (e.flatModel) return (e.logicalId & dest) !== 0;
    // Cluster model: high nibble picks the cluster (15 = all), low nibble the members.
    const cluster = dest >> 4;
    return (cluster === 0xf || cluster === e.logicalId >> 4) && (dest & e.logicalId & 0xf) !== 0;
  }

  /** The endpoints a message goes to, in attachment order (which makes arbitration deterministic). */
  targets(m: ApicMessage, source?: ApicEndpoint): ApicEndpoint[] {
    switch (m.shorthand) {
      case SHORTHAND.SELF: return source ? [source] : [];
      case SHORTHAND.ALL: return [...this.endpoints];
      case SHORTHAND.OTHERS: return this.endpoints.filter((e) => e !== source);
      default: return this.endpoints.filter((e) => ApicBus.matches(e, m.logical, m.dest));
    }
  }

  /** Delivers `m`; returns whether it reached an endpoint other than `source`. */
  deliver(m: ApicMessage, source?: ApicEndpoint): boolean {
    let to = this.targets(m, source);
    if (m.mode === DM.LOWEST && to.length > 1) {
      // Lowest priority: the target with the lowest TPR; ties go to the first in order.
      let best = to[0];
      for (const e of to) if ((e.arbitrationPriority & 0xf0) < (best.arbitrationPriority & 0xf0)) best = e;
      to = [best];
    }
    for (const e of to) e.accept(m);
    return to.some((e) => e !== source);
  }

  /**
   * A message-signalled interrupt: a device's write of `data` to `addr` in 0xFEExxxxx (address
   * bits 19:12 destination, bit 2 destination mode; data bits 7:0 vector, 10:8 delivery mode,
   * 14 level, 15 trigger).
   */
  msi(addr: number, data: number): void {
    if (Math.floor(addr / 0x100000) !== 0xfee) return;
    void this.deliver({
      vector: data & 0xff, mode: (data >> 8) & 7, logical: (addr & 4) !== 0, dest: (addr >>> 12) & 0xff,
      level: (data & 0x8000) !== 0, assert: (data & 0x4000) !== 0, shorthand: SHORTHAND.NONE,
    });
  }
}

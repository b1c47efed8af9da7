// One x86-64 core: `run(budget)` executes compiled blocks until an exit. The host owns everything
// outside the core — devices, time, other cores — and talks to it only through the state, the
// intercepts, the typed exits, and completions/injections between runs.
import { CR0, CR4, EFER, FL, MSR, SEG, VEC, VEC_HAS_ERROR_CODE, VEC_NAMES } from './arch.js';
import { CpuidModel } from './cpuid.js';
import { allowedFeatures, decoderOptions } from './features.js';
import { defaultIntercepts, type Exit, type Intercepts } from './exits.js';
import { decodeRun, formatInstruction } from './iced/decode.js';
import type { Insn } from './ir.js';
import { Access, Tlb, Walk, walk } from './mmu.js';
import { IdentityMap, PhysicalMemory, SYNC_EPOCH, type PhysMap } from './memory.js';
import { compileBlock, endsBlock, isSideExit, MAX_SIDE_EXITS } from './jit/compile.js';
import { type BlockMode, MODE_KEY_SPAN, modeKey } from './jit/emitter.js';
import { TLB_MASK } from './jit/runtime.js';
import { ExitSignal, Fault } from './signals.js';
import { CpuState, R, SA } from './state.js';
import * as sys from './system.js';
import { stringInsn } from './strings.js';
import { UnimplementedError } from './errors.js';

const P32 = 4294967296;
const MAX_BLOCK_INSNS = 64;
const JCACHE_SIZE = 4096;
const JCACHE_MASK = JCACHE_SIZE - 1;
const BUDGET_EXIT: Exit = Object.freeze({ kind: 'budget' }) as Exit;

interface Block {
  fn: () => void;
  n: number;
  insns: Insn[];
  rip: number;
  /** CS base the block was fetched with (real and protected mode blocks depend on it). */
  csBase: number;
  modeKey: number;
  /** TLB epoch at which rip → hpa was last confirmed; a jump-cache hit needs the current epoch. */
  epoch: number;
  hpa: number;
  page: number;
  gen: number;
  /** Second page for a block whose last instruction crosses a page boundary (-1: none). */
  page2: number;
  gen2: number;
  la2: number;
  source: string;
}

/** Port I/O serviced synchronously inside `run` (see `Cpu.portIo`). */
export interface PortIoHandler {
  claims(port: number): boolean;
  read(port: number, size: number): number;
  write(port: number, size: number, value: number): void;
}

export interface CpuOptions {
  memory: PhysicalMemory;
  /** Guest-physical → host-physical (nested paging); identity over all memory by default. */
  physMap?: PhysMap;
  cpuid?: CpuidModel;
  /** APIC ID reported by CPUID. */
  apicId?: number;
  /** The time-stamp counter now, in cycles; supplied by whoever keeps virtual time. */
  tsc?: () => number;
  /** Keep each block's generated source (for debugging and tests). */
  keepSource?: boolean;
  /** Cores in other threads share this memory (see `Cpu.parallel`). */
  parallel?: boolean;
}

export class Cpu {
  readonly state = new CpuState();
  readonly r: Int32Array;
  readonly r8: Uint8Array;
  readonly r16: Uint16Array;
  readonly mem: PhysicalMemory;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  physMap: PhysMap;
  private model!: CpuidModel;
  private featureSet: ReadonlySet<number> = new Set();
  private featureVersion = -1;
  get cpuidModel(): CpuidModel { return this.model; }
  set cpuidModel(m: CpuidModel) {
    this.model = m;
    this.featureVersion = -1;
  }
  /**
   * iced CpuidFeatures the core executes, derived from the CPUID model. A changed model changes
   * which instructions exist, so compiled code is dropped.
   */
  private decodeOptions = 0;
  get features(): ReadonlySet<number> {
    if (this.featureVersion !== this.model.version) {
      this.featureSet = allowedFeatures(this.model);
      this.decodeOptions = decoderOptions(this.featureSet);
      this.featureVersion = this.model.version;
      this.invalidateCode();
    }
    return this.featureSet;
  }
  apicId: number;
  tscSource: () => number;
  tscOffset = 0;
  intercepts: Intercepts = defaultIntercepts();

  /** Instructions retired (each REP iteration counts as one). */
  icount = 0;
  /** Index, within the running block, of the instruction that may fault or exit next. */
  ii = 0;
  /** `icount` at which the current `run` stops; consulted between REP iterations. */
  runEnd = 0;

  // Current TLB set (supervisor or user), read by the compiled code's memory fast paths.
  tagR: Float64Array;
  tagW: Float64Array;
  tagX: Float64Array;
  tphys: Float64Array;
  private readonly tlbs = [new Tlb(), new Tlb()];
  private readonly walkOut = new Walk();

  private readonly blocks = new Map<number, Block>();
  private cur: Block | undefined;
  /** `icount` when the running block (or the current iteration of a self-looping block) began. */
  blockStart = 0;
  keepSource: boolean;

  // Completion replay for io/mmio exits: values the host supplied for the instruction at `replayIp`.
  private replay: number[] = [];
  private replayPos = 0;
  private replayIp = NaN;

  private pending: { vector: number; errorCode: number | undefined; external: boolean } | undefined;
  private faultDepth = 0;
  private mtrr = new Map<number, [number, number]>();
  /** Unimplemented instructions seen, by text (reported once each by hosts). */
  readonly unimplementedSeen = new Set<string>();

  private parallelMode = false;
  /** The memory's sync epoch when this core last dropped its translations (read by compiled loops). */
  syncSeen = 0;
  /**
   * Cores running in other threads write this memory at the same time: locked instructions compile
   * to atomic operations, a TLB flush here is announced to the others through the memory's sync
   * epoch, and the run loop drops this core's translations whenever that epoch moves. Off, none of
   * it costs anything beyond one field test per block.
   */
  get parallel(): boolean { return this.parallelMode; }
  set parallel(on: boolean) {
    if (on === this.parallelMode) return;
    this.parallelMode = on;
    this.syncSeen = this.mem.sync[SYNC_EPOCH];
    this.invalidateCode();
  }

  constructor(opts: CpuOptions) {
    this.mem = opts.memory;
    this.u8 = this.mem.u8;
    this.dv = this.mem.dv;
    this.physMap = opts.physMap ?? new IdentityMap(this.mem.size);
    this.cpuidModel = opts.cpuid ?? CpuidModel.baseline();
    this.apicId = opts.apicId ?? 0;
    this.tscSource = opts.tsc ?? (() => this.icount);
    this.keepSource = opts.keepSource ?? false;
    this.r = this.state.r;
    this.r8 = this.state.r8;
    this.r16 = this.state.r16;
    const t = this.tlbs[0];
    this.tagR = t.tagR; this.tagW = t.tagW; this.tagX = t.tagX; this.tphys = t.phys;
    this.mem.onMarkCode((page) => { for (const tl of this.tlbs) tl.dropWritesTo(page); });
    if (opts.parallel) this.parallel = true;
  }

  // ======================================================================== the run loop

  run(budget: number): Exit {
    const s = this.state;
    const end = this.icount + budget;
    this.runEnd = end;
    this.replayPos = 0;
    this.modeChanged();
    for (;;) {
      if (this.pending) {
        const p = this.pending;
        this.pending = undefined;
        s.halted = false;
        const x = this.exception(p.vector, p.errorCode, 0, p.external ? sys.IntKind.External : sys.IntKind.Exception, s.rip);
        if (x) return x;
      }
      if (this.intercepts.interruptWindow && (this.r[R.FLAGS] & FL.IF) !== 0 && !s.intShadow) {
        return { kind: 'interrupt-window' };
      }
      if (this.icount >= this.runEnd) return BUDGET_EXIT;
      if (this.parallelMode && Atomics.load(this.mem.sync, SYNC_EPOCH) !== this.syncSeen) this.dropTranslations();
      let blk: Block;
      try {
        blk = this.lookup();
      } catch (e) {
        const x = this.signal(e, undefined);
        if (x) return x;
        continue;
      }
      const shadowBefore = s.intShadow;
      s.intShadow = false;
      this.cur = blk;
      this.ii = 0;
      this.blockStart = this.icount;
      this.icount += blk.n;
      const stepping = this.mode.single;
      try {
        blk.fn();
        if (this.replay.length !== 0) { this.replay.length = 0; this.replayIp = NaN; }
      } catch (e) {
        const x = this.signal(e, blk);
        if (x) return x;
        continue;
      }
      // TF was set before the instruction: a single-step trap after it, unless it opened an
      // interrupt shadow (MOV SS, STI), which holds the trap back one more instruction.
      if (stepping && !s.intShadow) {
        void shadowBefore;
        s.dr[6] = (s.dr[6] % 65536) | 0x4000;
        const x = this.exception(VEC.DB, undefined, 0, sys.IntKind.Exception, s.rip);
        if (x) return x;
      }
    }
  }

  /** Turns a signal thrown inside a block (or a fetch) into an exit, a delivered exception, or nothing. */
  private signal(e: unknown, blk: Block | undefined): Exit | undefined {
    const s = this.state;
    if (blk && this.ii >= blk.n && (e instanceof Fault || e instanceof ExitSignal)) {
      throw new UnimplementedError(`internal error: instruction ${this.ii} of a ${blk.n}-instruction block at ${hex(blk.rip)} raised ${e instanceof Fault ? `vector ${e.vector}` : e.exit.kind} without recording itself`);
    }
    if (e instanceof Fault) {
      if (blk && e.vector === VEC.GP && e.errorCode === 0 && this.noncanonical && isStackRef(blk.insns[this.ii])) {
        this.noncanonical = false;
        return this.signal(new Fault(VEC.SS, 0), blk);
      }
      this.noncanonical = false;
      if (blk) {
        const insn = blk.insns[this.ii];
        this.icount = this.blockStart + this.ii;
        s.rip = insn.ip;
        if (e.nextRip !== undefined) this.icount++;
      }
      const kind = e.soft ? (e.vector === VEC.BP || e.vector === VEC.OF ? sys.IntKind.SoftException : sys.IntKind.Soft)
        : e.nextRip !== undefined ? sys.IntKind.Trap : sys.IntKind.Exception;
      return this.exception(e.vector, e.errorCode, e.cr2, kind, e.nextRip ?? s.rip);
    }
    if (e instanceof ExitSignal) {
      if (blk) {
        const insn = blk.insns[this.ii];
        if (e.retired) {
          this.icount = this.blockStart + this.ii + 1;
          if (!e.keepRip) s.rip = insn.next;
        } else {
          this.icount = this.blockStart + this.ii;
          s.rip = insn.ip;
        }
      }
      return e.exit;
    }
    const where = blk ? ` at ${hex(blk.insns[this.ii]?.ip ?? s.rip)}` : '';
    throw new UnimplementedError(`internal error while executing guest code${where}`, { cause: e });
  }

  /** Raises an exception: an exit if intercepted, else delivery through the IDT (with #DF/triple fault). */
  private exception(vector: number, errorCode: number | undefined, cr2: number, kind: sys.IntKind, returnRip: number): Exit | undefined {
    const s = this.state;
    if (vector === VEC.PF) s.cr2 = cr2;
    const isFault = kind === sys.IntKind.Exception;
    if (kind !== sys.IntKind.External && vector < 32 && (this.intercepts.exceptions & (1 << vector)) !== 0) {
      const rip = s.rip;
      if (!isFault) s.rip = returnRip;
      return { kind: 'exception', rip, vector, errorCode: isFault && VEC_HAS_ERROR_CODE.has(vector) ? errorCode ?? 0 : errorCode, cr2 };
    }
    const ec = isFault && (s.cr0 & CR0.PE) !== 0 && VEC_HAS_ERROR_CODE.has(vector) ? errorCode ?? 0 : undefined;
    try {
      this.faultDepth++;
      sys.deliver(this, vector, ec, kind, returnRip);
      return undefined;
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      if (this.faultDepth >= 3 || vector === VEC.DF) {
        return { kind: 'triple-fault', rip: s.rip, reason: `${VEC_NAMES[e.vector] ?? `vector ${e.vector}`} while delivering ${VEC_NAMES[vector] ?? `vector ${vector}`}` };
      }
      return this.exception(VEC.DF, 0, 0, sys.IntKind.Exception, s.rip);
    } finally {
      this.faultDepth--;
    }
  }

  // ======================================================================== host-side API

  /** Supplies the value an `io`/`mmio` exit asked for (any number for writes); the next run re-executes. */
  complete(value = 0): void {
    this.replay.push(value | 0);
  }

  /**
   * Ends the current `run` at the next block boundary (a 'budget' exit). For hosts whose in-core
   * devices (portIo) decide, mid-run, that the guest must stop.
   */
  requestExit(): void {
    this.runEnd = this.icount;
  }

  /** Injects an external interrupt, delivered before the next instruction (the host checks IF first). */
  injectInterrupt(vector: number): void {
    this.pending = { vector: vector & 0xff, errorCode: undefined, external: true };
  }

  /** Injects an exception (delivered through the IDT, or exiting again if intercepted). */
  injectException(vector: number, errorCode?: number): void {
    this.pending = { vector, errorCode, external: false };
  }

  get interruptsEnabled(): boolean {
    return (this.r[R.FLAGS] & FL.IF) !== 0 && !this.state.intShadow;
  }

  /**
   * Drops every translation (call after changing paging state from the host side); with
   * `keepGlobal`, what a CR3 write drops: all but global pages, which the kernel maps itself with.
   */
  flushTlb(keepGlobal = false): void {
    for (const t of this.tlbs) if (keepGlobal) t.flushNonGlobal(); else t.flush();
    this.epoch++;
    // A shootdown: every core in another thread drops its translations before its next block.
    if (this.parallelMode) Atomics.add(this.mem.sync, SYNC_EPOCH, 1);
  }

  /** Called after this core dropped its translations for a new sync epoch (a worker acknowledges a shootdown). */
  onSyncDrop: ((epoch: number) => void) | undefined;

  /** Another thread's core flushed its TLB or compiled code from a new page: drop everything cached. */
  private dropTranslations(): void {
    this.syncSeen = Atomics.load(this.mem.sync, SYNC_EPOCH);
    for (const t of this.tlbs) t.flush();
    this.epoch++;
    this.onSyncDrop?.(this.syncSeen);
  }

  /** Drops every compiled block (after the host rewrites guest code without going through memory APIs). */
  invalidateCode(): void {
    this.blocks.clear();
    this.jcache.fill(undefined);
  }

  /**
   * Re-derives what depends on CPL and mode (TLB set, block mode); called after state changes from
   * either side. Lookups also notice mode changes on their own by comparing a signature of the
   * state the mode derives from, so a missed call costs speed, never correctness.
   */
  modeChanged(): void {
    this.sigCr0 = NaN;
    this.syncMode();
  }

  // The state the block mode derives from, as last seen, and the mode derived from it.
  private sigCr0 = NaN; private sigCr4 = 0; private sigEfer = 0; private sigCs = 0; private sigSs = 0; private sigSel = 0; private sigTf = 0;
  private mode!: BlockMode;
  private modeKeyCur = 0;
  /** Bumped whenever any translation may have changed (TLB flushes, INVLPG). */
  private epoch = 0;
  private readonly jcache: (Block | undefined)[] = new Array(JCACHE_SIZE).fill(undefined);

  private syncMode(): void {
    const s = this.state;
    const csA = s.segAttr[SEG.CS], ssA = s.segAttr[SEG.SS], sel = s.segSel[SEG.CS], tf = this.r[R.FLAGS] & FL.TF;
    if (s.cr0 === this.sigCr0 && s.cr4 === this.sigCr4 && s.efer === this.sigEfer && csA === this.sigCs && ssA === this.sigSs && sel === this.sigSel && tf === this.sigTf) return;
    this.sigCr0 = s.cr0; this.sigCr4 = s.cr4; this.sigEfer = s.efer; this.sigCs = csA; this.sigSs = ssA; this.sigSel = sel; this.sigTf = tf;
    this.mode = this.modeOf();
    this.modeKeyCur = modeKey(this.mode);
    const t = this.tlbs[this.mode.cpl === 3 ? 1 : 0];
    this.tagR = t.tagR; this.tagW = t.tagW; this.tagX = t.tagX; this.tphys = t.phys;
  }

  /** Generated source of the block at a host-physical address (debugging). */
  blockSource(hpa: number): string | undefined {
    for (const b of this.blocks.values()) if (b.hpa === hpa) return b.source;
    return undefined;
  }

  // ======================================================================== blocks

  private modeOf(): BlockMode {
    const s = this.state;
    const bitness = s.bitness;
    const stackSize = bitness === 64 ? 8 : (s.segAttr[SEG.SS] & SA.DB) !== 0 ? 4 : 2;
    return {
      bitness, cpl: s.cpl, stackSize,
      em: (s.cr0 & CR0.EM) !== 0, ts: (s.cr0 & CR0.TS) !== 0, mp: (s.cr0 & CR0.MP) !== 0,
      osfxsr: (s.cr4 & CR4.OSFXSR) !== 0, osxmmexcpt: (s.cr4 & CR4.OSXMMEXCPT) !== 0,
      single: (this.r[R.FLAGS] & FL.TF) !== 0,
    };
  }

  private linearIp(): number {
    const s = this.state;
    return s.is64 ? s.rip : (s.segBase[SEG.CS] + s.rip) % P32;
  }

  private lookup(): Block {
    const s = this.state;
    this.syncMode();
    const rip = s.rip;
    const j = this.jcache[rip & JCACHE_MASK];
    if (j !== undefined && j.rip === rip && j.epoch === this.epoch && j.modeKey === this.modeKeyCur &&
      j.csBase === s.segBase[SEG.CS]) {
      const gen = this.mem.codeGen;
      if (gen[j.page] === j.gen && (j.page2 < 0 || gen[j.page2] === j.gen2)) return j;
    }
    const b = this.lookupSlow(rip);
    b.epoch = this.epoch;
    this.jcache[rip & JCACHE_MASK] = b;
    return b;
  }

  private lookupSlow(rip: number): Block {
    const s = this.state;
    void this.features; // drops stale code first if the CPUID model changed
    const la = this.linearIp();
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    let hpa: number;
    if (this.tagX[i] === vpn) hpa = this.tphys[i] + (la - vpn * 4096);
    else {
      hpa = this.translate(la, Access.Exec, s.cpl === 3);
      if (hpa < 0) throw new ExitSignal({ kind: 'triple-fault', rip, reason: `instruction fetch from unbacked physical memory at ${hex(this.mmioGpa)}` }, false);
    }
    const mode = this.mode;
    const key = hpa * MODE_KEY_SPAN + this.modeKeyCur;
    const blk = this.blocks.get(key);
    const gen = this.mem.codeGen;
    if (blk !== undefined && blk.rip === rip && blk.csBase === s.segBase[SEG.CS] && gen[blk.page] === blk.gen &&
      (blk.page2 < 0 || (gen[blk.page2] === blk.gen2 && this.page2Ok(blk)))) return blk;
    const nb = this.compile(rip, la, hpa, mode);
    this.blocks.set(key, nb);
    return nb;
  }

  private page2Ok(blk: Block): boolean {
    try {
      const h = this.translate(blk.la2, Access.Exec, this.state.cpl === 3);
      return h === blk.page2 * 4096;
    } catch {
      return false;
    }
  }

  private compile(rip: number, la: number, hpa: number, mode: BlockMode): Block {
    const page = Math.floor(hpa / 4096);
    const pageEnd = (page + 1) * 4096;
    let bytes = this.u8.subarray(hpa, pageEnd);
    const la2 = la - (la % 4096 + 4096) % 4096 + 4096;
    let hpa2 = -1;
    const ripAtPageEnd = rip + (pageEnd - hpa);
    try {
      hpa2 = this.translate(la2, Access.Exec, mode.cpl === 3);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
    }
    if (hpa2 >= 0) {
      const joined = new Uint8Array(bytes.length + 15);
      joined.set(bytes);
      joined.set(this.u8.subarray(hpa2, hpa2 + 15), bytes.length);
      bytes = joined;
    }
    let sideExits = 0;
    const d = decodeRun(bytes, rip, mode.bitness, mode.single ? 1 : MAX_BLOCK_INSNS,
      (insn) => insn.next >= ripAtPageEnd ||
        (endsBlock(insn) && !(isSideExit(insn, rip) && sideExits++ < MAX_SIDE_EXITS)), this.keepSource, this.decodeOptions);
    if (d.insns.length === 0) {
      // The first instruction runs into a page we could not map: fault on that page.
      this.translate(la2, Access.Exec, mode.cpl === 3);
      throw new Fault(VEC.PF, 0, la2);
    }
    const last = d.insns[d.insns.length - 1];
    const crosses = last.next > ripAtPageEnd && hpa2 >= 0;
    this.mem.markCode(page);
    const page2 = crosses ? Math.floor(hpa2 / 4096) : -1;
    if (crosses) this.mem.markCode(page2);
    const compiled = compileBlock(this, d.insns, mode);
    return {
      fn: compiled.fn, n: d.insns.length, insns: d.insns, rip, csBase: this.state.segBase[SEG.CS], modeKey: modeKey(mode), epoch: this.epoch,
      hpa, page, gen: this.mem.codeGen[page],
      page2, gen2: page2 >= 0 ? this.mem.codeGen[page2] : 0, la2, source: this.keepSource ? compiled.source : '',
    };
  }

  // ======================================================================== memory slow paths

  /** The last translation failed on a non-canonical address (a stack reference makes that #SS). */
  private noncanonical = false;

  /** Guest-physical address of the last translation that found no RAM (an MMIO access). */
  mmioGpa = 0;

  /** Linear → host-physical, filling the TLB; -1 for MMIO (address in `mmioGpa`). Throws #PF/#GP. */
  translate(la: number, access: Access, user: boolean): number {
    const s = this.state;
    if ((s.efer & EFER.LMA) !== 0) {
      if (la < -140737488355328 || la >= 140737488355328) { this.noncanonical = true; throw new Fault(VEC.GP, 0); }
    }
    const w = this.walkOut;
    walk(s, la, access, user, this.physMap, this.dv, w);
    const hpa = this.physMap.toHost(w.gpa);
    if (hpa < 0) { this.mmioGpa = w.gpa; return -1; }
    const vpn = Math.floor(la / 4096);
    const i = vpn & TLB_MASK;
    const t = this.tlbs[user ? 1 : 0];
    if (t.tagR[i] !== vpn) { t.tagW[i] = NaN; t.tagX[i] = NaN; }
    const base = hpa - (hpa % 4096);
    if (t.phys[i] !== base) { t.tagW[i] = NaN; t.tagX[i] = NaN; }
    t.phys[i] = base;
    t.global[i] = w.global ? 1 : 0;
    t.tagR[i] = vpn;
    if (w.writable && w.dirty && this.mem.codeMark[base / 4096] === 0) t.tagW[i] = vpn;
    if (w.executable) t.tagX[i] = vpn;
    return hpa;
  }

  private get user(): boolean {
    return this.state.cpl === 3;
  }

  readSlow(ea: number, size: number): number {
    const off = ((ea % 4096) + 4096) % 4096;
    if (off + size > 4096) return this.readSplit(ea, size, this.user);
    return this.readAt(ea, size, this.user);
  }

  private readAt(ea: number, size: number, user: boolean): number {
    const hpa = this.translate(ea, Access.Read, user);
    if (hpa < 0) {
      // A 64-bit MMIO read is two 32-bit device reads, low half first.
      const gpa = this.mmioGpa;
      const lo = this.mmio(gpa, size === 8 ? 4 : size, false, 0, 0);
      if (size === 8) this.r[R.TMP_HI] = this.mmio(gpa + 4, 4, false, 0, 0);
      return size === 4 || size === 8 ? lo | 0 : lo & (size === 1 ? 0xff : 0xffff);
    }
    const dv = this.dv;
    switch (size) {
      case 1: return this.u8[hpa];
      case 2: return dv.getUint16(hpa, true);
      case 4: return dv.getInt32(hpa, true);
      default:
        this.r[R.TMP_HI] = dv.getInt32(hpa + 4, true);
        return dv.getInt32(hpa, true);
    }
  }

  private readSplit(ea: number, size: number, user: boolean): number {
    let lo = 0, hi = 0;
    for (let k = 0; k < size; k++) {
      const b = this.readAt(ea + k, 1, user);
      if (k < 4) lo |= b << (8 * k); else hi |= b << (8 * (k - 4));
    }
    if (size === 8) this.r[R.TMP_HI] = hi;
    return size === 4 || size === 8 ? lo | 0 : lo;
  }

  writeSlow(ea: number, size: number, lo: number, hi: number): void {
    const off = ((ea % 4096) + 4096) % 4096;
    const user = this.user;
    if (off + size > 4096) {
      // Check both pages before writing anything, so a fault leaves memory untouched. A fault on
      // the second page reports its first byte in CR2, as hardware does.
      this.translate(ea, Access.Write, user);
      this.translate(ea - off + 4096, Access.Write, user);
      for (let k = 0; k < size; k++) {
        const b = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
        this.writeAt(ea + k, 1, b, 0, user);
      }
      return;
    }
    this.writeAt(ea, size, lo, hi, user);
  }

  private writeAt(ea: number, size: number, lo: number, hi: number, user: boolean): void {
    const hpa = this.translate(ea, Access.Write, user);
    if (hpa < 0) {
      this.mmio(this.mmioGpa, size, true, lo, hi);
      return;
    }
    const dv = this.dv;
    switch (size) {
      case 1: this.u8[hpa] = lo; break;
      case 2: dv.setUint16(hpa, lo, true); break;
      case 4: dv.setInt32(hpa, lo, true); break;
      default: dv.setInt32(hpa, lo, true); dv.setInt32(hpa + 4, hi, true);
    }
    // A write to a page holding compiled code invalidates its blocks (the running block, if it
    // wrote its own page, finishes as compiled: self-modification takes effect at the next block).
    if (this.mem.codeMark[Math.floor(hpa / 4096)]) this.mem.noteWrite(hpa, size);
  }

  private currentIp(): number {
    return this.cur ? this.cur.insns[this.ii].ip : this.state.rip;
  }

  private takeReplay(ip: number): number | undefined {
    if (this.replayIp === ip) {
      if (this.replayPos < this.replay.length) return this.replay[this.replayPos++];
    } else {
      this.replay.length = 0;
      this.replayPos = 0;
      this.replayIp = ip;
    }
    return undefined;
  }

  /** Drops completions consumed so far (between iterations of a REP string instruction). */
  retireReplay(): void {
    this.replay.length = 0;
    this.replayPos = 0;
    this.replayIp = NaN;
  }

  private mmio(gpa: number, size: number, write: boolean, lo: number, hi: number): number {
    const ip = this.currentIp();
    const v = this.takeReplay(ip);
    if (v !== undefined) return v;
    throw new ExitSignal({ kind: 'mmio', rip: ip, gpa, size, write, value: write ? lo : 0, valueHi: write ? hi : 0 }, false);
  }

  // System accesses (descriptor tables, TSS, interrupt frames) are supervisor accesses at any CPL.
  sysRead32(la: number): number { return this.linearRead(la, 4, false) | 0; }
  sysRead16(la: number): number { return this.linearRead(la, 2, false); }
  sysRead64(la: number): number {
    const lo = this.linearRead(la, 4, false) >>> 0;
    const hi = this.linearRead(la + 4, 4, false) | 0;
    return hi * P32 + lo;
  }
  sysWrite32(la: number, v: number): void { this.linearWrite(la, 4, v, 0, false); }
  sysWrite64(la: number, v: number): void {
    this.linearWrite(la, 8, v % P32 | 0, Math.floor(v / P32) | 0, false);
  }

  private linearRead(la: number, size: number, user: boolean): number {
    const off = ((la % 4096) + 4096) % 4096;
    if (off + size > 4096) return this.readSplit(la, size, user);
    return this.readAt(la, size, user);
  }

  private linearWrite(la: number, size: number, lo: number, hi: number, user: boolean): void {
    const off = ((la % 4096) + 4096) % 4096;
    if (off + size > 4096) {
      for (let k = 0; k < size; k++) {
        const b = k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff;
        this.writeAt(la + k, 1, b, 0, user);
      }
      return;
    }
    this.writeAt(la, size, lo, hi, user);
  }

  /** Accesses at the current privilege (used by helpers for explicit memory operands). */
  readLinear(la: number, size: number): number { return this.linearRead(la, size, this.user); }
  readLinear64(la: number): number {
    const lo = this.linearRead(la, 4, this.user) >>> 0;
    return (this.linearRead(la + 4, 4, this.user) | 0) * P32 + lo;
  }
  writeLinear(la: number, size: number, lo: number, hi: number): void { this.linearWrite(la, size, lo, hi, this.user); }

  // ======================================================================== stack for system code

  getSp(): number {
    const s = this.state;
    if (s.is64) return s.get64(4);
    return (s.segAttr[SEG.SS] & SA.DB) !== 0 ? s.get32(4) : this.r16[16];
  }
  setSp(v: number): void {
    const s = this.state;
    if (s.is64) s.set64(4, v);
    else if ((s.segAttr[SEG.SS] & SA.DB) !== 0) s.set32(4, v >>> 0);
    else this.r16[16] = v & 0xffff;
  }
  setSp64(v: number): void { this.state.set64(4, v); }
  adjustSp(n: number): void { if (n) this.setSp(this.getSp() + n); }

  private stackLinear(sp: number): number {
    const s = this.state;
    if (s.is64) return sp;
    return (s.segBase[SEG.SS] + sp) % P32;
  }

  /** Pushes at the current stack with supervisor rights (interrupt frames, far calls). */
  pushSys(size: number, v: number): void {
    const s = this.state;
    let sp = this.getSp() - size;
    if (!s.is64) sp = (s.segAttr[SEG.SS] & SA.DB) !== 0 ? sp >>> 0 : sp & 0xffff;
    const la = this.stackLinear(sp);
    const user = this.user;
    if (size === 8) this.linearWrite(la, 8, v % P32 | 0, Math.floor(v / P32) | 0, user);
    else this.linearWrite(la, size, v | 0, 0, user);
    this.setSp(sp);
  }

  popSys(size: number): number {
    const sp = this.getSp();
    const la = this.stackLinear(sp);
    const user = this.user;
    let v: number;
    if (size === 8) {
      const lo = this.linearRead(la, 4, user) >>> 0;
      v = (this.linearRead(la + 4, 4, user) | 0) * P32 + lo;
    } else {
      v = this.linearRead(la, size, user) >>> 0;
    }
    this.setSp(sp + size);
    return v;
  }

  /** Switches to an inner stack (32-bit interrupt delivery). */
  switchStack(ss: number, esp: number, cpl: number): void {
    const s = this.state;
    const saved = s.segSel[SEG.CS];
    s.segSel[SEG.CS] = (saved & ~3) | cpl; // the SS checks compare with the new CPL
    try {
      sys.loadSegment(this, SEG.SS, ss);
    } finally {
      s.segSel[SEG.CS] = saved;
    }
    this.setSp(esp);
  }

  // ======================================================================== instructions with host involvement

  raise(vector: number, errorCode?: number): never {
    throw new Fault(vector, errorCode);
  }

  unimplemented(k: number): never {
    const blk = this.cur!;
    const insn = blk.insns[k];
    const off = insn.ip - blk.rip;
    const text = formatInstruction(this.u8.slice(blk.hpa + off, blk.hpa + off + 15), insn.ip, this.modeOf().bitness);
    this.unimplementedSeen.add(text);
    throw new ExitSignal({ kind: 'unimplemented', rip: insn.ip, what: text }, false);
  }

  softInt(vector: number, kind: number, next: number): void {
    if (kind === 2 && (this.r[R.LF_AUX] & 2048) === 0) return; // INTO without OF
    throw new Fault(vector, undefined, 0, next, kind !== 3);
  }

  iret(size: number): void { sys.iret(this, size); }
  farTransfer(call: boolean, sel: number, off: number, size: number, next: number): void { sys.farTransfer(this, call, sel, off, size, next); }
  retFar(size: number, imm: number): void { sys.retFar(this, size, imm); }
  loadSegment(seg: number, sel: number): void { sys.loadSegment(this, seg, sel); }
  writeCr(n: number, lo: number, hi: number): void { sys.writeCr(this, n, lo, hi); }
  readCr(n: number, reg: number, wide: boolean): void {
    if (n === 8) {
      if (this.state.cpl !== 0) throw new Fault(VEC.GP, 0);
      this.state.set64(reg, this.state.cr8);
      return;
    }
    sys.readCr(this, n, reg, wide);
  }
  loadDescriptorTable(idt: boolean, ea: number): void { sys.loadDescriptorTable(this, idt, ea); }
  storeDescriptorTable(idt: boolean, ea: number): void { sys.storeDescriptorTable(this, idt, ea); }
  loadTr(sel: number): void { sys.loadSystemSegment(this, true, sel); }
  loadLdt(sel: number): void { sys.loadSystemSegment(this, false, sel); }
  lmsw(v: number): void {
    const s = this.state;
    s.cr0 = (s.cr0 & ~0xe) | (v & 0xe) | (s.cr0 & 1) | (v & 1);
    this.modeChanged();
  }
  invlpg(la: number): void {
    const vpn = Math.floor(la / 4096);
    for (const t of this.tlbs) t.flushPage(vpn);
    this.epoch++;
  }

  syscall(ip: number, next: number): void {
    if (this.intercepts.syscall) throw new ExitSignal({ kind: 'syscall', rip: ip }, true);
    sys.syscallArch(this, next);
  }
  sysret(size: number): void { sys.sysret(this, size); }
  swapgs(): void {
    const s = this.state;
    const t = s.segBase[SEG.GS];
    s.segBase[SEG.GS] = s.kernelGsBase;
    s.kernelGsBase = t;
  }

  hlt(ip: number): never {
    this.state.halted = true;
    throw new ExitSignal({ kind: 'hlt', rip: ip }, true);
  }

  vmcall(ip: number): never {
    if (!this.intercepts.vmcall) throw new Fault(VEC.UD);
    throw new ExitSignal({ kind: 'vmcall', rip: ip }, true);
  }

  cli(): void {
    if (!this.ioPrivileged()) throw new Fault(VEC.GP, 0);
    this.r[R.FLAGS] &= ~FL.IF;
  }

  sti(): void {
    if (!this.ioPrivileged()) throw new Fault(VEC.GP, 0);
    if ((this.r[R.FLAGS] & FL.IF) === 0) this.state.intShadow = true;
    this.r[R.FLAGS] |= FL.IF;
  }

  private ioPrivileged(): boolean {
    const s = this.state;
    if ((s.cr0 & CR0.PE) === 0) return true;
    return s.cpl <= ((this.r[R.FLAGS] >> 12) & 3);
  }

  pushfValue(): number {
    return this.state.getRflags() & ~(FL.VM | FL.RF);
  }

  popf(v: number, size: number): void {
    sys.writeFlags(this, v, size, false);
  }

  /**
   * Devices the host emulates inside the core (like KVM's in-kernel PIC and PIT): port accesses
   * they claim complete at once, with no exit. Ports they decline (`claims` false) still exit.
   */
  portIo: PortIoHandler | undefined;

  ioIn(port: number, size: number, ip: number): number {
    if (!this.ioPrivileged()) throw new Fault(VEC.GP, 0);
    const fast = this.portIo;
    if (fast !== undefined && fast.claims(port)) {
      const r = fast.read(port, size);
      return size === 4 ? r | 0 : r & (size === 1 ? 0xff : 0xffff);
    }
    const v = this.takeReplay(ip);
    if (v !== undefined) return size === 4 ? v | 0 : v & (size === 1 ? 0xff : 0xffff);
    if (!this.intercepts.io) return size === 4 ? -1 : size === 1 ? 0xff : 0xffff;
    throw new ExitSignal({ kind: 'io', rip: ip, port, size: size as 1 | 2 | 4, write: false, value: 0 }, false);
  }

  ioOut(port: number, size: number, value: number, ip: number): void {
    if (!this.ioPrivileged()) throw new Fault(VEC.GP, 0);
    const fast = this.portIo;
    if (fast !== undefined && fast.claims(port)) {
      fast.write(port, size, size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff));
      return;
    }
    if (this.takeReplay(ip) !== undefined) return;
    if (!this.intercepts.io) return;
    const v = size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff);
    throw new ExitSignal({ kind: 'io', rip: ip, port, size: size as 1 | 2 | 4, write: true, value: v }, false);
  }

  str(kind: number, size: number, rep: number, addrSize: number, seg: number, ip: number): boolean {
    return stringInsn(this, kind, size, rep, addrSize, seg, ip);
  }

  cpuid(ip: number): void {
    const s = this.state;
    const leaf = s.get32(0), sub = s.get32(1);
    if (this.intercepts.cpuid) throw new ExitSignal({ kind: 'cpuid', rip: ip, leaf, subleaf: sub }, true);
    const [a, b, c, d] = this.cpuidModel.get(leaf, sub, this.apicId);
    s.set32(0, a); s.set32(3, b); s.set32(1, c); s.set32(2, d);
  }

  rdtsc(withAux: boolean): void {
    const s = this.state;
    if ((s.cr4 & CR4.TSD) !== 0 && s.cpl !== 0 && (s.cr0 & CR0.PE) !== 0) throw new Fault(VEC.GP, 0);
    const t = this.readTsc();
    s.set32(0, t % P32);
    s.set32(2, Math.floor(t / P32));
    if (withAux) s.set32(1, s.tscAux);
  }

  readTsc(): number {
    return Math.max(0, Math.floor(this.tscSource() + this.tscOffset));
  }

  rdmsr(ip: number): void {
    const s = this.state;
    const msr = s.get32(1);
    const v = this.readMsr(msr);
    if (v === undefined) {
      if (this.intercepts.msr) throw new ExitSignal({ kind: 'msr', rip: ip, write: false, msr, lo: 0, hi: 0 }, true);
      throw new Fault(VEC.GP, 0);
    }
    s.set32(0, v[0] >>> 0);
    s.set32(2, v[1] >>> 0);
  }

  wrmsr(ip: number): void {
    const s = this.state;
    const msr = s.get32(1);
    const lo = this.r[0], hi = this.r[4];
    if (!this.writeMsr(msr, lo, hi)) {
      if (this.intercepts.msr) throw new ExitSignal({ kind: 'msr', rip: ip, write: true, msr, lo: lo >>> 0, hi: hi >>> 0 }, true);
      throw new Fault(VEC.GP, 0);
    }
  }

  /** MSRs the core implements itself: [lo, hi], or undefined for one it does not know. */
  readMsr(msr: number): [number, number] | undefined {
    const s = this.state;
    const split = (v: number): [number, number] => [v % P32 | 0, Math.floor(v / P32) | 0];
    if (this.intercepts.allMsrs) return undefined;
    switch (msr) {
      case MSR.EFER: return [s.efer, 0];
      case MSR.STAR: return [s.star[0], s.star[1]];
      case MSR.LSTAR: return split(s.lstar);
      case MSR.CSTAR: return split(s.cstar);
      case MSR.SFMASK: return [s.sfmask, 0];
      case MSR.FS_BASE: return split(s.segBase[SEG.FS]);
      case MSR.GS_BASE: return split(s.segBase[SEG.GS]);
      case MSR.KERNEL_GS_BASE: return split(s.kernelGsBase);
      case MSR.TSC_AUX: return [s.tscAux, 0];
      case MSR.TSC: return split(this.readTsc());
      case MSR.PAT: return [s.pat[0], s.pat[1]];
      case MSR.MISC_ENABLE: return [s.miscEnable, 0];
      case MSR.APIC_BASE: return split(s.apicBase);
      case MSR.SYSENTER_CS: return [s.sysenterCs, 0];
      case MSR.SYSENTER_ESP: return split(s.sysenterEsp);
      case MSR.SYSENTER_EIP: return split(s.sysenterEip);
      case MSR.MTRRCAP: return [0x508, 0];
      default:
        if ((msr >= 0x200 && msr <= 0x2ff) || msr === MSR.MTRR_DEF_TYPE) return this.mtrr.get(msr) ?? [0, 0];
        return undefined;
    }
  }

  writeMsr(msr: number, lo: number, hi: number): boolean {
    const s = this.state;
    if (this.intercepts.allMsrs) return false;
    const v = (hi | 0) * P32 + (lo >>> 0);
    const canonical = v >= -140737488355328 && v < 140737488355328;
    switch (msr) {
      case MSR.EFER: {
        const allowed = EFER.SCE | EFER.LME | EFER.NXE;
        if ((lo & ~(allowed | EFER.LMA)) !== 0 || hi !== 0) throw new Fault(VEC.GP, 0);
        // LME cannot change while paging is on (SDM: #GP when CR0.PG = 1).
        if ((s.cr0 & CR0.PG) !== 0 && ((lo ^ s.efer) & EFER.LME) !== 0) throw new Fault(VEC.GP, 0);
        s.efer = (s.efer & EFER.LMA) | (lo & allowed);
        this.flushTlb();
        return true;
      }
      case MSR.STAR: s.star = [lo | 0, hi | 0]; return true;
      case MSR.LSTAR: if (!canonical) throw new Fault(VEC.GP, 0); s.lstar = v; return true;
      case MSR.CSTAR: if (!canonical) throw new Fault(VEC.GP, 0); s.cstar = v; return true;
      case MSR.SFMASK: s.sfmask = lo >>> 0; return true;
      case MSR.FS_BASE: if (!canonical) throw new Fault(VEC.GP, 0); s.segBase[SEG.FS] = v; return true;
      case MSR.GS_BASE: if (!canonical) throw new Fault(VEC.GP, 0); s.segBase[SEG.GS] = v; return true;
      case MSR.KERNEL_GS_BASE: if (!canonical) throw new Fault(VEC.GP, 0); s.kernelGsBase = v; return true;
      case MSR.TSC_AUX: s.tscAux = lo >>> 0; return true;
      case MSR.TSC: this.tscOffset = (hi >>> 0) * P32 + (lo >>> 0) - this.tscSource(); return true;
      case MSR.PAT: s.pat = [lo | 0, hi | 0]; return true;
      case MSR.MISC_ENABLE: s.miscEnable = lo >>> 0; return true;
      case MSR.APIC_BASE: s.apicBase = v; return true;
      case MSR.SYSENTER_CS: s.sysenterCs = lo & 0xffff; return true;
      case MSR.SYSENTER_ESP: s.sysenterEsp = v; return true;
      case MSR.SYSENTER_EIP: s.sysenterEip = v; return true;
      default:
        if ((msr >= 0x200 && msr <= 0x2ff) || msr === MSR.MTRR_DEF_TYPE) { this.mtrr.set(msr, [lo | 0, hi | 0]); return true; }
        return false;
    }
  }
}

/** Memory references through SS (explicit, RSP/RBP-based, or the stack instructions') fault with #SS. */
function isStackRef(i: Insn | undefined): boolean {
  if (!i) return false;
  if (i.stackInc !== 0) return true;
  return i.ops.some((o) => o.k === 2 /* OK.Mem */ && o.seg === SEG.SS);
}

export function hex(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

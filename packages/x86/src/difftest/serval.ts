// The Serval side of the differential tester: one core in 64-bit user mode (CPL 3) with the code and
// data regions at the harness's virtual addresses, every exception intercepted. A case ends when RIP
// reaches its trailer, a `syscall` here (the native harness jumps to its epilogue instead), or at
// an exception exit, which maps to the signal Linux would deliver.
import { Cpu } from '../cpu.js';
import { CR0, SEG } from '../arch.js';
import { enterLongMode } from '../boot.js';
import { PhysicalMemory } from '../memory.js';
import { SA } from '../state.js';
import { CODE_BASE, CODE_SIZE, DATA_BASE, DATA_SIZE, fxOf, type Case, type Outcome, type Run } from './format.js';
import { loadFx, saveFx } from './fpstate.js';

const MEM_SIZE = 1 << 20;
const PML4 = 0x1000, PDPT = 0x2000, PD = 0x3000, PT_CODE = 0x4000, PT_DATA = 0x5000;
const CODE_PA = 0x10000, DATA_PA = 0x20000;
/** Instructions a case may retire before it counts as stuck (cases are short; REP counts are small). */
const BUDGET = 200_000;
const SYSCALL = new Uint8Array([0x0f, 0x05]);

// Linux's signal for each exception vector (arch/x86/kernel/traps.c).
const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;
const SIGNAL_OF: Record<number, number> = {
  0: SIGFPE, 1: SIGTRAP, 3: SIGTRAP, 4: SIGSEGV, 5: SIGSEGV, 6: SIGILL, 10: SIGSEGV, 11: SIGBUS,
  12: SIGBUS, 13: SIGSEGV, 14: SIGSEGV, 16: SIGFPE, 17: SIGBUS, 19: SIGFPE,
};

function pte(mem: PhysicalMemory, at: number, pa: number, flags: number, nx: boolean): void {
  mem.writeU64(at, (BigInt(pa) | BigInt(flags)) | (nx ? 1n << 63n : 0n));
}

export class ServalRunner {
  readonly mem = new PhysicalMemory(MEM_SIZE);
  readonly cpu: Cpu;
  private image = -1;
  private readonly data: Int32Array;
  private readonly dataBytes: Buffer;

  /** `selectors`: the ES CS SS DS FS GS values the native harness runs with (MOV r, Sreg reads them). */
  constructor(private readonly run: Run, private readonly selectors: number[]) {
    const m = this.mem;
    const P = 1, W = 2, U = 4;
    pte(m, PML4, PDPT, P | W | U, false);
    pte(m, PDPT, PD, P | W | U, false);
    pte(m, PD + ((CODE_BASE >>> 21) & 511) * 8, PT_CODE, P | W | U, false);
    pte(m, PD + ((DATA_BASE >>> 21) & 511) * 8, PT_DATA, P | W | U, false);
    for (let i = 0; i < CODE_SIZE / 4096; i++) pte(m, PT_CODE + (((CODE_BASE >>> 12) + i) & 511) * 8, CODE_PA + i * 4096, P | U, false);
    for (let i = 0; i < DATA_SIZE / 4096; i++) pte(m, PT_DATA + (((DATA_BASE >>> 12) + i) & 511) * 8, DATA_PA + i * 4096, P | W | U, true);
    this.cpu = new Cpu({ memory: m });
    if (run.extraEcx1) {
      const model = this.cpu.cpuidModel;
      const [a, b, c, d] = model.get(1, 0, 0);
      model.set(1, [a, b, c | run.extraEcx1, d]);
      this.cpu.cpuidModel = model;
    }
    enterLongMode(this.cpu, PML4, 3);
    const s = this.cpu.state;
    s.cr0 |= CR0.MP | CR0.AM;
    this.cpu.intercepts = { ...this.cpu.intercepts, syscall: true, exceptions: 0xffffffff };
    for (const seg of [SEG.ES, SEG.SS, SEG.DS, SEG.FS, SEG.GS]) s.segSel[seg] = selectors[seg];
    this.data = new Int32Array(m.buffer, DATA_PA, DATA_SIZE / 4);
    this.dataBytes = Buffer.from(m.buffer, DATA_PA, DATA_SIZE);
  }

  private setCode(compat: boolean): void {
    const s = this.cpu.state;
    const common = SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.G | (3 << SA.DPL_SHIFT);
    if (compat) s.setSegment(SEG.CS, 0x23, 0, 0xffffffff, common | SA.DB);
    else s.setSegment(SEG.CS, this.selectors[SEG.CS], 0, 0xffffffff, common | SA.L);
  }

  exec(c: Case): Outcome {
    const cpu = this.cpu, s = cpu.state, u8 = this.mem.u8;
    const img = this.run.images[c.image];
    if (c.image !== this.image) { u8.set(img, DATA_PA); this.image = c.image; }
    for (const p of c.patches) u8.set(p.bytes, DATA_PA + p.off);
    const code = new Uint8Array(c.code.length + 2);
    code.set(c.code); code.set(SYSCALL, c.code.length);
    // Variants of a case share its code: leaving identical bytes alone keeps the compiled block.
    const at = CODE_PA + c.codeOff;
    let same = true;
    for (let k = 0; k < code.length && same; k++) same = u8[at + k] === code[k];
    if (!same) this.mem.write(at, code);
    const trailer = CODE_BASE + c.codeOff + c.code.length;

    this.setCode(!!c.compat);
    for (let i = 0; i < 16; i++) s.set64(i, c.gpr[i]);
    s.setRflags((c.rflags & ~0x3000) | 0x202);
    s.rip = CODE_BASE + c.codeOff;
    s.intShadow = false; s.halted = false;
    loadFx(s, fxOf(this.run, c));

    let exit;
    try {
      exit = cpu.run(BUDGET);
    } catch (e) {
      exit = { kind: 'error' as const, what: String((e as Error)?.stack ?? e) };
    }
    const o: Outcome = {
      status: 0, signo: 0, trapno: 0, err: 0, addr: 0, rip: s.rip,
      gpr: Array.from({ length: 16 }, (_, i) => s.getBig(i)), rflags: s.getRflags(), fx: saveFx(s), diff: this.diff(img),
    };
    switch (exit.kind) {
      case 'syscall':
        if (exit.rip === trailer) { o.rip = trailer; break; }
        o.status = 4; o.what = `syscall at 0x${exit.rip.toString(16)}`;
        break;
      case 'exception':
        o.status = 1;
        o.trapno = exit.vector;
        o.signo = SIGNAL_OF[exit.vector] ?? -1;
        o.err = exit.errorCode ?? 0;
        o.addr = exit.vector === 14 ? exit.cr2 : 0;
        break;
      case 'budget':
        o.status = 2;
        break;
      case 'unimplemented':
        o.status = 3; o.what = exit.what;
        break;
      case 'error':
        o.status = 4; o.what = exit.what;
        break;
      default:
        o.status = 4; o.what = JSON.stringify(exit);
    }
    return o;
  }

  /** Data words that differ from the base image; restores them so the next case starts clean. */
  private diff(img: Uint8Array): Map<number, bigint> {
    const d = this.data, mem = this.dataBytes;
    const b = new Int32Array(img.buffer, img.byteOffset, DATA_SIZE / 4);
    const out = new Map<number, bigint>();
    // Most pages are untouched: a native compare per page finds the few worth scanning.
    for (let page = 0; page < DATA_SIZE; page += 4096) {
      if (mem.subarray(page, page + 4096).equals(img.subarray(page, page + 4096))) continue;
      for (let k = page / 4; k < (page + 4096) / 4; k += 2) {
        if (d[k] !== b[k] || d[k + 1] !== b[k + 1]) {
          out.set(k * 4, (BigInt(d[k + 1] >>> 0) << 32n) | BigInt(d[k] >>> 0));
          d[k] = b[k]; d[k + 1] = b[k + 1];
        }
      }
    }
    return out;
  }
}

export function runServal(run: Run, selectors: number[], onCase?: (k: number, o: Outcome) => void): Outcome[] {
  const r = new ServalRunner(run, selectors);
  const out: Outcome[] = [];
  for (let k = 0; k < run.cases.length; k++) {
    const o = r.exec(run.cases[k]);
    onCase?.(k, o);
    out.push(o);
  }
  return out;
}

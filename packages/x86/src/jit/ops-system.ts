// System and miscellaneous instructions. Most call into the Cpu (system.ts), which owns privilege
// checks that depend on runtime state and every exit to the host.
import { OK, type Insn } from '../ir.js';
import { Code, Mnemonic as M } from '../iced/iced.js';
import { type Emitter } from './emitter.js';

/** Raises #GP(0) when the block runs above CPL 0 (the CPL is fixed per compiled block). */
function requireCpl0(e: Emitter): boolean {
  if (e.mode.cpl === 0) return true;
  e.fault();
  e.emit('c.raise(13, 0);');
  return false;
}

export function system(e: Emitter, i: Insn): boolean {
  const ip = e.ip, next = e.next;
  switch (i.mnem) {
    case M.Nop: case M.Pause: case M.Endbr64: case M.Endbr32: case M.Lfence: case M.Mfence:
    case M.Sfence: case M.Prefetchnta: case M.Prefetcht0: case M.Prefetcht1: case M.Prefetcht2:
    case M.Prefetchw: case M.Prefetch:
      return true;
    case M.Clflush: case M.Clflushopt:
      // No data moves, but the line's address is checked like a byte read (#PF, #GP).
      e.emit(`c.translate(${e.ea(i.ops[0])}, 0, ${e.mode.cpl === 3});`);
      return true;
    case M.Ud0: case M.Ud1: case M.Ud2:
      e.fault(); e.emit('c.raise(6);'); return true;
    case M.Hlt:
      if (!requireCpl0(e)) return true;
      e.fault(); e.emit(`c.hlt(${ip});`); e.jumpTo(i.next); return true;
    case M.Cpuid:
      e.fault(); e.emit(`c.cpuid(${ip});`); return true;
    case M.Rdtsc:
      e.fault(); e.emit('c.rdtsc(false);'); return true;
    case M.Rdtscp:
      e.fault(); e.emit('c.rdtsc(true);'); return true;
    case M.Rdmsr:
      if (!requireCpl0(e)) return true;
      e.fault(); e.emit(`c.rdmsr(${ip});`); return true;
    case M.Wrmsr:
      if (!requireCpl0(e)) return true;
      e.fault(); e.emit(`c.wrmsr(${ip});`); e.jumpTo(i.next); return true;
    case M.Syscall:
      e.fault(); e.emit(`c.syscall(${ip}, ${next});`); e.wroteRip = true; return true;
    case M.Sysret: case M.Sysretq:
      if (!requireCpl0(e)) return true;
      e.fault(); e.emit(`c.sysret(${i.mnem === M.Sysretq || i.code === Code.Sysretq ? 8 : 4});`); e.wroteRip = true; return true;
    case M.Vmcall:
      e.fault(); e.emit(`c.vmcall(${ip});`); return true;
    case M.Swapgs:
      if (!requireCpl0(e)) return true;
      e.emit('c.swapgs();'); return true;
    case M.Cli:
      e.fault(); e.emit('c.cli();'); return true;
    case M.Sti:
      e.fault(); e.emit('c.sti();'); e.jumpTo(i.next); return true;
    case M.Clc: e.emit('r[34] &= ~1;'); return true;
    case M.Stc: e.emit('r[34] |= 1;'); return true;
    case M.Cmc: e.emit('r[34] ^= 1;'); return true;
    case M.Cld: e.emit('r[35] &= ~0x400;'); return true;
    case M.Std: e.emit('r[35] |= 0x400;'); return true;
    case M.Lahf: e.emit('r8[1] = c.state.getRflags() & 0xd7;'); return true; // bit 1 reads as 1
    case M.Sahf: e.emit('c.state.setRflags((c.state.getRflags() & ~0xd5) | (r8[1] & 0xd5));'); return true;
    case M.Pushf: case M.Pushfd: case M.Pushfq: {
      const size = Math.abs(i.stackInc);
      e.fault();
      const v = e.tmp('f');
      e.emit(`const ${v} = c.pushfValue();`);
      e.push(size, v, '0');
      return true;
    }
    case M.Popf: case M.Popfd: case M.Popfq: {
      const size = Math.abs(i.stackInc);
      const { lo, commit } = e.pop(size);
      e.emit(`c.popf(${lo}, ${size});`);
      e.emit(commit);
      e.jumpTo(i.next);
      return true;
    }
    case M.In: case M.Out: {
      e.fault();
      const port = i.mnem === M.In ? i.ops[1] : i.ops[0];
      const data = i.mnem === M.In ? i.ops[0] : i.ops[1];
      const p = port.k === OK.Imm ? String(port.lo & 0xff) : 'r16[8]';
      if (i.mnem === M.In) {
        const v = e.tmp('io');
        e.emit(`const ${v} = c.ioIn(${p}, ${data.size}, ${ip});`);
        e.setReg(data, v);
      } else {
        e.emit(`c.ioOut(${p}, ${data.size}, ${e.reg(data)}, ${ip});`);
      }
      return true;
    }
    case M.Invlpg:
      if (!requireCpl0(e)) return true;
      e.emit(`c.invlpg(${e.ea(i.ops[0])});`); e.jumpTo(i.next); return true;
    case M.Lgdt: case M.Lidt:
      if (!requireCpl0(e)) return true;
      e.emit(`c.loadDescriptorTable(${i.mnem === M.Lidt}, ${e.ea(i.ops[0])});`); e.jumpTo(i.next); return true;
    case M.Sgdt: case M.Sidt:
      e.emit(`c.storeDescriptorTable(${i.mnem === M.Sidt}, ${e.ea(i.ops[0])});`); return true;
    case M.Ltr: case M.Lldt:
      if (!requireCpl0(e)) return true;
      e.fault();
      e.emit(`c.${i.mnem === M.Ltr ? 'loadTr' : 'loadLdt'}(${e.load(i.ops[0], 2)});`); return true;
    case M.Str: case M.Sldt: {
      const v = `c.state.segSel[${i.mnem === M.Str ? 7 : 6}]`;
      const d = i.ops[0];
      if (d.k === OK.Reg && d.size >= 4) { e.emit(`r[${2 * d.reg}] = ${v}; r[${2 * d.reg + 1}] = 0;`); } else e.store(d, v, 2);
      return true;
    }
    case M.Smsw: {
      const d = i.ops[0];
      if (d.k === OK.Reg && d.size >= 4) e.emit(`r[${2 * d.reg}] = c.state.cr0; r[${2 * d.reg + 1}] = 0;`);
      else e.store(d, 'c.state.cr0 & 0xffff', 2);
      return true;
    }
    case M.Lmsw:
      if (!requireCpl0(e)) return true;
      e.fault(); e.emit(`c.lmsw(${e.load(i.ops[0], 2)});`); e.jumpTo(i.next); return true;
    case M.Clts:
      if (!requireCpl0(e)) return true;
      e.emit('c.state.cr0 &= ~8;'); return true;
    case M.Wbinvd: case M.Invd:
      if (!requireCpl0(e)) return true;
      return true;
    case M.Rdpmc:
      e.fault(); e.emit('c.raise(13, 0);'); return true;
    default:
      return false;
  }
}


// The lightweight kernel: it owns the node's cores and memory outright, runs one task per core,
// maps every task's memory eagerly (no demand paging, no OS noise), and serves the Linux syscall
// ABI so unmodified static binaries run. Kitten's design; the kernel itself is host code, so a
// task's SYSCALL exits the core straight into it.
import { parseElf64 } from '@serval/guest-tools';
import type { Core, CoreDriver, Node, RunOutcome, SliceResult } from '@serval/machine';
import { type Exit, VEC, enterLongMode, hex } from '@serval/x86';
import { AddressSpace, PROT_RW, PageTablePool, USER_TOP } from './aspace.js';
import { E } from './errno.js';
import { LwkError } from './errors.js';
import { FdTable, HostStdio } from './files.js';
import type { HostIo } from './host-io.js';
import { loadElfImage } from './image.js';
import { AT, buildInitialStack } from './initial-stack.js';
import { Pmem } from './pmem.js';
import type { SyscallContext } from './syscalls/context.js';
import { SYSCALLS } from './syscalls/table.js';
import { Task } from './task.js';

export const SIG = { ILL: 4, TRAP: 5, BUS: 7, FPE: 8, KILL: 9, SEGV: 11 } as const;
const SIG_NAMES: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV' };

export interface LwkOptions {
  io: HostIo;
  /** Diagnostics (unimplemented syscalls, fatal signals). */
  log?: (msg: string) => void;
  /** Bytes of low memory kept for the kernel (firmware area, kernel data). */
  kernelReserve?: number;
  heapSize?: number;
  stackSize?: number;
}

export interface SpawnOptions {
  argv: string[];
  envp?: string[];
  /** Path reported as the program's name (AT_EXECFN, /proc/self/exe). */
  path: string;
  core?: number;
}

const MB = 1024 * 1024;
const STACK_TOP = 0x7ffffffff000;

export class Lwk {
  readonly pmem: Pmem;
  readonly tasks: Task[] = [];
  private readonly pool: PageTablePool;
  private nextPid = 1;
  private readonly log: (msg: string) => void;

  constructor(readonly node: Node, private readonly opts: LwkOptions) {
    this.pmem = new Pmem(node.memory.size);
    this.pmem.reserve(0, opts.kernelReserve ?? MB, 'kernel', 'LWK');
    this.pool = new PageTablePool(node.memory, this.pmem);
    this.log = opts.log ?? (() => {});
  }

  /** A free core: the lowest-numbered one without an owner. */
  private pickCore(want?: number): Core {
    if (want !== undefined) {
      const c = this.node.core(want);
      if (c.owner) throw new LwkError('CORE_BUSY', `core ${want} is already in use by ${c.owner}`);
      return c;
    }
    const c = this.node.cores.find((x) => !x.owner);
    if (!c) throw new LwkError('NO_FREE_CORE', `all ${this.node.cores.length} cores are in use`);
    return c;
  }

  spawn(program: Uint8Array, o: SpawnOptions): Task {
    const mem = this.node.memory;
    const name = o.path.split('/').pop() || o.path;
    const elf = parseElf64(program, o.path);
    const core = this.pickCore(o.core);
    const aspace = new AddressSpace(mem, this.pool);
    const image = loadElfImage(elf, aspace, this.pmem, mem, name);
    const heapSize = this.opts.heapSize ?? 64 * MB;
    const stackSize = this.opts.stackSize ?? 8 * MB;
    const heap = this.pmem.alloc(heapSize, 'umem', `${name} heap`, 2 * MB);
    mem.fill(heap.start, heapSize);
    aspace.map({ va: image.end, size: heapSize, pa: heap.start, prot: PROT_RW, name: 'heap', region: heap });
    const stack = this.pmem.alloc(stackSize, 'umem', `${name} stack`, 2 * MB);
    mem.fill(stack.start, stackSize);
    aspace.map({ va: STACK_TOP - stackSize, size: stackSize, pa: stack.start, prot: PROT_RW, name: 'stack', region: stack });

    const pid = this.nextPid++;
    const files = new FdTable();
    for (const fd of [0, 1, 2]) files.set(fd, new HostStdio(this.opts.io, fd));
    const task = new Task(pid, name, o.path, core, aspace, image, files,
      { start: image.end, limit: image.end + heapSize }, STACK_TOP - stackSize - 64 * MB);
    task.regions.push(image.region, heap, stack);

    const cpuid = core.cpu.cpuidModel.get(1, 0, core.id);
    const random = new Uint8Array(16);
    for (let i = 0; i < 16; i++) random[i] = (pid * 131 + i * 977) & 0xff;
    const built = buildInitialStack({
      argv: o.argv, envp: o.envp ?? [], execfn: o.path, platform: 'x86_64', random, top: STACK_TOP,
      aux: [
        [AT.PHDR, image.phdr], [AT.PHENT, 56], [AT.PHNUM, image.phnum], [AT.PAGESZ, 4096], [AT.BASE, 0],
        [AT.FLAGS, 0], [AT.ENTRY, image.entry], [AT.UID, 1000], [AT.EUID, 1000], [AT.GID, 1000], [AT.EGID, 1000],
        [AT.SECURE, 0], [AT.HWCAP, cpuid[3] >>> 0], [AT.HWCAP2, 0], [AT.CLKTCK, 100],
      ],
    });
    if (built.bytes.length > stackSize / 2) throw new LwkError('E2BIG', `arguments and environment of ${name} need ${built.bytes.length} bytes of stack`);
    mem.write(stack.start + stackSize - built.bytes.length, built.bytes);

    const cpu = core.cpu;
    cpu.state.reset();
    enterLongMode(cpu, aspace.cr3, 3);
    cpu.state.rip = image.entry;
    cpu.state.set64(4, built.sp);
    cpu.state.setRflags(0x202);
    cpu.intercepts = {
      syscall: true, io: true, cpuid: false, msr: false, allMsrs: false, hlt: true, vmcall: false,
      exceptions: 0xffffffff, interruptWindow: false,
    };
    core.owner = `task ${pid} (${name})`;
    core.driver = new TaskDriver(this, task);
    this.tasks.push(task);
    return task;
  }

  /** Runs the node until every task has ended (or `stop` holds). */
  run(stop?: () => boolean): RunOutcome {
    return this.node.run({ stop });
  }

  // ---- called by the task driver ----

  syscall(task: Task): void {
    const s = task.core.cpu.state;
    const nr = s.get64(0);
    const args = [s.get64(7), s.get64(6), s.get64(2), s.get64(10), s.get64(8), s.get64(9)];
    const sc = SYSCALLS.get(nr);
    let ret: number;
    if (!sc) {
      const key = `syscall ${nr}`;
      if (!task.reported.has(key)) { task.reported.add(key); this.log(`${task.name}: unimplemented syscall ${nr} returns -ENOSYS`); }
      ret = -E.NOSYS;
    } else {
      ret = sc.handler(this.context(task), args);
    }
    // As after SYSRET: RCX holds the return address and R11 the flags.
    s.set64(0, ret);
    s.set64(1, s.rip);
    s.set64(11, s.getRflags());
  }

  fault(task: Task, x: Extract<Exit, { kind: 'exception' }>): void {
    const sig = x.vector === VEC.UD ? SIG.ILL : x.vector === VEC.DE || x.vector === VEC.MF || x.vector === VEC.XM ? SIG.FPE
      : x.vector === VEC.BP || x.vector === VEC.DB ? SIG.TRAP : x.vector === VEC.AC ? SIG.BUS : SIG.SEGV;
    const what = x.vector === VEC.PF ? `invalid memory access at ${hex(x.cr2)}` : `exception ${x.vector}`;
    this.kill(task, sig, `${what}, rip ${hex(x.rip)}`);
  }

  kill(task: Task, signal: number, reason: string): void {
    if (task.end) return;
    task.end = { kind: 'killed', signal, reason };
    this.log(`${task.name}: terminated by ${SIG_NAMES[signal] ?? `signal ${signal}`} (${reason})`);
  }

  reap(task: Task): void {
    for (const r of task.regions) this.pmem.freeRegion(r);
    task.regions.length = 0;
    task.aspace.destroy();
    task.core.owner = undefined;
  }

  private context(task: Task): SyscallContext {
    const mem = this.node.memory;
    const as = task.aspace;
    return {
      task, mem, io: this.opts.io,
      readUser(va, len) {
        if (len === 0) return new Uint8Array(0);
        const out = new Uint8Array(len);
        let done = 0;
        while (done < len) {
          const m = as.find(va + done);
          if (!m || va + done >= USER_TOP) return undefined;
          const n = Math.min(len - done, m.va + m.size - (va + done));
          out.set(mem.u8.subarray(m.pa + (va + done - m.va), m.pa + (va + done - m.va) + n), done);
          done += n;
        }
        return out;
      },
      writeUser(va, bytes) {
        let done = 0;
        while (done < bytes.length) {
          const m = as.find(va + done);
          if (!m || !m.prot.write) return false;
          const n = Math.min(bytes.length - done, m.va + m.size - (va + done));
          mem.write(m.pa + (va + done - m.va), bytes.subarray(done, done + n));
          done += n;
        }
        return true;
      },
      readString(va, max = 4096) {
        const out: number[] = [];
        for (let i = 0; i < max; i++) {
          const pa = as.resolve(va + i, 1, 'read');
          if (pa === undefined) return undefined;
          const b = mem.u8[pa];
          if (b === 0) return new TextDecoder().decode(Uint8Array.from(out));
          out.push(b);
        }
        return undefined;
      },
      exit: (code) => { if (!task.end) task.end = { kind: 'exited', code }; },
      now: () => task.core.localTimeNs(),
      log: (msg) => this.log(`${task.name}: ${msg}`),
    };
  }
}

/** Runs one task on its core, turning its exits into kernel work. */
class TaskDriver implements CoreDriver {
  constructor(private readonly lwk: Lwk, private readonly task: Task) {}

  runSlice(core: Core, budget: number): SliceResult {
    const cpu = core.cpu;
    const task = this.task;
    let left = budget;
    while (left > 0 && !task.end) {
      const before = cpu.icount;
      const x = cpu.run(left);
      left -= cpu.icount - before;
      switch (x.kind) {
        case 'budget': break;
        case 'syscall': this.lwk.syscall(task); break;
        case 'exception': this.lwk.fault(task, x); break;
        case 'unimplemented': this.lwk.kill(task, SIG.ILL, `unimplemented instruction ${x.what} at ${hex(x.rip)}`); break;
        default: this.lwk.kill(task, SIG.SEGV, `unexpected ${x.kind} exit at ${hex(cpu.state.rip)}`);
      }
    }
    if (task.end) {
      this.lwk.reap(task);
      return 'done';
    }
    return 'ran';
  }
}

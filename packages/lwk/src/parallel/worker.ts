// A core's worker thread in parallel mode: one x86 core over the node's shared memory, running the
// user threads the kernel (in the main thread) hands it, one stretch at a time, until an exit.
import type { MessagePort } from 'node:worker_threads';
import { Cpu, CpuidModel, type Exit, PhysicalMemory, enterLongMode } from '@serval/x86';
import { Context } from '../proc/context.js';
import { USER_INTERCEPTS } from './intercepts.js';
import {
  ACK, CMD, DONE, EXIT, READY, EXIT_BUDGET, EXIT_ERROR, EXIT_MESSAGE, EXIT_SYSCALL, F_BUDGET, F_CR3, F_EXIT_RIP, F_ICOUNT,
  F_SLICE_NS, OP, OP_QUIT, type CoreWorkerData, putContext, putSegments, takeContext, takeSystem,
} from './protocol.js';

/** Serves the kernel until it says quit. `port` carries exits that are more than a code. */
export function runCoreWorker(d: CoreWorkerData, port: MessagePort): void {
  const mem = new PhysicalMemory(d.memorySize, d.memory);
  let sliceNs = 0, sliceIcount = 0;
  // The TSC as the main thread's Core derives it: slice start plus instructions at this frequency.
  const cpu: Cpu = new Cpu({
    memory: mem, apicId: d.core, cpuid: CpuidModel.baseline({ cores: d.cores, tscHz: d.tscHz }), parallel: true,
    tsc: () => Math.floor(((sliceNs + ((cpu.icount - sliceIcount) * 1e9) / d.freqHz) * d.tscHz) / 1e9),
  });
  cpu.state.reset();
  enterLongMode(cpu, 0, 3);
  cpu.intercepts = { ...USER_INTERCEPTS };
  const ctl = new Int32Array(d.ctl), regs = new Int32Array(d.regs), nums = new Float64Array(d.nums);
  const bell = new Int32Array(d.bell);
  // A kernel waiting for a shootdown learns that this core has dropped its translations.
  cpu.onSyncDrop = (epoch) => { Atomics.store(ctl, ACK, epoch); Atomics.add(bell, 0, 1); Atomics.notify(bell, 0); };
  Atomics.store(ctl, ACK, cpu.syncSeen); // a new core holds no translations yet
  const ctx = new Context();
  let seen = 0;
  Atomics.store(ctl, READY, 1);
  for (;;) {
    Atomics.wait(ctl, CMD, seen);
    const cmd = Atomics.load(ctl, CMD);
    if (cmd === seen) continue;
    seen = cmd;
    if (ctl[OP] === OP_QUIT) break;
    takeContext(ctx, regs, nums);
    ctx.load(cpu.state);
    takeSystem(cpu.state, regs, nums);
    // The kernel flushed its own copy of this core when CR3 changed, which every worker sees.
    cpu.state.cr3 = nums[F_CR3];
    cpu.icount = nums[F_ICOUNT];
    sliceNs = nums[F_SLICE_NS];
    sliceIcount = cpu.icount;
    let x: Exit | undefined;
    try {
      x = cpu.run(nums[F_BUDGET]);
    } catch (e) {
      port.postMessage({ error: (e as Error)?.stack ?? String(e) });
      ctl[EXIT] = EXIT_ERROR;
    }
    if (x) {
      if (x.kind === 'budget') ctl[EXIT] = EXIT_BUDGET;
      else if (x.kind === 'syscall') { ctl[EXIT] = EXIT_SYSCALL; nums[F_EXIT_RIP] = x.rip; }
      else { port.postMessage({ exit: x }); ctl[EXIT] = EXIT_MESSAGE; }
    }
    ctx.save(cpu.state);
    putContext(ctx, regs, nums);
    putSegments(cpu.state, regs, nums);
    nums[F_ICOUNT] = cpu.icount;
    Atomics.store(ctl, DONE, seen);
    Atomics.add(bell, 0, 1);
    Atomics.notify(bell, 0);
  }
  port.close();
}

// Identity, limits, system information and per-thread setup calls.
import { E } from '../errno.js';
import { NORETURN, type Sys, type Syscall, int } from './context.js';
import { coresOf } from '../sched/cores.js';

const constant = (nr: number, name: string, v: (x: Sys) => number): Syscall => ({ nr, name, handler: (x) => v(x) });

export const getpid = constant(39, 'getpid', (x) => x.p.pid);
export const gettid = constant(186, 'gettid', (x) => x.t.tid);
export const getppid = constant(110, 'getppid', (x) => x.p.parent?.pid ?? 0);
export const getuid = constant(102, 'getuid', () => 1000);
export const geteuid = constant(107, 'geteuid', () => 1000);
export const getgid = constant(104, 'getgid', () => 1000);
export const getegid = constant(108, 'getegid', () => 1000);
export const setuid = constant(105, 'setuid', () => 0);
export const setgid = constant(106, 'setgid', () => 0);
export const getgroups = constant(115, 'getgroups', () => 0);
export const getpgrp = constant(111, 'getpgrp', (x) => x.p.pgid);
export const getpgid: Syscall = { nr: 121, name: 'getpgid', handler: (x, [pid]) => (pid === 0 ? x.p.pgid : x.k.procs.get(pid)?.pgid ?? -E.SRCH) };
export const getsid: Syscall = { nr: 124, name: 'getsid', handler: (x, [pid]) => (pid === 0 ? x.p.sid : x.k.procs.get(pid)?.sid ?? -E.SRCH) };
export const setpgid: Syscall = {
  nr: 109, name: 'setpgid',
  handler(x, [pid, pgid]) {
    const p = pid === 0 ? x.p : x.k.procs.get(pid);
    if (!p) return -E.SRCH;
    p.pgid = pgid === 0 ? p.pid : pgid;
    return 0;
  },
};
export const setsid = constant(112, 'setsid', (x) => { x.p.sid = x.p.pgid = x.p.pid; return x.p.pid; });

export const UNAME = { sysname: 'Linux', nodename: 'serval', release: '6.1.0-serval', version: '#1 SMP Serval LWK', machine: 'x86_64', domainname: '(none)' };

export const uname: Syscall = {
  nr: 63, name: 'uname',
  handler(x, [buf]) {
    const out = new Uint8Array(65 * 6);
    const enc = new TextEncoder();
    Object.values(UNAME).forEach((s, i) => out.set(enc.encode(s).subarray(0, 64), i * 65));
    return x.write(buf, out) ? 0 : -E.FAULT;
  },
};

const FS = 4, GS = 5;
export const archPrctl: Syscall = {
  nr: 158, name: 'arch_prctl',
  handler(x, [code, addr]) {
    const s = x.s;
    switch (code) {
      // Linux overwrites the selector too, with 0 (the only one that means nothing but the base).
      case 0x1002: if (addr >= 0x800000000000) return -E.PERM; s.setSegment(FS, 0, addr, 0, 0); return 0;
      case 0x1001: if (addr >= 0x800000000000) return -E.PERM; s.setSegment(GS, 0, addr, 0, 0); return 0;
      case 0x1003: return x.putU64(addr, s.segBase[FS]) ? 0 : -E.FAULT;
      case 0x1004: return x.putU64(addr, s.segBase[GS]) ? 0 : -E.FAULT;
      default: return -E.INVAL;
    }
  },
};

export const setTidAddress: Syscall = { nr: 218, name: 'set_tid_address', handler(x, [addr]) { x.t.clearChildTid = addr; return x.t.tid; } };
export const setRobustList: Syscall = { nr: 273, name: 'set_robust_list', handler(x, [head, len]) { if (len !== 24) return -E.INVAL; x.t.robustList = head; return 0; } };
/** Declined: libc then runs without restartable sequences. */
export const rseq: Syscall = { nr: 334, name: 'rseq', handler: () => -E.NOSYS };

const RLIM_INF = 0xffffffffffffffffn;
function rlimit(res: number): [bigint, bigint] {
  switch (res) {
    case 3: return [8n * 1024n * 1024n, RLIM_INF]; // STACK
    case 7: return [1024n, 1024n];                 // NOFILE
    default: return [RLIM_INF, RLIM_INF];
  }
}
function putRlimit(x: Sys, va: number, res: number): boolean {
  const [cur, max] = rlimit(res);
  const b = new Uint8Array(16);
  new DataView(b.buffer).setBigUint64(0, cur, true);
  new DataView(b.buffer).setBigUint64(8, max, true);
  return x.write(va, b);
}
export const prlimit64: Syscall = {
  nr: 302, name: 'prlimit64',
  handler(x, [pid, res, , old]) {
    if (pid !== 0 && pid !== x.p.pid) return -E.SRCH;
    if (res > 15) return -E.INVAL;
    return !old || putRlimit(x, old, res) ? 0 : -E.FAULT;
  },
};
export const getrlimit: Syscall = { nr: 97, name: 'getrlimit', handler: (x, [res, old]) => (res > 15 ? -E.INVAL : putRlimit(x, old, res) ? 0 : -E.FAULT) };
export const setrlimit: Syscall = { nr: 160, name: 'setrlimit', handler: (_x, [res]) => (res > 15 ? -E.INVAL : 0) };

export const getrandom: Syscall = {
  nr: 318, name: 'getrandom',
  handler(x, [buf, len]) {
    const n = Math.min(len, 1 << 20);
    return x.write(buf, x.k.vfs.entropy.bytes(n)) ? n : -E.FAULT;
  },
};

export const schedGetaffinity: Syscall = {
  nr: 204, name: 'sched_getaffinity',
  handler(x, [, size, mask]) {
    // The cores this address space may use: the LWK's own, within the job's cpu mask.
    const n = x.k.node.cores.length;
    const bytes = Math.ceil(n / 64) * 8;
    if (size < bytes) return -E.INVAL;
    const b = new Uint8Array(bytes);
    for (const i of coresOf(x.k, x.mm.policy.cpus)) b[i >> 3] |= 1 << (i & 7);
    return x.write(mask, b) ? bytes : -E.FAULT;
  },
};
export const getcpu: Syscall = {
  nr: 309, name: 'getcpu',
  handler(x, [cpu, node]) {
    if (cpu && !x.putU32(cpu, x.t.sched.core.id)) return -E.FAULT;
    if (node && !x.putU32(node, 0)) return -E.FAULT;
    return 0;
  },
};
/**
 * Pins a thread to the first core of the mask that the LWK owns and its address space may use
 * (threads stay where they are placed, so that is where it then runs); EINVAL when there is none.
 */
export const schedSetaffinity: Syscall = {
  nr: 203, name: 'sched_setaffinity',
  handler(x, [pidArg, size, maskVa]) {
    const tid = int(pidArg);
    const t = tid === 0 || tid === x.t.tid ? x.t : [...x.k.procs.values()].flatMap((p) => p.threads).find((th) => th.tid === tid && th.state !== 'dead');
    if (!t) return -E.SRCH;
    const bytes = x.read(maskVa, Math.min(size, 128));
    if (!bytes) return -E.FAULT;
    const cores = coresOf(x.k, t.proc.mm.policy.cpus).filter((c) => c < bytes.length * 8 && (bytes[c >> 3] >> (c & 7)) & 1);
    if (!cores.length) return -E.INVAL;
    if (cores.includes(t.sched.core.id)) return 0;
    const to = x.k.scheds[cores[0]];
    if (t === x.t) {
      // The caller moves with its result already in place: it resumes on the new core.
      const s = x.s;
      s.set64(0, 0); s.set64(1, s.rip); s.set64(11, s.getRflags());
    }
    t.sched.sync();
    t.sched.remove(t);
    x.k.takeCore(to);
    to.add(t);
    return t === x.t ? NORETURN : 0;
  },
};
export const schedYield: Syscall = { nr: 24, name: 'sched_yield', handler: () => 0 };

export const sysinfo: Syscall = {
  nr: 99, name: 'sysinfo',
  handler(x, [buf]) {
    const b = new Uint8Array(112);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, BigInt(Math.floor(x.now() / 1e9)), true);
    dv.setBigUint64(32, BigInt(x.k.node.memory.size), true);
    dv.setBigUint64(40, BigInt(x.k.pmem.free), true);
    dv.setUint16(80, x.k.procs.size, true);
    dv.setUint32(104, 1, true);
    return x.write(buf, b) ? 0 : -E.FAULT;
  },
};

export const prctl: Syscall = {
  nr: 157, name: 'prctl',
  handler(x, [op, arg]) {
    switch (op) {
      case 15: { const n = x.str(arg, 16); if (n !== undefined) x.p.name = n; return 0; } // PR_SET_NAME
      case 16: return x.write(arg, new TextEncoder().encode(`${x.p.name.slice(0, 15)}\0`)) ? 0 : -E.FAULT;
      case 1: case 38: case 4: return 0; // PDEATHSIG, NO_NEW_PRIVS, SET_DUMPABLE
      default: return -E.INVAL;
    }
  },
};

export { int };

// The kernel's own x86 selftests (tools/testing/selftests/x86 of Debian's linux-source-6.1, fetched
// by scripts/fetch-debian.sh), each 64-bit test built alone as the kernel's Makefile does, run
// natively and on the LWK. Prints which pass where; the ones covering what the LWK delivers
// (sigaltstack, signal frames, syscall numbering, SYSRET) must pass on the LWK.
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';
import { debianFile } from './debian.js';
import { tmp, tool } from './tools.js';

const MAKEFILE = debianFile('linux-selftests', 'tools/testing/selftests/x86/Makefile');
const DIR = MAKEFILE ? join(MAKEFILE, '..') : '';
const HAS_GCC = tool('gcc');

/** The Makefile's 64-bit targets (TARGETS_C_BOTHBITS, _64BIT_ONLY and, with 32-bit support, _32BIT_NEEDED). */
const TESTS = [
  'single_step_syscall', 'sysret_ss_attrs', 'syscall_nt', 'test_mremap_vdso', 'check_initial_reg_state', 'sigreturn',
  'iopl', 'ioperm', 'test_vsyscall', 'mov_ss_trap', 'sigtrap_loop', 'syscall_arg_fault', 'fsgsbase_restore',
  'sigaltstack', 'fsgsbase', 'sysret_rip', 'syscall_numbering', 'corrupt_xstate_header', 'amx', 'ldt_gdt',
  'ptrace_syscall',
];
/** What the LWK delivers and these tests check: they must pass on it. */
const REQUIRED = ['sigaltstack', 'syscall_nt', 'syscall_numbering', 'sysret_rip', 'sigreturn', 'sysret_ss_attrs', 'fsgsbase_restore', 'fsgsbase'];
/** Per-test limit, native and on the LWK (a hung test counts as failed). */
const TIMEOUT_MS = 90_000;

const EXTRA: Record<string, string[]> = {
  sysret_ss_attrs: ['thunks.S'],
  // It needs its own entry point (the Makefile's special case).
  check_initial_reg_state: ['-Wl,-ereal_start'],
};

interface Outcome { status: number | null; signal: string | null; out: string }
const native = new Map<string, Outcome>();
const lwk = new Map<string, Outcome>();
const passed = (m: Map<string, Outcome>) => TESTS.filter((t) => m.get(t)?.status === 0);

function outcome(r: ReturnType<typeof spawnSync>): Outcome {
  return { status: r.error ? null : r.status, signal: r.signal, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

describe.skipIf(!MAKEFILE || !HAS_GCC)('the kernel x86 selftests', () => {
  beforeAll(async () => {
    const bin = tmp('serval-selftests-');
    const cc = promisify(execFile);
    // Two at a time: the machine has two cores.
    const queue = [...TESTS];
    const worker = async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        await cc('gcc', ['-m64', '-static', '-O2', '-std=gnu99', '-pthread', '-no-pie', '-o', join(bin, t), `${t}.c`, ...(EXTRA[t] ?? []), '-lrt', '-ldl'], { cwd: DIR });
      }
    };
    await Promise.all([worker(), worker()]);
    for (const t of TESTS) {
      const exe = join(bin, t);
      native.set(t, outcome(spawnSync(exe, [], { cwd: bin, encoding: 'utf8', timeout: TIMEOUT_MS, input: '' })));
      lwk.set(t, outcome(spawnSync(join(ROOT, 'serval'), ['run', exe], { cwd: bin, encoding: 'utf8', timeout: TIMEOUT_MS, input: '' })));
    }
    const show = (m: Map<string, Outcome>) => TESTS.map((t) => {
      const o = m.get(t)!;
      return `${o.status === 0 ? 'PASS' : 'fail'} ${t}${o.status === 0 ? '' : ` (${o.status === null ? 'timed out' : `status ${o.status}`})`}`;
    }).join('\n  ');
    console.log(`kernel x86 selftests, native: ${passed(native).length}/${TESTS.length} pass\n  ${show(native)}`);
    console.log(`kernel x86 selftests, LWK: ${passed(lwk).length}/${TESTS.length} pass\n  ${show(lwk)}`);
  }, 30 * 60_000);

  it.each(REQUIRED)('%s passes natively and on the LWK', (t) => {
    expect(native.get(t)?.status, native.get(t)?.out).toBe(0);
    expect(lwk.get(t)?.status, lwk.get(t)?.out.slice(-3000)).toBe(0);
  });

  it('sigreturn reports the same cases and faults on the LWK as natively', () => {
    // Each bad CS or SS must fail the return with the trap, error code and signal Linux reports
    // (ESPFIX turns any failure with an LDT SS into #GP(0)). Only [NOTE] lines may differ: the high
    // half of RSP after a return to 32- or 16-bit code depends on the CPU vendor.
    const lines = (o?: Outcome) => (o?.out ?? '').split('\n').filter((l) => /^\[(RUN|OK|FAIL)\]/.test(l));
    expect(lines(native.get('sigreturn')).length).toBeGreaterThan(20);
    expect(lines(lwk.get('sigreturn'))).toEqual(lines(native.get('sigreturn')));
  });

  it('no test passes on the LWK that fails natively (a pass must mean something)', () => {
    expect(passed(lwk).filter((t) => native.get(t)?.status !== 0)).toEqual([]);
  });
});

// Native reference for the SIMD tests: executes one instruction per case on the real CPU and
// dumps the architectural state after it (or at the fault it raised).
//
// stdin:  records of IN_SIZE bytes; stdout: records of OUT_SIZE bytes (layouts in native.ts).
// The instruction runs from a fixed address with every GPR but RSP and the whole x87/SSE state
// (FXRSTOR image) loaded from the record; data lives at fixed addresses so that the emulator can
// use the very same pointer values. A guard page after the data window turns accesses past it
// into page faults.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDR 0x310000UL
#define DATA_ADDR 0x300000UL
#define GUARD_ADDR 0x302000UL
#define WIN_ADDR 0x301f00UL
#define WIN 256

#define IN_SIZE (16 + 16 + 128 + 16 + 512 + WIN)
#define OUT_SIZE (128 + 8 + 8 + 8 + 8 + 8 + 512 + WIN)

uint64_t g_gpr_in[16], g_gpr_out[16], g_rflags_in, g_rflags_out, g_saved_rsp, g_code_ptr;
uint8_t g_fx_in[512] __attribute__((aligned(64)));
uint8_t g_fx_out[512] __attribute__((aligned(64)));
uint32_t g_mxcsr_default = 0x1f80;
void run_case(void);

#define LD(r, n) "mov g_gpr_in+" #n "(%rip), %" #r "\n"
#define ST(r, n) "mov %" #r ", g_gpr_out+" #n "(%rip)\n"
__asm__(
  ".text\n.globl run_case\nrun_case:\n"
  "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
  "mov %rsp, g_saved_rsp(%rip)\n"
  "fxrstor64 g_fx_in(%rip)\n"
  "pushq g_rflags_in(%rip)\npopfq\n"
  LD(rax, 0) LD(rcx, 8) LD(rdx, 16) LD(rbx, 24) LD(rbp, 40) LD(rsi, 48) LD(rdi, 56)
  LD(r8, 64) LD(r9, 72) LD(r10, 80) LD(r11, 88) LD(r12, 96) LD(r13, 104) LD(r14, 112) LD(r15, 120)
  "call *g_code_ptr(%rip)\n"
  ST(rax, 0) ST(rcx, 8) ST(rdx, 16) ST(rbx, 24) ST(rbp, 40) ST(rsi, 48) ST(rdi, 56)
  ST(r8, 64) ST(r9, 72) ST(r10, 80) ST(r11, 88) ST(r12, 96) ST(r13, 104) ST(r14, 112) ST(r15, 120)
  "pushfq\npopq g_rflags_out(%rip)\n"
  "fxsave64 g_fx_out(%rip)\n"
  "fninit\nldmxcsr g_mxcsr_default(%rip)\n"
  "mov g_saved_rsp(%rip), %rsp\n"
  "pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");

static sigjmp_buf jb;
static struct { uint32_t signo, trapno; uint64_t err, cr2; } g_fault;

static void on_fault(int sig, siginfo_t *si, void *p) {
  (void)si;
  ucontext_t *uc = p;
  greg_t *g = uc->uc_mcontext.gregs;
  static const int map[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };
  for (int i = 0; i < 16; i++) g_gpr_out[i] = (uint64_t)g[map[i]];
  g_rflags_out = (uint64_t)g[REG_EFL];
  g_fault.signo = (uint32_t)sig;
  g_fault.trapno = (uint32_t)g[REG_TRAPNO];
  g_fault.err = (uint64_t)g[REG_ERR];
  g_fault.cr2 = (uint64_t)g[REG_CR2];
  memcpy(g_fx_out, uc->uc_mcontext.fpregs, 512);
  siglongjmp(jb, 1);
}

static int read_full(uint8_t *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t k = fread(p + got, 1, n - got, stdin);
    if (k == 0) return got == 0 ? 0 : -1;
    got += k;
  }
  return 1;
}

int main(void) {
  if (mmap((void *)DATA_ADDR, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)DATA_ADDR ||
      mmap((void *)GUARD_ADDR, 0x1000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)GUARD_ADDR ||
      mmap((void *)CODE_ADDR, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)CODE_ADDR) {
    perror("mmap");
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0); sigaction(SIGBUS, &sa, 0); sigaction(SIGILL, &sa, 0); sigaction(SIGFPE, &sa, 0);
  g_code_ptr = CODE_ADDR;
  static uint8_t in[IN_SIZE], out[OUT_SIZE];
  for (;;) {
    int r = read_full(in, IN_SIZE);
    if (r == 0) break;
    if (r < 0) { fprintf(stderr, "short record\n"); return 2; }
    uint32_t len;
    memcpy(&len, in + 16, 4);
    if (len > 15) { fprintf(stderr, "bad length\n"); return 2; }
    memcpy((void *)CODE_ADDR, in, len);
    ((uint8_t *)CODE_ADDR)[len] = 0xc3;
    memcpy(g_gpr_in, in + 32, 128);
    memcpy(&g_rflags_in, in + 160, 8);
    g_rflags_in = (g_rflags_in & 0x8d5) | 0x202;
    memcpy(g_fx_in, in + 176, 512);
    memcpy((void *)WIN_ADDR, in + 176 + 512, WIN);
    memset(&g_fault, 0, sizeof g_fault);
    if (sigsetjmp(jb, 1) == 0) run_case();
    __asm__ volatile("fninit\nldmxcsr g_mxcsr_default(%%rip)" ::: "memory");
    memcpy(out, g_gpr_out, 128);
    memcpy(out + 128, &g_rflags_out, 8);
    memcpy(out + 136, &g_fault.signo, 4);
    memcpy(out + 140, &g_fault.trapno, 4);
    memcpy(out + 144, &g_fault.err, 8);
    memcpy(out + 152, &g_fault.cr2, 8);
    memset(out + 160, 0, 8);
    memcpy(out + 168, g_fx_out, 512);
    memcpy(out + 168 + 512, (void *)WIN_ADDR, WIN);
    if (fwrite(out, 1, OUT_SIZE, stdout) != OUT_SIZE) return 2;
  }
  return 0;
}

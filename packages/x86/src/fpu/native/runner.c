/*
 * Reference runner for the x87 tests: executes instruction bytes on this machine's real FPU.
 * Reads request records from stdin and writes one response record per request to stdout.
 *
 * request:  u32 codeAddr, u32 codeLen, u32 dataLen, u32 pad, u64 rflags, u64 rax,
 *           code[codeLen], fxsave image[512], data[dataLen]
 * response: u32 signal (0: none), u32 pad, u64 faultRip, u64 rflags, u64 rax,
 *           fxsave image[512] (at the fault when signal != 0), fnstenv image[28] (zero after a
 *           signal), data[dataLen]
 *
 * The code is copied to codeAddr (inside a fixed RWX region) followed by RET and called with the
 * FPU state loaded by FXRSTOR64 and RFLAGS/RAX set; afterwards FXSAVE64 captures the state. The
 * data block lives at a fixed address so memory operands can use absolute addresses, which keeps
 * FIP/FDP identical to the emulator's. This CPU's FXSAVE stores FIP/FDP/FOP only while an
 * unmasked exception is pending, so FNSTENV (after FXSAVE: it masks exceptions) reports them.
 */
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

#define CODE_BASE 0x200000UL
#define CODE_SIZE 0x100000UL
#define DATA_BASE 0x300000UL
#define DATA_SIZE 0x10000UL

static sigjmp_buf jb;
static volatile uint64_t fault_rip;
static uint8_t fault_fx[512] __attribute__((aligned(16)));

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  fault_rip = uc->uc_mcontext.gregs[REG_RIP];
  if (uc->uc_mcontext.fpregs) memcpy(fault_fx, uc->uc_mcontext.fpregs, 512);
  else memset(fault_fx, 0, 512);
  siglongjmp(jb, sig);
}

static int read_all(void *p, size_t n) {
  uint8_t *b = p;
  while (n) {
    ssize_t k = read(0, b, n);
    if (k <= 0) return 0;
    b += k; n -= (size_t)k;
  }
  return 1;
}

static void write_all(const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    ssize_t k = write(1, b, n);
    if (k <= 0) exit(3);
    b += k; n -= (size_t)k;
  }
}

struct req { uint32_t codeAddr, codeLen, dataLen, pad; uint64_t rflags, rax; };
struct resp { uint32_t sig, pad; uint64_t faultRip, rflags, rax; };

int main(void) {
  if (mmap((void *)CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)CODE_BASE) return 2;
  if (mmap((void *)DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)DATA_BASE) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGFPE, &sa, 0);
  sigaction(SIGSEGV, &sa, 0);
  sigaction(SIGBUS, &sa, 0);
  sigaction(SIGILL, &sa, 0);
  static uint8_t in[512] __attribute__((aligned(16)));
  static uint8_t out[512] __attribute__((aligned(16)));
  static uint8_t env[28];
  struct req q;
  while (read_all(&q, sizeof q)) {
    uint8_t *code = (uint8_t *)(uintptr_t)q.codeAddr;
    if (q.codeAddr < CODE_BASE || q.codeAddr + q.codeLen + 1 > CODE_BASE + CODE_SIZE) return 4;
    if (q.dataLen > DATA_SIZE) return 4;
    if (!read_all(code, q.codeLen) || !read_all(in, 512) || !read_all((void *)DATA_BASE, q.dataLen)) return 5;
    code[q.codeLen] = 0xc3;
    __builtin___clear_cache((char *)code, (char *)code + q.codeLen + 1);
    struct resp r;
    memset(&r, 0, sizeof r);
    int sig = sigsetjmp(jb, 1);
    if (sig == 0) {
      uint64_t fl = q.rflags, rax = q.rax;
      __asm__ volatile(
        "fxrstor64 (%[in])\n\t"
        "push %[fl]\n\t"
        "popfq\n\t"
        "call *%[code]\n\t"
        "pushfq\n\t"
        "pop %[fl]\n\t"
        "fxsave64 (%[out])\n\t"
        "fnstenv (%[env])\n\t"
        : [fl] "+r"(fl), "+a"(rax)
        : [in] "r"(in), [out] "r"(out), [env] "r"(env), [code] "r"(code)
        : "memory", "cc", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
      r.rflags = fl; r.rax = rax;
      write_all(&r, sizeof r);
      write_all(out, 512);
      write_all(env, 28);
    } else {
      r.sig = (uint32_t)sig; r.faultRip = fault_rip;
      write_all(&r, sizeof r);
      write_all(fault_fx, 512);
      memset(env, 0, sizeof env);
      write_all(env, 28);
    }
    write_all((void *)DATA_BASE, q.dataLen);
  }
  return 0;
}

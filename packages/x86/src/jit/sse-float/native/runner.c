/*
 * Reference runner for the SSE floating-point tests: executes instruction bytes on this machine's
 * CPU with given XMM/MMX/MXCSR/GPR inputs and reports what the hardware produced.
 *
 * stdin: records of 256 bytes; stdout: one record of 256 bytes per input record.
 *
 * request:  0 u32 codeLen, 4 u32 memOff, 8 u32 mxcsr, 12 u16 fsw (sets TOP), 14 u8 abridged ftw,
 *           16 u64 rax, 24 u64 rcx, 32 code[32], 64 xmm0..3[16], 128 mm0..1[8], 144 mem[64],
 *           208 u16 fcw (0: 0x37f)
 * response: 0 u32 signal (0: none), 4 u32 mxcsr, 8 u64 rflags, 16 u64 rax, 24 u64 rcx,
 *           32 u16 fsw, 34 u8 abridged ftw, 36 u16 exponent word of MM0, 38 of MM1,
 *           64 xmm0..3[16], 128 mm0..1[8], 144 mem[64]
 *
 * The code runs with RDX pointing at mem + memOff (64-byte aligned buffer), so memory forms use
 * [rdx]. It is called like a function (code + RET). A fault (SIGFPE for #XM, SIGSEGV for #GP,
 * SIGILL for #UD) is survived by simulating the RET in the signal handler: sigreturn then restores
 * the registers as they were at the fault, which is what the emulator must leave behind too.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int last_signal;
static uint8_t fx[512] __attribute__((aligned(64)));
static uint8_t mem[128] __attribute__((aligned(64)));
static uint8_t *code;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  last_signal = sig;
  g[REG_RIP] = *(greg_t *)g[REG_RSP];
  g[REG_RSP] += 8;
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
    if (k <= 0) _exit(3);
    b += k; n -= (size_t)k;
  }
}

/* MMX register k lives in the FXSAVE slot of ST((k - TOP) & 7). */
static uint8_t *mm_slot(int k, unsigned fsw) { return fx + 32 + 16 * ((k - ((fsw >> 11) & 7)) & 7); }

int main(void) {
  code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGFPE, &sa, 0);
  sigaction(SIGSEGV, &sa, 0);
  sigaction(SIGBUS, &sa, 0);
  sigaction(SIGILL, &sa, 0);

  uint8_t in[256], out[256];
  while (read_all(in, sizeof in)) {
    uint32_t len, off, mxcsr;
    uint16_t fsw;
    uint64_t regs[4]; /* rax, rcx, rdx, rflags */
    memcpy(&len, in, 4); memcpy(&off, in + 4, 4); memcpy(&mxcsr, in + 8, 4); memcpy(&fsw, in + 12, 2);
    memcpy(&regs[0], in + 16, 8); memcpy(&regs[1], in + 24, 8);
    if (len > 31 || off > 64) return 4;
    memcpy(code, in + 32, len);
    code[len] = 0xc3;
    memcpy(mem, in + 144, 64);
    memset(mem + 64, 0, 64);
    regs[2] = (uint64_t)(mem + off);

    memset(fx, 0, sizeof fx);
    uint16_t fcw;
    memcpy(&fcw, in + 208, 2);
    if (!fcw) fcw = 0x37f;
    memcpy(fx, &fcw, 2); memcpy(fx + 2, &fsw, 2); fx[4] = in[14];
    memcpy(fx + 24, &mxcsr, 4);
    for (int k = 0; k < 2; k++) {
      uint8_t *s = mm_slot(k, fsw);
      memcpy(s, in + 128 + 8 * k, 8);
      s[8] = 0xff; s[9] = 0xff;
    }
    memcpy(fx + 160, in + 64, 64);

    last_signal = 0;
    __asm__ volatile(
      "mov %[r], %%rbx\n\t"
      "fxrstor64 (%[fx])\n\t"
      "mov 0(%%rbx), %%rax\n\t"
      "mov 8(%%rbx), %%rcx\n\t"
      "mov 16(%%rbx), %%rdx\n\t"
      "call *%[code]\n\t"
      "pushfq\n\t"
      "popq 24(%%rbx)\n\t"
      "mov %%rax, 0(%%rbx)\n\t"
      "mov %%rcx, 8(%%rbx)\n\t"
      "fxsave64 (%[fx])\n\t"
      :
      : [r] "r"(regs), [fx] "r"(fx), [code] "m"(code)
      : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");

    memset(out, 0, sizeof out);
    uint32_t sig = (uint32_t)last_signal;
    memcpy(out, &sig, 4);
    memcpy(out + 4, fx + 24, 4);
    memcpy(out + 8, &regs[3], 8);
    memcpy(out + 16, &regs[0], 8);
    memcpy(out + 24, &regs[1], 8);
    uint16_t fsw2;
    memcpy(&fsw2, fx + 2, 2);
    memcpy(out + 32, &fsw2, 2);
    out[34] = fx[4];
    for (int k = 0; k < 2; k++) {
      uint8_t *s = mm_slot(k, fsw2);
      memcpy(out + 128 + 8 * k, s, 8);
      memcpy(out + 36 + 2 * k, s + 8, 2);
    }
    memcpy(out + 64, fx + 160, 64);
    memcpy(out + 144, mem, 64);
    write_all(out, sizeof out);
  }
  return 0;
}

// The native side of the differential tester: runs each case's instruction bytes on the host CPU
// from an exact initial state and records the final state (or the signal the case raised). The
// layout of the input and output files is described in ../format.ts; the two must agree.
//
// One process runs every case. The case code sits in a fixed code region (mapped twice through a
// memfd: executable at CODE_BASE, writable at an address the kernel picks, so cases never see a
// writable code page) and its data in a fixed 64 KiB region. A case ends by jumping to dt_exit,
// which saves the registers without touching the case's stack; a fault ends it through the
// signal handler, which reads the same state from the signal frame and longjmps back.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BASE 0x10000000UL
#define CODE_SIZE 0x3000UL
#define CASE_AREA 0x1000UL
#define DATA_BASE 0x20000000UL
#define DATA_SIZE 0x10000UL
#define INLINE_FP 0xffffffffU
#define FLAG_COMPAT 1U

// State handed to and taken from the case; the asm below reaches these through RIP-relative
// addressing, so they must keep these exact names.
uint64_t dt_in_g[16], dt_in_flags, dt_entry;
uint64_t dt_out_g[16], dt_out_flags;
uint64_t dt_host_rsp;
struct { uint32_t off; uint16_t sel; } __attribute__((packed)) dt_far_entry;
uint8_t dt_in_fx[512] __attribute__((aligned(64)));
uint8_t dt_out_fx[512] __attribute__((aligned(64)));
uint8_t dt_clean_fx[512] __attribute__((aligned(64)));

void dt_enter(void);
void dt_enter_compat(void);
void dt_exit(void);

// dt_enter: save the C callee-saved registers and stack, load the case's x87/SSE state, flags and
// GPRs (RSP last), jump to the case. dt_exit: the reverse, reached from the case's trailer.
__asm__(
  ".text\n"
  ".globl dt_enter\n"
  "dt_enter:\n"
  "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
  "  mov %rsp, dt_host_rsp(%rip)\n"
  "  fxrstor64 dt_in_fx(%rip)\n"
  "  pushq dt_in_flags(%rip)\n"
  "  popfq\n"
  "  mov dt_in_g+0(%rip), %rax\n mov dt_in_g+8(%rip), %rcx\n mov dt_in_g+16(%rip), %rdx\n"
  "  mov dt_in_g+24(%rip), %rbx\n mov dt_in_g+40(%rip), %rbp\n mov dt_in_g+48(%rip), %rsi\n"
  "  mov dt_in_g+56(%rip), %rdi\n mov dt_in_g+64(%rip), %r8\n mov dt_in_g+72(%rip), %r9\n"
  "  mov dt_in_g+80(%rip), %r10\n mov dt_in_g+88(%rip), %r11\n mov dt_in_g+96(%rip), %r12\n"
  "  mov dt_in_g+104(%rip), %r13\n mov dt_in_g+112(%rip), %r14\n mov dt_in_g+120(%rip), %r15\n"
  "  mov dt_in_g+32(%rip), %rsp\n"
  "  jmp *dt_entry(%rip)\n"
  // The same, entering a 32-bit compatibility-mode code segment through a far jump (FF /5, m16:32).
  ".globl dt_enter_compat\n"
  "dt_enter_compat:\n"
  "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
  "  mov %rsp, dt_host_rsp(%rip)\n"
  "  fxrstor64 dt_in_fx(%rip)\n"
  "  pushq dt_in_flags(%rip)\n"
  "  popfq\n"
  "  mov dt_in_g+0(%rip), %rax\n mov dt_in_g+8(%rip), %rcx\n mov dt_in_g+16(%rip), %rdx\n"
  "  mov dt_in_g+24(%rip), %rbx\n mov dt_in_g+40(%rip), %rbp\n mov dt_in_g+48(%rip), %rsi\n"
  "  mov dt_in_g+56(%rip), %rdi\n mov dt_in_g+64(%rip), %r8\n mov dt_in_g+72(%rip), %r9\n"
  "  mov dt_in_g+80(%rip), %r10\n mov dt_in_g+88(%rip), %r11\n mov dt_in_g+96(%rip), %r12\n"
  "  mov dt_in_g+104(%rip), %r13\n mov dt_in_g+112(%rip), %r14\n mov dt_in_g+120(%rip), %r15\n"
  "  mov dt_in_g+32(%rip), %rsp\n"
  "  .byte 0xff, 0x2d\n .long dt_far_entry - . - 4\n"
  ".globl dt_exit\n"
  "dt_exit:\n"
  "  mov %rax, dt_out_g+0(%rip)\n mov %rcx, dt_out_g+8(%rip)\n mov %rdx, dt_out_g+16(%rip)\n"
  "  mov %rbx, dt_out_g+24(%rip)\n mov %rsp, dt_out_g+32(%rip)\n mov %rbp, dt_out_g+40(%rip)\n"
  "  mov %rsi, dt_out_g+48(%rip)\n mov %rdi, dt_out_g+56(%rip)\n mov %r8, dt_out_g+64(%rip)\n"
  "  mov %r9, dt_out_g+72(%rip)\n mov %r10, dt_out_g+80(%rip)\n mov %r11, dt_out_g+88(%rip)\n"
  "  mov %r12, dt_out_g+96(%rip)\n mov %r13, dt_out_g+104(%rip)\n mov %r14, dt_out_g+112(%rip)\n"
  "  mov %r15, dt_out_g+120(%rip)\n"
  "  mov dt_host_rsp(%rip), %rsp\n"
  "  pushfq\n"
  "  popq dt_out_flags(%rip)\n"
  "  fxsave64 dt_out_fx(%rip)\n"
  "  fxrstor64 dt_clean_fx(%rip)\n"
  "  pushq $0x202\n"
  "  popfq\n"
  "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
  "  ret\n");

static sigjmp_buf jb;
static volatile sig_atomic_t in_case, case_no, watchdog_seen = -1;
// Written by the signal handler and read after siglongjmp: volatile so no copy of it stays in a register.
static volatile struct {
  uint32_t status, signo, trapno;
  uint64_t err, addr, rip;
} res;

static const int greg_of[16] = {
  REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
  REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void on_signal(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  if (!in_case) {
    if (sig == SIGALRM) return;
    // A fault in the harness itself: die loudly rather than report garbage.
    static const char msg[] = "difftest harness: fault outside a case\n";
    write(2, msg, sizeof msg - 1);
    _exit(70);
  }
  if (sig == SIGALRM) {
    // Watchdog tick: a case still running since the previous tick is stuck.
    if (watchdog_seen != case_no) { watchdog_seen = case_no; return; }
    res.status = 2;
  } else {
    res.status = 1;
  }
  greg_t *g = uc->uc_mcontext.gregs;
  res.signo = sig;
  res.trapno = (uint32_t)g[REG_TRAPNO];
  res.err = (uint64_t)g[REG_ERR];
  res.addr = (uint64_t)(uintptr_t)si->si_addr;
  res.rip = (uint64_t)g[REG_RIP];
  for (int i = 0; i < 16; i++) dt_out_g[i] = (uint64_t)g[greg_of[i]];
  dt_out_flags = (uint64_t)g[REG_EFL];
  if (uc->uc_mcontext.fpregs) memcpy(dt_out_fx, uc->uc_mcontext.fpregs, 512);
  in_case = 0;
  siglongjmp(jb, 1);
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)n);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { perror("read"); exit(2); }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void *map_fixed(uint64_t addr, size_t len, int prot, int flags, int fd) {
  void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
  if (p != (void *)addr) { fprintf(stderr, "difftest harness: cannot map 0x%lx: %s\n", (unsigned long)addr, strerror(errno)); exit(3); }
  return p;
}

#define U16(p) (*(const uint16_t *)(p))
#define U32(p) (*(const uint32_t *)(p))

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s input output\n", argv[0]); return 2; }
  size_t inlen;
  uint8_t *in = read_file(argv[1], &inlen);
  if (inlen < 32 || memcmp(in, "SVDTIN01", 8) != 0) { fprintf(stderr, "bad input\n"); return 2; }
  uint32_t ncases = U32(in + 8), nimages = U32(in + 12), nfp = U32(in + 16);
  const uint8_t *images = in + 32;
  const uint8_t *fpool = images + (size_t)nimages * DATA_SIZE;
  const uint8_t *p = fpool + (size_t)nfp * 512;

  int fd = memfd_create("difftest-code", 0);
  if (fd < 0 || ftruncate(fd, CODE_SIZE) != 0) { perror("memfd"); return 3; }
  map_fixed(CODE_BASE, CODE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd);
  uint8_t *code_rw = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (code_rw == MAP_FAILED) { perror("mmap"); return 3; }
  uint8_t *data = map_fixed(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);

  // 64-bit trampoline for compatibility-mode cases: their trailer far-jumps here (CS 0x33).
  code_rw[0] = 0xff; code_rw[1] = 0x25; memset(code_rw + 2, 0, 4);
  uint64_t ex = (uint64_t)(uintptr_t)dt_exit;
  memcpy(code_rw + 6, &ex, 8);

  // Compatibility-mode code addresses memory through DS/ES: give them the user data selector.
  __asm__ volatile("mov %0, %%ds\n mov %0, %%es" :: "r"(0x2b));
  uint16_t sel[6];
  __asm__ volatile("mov %%es, %0" : "=r"(sel[0]));
  __asm__ volatile("mov %%cs, %0" : "=r"(sel[1]));
  __asm__ volatile("mov %%ss, %0" : "=r"(sel[2]));
  __asm__ volatile("mov %%ds, %0" : "=r"(sel[3]));
  __asm__ volatile("mov %%fs, %0" : "=r"(sel[4]));
  __asm__ volatile("mov %%gs, %0" : "=r"(sel[5]));

  __asm__ volatile("fninit\n fxsave64 %0" : "=m"(dt_clean_fx));
  uint32_t mx = 0x1f80;
  memcpy(dt_clean_fx + 24, &mx, 4);

  static uint8_t altstack[65536];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  struct itimerval it = { { 1, 0 }, { 1, 0 } };
  setitimer(ITIMER_REAL, &it, NULL);

  FILE *out = fopen(argv[2], "wb");
  if (!out) { perror(argv[2]); return 2; }
  // Can this kernel run 32-bit code (IA32 emulation may be compiled out or disabled)? A NOP in
  // compatibility mode tells; without it, compatibility-mode cases are reported as not run.
  uint8_t compat_ok = 0;
  {
    uint8_t probe[8] = { 0x90, 0xea };
    uint32_t off = (uint32_t)CODE_BASE;
    memcpy(probe + 2, &off, 4); probe[6] = 0x33; probe[7] = 0;
    memcpy(code_rw + CASE_AREA, probe, sizeof probe);
    memset(dt_in_g, 0, sizeof dt_in_g);
    dt_in_g[4] = DATA_BASE + 0x8000;
    dt_in_flags = 0x202;
    memcpy(dt_in_fx, dt_clean_fx, 512);
    dt_far_entry.off = (uint32_t)(CODE_BASE + CASE_AREA); dt_far_entry.sel = 0x23;
    res.status = 0;
    if (sigsetjmp(jb, 1) == 0) {
      in_case = 1;
      dt_enter_compat();
      in_case = 0;
      compat_ok = 1;
    }
    __asm__ volatile("fxrstor64 %0" :: "m"(dt_clean_fx) : "memory");
  }

  uint8_t hdr[32] = "SVDTOUT1";
  memcpy(hdr + 8, &ncases, 4);
  memcpy(hdr + 12, sel, 12);
  hdr[24] = compat_ok;
  fwrite(hdr, 1, 32, out);

  int cur_image = -1;
  static uint8_t rec[64 + 136 + 32 + 8 + 24 * 16 + (DATA_SIZE / 8) * 16];
  for (uint32_t n = 0; n < ncases; n++) {
    uint32_t size = U32(p);
    uint16_t code_len = U16(p + 4), code_off = U16(p + 6), image = U16(p + 8), npatch = U16(p + 10);
    uint32_t fp = U32(p + 12), flags = U32(p + 16);
    const uint8_t *q = p + 24;
    memcpy(dt_in_g, q, 128); memcpy(&dt_in_flags, q + 128, 8);
    q += 136;
    if (fp == INLINE_FP) { memcpy(dt_in_fx, q, 512); q += 512; } else memcpy(dt_in_fx, fpool + (size_t)fp * 512, 512);
    const uint8_t *img = images + (size_t)image * DATA_SIZE;
    if ((int)image != cur_image) { memcpy(data, img, DATA_SIZE); cur_image = image; }

    uint64_t at = CODE_BASE + code_off;
    memcpy(code_rw + code_off, q, code_len);
    q += code_len;
    uint8_t *t = code_rw + code_off + code_len;
    if (flags & FLAG_COMPAT) {
      // jmp far 0x33:CODE_BASE (the trampoline)
      t[0] = 0xea; uint32_t off = (uint32_t)CODE_BASE; memcpy(t + 1, &off, 4); t[5] = 0x33; t[6] = 0;
    } else {
      t[0] = 0xff; t[1] = 0x25; memset(t + 2, 0, 4); memcpy(t + 6, &ex, 8);
    }
    for (uint16_t k = 0; k < npatch; k++) {
      uint16_t off = U16(q), len = U16(q + 2);
      memcpy(data + off, q + 4, len);
      q += 4 + len;
    }
    p += size;

    dt_entry = at;
    dt_far_entry.off = (uint32_t)at; dt_far_entry.sel = 0x23;
    res.status = 0; res.signo = 0; res.trapno = 0; res.err = 0; res.addr = 0; res.rip = 0;
    case_no = (sig_atomic_t)n;
    if (sigsetjmp(jb, 1) == 0) {
      in_case = 1;
      if (flags & FLAG_COMPAT) dt_enter_compat(); else dt_enter();
      in_case = 0;
      res.status = 0;
      res.rip = at + code_len;
    }
    __asm__ volatile("fxrstor64 %0" :: "m"(dt_clean_fx) : "memory");

    // Record: fixed part, the changed 16-byte FXSAVE slots (ST0-7, XMM0-15), the changed data qwords.
    const uint8_t *in_fx = fp == INLINE_FP ? p - size + 24 + 136 : fpool + (size_t)fp * 512;
    uint8_t *r = rec;
    uint32_t st = res.status, sg = res.signo, tn = res.trapno;
    uint64_t er = res.err, ad = res.addr, ri = res.rip;
    memcpy(r + 4, &st, 4); memcpy(r + 8, &sg, 4); memcpy(r + 12, &tn, 4);
    memcpy(r + 16, &er, 8); memcpy(r + 24, &ad, 8); memcpy(r + 32, &ri, 8);
    memcpy(r + 40, dt_out_g, 128); memcpy(r + 168, &dt_out_flags, 8);
    memcpy(r + 176, dt_out_fx, 32);
    uint32_t mask = 0, ndiff = 0;
    uint8_t *w = r + 216;
    for (int s = 0; s < 24; s++) {
      int o = 32 + 16 * s;
      if (memcmp(dt_out_fx + o, in_fx + o, 16) != 0) { mask |= 1U << s; memcpy(w, dt_out_fx + o, 16); w += 16; }
    }
    const uint64_t *d = (const uint64_t *)data, *b = (const uint64_t *)img;
    uint64_t *dd = (uint64_t *)data;
    for (uint32_t k = 0; k < DATA_SIZE / 8; k++) {
      if (d[k] != b[k]) {
        uint32_t off = k * 8, zero = 0;
        memcpy(w, &off, 4); memcpy(w + 4, &zero, 4); memcpy(w + 8, &d[k], 8);
        w += 16; ndiff++;
        dd[k] = b[k];
      }
    }
    memcpy(r + 208, &mask, 4); memcpy(r + 212, &ndiff, 4);
    uint32_t rsize = (uint32_t)(w - r);
    memcpy(r, &rsize, 4);
    fwrite(r, 1, rsize, out);
  }
  fclose(out);
  return 0;
}

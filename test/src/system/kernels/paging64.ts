// 4-level paging in long mode: 4 KiB, 2 MiB and 1 GiB pages, accessed/dirty bits as the walker
// leaves them in the tables, every #PF error-code bit (P, W, U, RSVD, I) with CR2, U/S and R/W
// at both privilege levels with and without CR0.WP, NX, and the TLB maintenance whose result the
// architecture guarantees (INVLPG, CR3 reload, not-present entries are never cached, CR4.PGE
// toggling flushes global pages).
import { expectFault, fixFlags, kv, say, sayln, nl } from '../kernel/asm.js';
import { buildKernel, enterLong, finish } from '../kernel/boot.js';
import { access, enterUser64, toKernel } from '../kernel/probe.js';

// Test mappings live in PML4[0] → PDPT[1..3] (0x40000000-0xffffffff) and PML4[1..2].
const T_PD = 'TABLES';
const T_PT = 'TABLES + 0x1000';
const T_PT2 = 'TABLES + 0x2000';
const T_PT3 = 'TABLES + 0x3000';
const VA = (i: number) => `0x${(0x40000000 + i * 0x1000).toString(16)}`;
const PAGE = (k: number) => `SCRATCH + 0x${(k * 0x1000).toString(16)}`;
/** Each scratch page k starts with the dword 0x5ca70000 + k; byte 0x800 holds a RET. */
const SCRATCH_PAGES = 16;

/** Writes a 64-bit table entry and invalidates `va` (unless `noInvlpg`). */
function setEntry(table: string, index: number, value: string, va?: string): string {
  return `        mov rax, ${value}
        mov [${table} + ${index * 8}], rax${va ? `\n        mov rbx, ${va}\n        invlpg [rbx]` : ''}`;
}

/**
 * A REP string instruction (RSI = `src`, RDI = `dst`, RCX = `count`) that faults on the not-present
 * page VA(13) (or `np`): prints the frame, then RCX and how far RSI and RDI moved; then maps the
 * page and runs the instruction again from the state the fault left, printing the final state.
 */
function repFault(tag: string, insn: string, src: string, dst: string, count: string, np = VA(13)): string {
  const at = `${tag.replace(/[^a-z0-9]/g, '_')}at`, after = `${tag.replace(/[^a-z0-9]/g, '_')}after`;
  const regs = `        mov rax, rsi
        sub rax, [v_t0]
        mov rdx, rdi
        sub rdx, [v_t1]
${kv(64, 'rcx', 'rcx', 4)}
${kv(64, 'rsi+', 'rax', 4)}
${kv(64, 'rdi+', 'rdx', 4)}`;
  return `        mov rsi, ${src}
        mov rdi, ${dst}
        mov [v_t0], rsi
        mov [v_t1], rdi
        mov ecx, ${count}
        mov eax, 0xa5a5a5a5
${expectFault(64, tag, at, after)}
${fixFlags(64)}
${at}:   ${insn}
${after}:
        cld
        mov [v_t2], rcx
        mov [v_t3], rsi
        mov [v_t4], rdi
${say(64, `${tag.slice(0, -1)}.at-fault:`)}
${regs}
${nl(64)}
        mov rax, ${np}
        mov rbx, ${PAGE(15)} + 7
        mov rdx, rax
        shr rdx, 12
        and edx, 511
        mov [${T_PT} + rdx*8], rbx
        invlpg [rax]
        mov rcx, [v_t2]
        mov rsi, [v_t3]
        mov rdi, [v_t4]
        mov eax, 0xa5a5a5a5
        ${insn.includes('std') ? 'std' : 'cld'}
        ${insn.replace('std\n ', '')}
        cld
${say(64, `${tag.slice(0, -1)}.resumed:`)}
${regs}
${nl(64)}
        mov rax, ${np}
        mov rdx, rax
        shr rdx, 12
        and edx, 511
        mov qword [${T_PT} + rdx*8], 0
        invlpg [rax]`;
}

/** Prints ` name=` and the 64-bit entry. */
const entry = (name: string, table: string, index: number) => kv(64, name, `[${table} + ${index * 8}]`, 16);

const main = String.raw`
${enterLong('long64')}
        mov rsp, STACK_TOP
        call tss64_init
        call idt64_init
        mov edi, 0x7f
        mov esi, 0xee00
        call gate64
        mov edi, SCRATCH
        xor ecx, ecx
pg_fill:  lea eax, [ecx + 0x5ca70000]
        mov [rdi], eax
        mov byte [rdi + 0x800], 0xc3
        add rdi, 0x1000
        inc ecx
        cmp ecx, ${SCRATCH_PAGES}
        jb pg_fill
        mov eax, 0x80000008
        cpuid
${say(64, 'pg.cpuid:')}
${kv(64, 'maxphyaddr', 'rax', 2)}
${nl(64)}
        mov rax, ${T_PD} + 7
        mov [PDPT + 8], rax

; ---- 4 KiB page: A on the first read at every level, D on the first write (after a read).
${setEntry(T_PD, 0, `${T_PT} + 7`)}
${setEntry(T_PT, 0, `${PAGE(0)} + 7`, VA(0))}
${say(64, 'pg.4k:')}
        mov rbx, ${VA(0)}
        mov eax, [rbx]
${kv(64, 'read', 'rax', 8)}
${entry('pdpte', 'PDPT', 1)}
${entry('pde', T_PD, 0)}
${entry('pte', T_PT, 0)}
${nl(64)}
${say(64, 'pg.4k.write:')}
        mov dword [rbx + 4], 0x11112222
${entry('pde', T_PD, 0)}
${entry('pte', T_PT, 0)}
${kv(64, 'phys', `[${PAGE(0)} + 4]`, 8)}
${nl(64)}

; ---- 2 MiB page at 0x40200000 → 0x600000.
        mov dword [0x601234], 0xbeef2002
${setEntry(T_PD, 1, '0x600000 + 0x87', '0x40200000')}
${say(64, 'pg.2m:')}
        mov rbx, 0x40201234
        mov eax, [rbx]
${kv(64, 'read', 'rax', 8)}
${entry('pde', T_PD, 1)}
        mov dword [rbx + 4], 0x33334444
${entry('pde.w', T_PD, 1)}
${kv(64, 'phys', '[0x601238]', 8)}
${nl(64)}

; ---- 1 GiB page at 0x80000000 → 0, when CPUID says the processor has them.
        mov eax, 0x80000001
        cpuid
        bt edx, 26
        jnc pg_no1g
${setEntry('PDPT', 2, '0x87', '0x80000000')}
${say(64, 'pg.1g:')}
        mov rbx, 0x80000000 + ${PAGE(3)}
        mov eax, [rbx]
${kv(64, 'read', 'rax', 8)}
${entry('pdpte', 'PDPT', 2)}
        mov dword [rbx + 8], 0x55556666
${entry('pdpte.w', 'PDPT', 2)}
${kv(64, 'phys', `[${PAGE(3)} + 8]`, 8)}
${nl(64)}
${setEntry('PDPT', 2, '0x87 | (1 << 13)', '0x80000000')}
${access(64, 'pg.1g.rsvd13:', 'read', '0x80000000 + 0x1000')}
${setEntry('PDPT', 2, '0', '0x80000000')}
        jmp pg_done1g
pg_no1g:
${sayln(64, 'pg.1g: not supported')}
pg_done1g:

; ---- not present at each level: read, write, fetch (CR2 exact, I set for fetches under NXE).
${setEntry(T_PT, 1, '0', VA(1))}
${access(64, 'pg.np.pte.read:', 'read', `${VA(1)} + 0x123`)}
${access(64, 'pg.np.pte.write:', 'write', `${VA(1)} + 0xffc`)}
${access(64, 'pg.np.pte.fetch:', 'fetch', `${VA(1)} + 0x800`)}
${access(64, 'pg.np.pde.read:', 'read', '0x40400010')}
${access(64, 'pg.np.pdpte.read:', 'read', '0xc0000020')}
${access(64, 'pg.np.pml4e.write:', 'write', '0x8000000000 + 0x30')}
; A reserved bit in a not-present entry does not matter.
${setEntry(T_PT, 1, '(1 << 51) | 0x7f0', VA(1))}
${access(64, 'pg.np.rsvd-ignored:', 'read', VA(1))}

; ---- accesses straddling two pages, the second not present: CR2 is the second page's first byte,
; RIP the instruction's first byte, and a faulting store writes nothing.
        mov dword [${PAGE(10)} + 0xffc], 0x78787878
        mov byte [${PAGE(10)} + 0xffe], 0xb8
${setEntry(T_PT, 10, `${PAGE(10)} + 7`, VA(10))}
${setEntry(T_PT, 11, '0', VA(11))}
${access(64, 'pg.straddle.fetch:', 'fetch', `${VA(10)} + 0xffe`)}
${access(64, 'pg.straddle.write:', 'write', `${VA(10)} + 0xffe`)}
${access(64, 'pg.straddle.read:', 'read', `${VA(10)} + 0xffd`)}
${say(64, 'pg.straddle.after:')}
${kv(64, 'phys', `[${PAGE(10)} + 0xffc]`, 8)}
${nl(64)}

; ---- REP string instructions faulting part way: RCX/RSI/RDI count the elements done, and the
; instruction completes once the page is mapped and the handler returns to it.
${setEntry(T_PT, 12, `${PAGE(12)} + 7`, VA(12))}
${setEntry(T_PT, 13, '0', VA(13))}
${repFault('pg.rep.movsb-dst:', 'rep movsb', VA(0), `${VA(12)} + 0xff0`, '0x40')}
${repFault('pg.rep.stosd-dst:', 'rep stosd', VA(0), `${VA(12)} + 0xff8`, '0x10')}
${repFault('pg.rep.movsq-src:', 'rep movsq', `${VA(12)} + 0xfe8`, VA(0), '0x10')}
${setEntry(T_PT, 14, `${PAGE(14)} + 7`, VA(14))}
${repFault('pg.rep.movsb-down:', 'std\n rep movsb', `${VA(0)} + 0x100`, `${VA(14)} + 0x08`, '0x20')}

; ---- reserved bits: beyond MAXPHYADDR, PS in a PML4E, bits 20:13 of a 2 MiB PDE, NX without EFER.NXE.
${setEntry(T_PT, 2, `(1 << 51) | ${PAGE(2)} + 7`, VA(2))}
${access(64, 'pg.rsvd.bit51.read:', 'read', VA(2))}
${access(64, 'pg.rsvd.bit51.write:', 'write', VA(2))}
${access(64, 'pg.rsvd.bit51.fetch:', 'fetch', `${VA(2)} + 0x800`)}
${setEntry(T_PT, 2, `(1 << 40) | ${PAGE(2)} + 7`, VA(2))}
${access(64, 'pg.rsvd.bit40.read:', 'read', VA(2))}
${setEntry('PML4', 2, 'PDPT + 0x87', '0x10000000000')}
${access(64, 'pg.rsvd.pml4-ps.read:', 'read', '0x10000000000')}
${setEntry('PML4', 2, '0', '0x10000000000')}
${setEntry(T_PD, 2, '0x800000 + 0x87 + (1 << 13)', '0x40400000')}
${access(64, 'pg.rsvd.pde2m-bit13.read:', 'read', '0x40400000')}
${setEntry(T_PD, 2, '0x800000 + 0x87 + (1 << 12)', '0x40400000')}
${access(64, 'pg.rsvd.pde2m-pat.read:', 'read', '0x40400000')}
${setEntry(T_PD, 2, '0', '0x40400000')}
${setEntry(T_PT, 3, `(1 << 63) | ${PAGE(3)} + 7`, VA(3))}
${access(64, 'pg.rsvd.nx-with-nxe.read:', 'read', VA(3))}
        mov ecx, 0xc0000080
        rdmsr
        and eax, ~0x800
        wrmsr
        ; EFER writes need not flush the TLB: drop the translation cached under NXE = 1.
        mov rbx, ${VA(3)}
        invlpg [rbx]
${access(64, 'pg.rsvd.nx-without-nxe.read:', 'read', VA(3))}
${access(64, 'pg.rsvd.nx-without-nxe.fetch:', 'fetch', `${VA(3)} + 0x800`)}
        mov ecx, 0xc0000080
        rdmsr
        or eax, 0x800
        wrmsr
        mov rax, cr3
        mov cr3, rax

; ---- NX (EFER.NXE = 1) in the PTE and in a PDE; the same page executes without it.
${access(64, 'pg.nx.pte.fetch:', 'fetch', `${VA(3)} + 0x800`)}
${access(64, 'pg.nx.pte.read:', 'read', VA(3))}
${setEntry(T_PT3, 0, `${PAGE(4)} + 7`)}
${setEntry(T_PD, 3, `(1 << 63) | ${T_PT3} + 7`, '0x40600000')}
${access(64, 'pg.nx.pde.fetch:', 'fetch', '0x40600000 + 0x800')}
${setEntry(T_PD, 3, `${T_PT3} + 7`, '0x40600000')}
${access(64, 'pg.nx.none.fetch:', 'fetch', '0x40600000 + 0x800')}

; ---- R/W and CR0.WP for supervisor writes.
${setEntry(T_PT, 4, `${PAGE(4)} + 5`, VA(4))}
${access(64, 'pg.ro.wp0.write:', 'write', VA(4))}
${say(64, 'pg.ro.wp0:')}
${entry('pte', T_PT, 4)}
${kv(64, 'phys', `[${PAGE(4)}]`, 8)}
${nl(64)}
        mov rax, cr0
        or eax, 0x10000
        mov cr0, rax
${access(64, 'pg.ro.wp1.write:', 'write', `${VA(4)} + 0x10`)}
${access(64, 'pg.ro.wp1.read:', 'read', `${VA(4)} + 0x10`)}
${setEntry(T_PT2, 0, `${PAGE(5)} + 7`)}
${setEntry(T_PD, 4, `${T_PT2} + 5`, '0x40800000')}
${access(64, 'pg.ro.pde.wp1.write:', 'write', '0x40800000')}

; ---- U/S and R/W from CPL 3 (IOPL 3 so that the user code prints).
${setEntry(T_PT, 5, `${PAGE(5)} + 3`, VA(5))}
${setEntry(T_PT, 6, `(1 << 63) | ${PAGE(6)} + 7`, VA(6))}
${setEntry(T_PD, 5, `${T_PT2} + 3`, '0x40a00000')}
${enterUser64('user')}
${sayln(64, 'pg.user.back: in the kernel')}

; ---- TLB maintenance with guaranteed outcomes.
${setEntry(T_PT, 7, `${PAGE(7)} + 7`, VA(7))}
${say(64, 'pg.tlb:')}
        mov rbx, ${VA(7)}
        mov eax, [rbx]
${kv(64, 'before', 'rax', 8)}
${setEntry(T_PT, 7, `${PAGE(8)} + 7`)}
        invlpg [rbx]
        mov eax, [rbx]
${kv(64, 'invlpg', 'rax', 8)}
${setEntry(T_PT, 7, `${PAGE(9)} + 7`)}
        mov rax, cr3
        mov cr3, rax
        mov eax, [rbx]
${kv(64, 'cr3', 'rax', 8)}
${nl(64)}
${setEntry(T_PT, 8, '0', VA(8))}
${access(64, 'pg.tlb.np:', 'read', VA(8))}
${setEntry(T_PT, 8, `${PAGE(10)} + 7`)}
${access(64, 'pg.tlb.np-then-present:', 'read', VA(8))}
        mov rax, cr4
        or eax, 0x80
        mov cr4, rax
${setEntry(T_PT, 9, `${PAGE(11)} + 0x107`, VA(9))}
${say(64, 'pg.global:')}
        mov rbx, ${VA(9)}
        mov eax, [rbx]
${kv(64, 'before', 'rax', 8)}
${setEntry(T_PT, 9, `${PAGE(12)} + 0x107`)}
        invlpg [rbx]
        mov eax, [rbx]
${kv(64, 'invlpg', 'rax', 8)}
${setEntry(T_PT, 9, `${PAGE(13)} + 0x107`)}
        mov rax, cr4
        and eax, ~0x80
        mov cr4, rax
        or eax, 0x80
        mov cr4, rax
        mov eax, [rbx]
${kv(64, 'pge-toggle', 'rax', 8)}
${entry('pte', T_PT, 9)}
${nl(64)}
${finish(64)}

; ---- user mode (CPL 3): each access's outcome, then back to the kernel through INT 0x7f.
user:
${access(64, 'pg.user.sup.read:', 'read', VA(5))}
${access(64, 'pg.user.sup.write:', 'write', VA(5))}
${access(64, 'pg.user.ro.read:', 'read', VA(4))}
${access(64, 'pg.user.ro.write:', 'write', VA(4))}
${access(64, 'pg.user.np.read:', 'read', VA(1))}
${access(64, 'pg.user.np.write:', 'write', `${VA(1)} + 8`)}
${access(64, 'pg.user.np.fetch:', 'fetch', `${VA(1)} + 0x800`)}
${access(64, 'pg.user.nx.fetch:', 'fetch', `${VA(6)} + 0x800`)}
${access(64, 'pg.user.rw.write:', 'write', `${VA(0)} + 0x20`)}
${access(64, 'pg.user.exec.fetch:', 'fetch', `${VA(0)} + 0x800`)}
${access(64, 'pg.user.pde-sup.read:', 'read', '0x40a00000')}
${access(64, 'pg.user.pde-ro.write:', 'write', '0x40800000')}
${access(64, 'pg.user.pde-ro.read:', 'read', '0x40800000')}
${access(64, 'pg.user.rsvd.write:', 'write', VA(2))}
${access(64, 'pg.user.straddle.fetch:', 'fetch', `${VA(10)} + 0xffe`)}
${toKernel(64, 'pg.user.int7f:')}
`;

export function paging64Kernel() {
  return buildKernel({ main, idt: 64 });
}

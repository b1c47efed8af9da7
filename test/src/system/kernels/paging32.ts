// Paging without long mode: legacy 2-level paging (4 KiB pages and CR4.PSE 4 MiB pages, PS ignored
// without PSE) and PAE paging in 32-bit protected mode (4 KiB and 2 MiB pages, NX with EFER.NXE,
// reserved bits), with accessed/dirty bits, #PF error codes and CR2, CR0.WP, and U/S and R/W
// from a 32-bit CPL 3.
import { kv, nl, say } from '../kernel/asm.js';
import { buildKernel, finish } from '../kernel/boot.js';
import { access, enterUser32, toKernel } from '../kernel/probe.js';

// Legacy tables: a page directory and one page table; PAE: a PDPT, two directories, a table.
const PD = 'TABLES';
const PT = 'TABLES + 0x1000';
const PT_ID = 'TABLES + 0x2000';
const PDPT = 'TABLES + 0x3000';
const PAE_PD0 = 'TABLES + 0x4000';
const PAE_PD1 = 'TABLES + 0x5000';
const PAE_PT = 'TABLES + 0x6000';
const VA = (i: number) => `0x${(0x40000000 + i * 0x1000).toString(16)}`;
const PAGE = (k: number) => `SCRATCH + 0x${(k * 0x1000).toString(16)}`;

/** Writes a 32-bit entry and invalidates `va`. */
const set32 = (table: string, index: number, value: string, va?: string) =>
  `        mov dword [${table} + ${index * 4}], ${value}${va ? `\n        mov ebx, ${va}\n        invlpg [ebx]` : ''}`;
/** Writes a 64-bit (PAE) entry from two dwords and invalidates `va`. */
const set64 = (table: string, index: number, lo: string, hi = '0', va?: string) =>
  `        mov dword [${table} + ${index * 8}], ${lo}\n        mov dword [${table} + ${index * 8 + 4}], ${hi}${va ? `\n        mov ebx, ${va}\n        invlpg [ebx]` : ''}`;
const entry32 = (name: string, table: string, index: number) => kv(32, name, `[${table} + ${index * 4}]`, 8);
const entry64 = (name: string, table: string, index: number) =>
  `${kv(32, `${name}.hi`, `[${table} + ${index * 8 + 4}]`, 8)}\n${kv(32, `${name}.lo`, `[${table} + ${index * 8}]`, 8)}`;

const main = String.raw`
        call tss32_init
        call idt32_init
        mov edi, 0x7f
        mov esi, 0xee00
        call gate32
        mov edi, SCRATCH
        xor ecx, ecx
fill32: lea eax, [ecx + 0x5ca70000]
        mov [edi], eax
        mov byte [edi + 0x800], 0xc3
        add edi, 0x1000
        inc ecx
        cmp ecx, 16
        jb fill32

; ==== legacy 2-level paging: identity 0-8 MiB with two 4 MiB pages, tests at 0x40000000.
        mov edi, ${PD}
        mov ecx, 0x3000 / 4
        xor eax, eax
        rep stosd
        ; 0-4 MiB (the kernel) through 4 KiB pages, so that CR4.PSE may be turned off.
        xor ecx, ecx
id4k:   mov eax, ecx
        shl eax, 12
        or eax, 7
        mov [${PT_ID} + ecx*4], eax
        inc ecx
        cmp ecx, 1024
        jb id4k
${set32(PD, 0, `${PT_ID} + 7`)}
${set32(PD, 1, '0x400087')}
${set32(PD, 2, '0x800087')}
${set32(PD, 256, `${PT} + 7`)}
${set32(PT, 0, `${PAGE(0)} + 7`)}
${set32(PD, 257, '0x800087')}
        mov dword [0x801234], 0xbeef4004
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        mov eax, ${PD}
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
${say(32, 'pg32.4k:')}
        mov ebx, ${VA(0)}
        mov eax, [ebx]
${kv(32, 'read', 'eax', 8)}
${entry32('pde', PD, 256)}
${entry32('pte', PT, 0)}
        mov dword [ebx + 4], 0x11112222
${entry32('pte.w', PT, 0)}
${kv(32, 'phys', `[${PAGE(0)} + 4]`, 8)}
${nl(32)}
${say(32, 'pg32.4m:')}
        mov ebx, 0x40401234
        mov eax, [ebx]
${kv(32, 'read', 'eax', 8)}
${entry32('pde', PD, 257)}
        mov dword [ebx + 4], 0x33334444
${entry32('pde.w', PD, 257)}
${kv(32, 'phys', '[0x801238]', 8)}
${nl(32)}
${set32(PT, 1, '0', VA(1))}
${access(32, 'pg32.np.read:', 'read', `${VA(1)} + 0x123`)}
${access(32, 'pg32.np.write:', 'write', `${VA(1)} + 0xffc`)}
${access(32, 'pg32.np.fetch:', 'fetch', `${VA(1)} + 0x800`)}
${access(32, 'pg32.np.pde.read:', 'read', '0x40800010')}
        ; Fetch faults carry I only under PAE/4-level paging with NXE (or with SMEP).
        mov ecx, 0xc0000080
        rdmsr
        or eax, 0x800
        wrmsr
${access(32, 'pg32.np.fetch-nxe:', 'fetch', `${VA(1)} + 0x800`)}
${set32(PD, 258, '0x800087 | (1 << 21)', '0x40800000')}
${access(32, 'pg32.rsvd.pse-bit21:', 'read', '0x40800000')}
${set32(PD, 258, '0', '0x40800000')}
        ; Without CR4.PSE the PS bit means nothing: the PDE names a page table (at 0x800000: zeros).
        mov eax, cr4
        and eax, ~0x10
        mov cr4, eax
${access(32, 'pg32.nopse.read:', 'read', '0x40400000')}
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
${set32(PT, 4, `${PAGE(4)} + 5`, VA(4))}
${access(32, 'pg32.ro.wp0.write:', 'write', VA(4))}
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax
${access(32, 'pg32.ro.wp1.write:', 'write', `${VA(4)} + 8`)}
${set32(PT, 5, `${PAGE(5)} + 3`, VA(5))}
${enterUser32('user_legacy')}
${say(32, 'pg32.back:')}
${entry32('pte.ro', PT, 4)}
${nl(32)}

; ==== PAE paging in 32-bit mode (paging off while switching).
        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax
        mov edi, ${PDPT}
        mov ecx, 0x4000 / 4
        xor eax, eax
        rep stosd
${set64(PDPT, 0, `${PAE_PD0} + 1`)}
${set64(PDPT, 1, `${PAE_PD1} + 1`)}
${set64(PAE_PD0, 0, '0x000087')}
${set64(PAE_PD0, 1, '0x200087')}
${set64(PAE_PD0, 2, '0x400087')}
${set64(PAE_PD0, 3, '0x600087')}
${set64(PAE_PD1, 0, `${PAE_PT} + 7`)}
${set64(PAE_PD1, 1, '0x800087')}
${set64(PAE_PT, 0, `${PAGE(6)} + 7`)}
        mov eax, cr4
        or eax, 0x20
        mov cr4, eax
        mov eax, ${PDPT}
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
${say(32, 'pae.4k:')}
        mov ebx, ${VA(0)}
        mov eax, [ebx]
${kv(32, 'read', 'eax', 8)}
${entry64('pde', PAE_PD1, 0)}
${entry64('pte', PAE_PT, 0)}
        mov dword [ebx + 4], 0x55556666
${entry64('pte.w', PAE_PT, 0)}
${nl(32)}
${say(32, 'pae.2m:')}
        mov ebx, 0x40201234
        mov eax, [ebx]
${kv(32, 'read', 'eax', 8)}
        mov dword [ebx + 4], 0x77778888
${entry64('pde.w', PAE_PD1, 1)}
${nl(32)}
${set64(PAE_PT, 1, `${PAGE(7)} + 7`, '0x80000000', VA(1))}
${access(32, 'pae.nx.fetch:', 'fetch', `${VA(1)} + 0x800`)}
${access(32, 'pae.nx.read:', 'read', VA(1))}
${set64(PAE_PT, 2, `${PAGE(8)} + 7`, '0x00080000', VA(2))}
${access(32, 'pae.rsvd.bit51.read:', 'read', VA(2))}
${set64(PAE_PD1, 2, '0x800087 + (1 << 13)', '0', '0x40400000')}
${access(32, 'pae.rsvd.pde2m-bit13.read:', 'read', '0x40400000')}
${set64(PAE_PT, 3, '0', '0', VA(3))}
${access(32, 'pae.np.fetch:', 'fetch', `${VA(3)} + 0x800`)}
        mov ecx, 0xc0000080
        rdmsr
        and eax, ~0x800
        wrmsr
        mov ebx, ${VA(1)}
        invlpg [ebx]
${access(32, 'pae.rsvd.nx-without-nxe.read:', 'read', VA(1))}
${finish(32)}

; ---- 32-bit user mode under legacy paging.
user_legacy:
${access(32, 'pg32.user.sup.read:', 'read', VA(5))}
${access(32, 'pg32.user.ro.read:', 'read', VA(4))}
${access(32, 'pg32.user.ro.write:', 'write', VA(4))}
${access(32, 'pg32.user.np.write:', 'write', VA(1))}
${access(32, 'pg32.user.4m.read:', 'read', '0x40400000')}
${toKernel(32, 'pg32.user.int7f:')}
`;

export function paging32Kernel() {
  return buildKernel({ main, idt: 32 });
}

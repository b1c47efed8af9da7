// 64-bit corpus compared against NASM (nasm.test.ts). Lines are plain NASM source; generated
// lines cover every operand shape of the ALU/shift/unary groups, written ones the rest.
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const ALU_OPERANDS = [
  'al, 0x7f', 'al, -1', 'cl, 0xff', 'ax, 0x1234', 'ax, -128', 'ax, 127', 'bx, 0xffff', 'eax, 128', 'eax, -129',
  'ecx, 1', 'edx, 0xffffffff', 'rax, 0x7fffffff', 'rax, -0x80000000', 'r9d, 0xff', 'r10w, -2', 'sil, 3',
  'r11b, 0x80', 'byte [rax], 1', 'word [rbx+4], 300', 'dword [rsp], -1', 'qword [rbp-8], 127',
  '[rcx], edx', 'r8, [r9+r10*8+0x10]', 'ah, bh', 'spl, r12b', 'rax, rbx', 'r15, r14', 'edi, [rel data1]',
];
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar', 'sal'];
const SHIFT_OPERANDS = ['al, 1', 'cx, cl', 'edx, 5', 'r8, 63', 'byte [rax], 1', 'qword [r12+8], cl', 'dword [rsi], 31'];
const UNARY = ['inc', 'dec', 'neg', 'not', 'mul', 'imul', 'div', 'idiv'];
const UNARY_OPERANDS = ['bl', 'r13b', 'si', 'r9d', 'rsp', 'byte [rax]', 'word [r13]', 'dword [rsp+rax*2]', 'qword [0x2000]'];
const ADDRESSES = [
  '[rax]', '[rbp]', '[r13]', '[rsp]', '[r12]', '[rax+rbx]', '[rbp+rax]', '[rax+rbp]', '[r13+r12*2]',
  '[rsp+rax*4]', '[rax*8]', '[rax*8+0x10]', '[rbx*2]', '[rbx*3]', '[rcx*5]', '[rdx*9]', '[r11*4-4]',
  '[rax+0x7f]', '[rax+0x80]', '[rax-0x80]', '[rax-0x81]', '[rax+0x7fffffff]', '[rax-0x80000000]',
  '[0x1000]', '[rel data1]', '[data1]', '[data1+4]', '[rel data2+8]', '[eax]', '[eax+ebx*4+8]',
  '[r8d]', '[esp]', '[ebp-4]', 'fs:[rax]', '[gs:0x28]', '[fs:rax+8]', '[r15+r15]', '[rsi+rdi*8-8]',
  '[rbx+rcx*1+0]', '[r12+r13*8+0x12345678]', '[rdi+data1]', '[rsp+0x80]', '[rbp+r12]',
];

export function corpus64(): string[] {
  const out: string[] = [];
  for (const op of ALU) for (const o of ALU_OPERANDS) out.push(`${op} ${o}`);
  for (const op of SHIFT) for (const o of SHIFT_OPERANDS) out.push(`${op} ${o}`);
  for (const op of UNARY) for (const o of UNARY_OPERANDS) out.push(`${op} ${o}`);
  for (const a of ADDRESSES) out.push(`lea rax, ${a}`, `mov ecx, ${a}`);
  return out.concat(MOVES, CONTROL, SYSTEM, MISC, VECTOR, X87, ['data1: dq 0', 'data2: dd 1, 2, 3, 4']);
}

const MOVES = [
  'mov al, 0xff', 'mov ax, -1', 'mov eax, 0xffffffff', 'mov rax, 1', 'mov rax, 0x7fffffff', 'mov rax, -0x80000000',
  'mov rax, 0x80000000', 'mov rax, 0x100000000', 'mov rax, -0x80000001', 'mov r8, 1', 'mov r15d, -1', 'mov r12w, 7',
  'mov dil, 1', 'mov ah, 2', 'mov byte [rax], 0x80', 'mov word [rax], 0xffff', 'mov dword [rax], -1',
  'mov qword [rax], -1', 'mov qword [rax], 0x7fffffff', 'mov eax, [0x1234]', 'mov [0x1234], al', 'mov rax, [0x1234]',
  'mov eax, ebx', 'mov r8, r9', 'mov [rsp+8], rdi', 'mov rsi, [rsp+8]', 'mov sil, [rax]', 'mov [r10], r11b',
  'mov cr0, rax', 'mov rax, cr3', 'mov cr8, rax', 'mov cr4, r9', 'mov dr7, rax', 'mov rbx, dr6', 'mov ds, ax',
  'mov ax, ds', 'mov [rax], ds', 'mov es, [rax]', 'mov fs, ax', 'mov ss, eax', 'mov rax, data1', 'mov eax, data1',
  'movzx eax, bl', 'movzx ecx, word [rax]', 'movzx r8, r9b', 'movzx rax, word [rbx]', 'movsx eax, bl', 'movsx rax, cx',
  'movsx ax, byte [rdi]', 'movsxd rax, ebx', 'movsxd r9, dword [rsi]', 'movsx rax, ebx',
  'push rax', 'push r15', 'push 1', 'push -1', 'push 0x1000', 'push qword [rax]', 'push fs', 'push gs', 'push word 5',
  'push data1', 'pop rbx', 'pop r12', 'pop qword [rsp+8]', 'pop fs', 'pop gs', 'pushf', 'popf', 'pushfq', 'popfq',
  'xchg eax, ebx', 'xchg rax, r8', 'xchg ecx, edx', 'xchg [rax], ecx', 'xchg ecx, [rax]', 'xchg eax, eax',
  'xchg al, ah', 'xchg ax, cx', 'cmovz eax, ebx', 'cmovne rax, [rbx]', 'cmovge r8w, r9w', 'cmovc eax, ecx',
  'sete al', 'setnz byte [rax]', 'setg r9b', 'setb sil', 'setpe dl', 'bswap eax', 'bswap r10',
];

const CONTROL = [
  'far_back: nop', 'times 130 nop', 'back1: nop', 'jmp back1', 'jmp short back1', 'jmp near back1', 'jmp fwd1', 'jmp near fwd1', 'call fwd1',
  'call back1', 'call rax', 'call [rax]', 'call qword [rbx+8]', 'call r11', 'jmp rax', 'jmp [rax+8]', 'jmp r15',
  'jmp far [rax]', 'call far [rbx]', 'jo back1', 'jno back1', 'jb back1', 'jc fwd1', 'jnae back1', 'jae back1',
  'jnc fwd1', 'je back1', 'jz fwd1', 'jne back1', 'jnz fwd1', 'jbe back1', 'jna fwd1', 'ja back1', 'jnbe fwd1',
  'js back1', 'jns fwd1', 'jp back1', 'jpo fwd1', 'jl back1', 'jnge fwd1', 'jge back1', 'jnl fwd1', 'jle back1',
  'jng fwd1', 'jg back1', 'jnle fwd1', 'jecxz back1', 'jrcxz fwd1', 'loop back1', 'loope back1', 'loopne fwd1',
  'loopz back1', 'loopnz fwd1', 'fwd1: ret', 'ret 8', 'retf', 'retf 16', 'iretq', 'iretd', 'iret', 'leave',
  'enter 16, 0', 'enter 0x1000, 1', 'je far_fwd', 'jmp far_fwd', 'jl far_back', 'call far_back',
  'times 200 nop', 'far_fwd: nop', 'jmp $', 'jmp $+2', 'jz $+0x100',
];

const SYSTEM = [
  'lgdt [rax]', 'lidt [rel data1]', 'sgdt [rax]', 'sidt [rbx]', 'ltr ax', 'ltr [rax]', 'lldt ax', 'str ax', 'sldt ax',
  'wrmsr', 'rdmsr', 'cpuid', 'rdtsc', 'rdtscp', 'rdpmc', 'hlt', 'cli', 'sti', 'clts', 'invlpg [rax]', 'invlpg [rel data1]',
  'swapgs', 'syscall', 'sysret', 'sysenter', 'sysexit', 'wbinvd', 'invd', 'in al, 0x60', 'in ax, 0x60', 'in eax, dx',
  'in al, dx', 'out 0x80, al', 'out 0xff, eax', 'out dx, al', 'out dx, ax', 'int 0x80', 'int 3', 'int3', 'int1', 'ud2',
  'nop', 'pause', 'lfence', 'mfence', 'sfence', 'xgetbv', 'xsetbv', 'xsave [rax]', 'xrstor [rax]', 'fxsave [rax]',
  'fxrstor [rsp]', 'clflush [rax]', 'prefetchnta [rax]', 'verr ax', 'lar eax, ax', 'lsl eax, ax', 'monitor', 'mwait',
];

const MISC = [
  'cmpxchg [rdi], rsi', 'lock cmpxchg [rdi], esi', 'lock add dword [rax], 1', 'lock inc qword [rbx]',
  'lock xadd [rax], ecx', 'lock or byte [rax], 1', 'cmpxchg8b [rax]', 'cmpxchg16b [rax]', 'xadd eax, ebx',
  'bt eax, 3', 'bts rax, rbx', 'btr dword [rax], 31', 'btc word [rax], cx', 'bsf eax, ebx', 'bsr rax, [rbx]',
  'popcnt eax, ebx', 'lzcnt rax, rcx', 'tzcnt ecx, [rax]', 'cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo', 'clc', 'stc',
  'cmc', 'cld', 'std', 'lahf', 'sahf', 'movsb', 'movsw', 'movsd', 'movsq', 'rep movsb', 'rep movsq', 'repe cmpsb',
  'repne scasb', 'repz cmpsq', 'repnz scasw', 'lodsb', 'lodsq', 'stosb', 'stosd', 'rep stosq', 'scasd', 'cmpsw',
  'insb', 'insd', 'outsb', 'outsw', 'rep insb', 'rep outsd', 'xlatb', 'shld eax, ebx, 4', 'shrd rax, rbx, cl',
  'shld [rax], ecx, 1', 'imul eax, ebx, 10', 'imul rax, [rbx], 1000', 'imul eax, 10', 'imul ecx, ebx', 'imul r8, 0x12345',
  'test eax, ebx', 'test al, 5', 'test eax, 5', 'test rax, -1', 'test [rax], ecx', 'test ecx, [rax]',
  'test byte [rax], 0x80', 'test r9w, 0x100', 'test sil, dil', 'nop eax', 'nop dword [rax]', 'rdrand eax',
  'rdseed rax', 'crc32 eax, byte [rax]', 'crc32 rax, rbx', 'movbe eax, [rax]', 'andn eax, ebx, ecx', 'bextr rax, rbx, rcx',
  'shlx eax, ebx, ecx', 'rorx rax, rbx, 3', 'pdep eax, ebx, [rax]', 'adcx eax, ebx', 'adox rax, rbx',
];

const VECTOR = [
  'movaps xmm0, xmm1', 'movaps xmm8, [rax]', 'movups [rax], xmm15', 'movdqa xmm1, [rsp+16]', 'movdqu [rdi], xmm2',
  'movd xmm0, eax', 'movd eax, xmm0', 'movd xmm1, [rax]', 'movq xmm0, rax', 'movq rax, xmm0', 'movq xmm0, xmm1',
  'movq xmm0, [rax]', 'movq [rax], xmm3', 'movss xmm0, [rax]', 'movss [rax], xmm0', 'movss xmm1, xmm2',
  'movsd xmm0, [rax]', 'movsd xmm0, xmm1', 'movsd [rbx+8], xmm9', 'addps xmm0, xmm1', 'addsd xmm0, [rax]',
  'mulss xmm2, xmm3', 'subsd xmm4, xmm5', 'divpd xmm6, [rax]', 'sqrtsd xmm0, xmm1', 'cvtsi2sd xmm0, eax',
  'cvtsi2sd xmm0, rax', 'cvtsi2ss xmm1, dword [rax]', 'cvttsd2si eax, xmm0', 'cvttsd2si rax, xmm1', 'cvtsd2ss xmm0, xmm1',
  'pxor xmm0, xmm0', 'paddd xmm1, xmm2', 'psubq xmm3, [rax]', 'pshufd xmm0, xmm1, 0x1b', 'shufps xmm0, xmm1, 0x44',
  'ucomisd xmm0, xmm1', 'comiss xmm0, [rax]', 'andps xmm0, xmm1', 'xorps xmm10, xmm11', 'punpcklbw xmm0, xmm1',
  'pcmpeqb xmm0, [rax]', 'pmovmskb eax, xmm0', 'movmskps eax, xmm1', 'ldmxcsr [rax]', 'stmxcsr [rsp]', 'movq mm0, mm1',
  'paddb mm0, [rax]', 'movd mm1, eax', 'movq mm2, [rbx]', 'emms', 'pextrw eax, xmm0, 3', 'pinsrw xmm0, eax, 2',
  'movntdq [rax], xmm0', 'movhps xmm0, [rax]', 'movlps [rax], xmm1', 'maxsd xmm0, xmm1', 'cmpsd xmm0, xmm1, 1',
  'cmpltps xmm0, xmm1', 'maskmovdqu xmm0, xmm1', 'vaddps xmm0, xmm1, xmm2', 'vmovdqu ymm0, [rax]',
  'vpxor ymm1, ymm2, ymm3', 'vmovaps xmm9, xmm10',
];

const X87 = [
  'fld st1', 'fld st0', 'fld dword [rax]', 'fld qword [rax]', 'fld tword [rax]', 'fild word [rax]', 'fild dword [rax]',
  'fild qword [rax]', 'fstp st0', 'fstp st1', 'fst qword [rax]', 'fstp qword [rax]', 'fstp tword [rax]',
  'fadd st0, st1', 'fadd st1, st0', 'fadd st3', 'fadd dword [rax]', 'faddp', 'faddp st2, st0', 'fsub st0, st2',
  'fsubp', 'fsubr st0, st1', 'fmul qword [rax]', 'fmulp', 'fdiv st0, st1', 'fdivp', 'fdivrp', 'fxch', 'fxch st3',
  'fcom st1', 'fcom', 'fcomp', 'fcompp', 'fucomi st0, st1', 'fcomip st0, st3', 'fucompp', 'fnstsw ax', 'fstsw ax',
  'fninit', 'finit', 'fldcw [rax]', 'fnstcw [rax]', 'fld1', 'fldz', 'fldpi', 'fchs', 'fabs', 'fsqrt', 'fsin', 'fcos',
  'fistp dword [rax]', 'fisttp qword [rax]', 'fist word [rax]', 'frndint', 'fscale', 'fwait', 'ffree st2',
  'fcmovb st0, st1', 'fnstenv [rax]', 'fldenv [rax]', 'fnsave [rax]', 'frstor [rax]',
];

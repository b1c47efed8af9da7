// Intel-syntax (NASM-flavoured) assembler over iced-x86's encoder. See assemble.ts for layout,
// encode.ts for how an instruction form is chosen.
export { assemble, type AssembleOptions, type AssembleResult } from './assemble.js';
export { AsmError } from './errors.js';

// The `ssef` instruction group: SSE/SSE2 instructions that interpret floating-point values
// (arithmetic, compares, conversions, approximations, LDMXCSR/STMXCSR). Data movement, logic
// and shuffles live in the simd group.
import { registerGroup } from '../ops-ext.js';
import { emitSseFloat } from './emit.js';
import { helpers } from './helpers.js';

registerGroup('ssef', emitSseFloat, helpers, { pure: true });

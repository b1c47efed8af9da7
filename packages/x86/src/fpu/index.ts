// Software floating point for the x87: the 80-bit extended format on int32-sized pieces, with the
// x87's precision and rounding control, exception flags and special-operand rules. Every function
// computes in an `Fpu` environment (control word in; flags, C1 and the result out).
export { Fpu, K, classify, IE, DE, ZE, OE, UE, PE, SF, C0, C1, C2, C3 } from './ext.js';
export { add, mul, div, sqrt } from './arith.js';
export { fromF32, fromF64, fromI32, fromI64, toF32, toF64, toInt } from './convert.js';
export { rndint, scale, xtract, prem, compare, examine } from './misc.js';
export { fromBcd, toBcd } from './bcd.js';
export { CONSTANTS, loadConstant } from './constants.js';
export { Trig, trig, f2xm1, fyl2x, fyl2xp1, fpatan } from './trans.js';

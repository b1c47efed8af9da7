import { ServalError } from '@serval/x86';

/** LWK errors: out of memory or cores, bad programs, bad job parameters. */
export class LwkError extends ServalError {}

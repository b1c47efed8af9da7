import { ServalError } from '@serval/x86';

/** Errors of the Linux-like host: modules, device files, resources. `errno` is what Linux would return. */
export class ShimError extends ServalError {
  constructor(code: string, message: string, readonly errno = 22, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Base class of every error Serval raises: a stable `code`, a message a user can act on, a `cause`. */
export class ServalError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Misuse of the x86 package's host-side API (bad sizes, addresses outside memory, ...). */
export class X86Error extends ServalError {}

/** A guest did something the engine does not implement (reported, never silently ignored). */
export class UnimplementedError extends X86Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super('UNIMPLEMENTED', `not implemented: ${what}`, options);
  }
}

import { ServalError } from '@serval/x86';

/** Lifecycle and runtime errors of the VMM (bad state transitions, resources, guest failures). */
export class HypervisorError extends ServalError {}

/** A VM configuration that does not validate; `path` names the offending key, e.g. "devices[1].options.port". */
export class ConfigError extends ServalError {
  constructor(readonly path: string, message: string) {
    super('BAD_CONFIG', path ? `config ${path}: ${message}` : `config: ${message}`);
  }
}

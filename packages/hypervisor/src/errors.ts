import { ServalError } from '@serval/x86';

/** Lifecycle and runtime errors of the VMM (bad state transitions, resources, guest failures). */
export class HypervisorError extends ServalError {}

/** A lifecycle operation the VM's state does not allow (code BAD_VM_STATE). */
export class VmStateError extends HypervisorError {
  constructor(readonly vm: string, readonly action: string, readonly state: string, readonly allowed: readonly string[]) {
    super('BAD_VM_STATE', `cannot ${action} VM "${vm}": it is ${state} (${action} needs a VM that is ${allowed.join(' or ')})`);
  }
}

/** A VM configuration that does not validate; `path` names the offending key, e.g. "devices[1].options.port". */
export class ConfigError extends ServalError {
  constructor(readonly path: string, message: string) {
    super('BAD_CONFIG', path ? `config ${path}: ${message}` : `config: ${message}`);
  }
}

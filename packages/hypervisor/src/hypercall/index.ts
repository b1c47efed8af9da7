export { ENOSYS, HypercallRegistry, type HypercallContext, type HypercallHandler } from './registry.js';
export { HC, INFO, registerHostServices, type HostFile, type ServiceVm } from './host-services.js';

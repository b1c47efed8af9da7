export { GenericPorts, type GenericPortMode, type GenericPortsOptions, type PortAccess } from './generic.js';

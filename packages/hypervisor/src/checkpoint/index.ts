// Checkpoints: a whole VM to bytes (a host file through HostOS) and back, bit for bit.
export { saveCheckpoint, loadCheckpoint, checkpointConfig, vmDevices } from './snapshot.js';
export { GuestClock } from './guest-clock.js';
export { CheckpointError } from './errors.js';
export { MAGIC as CHECKPOINT_MAGIC, VERSION as CHECKPOINT_VERSION } from './format.js';

export { DebugExit, DEBUG_EXIT_PORT } from './debug-exit.js';

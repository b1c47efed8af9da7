// Entry of a core worker thread when the LWK runs from its own build (the CLI bundle starts itself
// instead; see apps/cli/src/main.ts).
import { workerData } from 'node:worker_threads';
import { runCoreWorker } from './worker.js';

runCoreWorker(workerData, workerData.port);

/**
 * Starts the engine worker (worker.ts / dist's worker.js) with its configuration as workerData.
 */
import type { Worker } from 'node:worker_threads';
import type { EngineWorkerData } from '../../shared/protocol/worker-messages.js';
import { spawnModuleWorker } from '../spawn-module-worker.js';

/** Spawns a new engine worker with `data` as its workerData. */
export function spawnEngineWorker(data: EngineWorkerData): Worker {
  return spawnModuleWorker(import.meta.url, './worker', { workerData: data });
}

/**
 * Starts the engine worker from compiled JS (dist/server/engine/worker.js, what `npm start`
 * runs) or from the TypeScript sources (under vitest or tsx, when this module is itself a .ts
 * file). Node 20 does not apply `execArgv: ['--import', 'tsx']` to a worker's entry module, so
 * the TypeScript case boots through a one-line script that registers tsx's ESM loader inside
 * the worker thread and then imports worker.ts.
 */
import { Worker } from 'node:worker_threads';
import type { EngineWorkerData } from '../../shared/protocol/worker-messages.js';

/** Spawns a new engine worker with `data` as its workerData. */
export function spawnEngineWorker(data: EngineWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  }
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

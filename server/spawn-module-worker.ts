/**
 * Starts a worker thread on a sibling module, from compiled JS (dist/, what `npm start` runs)
 * or from the TypeScript sources (under vitest or tsx, when the calling module is itself a .ts
 * file). Node 20 does not apply `execArgv: ['--import', 'tsx']` to a worker's entry module, so
 * the TypeScript case boots through a one-line script that registers tsx's ESM loader inside
 * the worker thread and then imports the .ts entry.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * @param callerUrl  the caller's `import.meta.url`; decides .js or .ts
 * @param moduleName the worker module beside the caller, without extension (e.g. './worker')
 */
export function spawnModuleWorker(callerUrl: string, moduleName: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`${moduleName}.js`, callerUrl), options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`${moduleName}.ts`, callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

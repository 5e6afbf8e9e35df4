/**
 * Main-thread side of training: starts a worker thread (server/learn/train-worker.ts), hands it
 * the data (the ArrayBuffer is transferred: the caller's arrays become empty), relays progress,
 * and settles with the trained stack, or rejects with TrainingFailedError (the worker's error:
 * a divergence names layer and epoch) or TrainingCancelledError. `cancel()` raises the shared
 * flag the trainer polls after every minibatch and terminates the thread if it has not
 * answered within CANCEL_GRACE_MS.
 *
 * Like server/engine/spawn-worker.ts, the worker starts from compiled JS under dist/, or from
 * the TypeScript sources through tsx's loader when this module is itself a .ts file (vitest).
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../spawn-module-worker.js';
import type { RbmStackSnapshot } from '../../shared/learn/stack.js';
import type { TrainFailure, TrainJob, TrainLayerSummary, TrainMainToWorker, TrainWorkerToMain } from '../../shared/protocol/train-messages.js';

/** How long a cancelled worker may take to stop at the next minibatch before it is terminated, ms. */
export const CANCEL_GRACE_MS = 5000;

/** Training failed in the worker; `failure` carries the worker's error name and location. */
export class TrainingFailedError extends Error {
  readonly failure: TrainFailure;
  constructor(failure: TrainFailure) {
    super(failure.message);
    this.name = failure.name === 'TrainingDivergedError' ? 'TrainingDivergedError' : 'TrainingFailedError';
    this.failure = failure;
  }
}

/** Training was cancelled; `epochs` lists the epochs each layer completed. */
export class TrainingCancelledError extends Error {
  override name = 'TrainingCancelledError';
  readonly epochs: number[];
  constructor(epochs: number[]) {
    super('training was cancelled');
    this.epochs = epochs;
  }
}

export interface TrainResult {
  snapshot: RbmStackSnapshot;
  layers: TrainLayerSummary[];
  /** The backend that ran it, with its measurements when 'auto' chose it. */
  backend: { name: string; description: string; measurements?: unknown };
  /** Training and evaluation time in the worker, seconds. */
  seconds: number;
  reconstructions: Float32Array | null;
}

export interface TrainRun {
  result: Promise<TrainResult>;
  /** Asks the worker to stop; `result` then rejects with TrainingCancelledError. */
  cancel(): void;
}

/** Starts the training worker (see the file header). */
export function spawnTrainWorker(): Worker {
  return spawnModuleWorker(import.meta.url, './train-worker');
}

/**
 * Trains `job` in a new worker thread. `onMessage` sees every progress message (backend,
 * batch, epoch, layer) as it arrives.
 */
export function startTraining(job: Omit<TrainJob, 'cancelFlag'>, onMessage: (message: TrainWorkerToMain) => void = () => {}): TrainRun {
  const cancelFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancelFlag);
  const worker = spawnTrainWorker();
  let settled = false;
  let cancelTimer: NodeJS.Timeout | undefined;
  let backend: TrainResult['backend'] | undefined;

  const result = new Promise<TrainResult>((resolve, reject) => {
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(cancelTimer);
      action();
      void worker.terminate();
    };
    worker.on('message', (message: TrainWorkerToMain) => {
      switch (message.type) {
        case 'backend':
          backend = { name: message.name, description: message.description, ...(message.measurements === undefined ? {} : { measurements: message.measurements }) };
          break;
        case 'done':
          finish(() =>
            resolve({
              snapshot: message.snapshot,
              layers: message.layers,
              backend: backend ?? { name: 'unknown', description: '' },
              seconds: message.seconds,
              reconstructions: message.reconstructions,
            }),
          );
          return;
        case 'cancelled':
          finish(() => reject(new TrainingCancelledError(message.epochs)));
          return;
        case 'failed':
          finish(() => reject(new TrainingFailedError(message.error)));
          return;
      }
      onMessage(message);
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) =>
      finish(() => reject(Atomics.load(flag, 0) !== 0 ? new TrainingCancelledError([]) : new Error(`training worker exited (code ${code}) before finishing`))),
    );
  });

  const { data, heldOut } = job;
  const transfer = [data.buffer as ArrayBuffer];
  if (heldOut.buffer !== data.buffer && heldOut.byteLength > 0) transfer.push(heldOut.buffer as ArrayBuffer);
  const start: TrainMainToWorker = { type: 'start', job: { ...job, cancelFlag } };
  worker.postMessage(start, transfer);

  return {
    result,
    cancel() {
      if (settled) return;
      Atomics.store(flag, 0, 1);
      cancelTimer ??= setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
    },
  };
}

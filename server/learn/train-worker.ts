/**
 * Entry point of a training thread: waits for one `start` (shared/protocol/train-messages.ts),
 * creates the compute backend, trains the stack greedily layer by layer
 * (shared/learn/stack.ts), measures each trained RBM on its input, optionally reconstructs
 * held-out rows from the top layer, posts `done` with the parameters (buffers transferred),
 * and exits. Every error — a divergence naming layer and epoch included — comes back as a
 * `failed` message. Training never runs on the main thread's event loop.
 *
 * Randomness: one Rng(seed) draws the initial weights, the minibatch order, the Gibbs samples
 * and the pseudo-likelihood's unit choices, in that order, so a seed fixes the whole run.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import type { ComputeBackend } from '../../shared/learn/backend.js';
import { reconstructionError } from '../../shared/learn/monitor.js';
import { propagateUp, RbmStack, trainStackGreedy } from '../../shared/learn/stack.js';
import { Rng } from '../../shared/physics/rng.js';
import type {
  TrainEpochReport,
  TrainFailure,
  TrainJob,
  TrainLayerSummary,
  TrainMainToWorker,
  TrainWorkerToMain,
} from '../../shared/protocol/train-messages.js';
import { createBackend } from '../compute/select.js';

/** Training rows used for the final per-layer reconstruction error (the first ones). */
export const EVALUATION_ROWS = 5000;
/** Minimum interval between `batch` progress messages, ms. */
const BATCH_MESSAGE_MS = 200;

if (!parentPort) throw new Error('train-worker.ts must run in a worker thread');
const port = parentPort;

function post(message: TrainWorkerToMain, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function failure(error: unknown): TrainFailure {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const out: TrainFailure = { name: error.name, message: error.message };
  const e = error as Error & { layer?: unknown; epoch?: unknown; batch?: unknown };
  if (typeof e.layer === 'number') out.layer = e.layer;
  if (typeof e.epoch === 'number') out.epoch = e.epoch;
  if (typeof e.batch === 'number') out.batch = e.batch;
  return out;
}

/** Per-layer deterministic reconstruction error on (a prefix of) the training rows and on the held-out rows. */
function evaluate(stack: RbmStack, backend: ComputeBackend, job: TrainJob): TrainLayerSummary['reconstructionError'][] {
  const n0 = job.layers[0];
  const rows = Math.min(job.trainRows, EVALUATION_ROWS);
  let train = job.data.subarray(0, rows * n0);
  let held = job.heldOutRows > 0 ? job.heldOut.subarray(0, job.heldOutRows * n0) : null;
  return stack.layers.map((rbm, l) => {
    if (l > 0) {
      const below = stack.layers[l - 1];
      train = propagateUp(below, backend, train, rows);
      if (held) held = propagateUp(below, backend, held, job.heldOutRows);
    }
    return {
      train: reconstructionError(rbm, backend, train, rows),
      heldOut: held ? reconstructionError(rbm, backend, held, job.heldOutRows) : null,
    };
  });
}

async function run(job: TrainJob): Promise<void> {
  const cancel = new Int32Array(job.cancelFlag);
  const shouldStop = () => Atomics.load(cancel, 0) !== 0;
  let backend: ComputeBackend | undefined;
  try {
    const created = await createBackend(job.backend, {});
    backend = created.backend;
    post({ type: 'backend', name: backend.name, description: backend.description, ...(created.measurements === undefined ? {} : { measurements: created.measurements }) });
    if (shouldStop()) {
      post({ type: 'cancelled', epochs: job.epochs.map(() => 0) });
      return;
    }

    const started = performance.now();
    const rng = new Rng(job.seed);
    const stack = RbmStack.create(job.layers, rng, job.initScale);
    const L = stack.layers.length;
    const layerSeconds = new Array<number>(L).fill(0);
    const lastReport: (TrainEpochReport | null)[] = new Array(L).fill(null);
    let mark = performance.now();
    let lastBatchMessage = 0;

    const result = trainStackGreedy(stack, job.data, job.trainRows, {
      epochs: job.epochs,
      config: job.config,
      backend,
      rng,
      ...(job.heldOutRows > 0 ? { heldOut: { data: job.heldOut, rows: job.heldOutRows } } : {}),
      shouldStop,
      onBatch: (layer, epoch, batch, batches) => {
        const now = performance.now();
        if (now - lastBatchMessage < BATCH_MESSAGE_MS && batch < batches) return;
        lastBatchMessage = now;
        post({ type: 'batch', layer, epoch, epochs: job.epochs[layer - 1], batch, batches });
      },
      onEpoch: (layer, stats) => {
        const now = performance.now();
        const report: TrainEpochReport = {
          reconstructionError: stats.reconstructionError,
          pseudoLogLikelihood: stats.pseudoLogLikelihood,
          freeEnergyGap: stats.freeEnergyGap ?? null,
          momentum: stats.momentum,
          weightNorm: stats.weightNorm,
          meanHiddenProbability: stats.meanHiddenProbability,
          seconds: (now - mark) / 1000,
        };
        mark = now;
        layerSeconds[layer - 1] += report.seconds;
        lastReport[layer - 1] = report;
        post({ type: 'epoch', layer, epoch: stats.epoch, epochs: job.epochs[layer - 1], report });
      },
    });
    if (result.stopped) {
      post({ type: 'cancelled', epochs: result.epochs });
      return;
    }

    const errors = evaluate(stack, backend, job);
    const layers: TrainLayerSummary[] = stack.layers.map((rbm, l) => ({
      layer: l + 1,
      visible: rbm.visible,
      hidden: rbm.hidden,
      epochs: result.epochs[l],
      seconds: layerSeconds[l],
      last: lastReport[l],
      reconstructionError: errors[l],
    }));
    for (const summary of layers) post({ type: 'layer', summary });

    const n = Math.min(job.reconstructRows ?? 0, job.heldOutRows);
    const reconstructions = n > 0 ? stack.reconstruct(backend, job.heldOut.subarray(0, n * job.layers[0]), n) : null;
    const snapshot = stack.snapshot();
    const transfer: ArrayBuffer[] = snapshot.layers.flatMap((s) => [s.weights.buffer, s.visibleBias.buffer, s.hiddenBias.buffer] as ArrayBuffer[]);
    if (reconstructions) transfer.push(reconstructions.buffer as ArrayBuffer);
    post({ type: 'done', snapshot, layers, seconds: (performance.now() - started) / 1000, reconstructions }, transfer);
  } catch (error) {
    post({ type: 'failed', error: failure(error) });
  } finally {
    backend?.dispose();
  }
}

port.once('message', (message: TrainMainToWorker) => {
  if (message.type !== 'start') {
    post({ type: 'failed', error: { name: 'ProtocolError', message: `expected a start message, got ${message.type}` } });
    port.close();
    return;
  }
  void run(message.job).finally(() => port.close());
});

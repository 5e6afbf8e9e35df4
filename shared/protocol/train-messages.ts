/**
 * Messages between the main thread and a training worker (server/learn/train-worker.ts), as
 * discriminated unions on `type`. The main thread sends one `start` (the data's ArrayBuffer
 * transferred, not copied) and may send `cancel`; the worker answers with progress and ends
 * with exactly one of `done`, `cancelled` or `failed`, then exits.
 *
 * Layers are 1-based (RBM l couples layer l − 1 to layer l); epochs and batches are 1-based.
 * Cancellation also works while the worker is busy: `start` carries a SharedArrayBuffer flag
 * that the trainer polls after every minibatch (a message could only be read between epochs).
 */
import type { TrainingConfigInput } from '../learn/training-config.js';
import type { RbmStackSnapshot } from '../learn/stack.js';

/** Backend names a job may ask for: a concrete backend, or 'auto' to measure and pick. */
export const TRAIN_BACKEND_REQUESTS = ['auto', 'js', 'wasm', 'native', 'gpu'] as const;
export type TrainBackendRequest = (typeof TRAIN_BACKEND_REQUESTS)[number];

export interface TrainJob {
  /** Training rows, trainRows × layers[0], values 0/1, row-major. */
  data: Float32Array;
  trainRows: number;
  /** Held-out rows (may share `data`'s buffer), heldOutRows × layers[0]; heldOutRows may be 0. */
  heldOut: Float32Array;
  heldOutRows: number;
  /** Units per layer, visible first, e.g. [1600, 400, 100, 25]. */
  layers: number[];
  /** CD settings for every RBM (validated in the worker as well). */
  config: TrainingConfigInput;
  /** Epochs per RBM (length layers.length − 1). */
  epochs: number[];
  seed: number;
  backend: TrainBackendRequest;
  /** Standard deviation of the initial weights (Rbm.random; default there 0.01). */
  initScale?: number;
  /**
   * Rows of held-out data (the first ones) to reconstruct from the top layer after training,
   * returned in `done.reconstructions` (0 or absent: none).
   */
  reconstructRows?: number;
  /** Int32Array over this buffer, element 0: set to 1 by the main thread to cancel. */
  cancelFlag: SharedArrayBuffer;
}

export type TrainMainToWorker = { type: 'start'; job: TrainJob } | { type: 'cancel' };

/** What one epoch of one RBM measured. */
export interface TrainEpochReport {
  /** Mean squared one-step reconstruction error per unit over the epoch (the trainer's, with sampled h). */
  reconstructionError: number;
  /** Mean pseudo-log-likelihood, nats per configuration of the layer's input. */
  pseudoLogLikelihood: number;
  /** ⟨F⟩_held-out − ⟨F⟩_train, nats; null without held-out rows. */
  freeEnergyGap: number | null;
  momentum: number;
  weightNorm: number;
  meanHiddenProbability: number;
  /** Wall time of this epoch including the monitors, seconds. */
  seconds: number;
}

/** Final figures of one trained RBM. */
export interface TrainLayerSummary {
  layer: number;
  visible: number;
  hidden: number;
  epochs: number;
  /** Wall time of all its epochs (with monitoring), seconds. */
  seconds: number;
  /** The last epoch's report (null when it trained 0 epochs). */
  last: TrainEpochReport | null;
  /**
   * Deterministic reconstruction error (v → p(h|v) → p(v|h), mean squared per unit) of this RBM
   * on its own input: the training rows and the held-out rows pushed up the trained layers below.
   */
  reconstructionError: { train: number; heldOut: number | null };
}

export interface TrainFailure {
  /** 'TrainingDivergedError', 'RangeError', 'BackendError', … */
  name: string;
  message: string;
  /** Set for a divergence: where it happened (1-based). */
  layer?: number;
  epoch?: number;
  batch?: number;
}

export type TrainWorkerToMain =
  /** The backend is ready; `measurements` when 'auto' measured the candidates. */
  | { type: 'backend'; name: string; description: string; measurements?: unknown }
  /** Throttled minibatch progress (about every 200 ms). */
  | { type: 'batch'; layer: number; epoch: number; epochs: number; batch: number; batches: number }
  | { type: 'epoch'; layer: number; epoch: number; epochs: number; report: TrainEpochReport }
  | { type: 'layer'; summary: TrainLayerSummary }
  | {
      type: 'done';
      snapshot: RbmStackSnapshot;
      layers: TrainLayerSummary[];
      /** Training plus evaluation wall time in the worker, seconds (backend set-up excluded). */
      seconds: number;
      /** reconstructRows × layers[0] probabilities P(v_i = 1) from the top layer, or null. */
      reconstructions: Float32Array | null;
    }
  | { type: 'cancelled'; epochs: number[] }
  | { type: 'failed'; error: TrainFailure };

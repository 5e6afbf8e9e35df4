/**
 * `rgflow train`: validate every option and the data file before any work, train the RBM stack
 * greedily in a worker thread (server/learn/train-runner.ts) with progress on io.progress, save
 * the model atomically in the format of docs/model-format.md, and return the JSON summary.
 * Exit codes through main.ts: bad options or data → UsageError (2); a divergence or any other
 * failure during training → an Error naming layer and epoch (1). Nothing is written unless
 * training completes.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { validateTrainingConfig, type TrainingConfig } from '../../shared/learn/training-config.js';
import { TRAIN_BACKEND_REQUESTS, type TrainJob, type TrainLayerSummary, type TrainWorkerToMain } from '../../shared/protocol/train-messages.js';
import { DatasetError, DEFAULT_HOLDOUT, loadTrainingData, MAX_HOLDOUT } from '../learn/dataset.js';
import { checkModelTarget, ModelFormatError, saveModel } from '../learn/model-store.js';
import { startTraining, TrainingCancelledError, TrainingFailedError, type TrainResult } from '../learn/train-runner.js';
import { UsageError } from './errors.js';

export const MAX_LAYER_UNITS = 1 << 16;
export const MAX_EPOCHS = 100_000;

const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be ≥ ${min}` })
    .max(max, { error: `${name} must be ≤ ${max}` });
const num = (name: string) => z.number({ error: `${name} must be a finite number` });

/**
 * Options of `rgflow train`. layers: units per layer, visible first (the data's columns);
 * epochs: one count for every RBM or one per RBM; batch: minibatch rows; lr: learning rate ε;
 * l1, l2: penalty strengths; k: Gibbs steps (CD-k); persistent: PCD; holdout: fraction of rows
 * (the file's last ones) held out for the free-energy gap; initScale: σ of the initial weights.
 */
export const trainOptionsSchema = z
  .object({
    data: z.string({ error: 'data must be a .npy file path' }).min(1, { error: 'data must be a non-empty path' }),
    layers: z.array(int('each layer size', 1, MAX_LAYER_UNITS), { error: 'layers must be a list of integers' }).min(2, { error: 'layers must list at least two sizes (visible, hidden…)' }),
    epochs: z.union([int('epochs', 1, MAX_EPOCHS), z.array(int('epochs', 1, MAX_EPOCHS)).min(1)], { error: 'epochs must be an integer ≥ 1 or a list of them' }),
    batch: int('batch', 1, 1_000_000).default(100),
    lr: num('lr').positive({ error: 'lr must be > 0' }).default(0.1),
    l1: num('l1').min(0, { error: 'l1 must be ≥ 0' }).default(2e-4),
    l2: num('l2').min(0, { error: 'l2 must be ≥ 0' }).default(0),
    k: int('k', 1, 1000).default(1),
    persistent: z.boolean({ error: 'persistent must be true or false' }).default(false),
    seed: int('seed', 0).default(1),
    backend: z.enum(TRAIN_BACKEND_REQUESTS, { error: `backend must be one of ${TRAIN_BACKEND_REQUESTS.join(', ')}` }).default('auto'),
    holdout: num('holdout').min(0, { error: `holdout must be in [0, ${MAX_HOLDOUT}]` }).max(MAX_HOLDOUT, { error: `holdout must be in [0, ${MAX_HOLDOUT}]` }).default(DEFAULT_HOLDOUT),
    initScale: num('initScale').min(0, { error: 'initScale must be ≥ 0' }).optional(),
    out: z.string({ error: 'out must be a directory path' }).min(1, { error: 'out must be a non-empty path' }),
  })
  .superRefine((o, ctx) => {
    if (Array.isArray(o.epochs) && o.epochs.length !== o.layers.length - 1) {
      ctx.addIssue({ code: 'custom', path: ['epochs'], message: `epochs lists ${o.epochs.length} counts for ${o.layers.length - 1} RBMs` });
    }
  });

export type TrainOptions = z.infer<typeof trainOptionsSchema>;

export interface TrainIo {
  /** fraction in [0, 1] of all training work; the message names layer, epoch and reconstruction error. */
  progress: (message: string, fraction: number) => void;
  /** Aborting cancels training (the worker stops at the next minibatch); nothing is written. */
  signal?: AbortSignal;
}

/** One trained RBM in a summary (snake_case, as in every rgflow JSON summary). */
export interface LayerSummaryJson {
  layer: number;
  visible: number;
  hidden: number;
  epochs: number;
  seconds: number;
  /** Last epoch's mean squared one-step reconstruction error per unit (the trainer's, sampled h). */
  reconstruction_error: number | null;
  /** Deterministic reconstruction error on this RBM's input: training rows (first ≤ 5000) and held-out rows. */
  reconstruction_error_eval: { train: number; held_out: number | null };
  /** Last epoch's mean pseudo-log-likelihood, nats per configuration. */
  pseudo_log_likelihood: number | null;
  /** Last epoch's ⟨F⟩_held-out − ⟨F⟩_train, nats (null without held-out rows). */
  free_energy_gap: number | null;
}

export interface TrainSummary {
  out: string;
  data: string;
  layers: number[];
  epochs: number[];
  samples: { total: number; train: number; held_out: number };
  config: TrainingConfig;
  seed: number;
  backend: { name: string; description: string; measurements?: unknown };
  per_layer: LayerSummaryJson[];
  /** Wall time from the start of training to the saved model, seconds. */
  total_seconds: number;
}

/** Turns zod issues into one UsageError line. */
export function usageFromZod(command: string, error: z.ZodError): UsageError {
  const flag = (path: PropertyKey[]) => path.map(String).join('.').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const lines = error.issues.map((i) => (i.path.length > 0 ? `--${flag(i.path)}: ${i.message}` : i.message));
  return new UsageError(`invalid ${command} options: ${lines.join('; ')}`);
}

/** Fails with a UsageError unless `out` can become a model directory (parent exists, writable, target replaceable). */
export async function checkOutDirectory(out: string): Promise<string> {
  let path: string;
  try {
    path = await checkModelTarget(out);
  } catch (error) {
    if (error instanceof ModelFormatError) throw new UsageError(`--out: ${error.message}`);
    throw error;
  }
  try {
    await access(dirname(path), constants.W_OK);
  } catch {
    throw new UsageError(`--out: directory ${dirname(path)} is not writable`);
  }
  return path;
}

export function layerSummaryJson(s: TrainLayerSummary): LayerSummaryJson {
  return {
    layer: s.layer,
    visible: s.visible,
    hidden: s.hidden,
    epochs: s.epochs,
    seconds: s.seconds,
    reconstruction_error: s.last?.reconstructionError ?? null,
    reconstruction_error_eval: { train: s.reconstructionError.train, held_out: s.reconstructionError.heldOut },
    pseudo_log_likelihood: s.last?.pseudoLogLikelihood ?? null,
    free_energy_gap: s.last?.freeEnergyGap ?? null,
  };
}

/**
 * Runs `job` in a training worker, reporting progress as the fraction of the total work
 * (epochs × visible × hidden summed over layers). Maps a cancellation to an Error and a
 * worker failure to an Error whose message names layer and epoch.
 */
export async function trainWithProgress(job: Omit<TrainJob, 'cancelFlag'>, io: TrainIo, phase = ''): Promise<TrainResult> {
  const cost = job.epochs.map((e, l) => e * job.layers[l] * job.layers[l + 1]);
  const total = cost.reduce((a, b) => a + b, 0);
  const before = cost.map((_, l) => cost.slice(0, l).reduce((a, b) => a + b, 0));
  const lastError: number[] = [];
  const fraction = (layer: number, epochsDone: number) => (before[layer - 1] + (epochsDone / job.epochs[layer - 1]) * cost[layer - 1]) / total;
  const label = (layer: number, epoch: number) => {
    const err = lastError[layer - 1];
    return `${phase}layer ${layer}/${job.epochs.length}, epoch ${epoch}/${job.epochs[layer - 1]}${err === undefined ? '' : `, reconstruction error ${err.toFixed(4)}`}`;
  };
  // Minibatches move the fraction under the label of the last finished epoch, so a log that
  // prints on every new message gets one line per epoch.
  let current = '';
  const onMessage = (m: TrainWorkerToMain) => {
    if (m.type === 'backend') io.progress(`${phase}backend ${m.name} (${m.description})`, 0);
    else if (m.type === 'batch') {
      if (m.epoch === 1) current = label(m.layer, 1);
      io.progress(current, fraction(m.layer, m.epoch - 1 + m.batch / m.batches));
    } else if (m.type === 'epoch') {
      lastError[m.layer - 1] = m.report.reconstructionError;
      current = label(m.layer, m.epoch);
      io.progress(current, fraction(m.layer, m.epoch));
    }
  };
  const run = startTraining(job, onMessage);
  const abort = () => run.cancel();
  io.signal?.addEventListener('abort', abort, { once: true });
  if (io.signal?.aborted) run.cancel();
  try {
    return await run.result;
  } catch (error) {
    if (error instanceof TrainingFailedError && error.failure.name === 'TrainingDivergedError') {
      throw new Error(`${error.message} — try a smaller --lr (nothing was written)`);
    }
    if (error instanceof TrainingCancelledError) throw new Error(`training was cancelled (nothing was written)`);
    throw error;
  } finally {
    io.signal?.removeEventListener('abort', abort);
  }
}

/**
 * Run `rgflow train` (see the file header): options → validated (UsageError) → data loaded and
 * checked (UsageError) → trained in a worker → saved atomically → summary.
 */
export async function runTrain(options: unknown, io: TrainIo): Promise<TrainSummary> {
  const parsed = trainOptionsSchema.safeParse(options);
  if (!parsed.success) throw usageFromZod('train', parsed.error);
  const o = parsed.data;
  let config: TrainingConfig;
  try {
    config = validateTrainingConfig({ k: o.k, persistent: o.persistent, batchSize: o.batch, learningRate: o.lr, l1: o.l1, l2: o.l2 });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const out = await checkOutDirectory(o.out);
  const dataPath = resolve(o.data);
  const epochs = Array.isArray(o.epochs) ? o.epochs : o.layers.slice(1).map(() => o.epochs as number);
  let data;
  try {
    data = await loadTrainingData(dataPath, { visible: o.layers[0], holdout: o.holdout });
  } catch (error) {
    if (error instanceof DatasetError) throw new UsageError(`--data: ${error.message}`);
    throw error;
  }
  const { samples, trainRows, heldOutRows, L } = data;

  const started = performance.now();
  const result = await trainWithProgress(
    {
      data: data.train,
      trainRows,
      heldOut: data.heldOut,
      heldOutRows,
      layers: o.layers,
      config,
      epochs,
      seed: o.seed,
      backend: o.backend,
      ...(o.initScale === undefined ? {} : { initScale: o.initScale }),
    },
    io,
  );
  const perLayer = result.layers.map(layerSummaryJson);
  io.progress('saving the model', 1);
  await saveModel(out, result.snapshot.layers, {
    ...(L === null ? {} : { lattice: { L } }),
    training: {
      config: config as unknown as Record<string, unknown>,
      epochs,
      seed: o.seed,
      backend: result.backend.name,
      ...(o.initScale === undefined ? {} : { init_scale: o.initScale }),
      data: dataPath,
      samples: trainRows,
      held_out: heldOutRows,
      holdout: o.holdout,
    },
    metrics: { layers: perLayer, training_seconds: result.seconds },
  });
  return {
    out,
    data: dataPath,
    layers: o.layers,
    epochs,
    samples: { total: samples, train: trainRows, held_out: heldOutRows },
    config,
    seed: o.seed,
    backend: result.backend,
    per_layer: perLayer,
    total_seconds: (performance.now() - started) / 1000,
  };
}

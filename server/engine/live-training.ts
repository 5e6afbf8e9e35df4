/**
 * The network of a live session and its continuous training: the stack n(0) = L², n(1), …
 * trained by OnlineStackTrainer on minibatches drawn from the rolling buffer (every layer
 * updated on each minibatch, layer l on p(h(l−1) | ·) of the freshly updated layer below).
 *
 * One Rng(seed, 2) draws the initial weights (N(0, 0.01²)), the minibatch rows and every Gibbs
 * sample, in that order, so the network is a deterministic function of the data and the seed.
 * An "epoch" (it advances the momentum schedule 0.5 → 0.9 after 5) is round(bufferSize/batchSize)
 * minibatches. A network that diverges (NaN) is re-initialized from the same generator and
 * counted, so a bad learning rate cannot crash the session.
 */
import type { ComputeBackend } from '../../shared/learn/backend.js';
import { OnlineStackTrainer } from '../../shared/learn/online-stack.js';
import { receptiveFields } from '../../shared/learn/receptive-field.js';
import { RbmStack } from '../../shared/learn/stack.js';
import { sumOfSquares, TrainingDivergedError, type TrainerSnapshot, type TrainingConfigInput } from '../../shared/learn/trainer.js';
import { Rng } from '../../shared/physics/rng.js';
import type { EngineSettings, Hyperparameters, LayerTraining, WeightsPayload } from '../../shared/protocol/engine-events.js';
import { quantize } from '../../shared/protocol/weights-codec.js';
import type { RollingBuffer } from './rolling-buffer.js';

/** Stream of Rng(seed, ·) used by training. */
export const TRAINING_STREAM = 2;
/** Minibatches the reconstruction-error average spans. */
const ERROR_AVERAGE_SPAN = 50;

type TrainingSettings = Pick<EngineSettings, 'L' | 'layers' | 'learningRate' | 'l1' | 'k' | 'persistent' | 'batchSize' | 'bufferSize' | 'seed'>;

/** Everything LiveTraining holds, for checkpoints. */
export interface TrainingSnapshot {
  /** Per layer, bottom first (models, velocities, persistent chains). */
  trainers: TrainerSnapshot[];
  /** The shared training generator. */
  rng: Uint32Array;
  minibatches: number;
  divergences: number;
  /** Per layer: running average of the reconstruction error (NaN before the first minibatch). */
  errorAverage: Float64Array;
}

const TWO_TO_MINUS_32 = 2.3283064365386963e-10;

function trainingConfigOf(c: TrainingConfigInput): Pick<TrainingSettings, 'learningRate' | 'l1' | 'k' | 'persistent'> {
  return { learningRate: c.learningRate!, l1: c.l1!, k: c.k!, persistent: c.persistent! };
}

function trainingConfig(s: TrainingSettings): TrainingConfigInput {
  return { learningRate: s.learningRate, l1: s.l1, k: s.k, persistent: s.persistent, batchSize: s.batchSize };
}

export class LiveTraining {
  private trainer: OnlineStackTrainer;
  private readonly rng: Rng;
  private readonly batch: Float32Array;
  private readonly batchesPerEpoch: number;
  private readonly errorAverage: Float64Array;
  minibatches = 0;
  divergences = 0;
  /** Messages about recoveries (divergences) not yet reported. */
  readonly warnings: string[] = [];

  constructor(
    private settings: TrainingSettings,
    private readonly backend: ComputeBackend,
    restored?: TrainingSnapshot,
  ) {
    const sites = settings.L * settings.L;
    this.batch = new Float32Array(settings.batchSize * sites);
    this.batchesPerEpoch = Math.max(1, Math.round(settings.bufferSize / settings.batchSize));
    this.errorAverage = new Float64Array(settings.layers.length).fill(Number.NaN);
    if (restored) {
      this.rng = Rng.fromState(restored.rng);
      this.trainer = OnlineStackTrainer.fromSnapshot(restored.trainers, backend, this.rng);
      this.minibatches = restored.minibatches;
      this.divergences = restored.divergences;
      this.errorAverage.set(restored.errorAverage);
    } else {
      this.rng = new Rng(settings.seed, TRAINING_STREAM);
      this.trainer = this.freshTrainer();
    }
  }

  get stack(): RbmStack {
    return this.trainer.stack;
  }

  /** Unit counts n(0) = L², n(1), …. */
  get sizes(): number[] {
    return [this.settings.L * this.settings.L, ...this.settings.layers];
  }

  private freshTrainer(): OnlineStackTrainer {
    const stack = RbmStack.create(this.sizes, this.rng);
    return OnlineStackTrainer.create(stack, trainingConfig(this.settings), this.backend, this.rng);
  }

  /**
   * One CD minibatch for every layer from batchSize random rows of `buffer`; false (nothing
   * done) while the buffer holds fewer than batchSize configurations.
   */
  trainOn(buffer: RollingBuffer): boolean {
    const B = this.settings.batchSize;
    if (buffer.size < B) return false;
    buffer.sample(this.rng, B, this.batch);
    try {
      const errors = this.trainer.trainBatch(this.batch, B);
      this.minibatches++;
      const a = 1 / Math.min(this.minibatches, ERROR_AVERAGE_SPAN);
      errors.forEach((e, l) => {
        const previous = this.errorAverage[l];
        this.errorAverage[l] = Number.isNaN(previous) ? e : previous + a * (e - previous);
      });
      if (this.minibatches % this.batchesPerEpoch === 0) this.trainer.endEpoch();
    } catch (error) {
      if (!(error instanceof TrainingDivergedError)) throw error;
      this.divergences++;
      this.minibatches++;
      this.warnings.push(`${error.message}; the network was re-initialized (divergence ${this.divergences} of this run)`);
      this.trainer = this.freshTrainer();
      this.errorAverage.fill(Number.NaN);
    }
    return true;
  }

  /** Applies new CD hyper-parameters to every layer; parameters, velocities, epochs and the generator carry over. */
  setHyperparameters(h: Pick<Hyperparameters, 'learningRate' | 'l1' | 'k' | 'persistent'>): void {
    const snapshots = this.trainer.snapshot().map((s) => ({
      ...s,
      config: {
        ...s.config,
        learningRate: h.learningRate ?? s.config.learningRate,
        l1: h.l1 ?? s.config.l1,
        k: h.k ?? s.config.k,
        persistent: h.persistent ?? s.config.persistent,
      },
    }));
    this.trainer = OnlineStackTrainer.fromSnapshot(snapshots, this.backend, this.rng);
    this.settings = { ...this.settings, ...trainingConfigOf(snapshots[0].config) };
  }

  /**
   * Hidden states of every layer for one visible configuration v ({0,1}, length L²):
   * h(1) ~ p(h(1) | v), h(l) ~ p(h(l) | h(l−1)), Bernoulli draws u < p from `rng`.
   */
  hiddenStates(v: Float32Array, rng: Rng): Float32Array[] {
    const out: Float32Array[] = [];
    let input = v;
    for (const rbm of this.stack.layers) {
      const h = new Float32Array(rbm.hidden);
      rbm.hiddenProbabilities(this.backend, input, 1, h);
      for (let j = 0; j < h.length; j++) h[j] = rng.nextUint32() * TWO_TO_MINUS_32 < h[j] ? 1 : 0;
      out.push(h);
      input = h;
    }
    return out;
  }

  /** Per-layer training curve points. */
  curves(): LayerTraining[] {
    return this.stack.layers.map((rbm, l) => ({
      layer: l + 1,
      reconstructionError: Number.isNaN(this.errorAverage[l]) ? null : this.errorAverage[l],
      weightNorm: Math.sqrt(sumOfSquares(rbm.weights)),
    }));
  }

  /** Quantized weights of every layer and receptive fields r(l) = W(1)⋯W(l) for l ≥ 2. */
  weights(tick: number): WeightsPayload {
    const layers = this.stack.layers.map((rbm) => {
      const q = quantize(rbm.weights);
      return { visible: rbm.visible, hidden: rbm.hidden, scale: q.scale, weights: q.values, visibleBias: rbm.visibleBias.slice(), hiddenBias: rbm.hiddenBias.slice() };
    });
    const fields = [];
    for (let l = 2; l <= this.stack.layers.length; l++) {
      const q = quantize(receptiveFields(this.stack, l, this.backend));
      fields.push({ layer: l, units: this.stack.layers[l - 1].hidden, scale: q.scale, values: q.values });
    }
    return { tick, layers, receptiveFields: fields };
  }

  snapshot(): TrainingSnapshot {
    return {
      trainers: this.trainer.snapshot(),
      rng: this.rng.state(),
      minibatches: this.minibatches,
      divergences: this.divergences,
      errorAverage: this.errorAverage.slice(),
    };
  }
}

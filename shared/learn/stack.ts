/**
 * A stack of RBMs (a deep belief network without fine-tuning), the paper's deep architecture:
 * layer l has weights W(l) between units of layer l−1 (layer 0 = visible spins) and layer l.
 * Default sizes 1600-400-100-25 (a 40×40 Ising lattice compressed 64× at the top).
 *
 * Layers are numbered from 1 in every argument and message (W(1) is layers[0]), as in the
 * paper's Appendix B. The up pass feeds probabilities, not samples, to the next layer; the
 * down pass likewise — reconstructions "as in Hinton & Salakhutdinov (2006)".
 */
import type { ComputeBackend } from './backend.js';
import { Rbm, type RbmSnapshot } from './rbm.js';
import type { Rng } from '../physics/rng.js';
import { freeEnergyGap, pseudoLogLikelihood } from './monitor.js';
import { RbmTrainer, TrainingDivergedError, type EpochStats, type TrainingConfigInput } from './trainer.js';

/** The paper's architecture: 1600 visible spins, then 400, 100 and 25 hidden units. */
export const PAPER_LAYER_SIZES = Object.freeze([1600, 400, 100, 25]);

/** Rows per backend call when a whole data set is pushed through a layer. */
const CHUNK = 1024;

/** Every layer's RbmSnapshot, bottom (W(1)) first. */
export interface RbmStackSnapshot {
  layers: RbmSnapshot[];
}

/** The layers of a deep belief network and its deterministic up and down passes. */
export class RbmStack {
  /** layers[l − 1] holds W(l), visible = n(l−1), hidden = n(l). */
  readonly layers: Rbm[];

  /** Wraps the RBMs (no copy); each layer's visible count must equal the previous hidden count. */
  constructor(layers: Rbm[]) {
    if (layers.length < 1) throw new RangeError('a stack needs at least one layer');
    for (let l = 1; l < layers.length; l++) {
      if (layers[l].visible !== layers[l - 1].hidden) {
        throw new RangeError(`layer ${l + 1} has ${layers[l].visible} visible units but layer ${l} has ${layers[l - 1].hidden} hidden units`);
      }
    }
    this.layers = layers;
  }

  /** A random stack with unit counts sizes = [n(0), n(1), …] (at least two), weights ~ N(0, scale²) (Rbm.random). */
  static create(sizes: readonly number[], rng: Rng, scale?: number): RbmStack {
    if (sizes.length < 2) throw new RangeError(`a stack needs at least two layer sizes, got [${sizes.join(', ')}]`);
    return new RbmStack(sizes.slice(1).map((n, l) => Rbm.random(sizes[l], n, rng, scale)));
  }

  /** Unit counts [n(0) = visible, n(1), …, n(L)]. */
  get sizes(): number[] {
    return [this.layers[0].visible, ...this.layers.map((r) => r.hidden)];
  }

  /**
   * Up pass: p(h(l) = 1 | h(l−1)) with probabilities fed upwards, h(0) = v (rows × n(0)).
   * Returns [h(1), …, h(toLayer)], each rows × n(l) (toLayer from 0 to L, default L).
   */
  upPass(backend: ComputeBackend, v: Float32Array, rows: number, toLayer = this.layers.length): Float32Array[] {
    this.checkLayer('toLayer', toLayer, 0);
    const out: Float32Array[] = [];
    let input = v;
    for (let l = 0; l < toLayer; l++) {
      input = propagateUp(this.layers[l], backend, input, rows);
      out.push(input);
    }
    return out;
  }

  /**
   * Down pass from layer fromLayer (top is rows × n(fromLayer)) with probabilities,
   * h(l−1) = σ(h(l) W(l)ᵀ + c(l)), to the visible probabilities (rows × n(0)).
   */
  downPass(backend: ComputeBackend, top: Float32Array, rows: number, fromLayer = this.layers.length): Float32Array {
    this.checkLayer('fromLayer', fromLayer, 1);
    let h = top;
    for (let l = fromLayer - 1; l >= 0; l--) {
      const rbm = this.layers[l];
      const below = new Float32Array(rows * rbm.visible);
      rbm.visibleProbabilities(backend, h, rows, below);
      h = below;
    }
    return h;
  }

  /** Reconstruction v → h(L) → v̂ with probabilities throughout; rows × n(0) in [0, 1]. */
  reconstruct(backend: ComputeBackend, v: Float32Array, rows: number): Float32Array {
    const ups = this.upPass(backend, v, rows);
    return this.downPass(backend, ups[ups.length - 1], rows);
  }

  /** Copies of every layer's parameters. */
  snapshot(): RbmStackSnapshot {
    return { layers: this.layers.map((r) => r.snapshot()) };
  }

  /** A stack with copies of the snapshot's layers. */
  static fromSnapshot(s: RbmStackSnapshot): RbmStack {
    return new RbmStack(s.layers.map((l) => Rbm.fromSnapshot(l)));
  }

  private checkLayer(name: string, l: number, min: number): void {
    if (!Number.isInteger(l) || l < min || l > this.layers.length) throw new RangeError(`${name} must be an integer in [${min}, ${this.layers.length}], got ${l}`);
  }
}

/** σ(xW + b) for all rows of x (rows × visible), in chunks of CHUNK rows; a new rows × hidden array. */
export function propagateUp(rbm: Rbm, backend: ComputeBackend, x: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows * rbm.hidden);
  for (let start = 0; start < rows; start += CHUNK) {
    const n = Math.min(CHUNK, rows - start);
    const hidden = out.subarray(start * rbm.hidden, (start + n) * rbm.hidden);
    rbm.hiddenProbabilities(backend, x.subarray(start * rbm.visible, (start + n) * rbm.visible), n, hidden);
  }
  return out;
}

/** One epoch's stats of one layer of a greedy run. */
export interface LayerEpochStats extends EpochStats {
  /** 1-based layer. */
  layer: number;
  /** Mean pseudo-log-likelihood (nats per configuration, 1-bit estimator) of up to monitorRows training rows. */
  pseudoLogLikelihood: number;
  /** ⟨F⟩_held-out − ⟨F⟩_train (equal-size training subset); present when heldOut is given. */
  freeEnergyGap?: number;
}

/** What trainStackGreedy trains with and whom it tells. */
export interface GreedyOptions {
  /** Epochs per layer: one number for all, or one per layer (the paper: 200). */
  epochs: number | readonly number[];
  /** Training options for all layers, or one object per layer (defaults: DEFAULT_TRAINING_CONFIG). */
  config?: TrainingConfigInput | readonly TrainingConfigInput[];
  backend: ComputeBackend;
  rng: Rng;
  /** Held-out visible data for the free-energy gap; pushed up the stack like the training data. */
  heldOut?: { data: Float32Array; rows: number };
  /** Training rows used for the pseudo-log-likelihood (default min(rows, 1000)). */
  monitorRows?: number;
  onEpoch?: (layer: number, stats: LayerEpochStats) => void;
  onBatch?: (layer: number, epoch: number, batch: number, batches: number) => void;
  /** Polled before every epoch and after every minibatch; true ends training. */
  shouldStop?: () => boolean;
}

/** How far trainStackGreedy got. */
export interface GreedyResult {
  /** Completed epochs per layer. */
  epochs: number[];
  /** True when shouldStop ended training early. */
  stopped: boolean;
}

function perLayer<T>(name: string, x: T | readonly T[], layers: number): T[] {
  if (!Array.isArray(x)) return Array.from({ length: layers }, () => x as T);
  if (x.length !== layers) throw new RangeError(`${name} lists ${x.length} layers, the stack has ${layers}`);
  return x.slice() as T[];
}

/**
 * Greedy layer-wise training (Hinton, Osindero & Teh 2006): layer 1 trains on `data`
 * (rows × n(0)); layer l > 1 trains on the hidden probabilities p(h(l−1) | data) of the trained
 * layer below, computed once per layer. A NaN or Infinity stops training with a
 * TrainingDivergedError naming the layer and epoch.
 */
export function trainStackGreedy(stack: RbmStack, data: Float32Array, rows: number, options: GreedyOptions): GreedyResult {
  const L = stack.layers.length;
  const epochs = perLayer('epochs', options.epochs, L);
  for (const e of epochs) if (!Number.isInteger(e) || e < 0) throw new RangeError(`epochs must be integers ≥ 0, got ${e}`);
  const configs = perLayer('config', options.config ?? {}, L);
  const { backend, rng, heldOut } = options;
  const monitorRows = Math.min(rows, options.monitorRows ?? 1000);
  const done = epochs.map(() => 0);
  let input = data;
  let held = heldOut?.data;
  for (let l = 0; l < L; l++) {
    const rbm = stack.layers[l];
    const trainer = new RbmTrainer(rbm, configs[l], backend, rng);
    for (let e = 0; e < epochs[l]; e++) {
      if (options.shouldStop?.()) return { epochs: done, stopped: true };
      let stats: EpochStats;
      try {
        stats = trainer.trainEpoch(input, rows, {
          onBatch: options.onBatch && ((b, n) => options.onBatch?.(l + 1, e + 1, b, n)),
          shouldStop: options.shouldStop,
        });
      } catch (err) {
        throw err instanceof TrainingDivergedError ? err.withLayer(l + 1) : err;
      }
      if (stats.interrupted) return { epochs: done, stopped: true };
      done[l]++;
      const layerStats: LayerEpochStats = { ...stats, layer: l + 1, pseudoLogLikelihood: pseudoLogLikelihood(rbm, backend, input, monitorRows, rng) };
      if (heldOut && held) {
        const n = Math.min(rows, heldOut.rows);
        layerStats.freeEnergyGap = freeEnergyGap(rbm, backend, input, n, held, heldOut.rows);
      }
      options.onEpoch?.(l + 1, layerStats);
    }
    if (l + 1 < L) {
      input = propagateUp(rbm, backend, input, rows);
      if (heldOut && held) held = propagateUp(rbm, backend, held, heldOut.rows);
    }
  }
  return { epochs: done, stopped: false };
}

/**
 * Training every layer of a stack at once, one minibatch at a time — for a live session that
 * feeds fresh Monte Carlo samples from a rolling buffer instead of a fixed data set. Each
 * minibatch trains layer 1 on v, then layer 2 on p(h(1) | v) computed with layer 1's updated
 * weights, and so on up the stack (a streaming form of greedy training: upper layers chase a
 * slowly moving input, which settles as the lower layers converge).
 */
import type { ComputeBackend } from './backend.js';
import { Rng } from '../physics/rng.js';
import { RbmStack } from './stack.js';
import { RbmTrainer, TrainingDivergedError, type TrainerSnapshot, type TrainingConfigInput } from './trainer.js';

/** Per-layer trainers of one stack, driven one visible minibatch at a time. */
export class OnlineStackTrainer {
  readonly stack: RbmStack;
  /** trainers[l − 1] trains layer l; their epoch counters drive each layer's momentum schedule. */
  readonly trainers: RbmTrainer[];
  /** inputs[l] holds layer l + 1's input for the current minibatch (batchSize × n(l)); inputs[0] is unused. */
  private readonly inputs: Float32Array[];

  /** Drives the given per-layer trainers (trainers[l].rbm must be layer l + 1 of one stack). */
  constructor(trainers: RbmTrainer[], stack?: RbmStack) {
    this.stack = stack ?? new RbmStack(trainers.map((t) => t.rbm));
    if (this.stack.layers.some((rbm, l) => trainers[l]?.rbm !== rbm) || trainers.length !== this.stack.layers.length) {
      throw new RangeError('trainers must train exactly the layers of the stack, in order');
    }
    this.trainers = trainers;
    this.inputs = trainers.map((t, l) => (l === 0 ? new Float32Array(0) : new Float32Array(t.config.batchSize * t.rbm.visible)));
  }

  /** One trainer per layer of `stack` with `config` (one object for all layers or one per layer), all sharing `rng`. */
  static create(stack: RbmStack, config: TrainingConfigInput | readonly TrainingConfigInput[], backend: ComputeBackend, rng: Rng): OnlineStackTrainer {
    const L = stack.layers.length;
    if (Array.isArray(config) && config.length !== L) throw new RangeError(`config lists ${config.length} layers, the stack has ${L}`);
    return new OnlineStackTrainer(
      stack.layers.map((rbm, l) => new RbmTrainer(rbm, Array.isArray(config) ? config[l] : (config as TrainingConfigInput), backend, rng)),
      stack,
    );
  }

  /** Continues from `snapshot()`; all layers share `rng` (default: restored from the first layer's state). */
  static fromSnapshot(snapshots: readonly TrainerSnapshot[], backend: ComputeBackend, rng?: Rng): OnlineStackTrainer {
    if (snapshots.length < 1) throw new RangeError('no layer snapshots');
    const shared = rng ?? Rng.fromState(snapshots[0].rng);
    return new OnlineStackTrainer(snapshots.map((s) => RbmTrainer.fromSnapshot(s, backend, shared)));
  }

  /**
   * One update of every layer from the visible minibatch v (rows × n(0), rows ≤ every layer's
   * batchSize). Returns each layer's one-step reconstruction error (mean squared, per unit).
   * A NaN raises TrainingDivergedError naming the layer and the trainer's current epoch.
   */
  trainBatch(v: Float32Array, rows: number): number[] {
    const most = Math.min(...this.trainers.map((t) => t.config.batchSize));
    if (!Number.isInteger(rows) || rows < 1 || rows > most) throw new RangeError(`minibatch rows must be an integer in [1, ${most}], got ${rows}`);
    const errors: number[] = [];
    let input = v;
    for (let l = 0; l < this.trainers.length; l++) {
      const trainer = this.trainers[l];
      if (l > 0) {
        this.stack.layers[l - 1].hiddenProbabilities(trainer.backend, input, rows, this.inputs[l]);
        input = this.inputs[l];
      }
      try {
        errors.push(trainer.trainBatch(input, rows));
      } catch (err) {
        throw err instanceof TrainingDivergedError ? err.withLayer(l + 1) : err;
      }
    }
    return errors;
  }

  /**
   * Closes an "epoch" on every layer (advancing the momentum schedule), after checking all
   * parameters for NaN/Infinity. A live session calls this every so many minibatches.
   */
  endEpoch(): void {
    this.trainers.forEach((t, l) => {
      try {
        t.endEpoch();
      } catch (err) {
        throw err instanceof TrainingDivergedError ? err.withLayer(l + 1) : err;
      }
    });
  }

  /** Per-layer trainer snapshots (models, velocities, chains, Rng state). */
  snapshot(): TrainerSnapshot[] {
    return this.trainers.map((t) => t.snapshot());
  }
}

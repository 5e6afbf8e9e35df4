/**
 * The whole state of one live session, and its evolution as a deterministic function of a
 * tick counter (no clocks here; worker.ts decides how many ticks run per second). One tick:
 *
 *   1. `sweepsPerTick` sweeps of the sampler at the coupling in force (e and |m| measured after
 *      each sweep past the burn-in);
 *   2. the configuration appended to the rolling buffer;
 *   3. every `trainEvery`-th tick, once the buffer holds a minibatch: one CD minibatch of
 *      `batchSize` random buffer rows for every layer, bottom to top.
 *
 * Configurations enter the buffer from the first tick, burn-in after a temperature change
 * included: the buffer's turnover (bufferSize ticks), not a gate, sets how fast the network
 * follows a new temperature.
 *
 * Commands (temperature, pause, hyper-parameters, reset) are applied between ticks and are part
 * of the state, so snapshot → fromSnapshot → N ticks equals N more ticks of the original, bit
 * for bit on a backend whose products are deterministic (js; native with a fixed kernel).
 * Generators: Rng(seed, 0) sampler, (seed, 1) random start, (seed, 2) training, and
 * Rng(seed, FRAME_STREAM + tick) for a frame's hidden states, so frames never disturb the run.
 */
import type { ComputeBackend } from '../../shared/learn/backend.js';
import { decimationFlow } from '../../shared/physics/exact/chain1d.js';
import { Rng } from '../../shared/physics/rng.js';
import type { EngineFrame, EngineSettings, Hyperparameters, MetricsPayload, WeightsPayload } from '../../shared/protocol/engine-events.js';
import { packLattice } from '../../shared/protocol/lattice-codec.js';
import {
  hiddenLayerPlacements,
  nearestNeighbourCorrelation,
  placedCorrelation,
  PLACEMENT_REFRESH_MINIBATCHES,
  type CoarsePlacement,
  type CouplingEstimate,
} from './effective-coupling.js';
import { LiveSimulation, type SimulationSnapshot } from './live-simulation.js';
import { LiveTraining, type TrainingSnapshot } from './live-training.js';
import { RollingBuffer, type RollingBufferSnapshot } from './rolling-buffer.js';

/** First stream of Rng(seed, ·) used for frames: a frame at tick t draws from stream FRAME_STREAM + t. */
export const FRAME_STREAM = 16;

/** Everything the engine holds: what a checkpoint stores (engine-checkpoint.ts). */
export interface EngineStateSnapshot {
  settings: EngineSettings;
  tick: number;
  paused: boolean;
  resets: number;
  simulation: SimulationSnapshot;
  buffer: RollingBufferSnapshot;
  training: TrainingSnapshot;
}

/** Measured rates the worker passes into metrics. */
export interface MeasuredRates {
  sweepsPerSecond: number;
  minibatchesPerSecond: number;
  ticksPerSecond: number;
}

/** ±1 spins → {0,1} visible units. */
function toVisible(spins: Int8Array, out: Float32Array): Float32Array {
  for (let i = 0; i < spins.length; i++) out[i] = spins[i] > 0 ? 1 : 0;
  return out;
}

/** {0,1} states → ±1 spins. */
function toSpins(h: Float32Array): Int8Array {
  const s = new Int8Array(h.length);
  for (let i = 0; i < h.length; i++) s[i] = h[i] > 0 ? 1 : -1;
  return s;
}

export class LiveEngine {
  settings: EngineSettings;
  tick = 0;
  paused = false;
  resets = 0;
  private simulation: LiveSimulation;
  private buffer: RollingBuffer;
  private training: LiveTraining;
  private spins: Int8Array;
  /**
   * RF-centre placements of the hidden layers for the coupling estimator (effective-coupling.ts),
   * derived from the weights — not part of the state or of a checkpoint — and the training
   * counters they were computed at.
   */
  private placements: (CoarsePlacement | null)[] | null = null;
  private placedAt = { minibatches: 0, divergences: 0 };

  /** A new run from the seed at coupling K, or (with `restored`) the run a snapshot holds. */
  constructor(
    settings: EngineSettings,
    coupling: number,
    readonly backend: ComputeBackend,
    restored?: EngineStateSnapshot,
  ) {
    this.settings = settings;
    this.spins = new Int8Array(settings.L * settings.L);
    if (restored) {
      this.tick = restored.tick;
      this.paused = restored.paused;
      this.resets = restored.resets;
      this.simulation = LiveSimulation.fromSnapshot(restored.simulation);
      this.buffer = RollingBuffer.fromSnapshot(restored.buffer);
      this.training = new LiveTraining(settings, backend, restored.training);
    } else {
      this.simulation = new LiveSimulation({ ...settings, coupling });
      this.buffer = new RollingBuffer(settings.bufferSize, settings.L * settings.L);
      this.training = new LiveTraining(settings, backend);
    }
  }

  /** Continues exactly where `snapshot()` left off (the snapshot is trusted: decodeCheckpoint validates it). */
  static fromSnapshot(s: EngineStateSnapshot, backend: ComputeBackend): LiveEngine {
    return new LiveEngine(s.settings, s.simulation.sampler.coupling, backend, s);
  }

  snapshot(): EngineStateSnapshot {
    return {
      settings: structuredClone(this.settings),
      tick: this.tick,
      paused: this.paused,
      resets: this.resets,
      simulation: this.simulation.snapshot(),
      buffer: this.buffer.snapshot(),
      training: this.training.snapshot(),
    };
  }

  get coupling(): number {
    return this.simulation.coupling;
  }

  get sweeps(): number {
    return this.simulation.sweeps;
  }

  get minibatches(): number {
    return this.training.minibatches;
  }

  /** One tick (see the file header). Runs whether or not the engine is paused: the caller decides. */
  advance(): void {
    const { settings } = this;
    this.simulation.advance(settings.sweepsPerTick);
    this.simulation.readSpins(this.spins);
    this.buffer.push(this.spins);
    this.tick++;
    if (this.tick % settings.trainEvery === 0) this.training.trainOn(this.buffer);
  }

  /** Coupling K from the next tick on; the estimates restart. Throws RangeError for a non-finite K. */
  setCoupling(coupling: number): void {
    this.simulation.setCoupling(coupling);
  }

  /** Hyper-parameters from the next tick on (already validated by engine-config's resolver). */
  setHyperparameters(h: Hyperparameters): void {
    if (h.algorithm !== undefined) this.simulation.setAlgorithm(h.algorithm);
    this.training.setHyperparameters(h);
    const given = Object.fromEntries(Object.entries(h).filter(([, value]) => value !== undefined));
    this.settings = { ...this.settings, ...given };
  }

  /** A new run from the seed with `settings` at the coupling in force; tick 0, not paused, resets + 1. */
  reset(settings: EngineSettings): void {
    const coupling = this.coupling;
    this.settings = settings;
    this.simulation = new LiveSimulation({ ...settings, coupling });
    this.buffer = new RollingBuffer(settings.bufferSize, settings.L * settings.L);
    this.training = new LiveTraining(settings, this.backend);
    this.spins = new Int8Array(settings.L * settings.L);
    this.tick = 0;
    this.paused = false;
    this.resets++;
    this.placements = null;
  }

  /** Recoveries not yet reported (a diverged network re-initialized); empties the list. */
  takeWarnings(): string[] {
    return this.training.warnings.splice(0);
  }

  /**
   * The hidden layers' RF-centre placements, recomputed from the current weights when there are
   * none yet, after a reset or a divergence (re-initialized weights), and once the weights have
   * taken PLACEMENT_REFRESH_MINIBATCHES minibatches since the last placement. Reads the weights
   * only: the run is undisturbed.
   */
  layerPlacements(): (CoarsePlacement | null)[] {
    const { minibatches, divergences } = this.training;
    const stale =
      this.placements === null ||
      divergences !== this.placedAt.divergences ||
      minibatches < this.placedAt.minibatches ||
      minibatches - this.placedAt.minibatches >= PLACEMENT_REFRESH_MINIBATCHES;
    if (stale) {
      this.placements = hiddenLayerPlacements(this.training.stack, this.settings.L, this.backend);
      this.placedAt = { minibatches, divergences };
    }
    return this.placements!;
  }

  /**
   * The current state as a frame, and the nearest-neighbour correlation of every layer
   * (lattice first, then each hidden layer on its RF-centre placement) for the coupling estimator.
   */
  frame(sweepsPerSecond: number): { frame: EngineFrame; correlations: number[] } {
    const { L } = this.settings;
    this.simulation.readSpins(this.spins);
    const rng = new Rng(this.settings.seed, FRAME_STREAM + this.tick);
    const hidden = this.training.hiddenStates(toVisible(this.spins, new Float32Array(L * L)), rng);
    const placements = this.layerPlacements();
    const correlations = [nearestNeighbourCorrelation(this.spins, L)];
    const layers = hidden.map((h, l) => {
      const side = Math.round(Math.sqrt(h.length));
      const spins = toSpins(h);
      const placement = placements[l];
      correlations.push(placement ? placedCorrelation(placement, spins) : nearestNeighbourCorrelation(spins, side));
      return { units: h.length, side, states: packLattice(spins) };
    });
    const frame: EngineFrame = { tick: this.tick, paused: this.paused, ...this.simulation.frame(sweepsPerSecond), layers };
    return { frame, correlations };
  }

  weights(): WeightsPayload {
    return this.training.weights(this.tick);
  }

  /** Metrics at this tick; `couplings` from the worker's CouplingWindow (layers 0…n). */
  metrics(couplings: CouplingEstimate[], rates: MeasuredRates): MetricsPayload {
    const { energy, absMagnetization, exact } = this.simulation.estimates;
    const e = energy.estimate();
    const m = absMagnetization.estimate();
    const K = this.coupling;
    return {
      tick: this.tick,
      sweeps: this.sweeps,
      minibatches: this.minibatches,
      epochEquivalent: (this.minibatches * this.settings.batchSize) / this.settings.bufferSize,
      coupling: K,
      temperature: 1 / K,
      paused: this.paused,
      energy: { mean: e?.mean ?? null, err: e?.err ?? null, samples: energy.samples, exact: exact.energyPerSite },
      absMagnetization: { mean: m?.mean ?? null, err: m?.err ?? null, samples: absMagnetization.samples, exactInfinite: exact.spontaneousMagnetization },
      training: this.training.curves(),
      couplingTrajectory: couplings.map((c, layer) => ({ layer, ...c })),
      exactFlow1d: Array.from(decimationFlow(K, this.settings.layers.length)),
      rates,
      divergences: this.training.divergences,
    };
  }
}

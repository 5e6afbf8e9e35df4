/**
 * What a session's engine produces, as the hub, the realtime layer, the recorder and the
 * browser see it: frames (lattice + every hidden layer), weight snapshots, metrics, the
 * engine's control state, and the settings that define a run. Types and constants only
 * (no zod, no runtime dependency), so the browser may import it freely; the validation
 * schemas live in engine-schemas.ts. events.ts re-exports the frame types under their old names.
 *
 * Units: coupling K = J/(k_B T) (dimensionless), temperature T = 1/K in J/k_B, energy per site
 * in J, |m| = |Σ_i s_i|/N, rates in Hz, times in Monte Carlo sweeps or engine ticks.
 * A tick is the engine's fixed unit of work: `sweepsPerTick` sweeps, the configuration appended
 * to the rolling training buffer, and every `trainEvery` ticks one CD minibatch for every layer.
 */
import type { BackendName } from '../learn/backend.js';
import type { Algorithm } from '../physics/ising.js';

/** A running Monte Carlo estimate ⟨x⟩ ± err over the sweeps since the last temperature change. */
export interface RunningEstimate {
  /** Sample mean. */
  mean: number;
  /** One standard error of the mean from a binning analysis (correlations included). */
  err: number;
  /** Integrated autocorrelation time, in sweeps. */
  tauInt: number;
  /** Number of measurements (one per sweep) behind the estimate. */
  samples: number;
  /** False while the run is short compared with τ_int: `err` is then a lower bound. */
  converged: boolean;
}

/** Exact reference values for the current lattice and coupling. */
export interface ExactValues {
  /** Kaufman's exact energy per site of the finite periodic L×L lattice at this K, in J. */
  energyPerSite: number;
  /** Onsager's spontaneous magnetization of the infinite lattice (0 for K ≤ K_c); no finite-L closed form exists. */
  spontaneousMagnetization: number;
}

/**
 * One hidden layer's units in a frame, drawn on a side × side grid by unit index
 * (unit j at row ⌊j/side⌋, column j mod side). `states` is bit-packed like a lattice
 * (lattice-codec.ts): bit j set ⇔ h_j = 1; unpackLattice(states, units) gives h as ±1.
 */
export interface HiddenLayerState {
  /** n(l), the layer's number of units (= side²). */
  units: number;
  side: number;
  /** ⌈units/8⌉ bytes; h(l) ~ p(h(l) | h(l−1)) sampled upwards from this frame's lattice. */
  states: Uint8Array | ArrayBuffer;
}

/**
 * One frame of the live session as the engine produces it. `lattice` is bit-packed by
 * `packLattice` (⌈L²/8⌉ bytes); a browser receives binary fields as ArrayBuffer, Node as
 * Buffer — read them with `asBytes`.
 */
export interface EngineFrame {
  /** Engine ticks since the run started (0 after a reset); the engine state is a function of it. */
  tick: number;
  /** True while the engine is paused: no ticks run, frames repeat the same state. */
  paused: boolean;
  /** Sweeps performed in this run. */
  sweeps: number;
  /** Sweeps since the last temperature change (burn-in included). */
  sweepsSinceChange: number;
  /** Bit-packed ±1 spins, row-major. */
  lattice: Uint8Array | ArrayBuffer;
  /**
   * Hidden layers 1…n for this very lattice: h(1) ~ p(h(1) | v), h(l) ~ p(h(l) | h(l−1)), each
   * layer sampled from the sampled states below it, with a generator seeded by (seed, tick) —
   * so a paused engine repeats the same picture.
   */
  layers: HiddenLayerState[];
  /** Coupling K in force when the frame was taken. */
  coupling: number;
  /** Temperature T = 1/K. */
  temperature: number;
  /** Energy per site e = −(1/N) Σ_<ij> s_i s_j, in J; null until enough sweeps after burn-in. */
  energyPerSite: RunningEstimate | null;
  /** |m| = |Σ_i s_i|/N; null until enough sweeps after burn-in. */
  absMagnetization: RunningEstimate | null;
  exact: ExactValues;
  /** Measured simulation rate over the last second, sweeps/s. */
  sweepsPerSecond: number;
}

/** A frame as broadcast: the engine frame plus a sequence number that only increases (also across engine restarts). */
export interface FramePayload extends EngineFrame {
  seq: number;
  /** Server wall clock (ms since the Unix epoch) when the hub broadcast this frame; absent in a welcome's snapshot. */
  emittedAt?: number;
}

/**
 * One layer's parameters, quantized: w_ij ≈ scale · weights[i·hidden + j], scale = max|w|/127
 * (0 when every weight is 0), so |w − scale·q| ≤ scale/2 (weights-codec.ts). Biases are exact.
 */
export interface QuantizedLayer {
  /** n(l−1), rows of W(l). */
  visible: number;
  /** n(l), columns of W(l). */
  hidden: number;
  scale: number;
  /** round(w/scale), visible × hidden, row-major. */
  weights: Int8Array | ArrayBuffer;
  /** c(l), length visible. */
  visibleBias: Float32Array | ArrayBuffer;
  /** b(l), length hidden. */
  hiddenBias: Float32Array | ArrayBuffer;
}

/**
 * Effective receptive field r(l) = W(1)⋯W(l) of layer l (the paper's Appendix B), quantized
 * like the weights: r ≈ scale · values, values visible × units (entry i·units + j couples
 * lattice site i to unit j). Sent for l ≥ 2 only: r(1) = W(1) is layers[0].weights.
 */
export interface QuantizedReceptiveField {
  /** 1-based layer. */
  layer: number;
  units: number;
  scale: number;
  values: Int8Array | ArrayBuffer;
}

/** Weight snapshot, every `weightsInterval` seconds. */
export interface WeightsPayload {
  tick: number;
  /** Layers 1…n, bottom first. */
  layers: QuantizedLayer[];
  /** Layers 2…n (see QuantizedReceptiveField). */
  receptiveFields: QuantizedReceptiveField[];
}

/** A running estimate reduced to what a plot needs; mean and err are null until enough sweeps after burn-in. */
export interface MeasuredValue {
  mean: number | null;
  err: number | null;
  /** Measurements behind it (one per sweep after the burn-in). */
  samples: number;
}

/** One layer's training curve point. */
export interface LayerTraining {
  /** 1-based layer. */
  layer: number;
  /**
   * Exponential moving average (over ≈ 50 minibatches) of the one-step reconstruction error,
   * mean of (v − v̂)² per unit of the layer's input; null before the first minibatch.
   */
  reconstructionError: number | null;
  /** ‖W(l)‖_F. */
  weightNorm: number;
}

/**
 * Effective nearest-neighbour coupling of one layer's ±1 units (layer 0 = the lattice): hidden
 * units placed on the coarse side × side periodic grid by their receptive-field centres (an
 * optimal one-to-one assignment; shared/rg/effective-coupling-2d.ts), each read as a block spin
 * oriented by its field's sign, c = mean over recent frames (≈ 2 s) of the
 * nearest-neighbour correlation ⟨s_i s_j⟩, K_eff = sign(c)·K with −u(K)/2 = |c| for the exact
 * energy u of the periodic side × side lattice (Kaufman; u = −2c on the square lattice), err
 * from the spread of c over the frames (server/engine/effective-coupling.ts).
 */
export interface LayerCoupling {
  layer: number;
  /** K_eff, null until two frames with different ticks were seen. */
  kEff: number | null;
  err: number | null;
  /** c̄, the mean nearest-neighbour correlation behind K_eff. */
  correlation: number | null;
  /** Frames in the window. */
  frames: number;
}

/** Metrics and coupling trajectories, every `metricsInterval` seconds. */
export interface MetricsPayload {
  tick: number;
  sweeps: number;
  /** CD minibatches trained in this run (every layer once per minibatch). */
  minibatches: number;
  /** minibatches × batchSize / bufferSize: passes over a buffer's worth of samples. */
  epochEquivalent: number;
  coupling: number;
  temperature: number;
  paused: boolean;
  /** e per site (J) since the last temperature change, and Kaufman's exact finite-L value. */
  energy: MeasuredValue & { exact: number };
  /** |m| since the last change, and Onsager's m₀ of the infinite lattice (0 for K ≤ K_c). */
  absMagnetization: MeasuredValue & { exactInfinite: number };
  /** Layers 1…n. */
  training: LayerTraining[];
  /** Layers 0…n (0 = the lattice itself, whose K_eff should match K). */
  couplingTrajectory: LayerCoupling[];
  /** Exact 1D decimation flow from K: decimationFlow(K, n), entry l after l decimations (Eq. 24). */
  exactFlow1d: number[];
  /** Measured over the last seconds. */
  rates: { sweepsPerSecond: number; minibatchesPerSecond: number; ticksPerSecond: number };
  /** Times the network diverged (NaN) and was re-initialized in this run. */
  divergences: number;
}

export const ENGINE_BACKENDS = ['auto', 'js', 'wasm', 'native', 'gpu'] as const satisfies readonly (BackendName | 'auto')[];
/** 'auto': measured once per server process (the fastest that loads), then reused; or one backend by name. */
export type EngineBackend = (typeof ENGINE_BACKENDS)[number];

/**
 * Everything that defines a run. The state evolution depends on the physics and training
 * fields (and, through float rounding, on `backend`); the rates only decide how many ticks run
 * per second and how often events go out.
 */
export interface EngineSettings {
  algorithm: Algorithm;
  /** Linear lattice size (even); the visible layer has n(0) = L² units. */
  L: number;
  /** Hidden units per layer, bottom first, each a square side² (drawn side × side); e.g. [400, 100, 25] for L = 40. */
  layers: number[];
  /** ε of CD. */
  learningRate: number;
  /** λ₁: the update subtracts ε·λ₁·sign(w). */
  l1: number;
  /** Gibbs steps of CD-k. */
  k: number;
  /** Persistent CD (fantasy chains carried across minibatches). */
  persistent: boolean;
  /** Rows per minibatch, drawn at random (with replacement) from the rolling buffer. */
  batchSize: number;
  /** Configurations the rolling buffer holds (the oldest is overwritten). */
  bufferSize: number;
  /** Sweeps per tick; one configuration enters the buffer per tick. */
  sweepsPerTick: number;
  /** Ticks per CD minibatch. */
  trainEvery: number;
  seed: number;
  backend: EngineBackend;
  /** Frames per second, Hz. */
  frameRate: number;
  /** Target simulation rate, sweeps/s (an upper bound: the worker also caps its CPU share). */
  sweepsPerSecond: number;
  /** Sweeps discarded after each temperature change before e and |m| are measured. */
  burnInSweeps: number;
  /** Seconds between weight snapshots. */
  weightsInterval: number;
  /** Seconds between metrics. */
  metricsInterval: number;
}

/** The hyper-parameters a host may change while the run goes on (applied at a tick boundary). */
export interface Hyperparameters {
  learningRate?: number;
  l1?: number;
  k?: number;
  persistent?: boolean;
  algorithm?: Algorithm;
}

export const HYPERPARAMETER_KEYS = ['learningRate', 'l1', 'k', 'persistent', 'algorithm'] as const satisfies readonly (keyof Hyperparameters)[];

/** The engine's control state: sent whenever pause, resume, step, reset or a hyper-parameter change is applied. */
export interface EngineControlPayload {
  tick: number;
  paused: boolean;
  /** Resets since the engine was first started (a reset starts a new run at tick 0). */
  resets: number;
  settings: EngineSettings;
  /** The compute backend in use, in words. */
  backend: string;
}

/** Ranges every setting must lie in (checked by engine-schemas.ts and server/engine/engine-config.ts). */
export const ENGINE_LIMITS = {
  L: { min: 2, max: 128 },
  /** Hidden layers in the stack. */
  layerCount: { min: 1, max: 6 },
  /** Side of a hidden layer's grid. */
  layerSide: { min: 2, max: 128 },
  /** Largest weight matrix n(l−1)·n(l). */
  maxWeights: 1 << 22,
  learningRate: { min: 0, max: 1 },
  l1: { min: 0, max: 0.1 },
  k: { min: 1, max: 50 },
  batchSize: { min: 1, max: 1000 },
  bufferSize: { min: 1, max: 200_000 },
  /** Largest rolling buffer, bytes (bit-packed configurations). */
  maxBufferBytes: 64 * 1024 * 1024,
  sweepsPerTick: { min: 1, max: 10_000 },
  trainEvery: { min: 1, max: 10_000 },
  frameRate: { min: 1, max: 60 },
  sweepsPerSecond: { min: 0, max: 1e6 },
  weightsInterval: { min: 0.5, max: 3600 },
  metricsInterval: { min: 0.1, max: 3600 },
  /** Most ticks one `step` command runs (≈ 16 s of work at L = 40 with the full stack). */
  stepTicks: { min: 1, max: 1000 },
} as const;

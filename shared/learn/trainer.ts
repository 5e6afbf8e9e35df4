/**
 * Contrastive-divergence training of one RBM (Hinton 2002; rbm.m of Hinton & Salakhutdinov
 * 2006, the code the paper used). For a minibatch V₀ of B rows:
 *
 *   positive phase  H₀ = σ(V₀W + b)                        (probabilities, as in rbm.m)
 *   negative phase  h ~ H₀, then k Gibbs steps: v ~ σ(hWᵀ + c), H = σ(vW + b), h ~ H, where
 *                   the last step of plain CD keeps V = σ(hWᵀ + c) as probabilities (rbm.m);
 *                   persistent CD starts from the fantasy chains' h instead of h ~ H₀
 *   gradient        G = V₀ᵀH₀/B − V_kᵀH_k/B_model          (≈ ∂ mean log p(v)/∂W)
 *   update          Δ ← μΔ + ε(G − λ₁ sign W − λ₂ W),  W ← W + Δ    (biases: no penalty)
 *
 * Hidden states are Bernoulli draws u < p with u from the seeded Rng (32-bit uniforms), so
 * the same seed and data give bit-identical weights on any backend that computes the same
 * floats. All buffers are allocated once per trainer; nothing is allocated per minibatch.
 */
import type { ComputeBackend } from './backend.js';
import { allFinite, Rbm } from './rbm.js';
import { Rng } from '../physics/rng.js';
import { TrainingDivergedError } from './diverged.js';
import { momentumAt, validateTrainingConfig, type TrainingConfig, type TrainingConfigInput } from './training-config.js';
import type { EpochOptions, EpochStats, TrainerSnapshot } from './trainer-types.js';

export { TrainingDivergedError } from './diverged.js';
export { DEFAULT_TRAINING_CONFIG, momentumAt, validateTrainingConfig } from './training-config.js';
export type { MomentumSchedule, TrainingConfig, TrainingConfigInput } from './training-config.js';
export type { EpochOptions, EpochStats, TrainerSnapshot } from './trainer-types.js';

const TWO_TO_MINUS_32 = 2.3283064365386963e-10;

/** {0,1} Bernoulli draws out[i] = [u < p[i]], u uniform in [0,1) with 32 random bits. */
function sampleBernoulli(rng: Rng, p: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = rng.nextUint32() * TWO_TO_MINUS_32 < p[i] ? 1 : 0;
}

/**
 * Trains one Rbm in place by CD-k / PCD-k: trainEpoch for a fixed data set, trainBatch (+ endEpoch)
 * for a stream. Holds the velocities, the persistent chains and the buffers.
 */
export class RbmTrainer {
  readonly rbm: Rbm;
  readonly config: TrainingConfig;
  readonly backend: ComputeBackend;
  readonly rng: Rng;
  /** Completed epochs; sets the momentum schedule. */
  epoch = 0;
  /** Minibatch updates so far. */
  updates = 0;
  /** Δ of the weights (visible × hidden) and of the biases. */
  readonly weightVelocity: Float32Array;
  readonly visibleBiasVelocity: Float32Array;
  readonly hiddenBiasVelocity: Float32Array;
  /** The last minibatch's CD estimate G of ∂ mean log p/∂θ, before penalties. */
  readonly gradient: { weights: Float32Array; visibleBias: Float32Array; hiddenBias: Float32Array };
  private readonly batch: Float32Array;
  private readonly hPos: Float32Array;
  private readonly hState: Float32Array;
  private readonly vNeg: Float32Array;
  private readonly hNeg: Float32Array;
  private readonly chains: Float32Array | null;
  private chainsReady = false;
  private order = new Uint32Array(0);
  private batchesThisEpoch = 0;
  private hiddenSum = 0;

  /** Trains `rbm` (in place) with `config` overlaid on the defaults (RangeError when invalid), drawing from `rng`. */
  constructor(rbm: Rbm, config: TrainingConfigInput, backend: ComputeBackend, rng: Rng) {
    this.rbm = rbm;
    this.config = validateTrainingConfig(config);
    this.backend = backend;
    this.rng = rng;
    const { visible: nv, hidden: nh } = rbm;
    const B = this.config.batchSize;
    this.weightVelocity = new Float32Array(nv * nh);
    this.visibleBiasVelocity = new Float32Array(nv);
    this.hiddenBiasVelocity = new Float32Array(nh);
    this.gradient = { weights: new Float32Array(nv * nh), visibleBias: new Float32Array(nv), hiddenBias: new Float32Array(nh) };
    this.batch = new Float32Array(B * nv);
    this.hPos = new Float32Array(B * nh);
    this.hState = new Float32Array(B * nh);
    this.vNeg = new Float32Array(B * nv);
    this.hNeg = new Float32Array(B * nh);
    this.chains = this.config.persistent ? new Float32Array(B * nh) : null;
  }

  /** μ for the next update. */
  get momentum(): number {
    return momentumAt(this.config.momentum, this.epoch);
  }

  /**
   * One CD-k (or PCD-k) update from a minibatch: `batch` is rows × visible (1 ≤ rows ≤
   * batchSize). Returns the minibatch's mean squared one-step reconstruction error per unit.
   * Throws TrainingDivergedError when that error is not finite (NaN in data or parameters) or
   * when the update leaves a parameter NaN or ±Infinity.
   */
  trainBatch(batch: Float32Array, rows: number): number {
    const { rbm, backend, rng, config } = this;
    const { visible: nv, hidden: nh } = rbm;
    const B = config.batchSize;
    if (!Number.isInteger(rows) || rows < 1 || rows > B) throw new RangeError(`minibatch rows must be an integer in [1, ${B}], got ${rows}`);
    if (batch.length < rows * nv) throw new RangeError(`minibatch holds ${batch.length} values, need ${rows}×${nv}`);
    this.batchesThisEpoch++;
    const { hPos, hState, vNeg } = this;
    this.positivePhase(batch, rows);
    sampleBernoulli(rng, hPos, hState, rows * nh);
    rbm.visibleProbabilities(backend, hState, rows, vNeg);
    let err = 0;
    for (let i = 0; i < rows * nv; i++) {
      const d = batch[i] - vNeg[i];
      err += d * d;
    }
    if (!Number.isFinite(err)) {
      const what = rbm.isFinite() ? 'the input data contain NaN or Infinity' : 'the weights or biases are NaN or Infinity';
      throw new TrainingDivergedError(`${what} (reconstruction error ${err})`, this.epoch + 1, undefined, this.batchesThisEpoch);
    }
    this.subtractModelTerm(this.negativePhase(rows));
    const check = this.applyUpdate();
    this.updates++;
    if (check !== 0) {
      throw new TrainingDivergedError('the update made the weights or biases NaN or Infinity', this.epoch + 1, undefined, this.batchesThisEpoch);
    }
    return err / (rows * nv);
  }

  /**
   * The data term of the gradient into `gradient` (the first half of trainBatch, public for
   * tests and diagnostics): ⟨v_i h_j⟩_data = (V₀ᵀH₀)_ij/rows with H₀ = p(h = 1 | V₀),
   * ⟨v_i⟩_data and ⟨h_j⟩_data = mean of H₀. `batch` is rows × visible.
   */
  positivePhase(batch: Float32Array, rows: number): void {
    const { rbm, backend, hPos } = this;
    const { visible: nv, hidden: nh } = rbm;
    const g = this.gradient;
    rbm.hiddenProbabilities(backend, batch, rows, hPos);
    backend.gemm(true, false, nv, nh, rows, 1 / rows, batch, hPos, 0, g.weights);
    g.visibleBias.fill(0);
    g.hiddenBias.fill(0);
    columnMeans(batch, rows, nv, 1 / rows, g.visibleBias);
    this.hiddenSum += columnMeans(hPos, rows, nh, 1 / rows, g.hiddenBias) * rows;
  }

  /**
   * The negative phase: k Gibbs steps h → v → h, leaving V_k in vNeg and H_k = p(h | V_k) in
   * hNeg; returns the number of chains (rows for CD, batchSize for PCD). Visible units are
   * sampled wherever the chain goes on (CD-k's inner steps, every PCD step) — mean-field
   * visible units would change the chain's stationary distribution — and only the last step
   * of plain CD keeps probabilities (rbm.m's CD-1), unless sampleVisible.
   */
  private negativePhase(rows: number): number {
    const { rbm, backend, rng, config, hState, vNeg, hNeg } = this;
    const nh = rbm.hidden;
    let h = hState;
    let chainRows = rows;
    if (this.chains) {
      const chains = this.chains;
      chainRows = config.batchSize;
      if (!this.chainsReady) {
        for (let r = 0; r < chainRows; r++) chains.set(hState.subarray((r % rows) * nh, (r % rows + 1) * nh), r * nh);
        this.chainsReady = true;
      }
      h = chains;
    }
    for (let step = 1; step <= config.k; step++) {
      const chainGoesOn = step < config.k || this.chains !== null;
      if (step > 1 || this.chains) rbm.visibleProbabilities(backend, h, chainRows, vNeg);
      if (chainGoesOn || config.sampleVisible) sampleBernoulli(rng, vNeg, vNeg, chainRows * rbm.visible);
      rbm.hiddenProbabilities(backend, vNeg, chainRows, hNeg);
      if (chainGoesOn) sampleBernoulli(rng, hNeg, h, chainRows * nh);
    }
    return chainRows;
  }

  /** G ← G − V_kᵀH_k/chains and likewise for the biases (the gemm accumulates with β = 1). */
  private subtractModelTerm(chains: number): void {
    const { rbm, backend, vNeg, hNeg } = this;
    const { visible: nv, hidden: nh } = rbm;
    const g = this.gradient;
    backend.gemm(true, false, nv, nh, chains, -1 / chains, vNeg, hNeg, 1, g.weights);
    columnMeans(vNeg, chains, nv, -1 / chains, g.visibleBias);
    columnMeans(hNeg, chains, nh, -1 / chains, g.hiddenBias);
  }

  /**
   * Δ ← μΔ + ε(G − λ₁ sign W − λ₂ W), W ← W + Δ; biases without penalty. Returns
   * Σ 0·θ over the new parameters: 0 when all are finite, NaN otherwise (a free check).
   */
  private applyUpdate(): number {
    const { rbm, config } = this;
    const mu = this.momentum;
    const eps = config.learningRate;
    const epsL1 = eps * config.l1;
    const epsL2 = eps * config.l2;
    const w = rbm.weights;
    const dw = this.weightVelocity;
    const g = this.gradient.weights;
    let check = 0;
    for (let i = 0; i < w.length; i++) {
      const wi = w[i];
      const d = mu * dw[i] + eps * g[i] - epsL1 * (+(wi > 0) - +(wi < 0)) - epsL2 * wi; // branch-free sign(w)
      dw[i] = d;
      const next = wi + d;
      w[i] = next;
      check += 0 * next;
    }
    return check + updateBias(rbm.visibleBias, this.visibleBiasVelocity, this.gradient.visibleBias, mu, eps) +
      updateBias(rbm.hiddenBias, this.hiddenBiasVelocity, this.gradient.hiddenBias, mu, eps);
  }

  /**
   * One pass over `data` (rows × visible) in minibatches of batchSize, the last possibly
   * smaller; rows are gathered in a seeded Fisher–Yates order unless shuffle is false. Checks
   * the parameters afterwards and throws TrainingDivergedError naming the epoch.
   */
  trainEpoch(data: Float32Array, rows: number, options: EpochOptions = {}): EpochStats {
    const nv = this.rbm.visible;
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer, got ${rows}`);
    if (data.length < rows * nv) throw new RangeError(`data hold ${data.length} values, need ${rows}×${nv}`);
    const B = this.config.batchSize;
    const momentum = this.momentum;
    const order = this.shuffledOrder(rows, options.shuffle ?? true);
    const batches = Math.ceil(rows / B);
    this.batchesThisEpoch = 0;
    this.hiddenSum = 0;
    let errSum = 0;
    let seen = 0;
    let interrupted = false;
    for (let bi = 0; bi < batches; bi++) {
      const n = Math.min(B, rows - bi * B);
      const batch = this.batch;
      for (let r = 0; r < n; r++) {
        const src = order[bi * B + r] * nv;
        for (let i = 0; i < nv; i++) batch[r * nv + i] = data[src + i];
      }
      errSum += this.trainBatch(this.batch, n) * n;
      seen += n;
      options.onBatch?.(bi + 1, batches);
      if (bi + 1 < batches && options.shouldStop?.()) {
        interrupted = true;
        break;
      }
    }
    this.checkFinite();
    if (!interrupted) this.epoch++;
    this.batchesThisEpoch = 0;
    return {
      epoch: interrupted ? this.epoch + 1 : this.epoch,
      rows: seen,
      batches: Math.ceil(seen / B),
      momentum,
      learningRate: this.config.learningRate,
      reconstructionError: errSum / seen,
      weightNorm: Math.sqrt(sumOfSquares(this.rbm.weights)),
      meanHiddenProbability: this.hiddenSum / (seen * this.rbm.hidden),
      interrupted,
    };
  }

  /**
   * Marks an epoch complete when training is driven by trainBatch alone (a live stream):
   * checks the parameters (TrainingDivergedError) and advances the momentum schedule.
   */
  endEpoch(): void {
    this.checkFinite();
    this.epoch++;
    this.batchesThisEpoch = 0;
  }

  /** Throws TrainingDivergedError (epoch = the one in progress) when a parameter is NaN or ±Infinity. */
  checkFinite(): void {
    if (this.rbm.isFinite() && allFinite(this.weightVelocity)) return;
    throw new TrainingDivergedError('the weights or biases became NaN or Infinity', this.epoch + 1);
  }

  /** 0..rows−1, Fisher–Yates shuffled with the trainer's Rng when `shuffle`. */
  private shuffledOrder(rows: number, shuffle: boolean): Uint32Array {
    if (this.order.length !== rows) this.order = new Uint32Array(rows);
    const o = this.order;
    for (let i = 0; i < rows; i++) o[i] = i;
    if (shuffle) {
      for (let i = rows - 1; i > 0; i--) {
        const j = this.rng.nextBelow(i + 1);
        const t = o[i];
        o[i] = o[j];
        o[j] = t;
      }
    }
    return o;
  }

  /** Copies of the model, the velocities, the persistent chains and the Rng state. */
  snapshot(): TrainerSnapshot {
    return {
      rbm: this.rbm.snapshot(),
      config: validateTrainingConfig(this.config),
      epoch: this.epoch,
      updates: this.updates,
      weightVelocity: this.weightVelocity.slice(),
      visibleBiasVelocity: this.visibleBiasVelocity.slice(),
      hiddenBiasVelocity: this.hiddenBiasVelocity.slice(),
      persistentChains: this.chains && this.chainsReady ? this.chains.slice() : null,
      rng: this.rng.state(),
    };
  }

  /** A trainer that continues exactly where `s` left off; pass `rng` to share a generator instead of restoring s.rng. */
  static fromSnapshot(s: TrainerSnapshot, backend: ComputeBackend, rng?: Rng): RbmTrainer {
    const t = new RbmTrainer(Rbm.fromSnapshot(s.rbm), s.config, backend, rng ?? Rng.fromState(s.rng));
    t.epoch = s.epoch;
    t.updates = s.updates;
    t.weightVelocity.set(s.weightVelocity);
    t.visibleBiasVelocity.set(s.visibleBiasVelocity);
    t.hiddenBiasVelocity.set(s.hiddenBiasVelocity);
    if (t.chains && s.persistentChains) {
      t.chains.set(s.persistentChains);
      t.chainsReady = true;
    }
    return t;
  }
}

/** out[j] += scale·Σ_r x[r·cols + j] for x rows × cols (row by row, in memory order); returns scale·Σ over all entries. */
function columnMeans(x: Float32Array, rows: number, cols: number, scale: number, out: Float32Array): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const v = scale * x[base + j];
      out[j] += v;
      total += v;
    }
  }
  return total;
}

/** Δ ← μΔ + εG, θ ← θ + Δ for a bias vector; returns Σ 0·θ (NaN when a bias is not finite). */
function updateBias(p: Float32Array, v: Float32Array, g: Float32Array, mu: number, eps: number): number {
  let check = 0;
  for (let i = 0; i < p.length; i++) {
    v[i] = mu * v[i] + eps * g[i];
    p[i] += v[i];
    check += 0 * p[i];
  }
  return check;
}

/** Σ x², float64 accumulation. */
export function sumOfSquares(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

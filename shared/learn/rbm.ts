/**
 * The Bernoulli–Bernoulli restricted Boltzmann machine: binary visible units v (length
 * `visible`) and hidden units h (length `hidden`) with energy
 *
 *   E(v, h) = −c·v − b·h − vᵀ W h        (Eq. 10 of the paper; c visible bias, b hidden bias)
 *
 * and joint distribution p(v, h) = e^{−E(v,h)} / Z. The conditionals factorize:
 * p(h_j = 1 | v) = σ(b_j + (vW)_j), p(v_i = 1 | h) = σ(c_i + (W h)_i), σ(z) = 1/(1 + e^{−z}).
 *
 * Parameters are Float32Array: W is visible × hidden, row-major (w_ij at i·hidden + j).
 * Batches of configurations are rows × units row-major; entries are {0,1} states or, for an
 * upper layer of a stack, probabilities in [0,1]. Matrix products go through a ComputeBackend.
 */
import type { ComputeBackend } from './backend.js';
import type { Rng } from '../physics/rng.js';

/** Everything that defines an RBM, for checkpoints and messages; arrays are copies. */
export interface RbmSnapshot {
  visible: number;
  hidden: number;
  /** W, visible × hidden, row-major. */
  weights: Float32Array;
  /** c, length visible. */
  visibleBias: Float32Array;
  /** b, length hidden. */
  hiddenBias: Float32Array;
}

/** softplus(x) = log(1 + e^x), without overflow for large x or cancellation for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function checkUnits(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
}

function checkLength(name: string, a: ArrayLike<number>, need: number): void {
  if (a.length < need) throw new RangeError(`${name} holds ${a.length} values, need ${need}`);
}

/** One RBM's parameters and its deterministic maps (conditionals, free energy, energy). */
export class Rbm {
  readonly visible: number;
  readonly hidden: number;
  /** W, visible × hidden, row-major; updated in place by the trainer. */
  readonly weights: Float32Array;
  /** c, length visible. */
  readonly visibleBias: Float32Array;
  /** b, length hidden. */
  readonly hiddenBias: Float32Array;

  /** Wraps the given arrays (no copy); zero parameters where they are omitted. */
  constructor(visible: number, hidden: number, weights?: Float32Array, visibleBias?: Float32Array, hiddenBias?: Float32Array) {
    checkUnits('visible units', visible);
    checkUnits('hidden units', hidden);
    this.visible = visible;
    this.hidden = hidden;
    this.weights = weights ?? new Float32Array(visible * hidden);
    this.visibleBias = visibleBias ?? new Float32Array(visible);
    this.hiddenBias = hiddenBias ?? new Float32Array(hidden);
    if (this.weights.length !== visible * hidden) throw new RangeError(`weights must hold ${visible}×${hidden} values, got ${this.weights.length}`);
    if (this.visibleBias.length !== visible) throw new RangeError(`visible bias must hold ${visible} values, got ${this.visibleBias.length}`);
    if (this.hiddenBias.length !== hidden) throw new RangeError(`hidden bias must hold ${hidden} values, got ${this.hiddenBias.length}`);
  }

  /**
   * A fresh RBM with w_ij ~ N(0, scale²) and zero biases. The default scale 0.01 follows
   * Hinton's "Practical guide to training RBMs" (2010, §8); Hinton & Salakhutdinov's rbm.m
   * (the paper's code) uses 0.1 — pass `scale = 0.1` to match it.
   */
  static random(visible: number, hidden: number, rng: Rng, scale = 0.01): Rbm {
    if (!(scale >= 0 && Number.isFinite(scale))) throw new RangeError(`weight scale must be finite and ≥ 0, got ${scale}`);
    const rbm = new Rbm(visible, hidden);
    for (let i = 0; i < rbm.weights.length; i++) rbm.weights[i] = scale * rng.nextGaussian();
    return rbm;
  }

  /** An RBM with copies of the snapshot's arrays. */
  static fromSnapshot(s: RbmSnapshot): Rbm {
    return new Rbm(s.visible, s.hidden, Float32Array.from(s.weights), Float32Array.from(s.visibleBias), Float32Array.from(s.hiddenBias));
  }

  /** Copies of the parameters. */
  snapshot(): RbmSnapshot {
    return {
      visible: this.visible,
      hidden: this.hidden,
      weights: this.weights.slice(),
      visibleBias: this.visibleBias.slice(),
      hiddenBias: this.hiddenBias.slice(),
    };
  }

  /**
   * p(h = 1 | v) = σ(vW + b) for each row: v is rows × visible, out is rows × hidden
   * (may be longer; leading entries written).
   */
  hiddenProbabilities(backend: ComputeBackend, v: Float32Array, rows: number, out: Float32Array): void {
    checkLength('visible batch', v, rows * this.visible);
    checkLength('hidden output', out, rows * this.hidden);
    backend.gemm(false, false, rows, this.hidden, this.visible, 1, v, this.weights, 0, out);
    backend.biasSigmoid(out, this.hiddenBias, rows, this.hidden);
  }

  /**
   * p(v = 1 | h) = σ(hWᵀ + c) for each row: h is rows × hidden, out is rows × visible
   * (may be longer; leading entries written).
   */
  visibleProbabilities(backend: ComputeBackend, h: Float32Array, rows: number, out: Float32Array): void {
    checkLength('hidden batch', h, rows * this.hidden);
    checkLength('visible output', out, rows * this.visible);
    backend.gemm(false, true, rows, this.visible, this.hidden, 1, h, this.weights, 0, out);
    backend.biasSigmoid(out, this.visibleBias, rows, this.visible);
  }

  /**
   * Free energy of each visible row, the hidden units summed out analytically:
   *
   *   F(v) = −log Σ_h e^{−E(v,h)} = −c·v − Σ_j softplus(b_j + (vW)_j),   p(v) = e^{−F(v)}/Z.
   *
   * v is rows × visible; out[r] (float64, length ≥ rows) receives F of row r in units of k_BT
   * (dimensionless). `scratch` (rows × hidden floats) avoids an allocation when given.
   */
  freeEnergy(backend: ComputeBackend, v: Float32Array, rows: number, out: Float64Array, scratch?: Float32Array): void {
    const nv = this.visible;
    const nh = this.hidden;
    checkLength('visible batch', v, rows * nv);
    checkLength('free-energy output', out, rows);
    const x = scratch && scratch.length >= rows * nh ? scratch : new Float32Array(rows * nh);
    backend.gemm(false, false, rows, nh, nv, 1, v, this.weights, 0, x);
    const b = this.hiddenBias;
    const c = this.visibleBias;
    for (let r = 0; r < rows; r++) {
      let f = 0;
      for (let i = 0; i < nv; i++) f -= c[i] * v[r * nv + i];
      for (let j = 0; j < nh; j++) f -= softplus(x[r * nh + j] + b[j]);
      out[r] = f;
    }
  }

  /** E(v, h) = −c·v − b·h − vᵀWh of one configuration (float64 accumulation); v length visible, h length hidden. */
  energy(v: ArrayLike<number>, h: ArrayLike<number>): number {
    checkLength('v', v, this.visible);
    checkLength('h', h, this.hidden);
    const nh = this.hidden;
    let e = 0;
    for (let j = 0; j < nh; j++) e -= this.hiddenBias[j] * h[j];
    for (let i = 0; i < this.visible; i++) {
      if (v[i] === 0) continue;
      let s = this.visibleBias[i];
      for (let j = 0; j < nh; j++) s += this.weights[i * nh + j] * h[j];
      e -= v[i] * s;
    }
    return e;
  }

  /** True when every weight and bias is a finite number (no NaN, no ±Infinity). */
  isFinite(): boolean {
    return allFinite(this.weights) && allFinite(this.visibleBias) && allFinite(this.hiddenBias);
  }
}

/** True when no entry is NaN or ±Infinity. */
export function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x - x !== 0) return false; // NaN − NaN and ∞ − ∞ are NaN
  }
  return true;
}

/**
 * Per-epoch health measures of an RBM on a data set (rows × visible, row-major): reconstruction
 * error, pseudo-log-likelihood and the free-energy gap between training and held-out data
 * (Hinton's "Practical guide", §6 and §5). All are computed in chunks of rows so memory stays
 * bounded; all log-quantities are natural logs (nats).
 */
import type { ComputeBackend } from './backend.js';
import { softplus, type Rbm } from './rbm.js';
import type { Rng } from '../physics/rng.js';

/** Rows per chunk: bounds scratch memory at CHUNK × max(visible, hidden) floats. */
const CHUNK = 256;

function checkData(rbm: Rbm, data: Float32Array, rows: number): void {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer, got ${rows}`);
  if (data.length < rows * rbm.visible) throw new RangeError(`data hold ${data.length} values, need ${rows}×${rbm.visible}`);
}

/**
 * Deterministic reconstruction error: the mean over rows and visible units of (v − v̂)², with
 * v̂ = σ(σ(vW + b)Wᵀ + c) — up with hidden probabilities, down with visible probabilities.
 * (The trainer's per-epoch figure samples h instead, as rbm.m does, so it is slightly larger.)
 */
export function reconstructionError(rbm: Rbm, backend: ComputeBackend, data: Float32Array, rows: number): number {
  checkData(rbm, data, rows);
  const nv = rbm.visible;
  const h = new Float32Array(CHUNK * rbm.hidden);
  const v = new Float32Array(CHUNK * nv);
  let sum = 0;
  for (let start = 0; start < rows; start += CHUNK) {
    const n = Math.min(CHUNK, rows - start);
    const chunk = data.subarray(start * nv, (start + n) * nv);
    rbm.hiddenProbabilities(backend, chunk, n, h);
    rbm.visibleProbabilities(backend, h, n, v);
    for (let i = 0; i < n * nv; i++) {
      const d = chunk[i] - v[i];
      sum += d * d;
    }
  }
  return sum / (rows * nv);
}

/** Mean free energy (1/rows) Σ_r F(v_r) over the data, F as in Rbm.freeEnergy (units of k_BT). */
export function meanFreeEnergy(rbm: Rbm, backend: ComputeBackend, data: Float32Array, rows: number): number {
  checkData(rbm, data, rows);
  const nv = rbm.visible;
  const f = new Float64Array(CHUNK);
  const scratch = new Float32Array(CHUNK * rbm.hidden);
  let sum = 0;
  for (let start = 0; start < rows; start += CHUNK) {
    const n = Math.min(CHUNK, rows - start);
    rbm.freeEnergy(backend, data.subarray(start * nv, (start + n) * nv), n, f, scratch);
    for (let r = 0; r < n; r++) sum += f[r];
  }
  return sum / rows;
}

/**
 * Free-energy gap ⟨F⟩_held-out − ⟨F⟩_train. Z cancels, so this is the mean log-likelihood
 * advantage of training rows over held-out rows: near 0 while the model generalizes, positive
 * and growing when it overfits (Hinton's guide §6: compare a training subset of about the same
 * size as the held-out set).
 */
export function freeEnergyGap(
  rbm: Rbm,
  backend: ComputeBackend,
  train: Float32Array,
  trainRows: number,
  heldOut: Float32Array,
  heldOutRows: number,
): number {
  return meanFreeEnergy(rbm, backend, heldOut, heldOutRows) - meanFreeEnergy(rbm, backend, train, trainRows);
}

/**
 * Pseudo-log-likelihood PL(v) = Σ_i log p(v_i | v_{−i}), averaged over the rows (nats per
 * configuration; divide by `visible` for nats per unit). With ṽ⁽ⁱ⁾ = v with unit i flipped
 * (v_i → 1 − v_i), p(v_i | v_{−i}) = σ(F(ṽ⁽ⁱ⁾) − F(v)), and the flip changes only
 * x = vW + b by δW_i· (δ = 1 − 2v_i), so
 *
 *   F(ṽ⁽ⁱ⁾) − F(v) = −δ c_i − Σ_j [softplus(x_j + δ w_ij) − softplus(x_j)],
 *
 * O(hidden) per flip after one product vW per row.
 * samples = s (default 1): the stochastic estimator of Marlin et al. / scikit-learn's
 * BernoulliRBM.score_samples, PL ≈ (visible/s) Σ over s uniformly chosen units i (with
 * replacement, from `rng`) of log σ(F(ṽ⁽ⁱ⁾) − F(v)) — unbiased, noisy.
 * samples = 'all': the exact sum over every unit (visible × hidden work per row; rng unused).
 */
export function pseudoLogLikelihood(
  rbm: Rbm,
  backend: ComputeBackend,
  data: Float32Array,
  rows: number,
  rng: Rng,
  samples: number | 'all' = 1,
): number {
  checkData(rbm, data, rows);
  if (samples !== 'all' && !(Number.isInteger(samples) && samples >= 1)) throw new RangeError(`samples must be a positive integer or 'all', got ${samples}`);
  const { visible: nv, hidden: nh, weights: w, visibleBias: c, hiddenBias: b } = rbm;
  const x = new Float32Array(CHUNK * nh);
  const count = samples === 'all' ? nv : samples;
  let total = 0;
  for (let start = 0; start < rows; start += CHUNK) {
    const n = Math.min(CHUNK, rows - start);
    const chunk = data.subarray(start * nv, (start + n) * nv);
    backend.gemm(false, false, n, nh, nv, 1, chunk, w, 0, x);
    for (let r = 0; r < n; r++) {
      const xr = r * nh;
      let rowSum = 0;
      for (let s = 0; s < count; s++) {
        const i = samples === 'all' ? s : rng.nextBelow(nv);
        const delta = 1 - 2 * chunk[r * nv + i];
        let dF = -delta * c[i];
        for (let j = 0; j < nh; j++) {
          const z = x[xr + j] + b[j];
          dF -= softplus(z + delta * w[i * nh + j]) - softplus(z);
        }
        rowSum -= softplus(-dF); // log σ(ΔF)
      }
      total += (nv / count) * rowSum;
    }
  }
  return total / rows;
}

/**
 * The numbers `rgflow reproduce` reports beside the paper's claims (pure computations on
 * typed arrays; no I/O). Units: lattice spacings for sizes, J per site for energies.
 *
 * Receptive-field size, three ways, because the |r|-weighted RMS radius (the primary measure)
 * is dominated by a faint background spread over all 1600 sites whenever L1 has not driven it
 * exactly to zero, even when the field is visibly one compact blob:
 *   radius          sqrt(Σ|r|d² / Σ|r|) about the |r|-weighted centre (fieldRadius)
 *   radius_r2       the same with weights r² (emphasizes the peak)
 *   half_max_radius sqrt(A/π), A = number of sites with |r| ≥ ½ max|r| (the blob's area, robust
 *                   to a background below half the peak; a uniform b×b block gives b/√π)
 *
 * Macroscopic agreement of a reconstruction p (probabilities) with its original v (0/1), in
 * spins s = 2v − 1 and 2p − 1: the Pearson correlation across samples of the magnetization
 * per site, and of the 8×8-block means pooled over blocks and samples (25 blocks on 40×40:
 * as many numbers as there are top units).
 */
import { fieldMetrics, fieldRadius } from '../../shared/learn/receptive-field.js';
import { bondSumOf, magnetizationOf } from '../../shared/physics/lattice.js';

export interface Stat {
  mean: number;
  err: number;
}

/** Mean ± standard error of the mean (err NaN for fewer than 2 values). */
export function meanErr(x: ArrayLike<number>): Stat {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - mean) ** 2;
  return { mean, err: n > 1 ? Math.sqrt(v / (n - 1) / n) : NaN };
}

/** Mean, standard deviation (the spread over units) and median; NaN entries (all-zero fields) skipped. */
export function summarize(x: ArrayLike<number>): { mean: number; spread: number; median: number; count: number } {
  const v = Array.from(x).filter(Number.isFinite).sort((a, b) => a - b);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const spread = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
  const median = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return { mean, spread, median, count: v.length };
}

/** sqrt(A/π), A = sites with |r| ≥ ½ max|r|; NaN for an all-zero field. */
export function halfMaxRadius(field: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < field.length; i++) max = Math.max(max, Math.abs(field[i]));
  if (!(max > 0)) return NaN;
  let area = 0;
  for (let i = 0; i < field.length; i++) if (Math.abs(field[i]) >= max / 2) area++;
  return Math.sqrt(area / Math.PI);
}

/** The three size measures of a uniform b×b block on the L×L torus (references for the plot). */
export function blockReference(b: number, L: number): { radius: number; half_max_radius: number } {
  const block = Float32Array.from({ length: L * L }, (_, i) => (Math.floor(i / L) < b && i % L < b ? 1 : 0));
  return { radius: fieldRadius(block, L), half_max_radius: halfMaxRadius(block) };
}

/** Size and locality of every unit's field; `fields` is (L·L) × units row-major (receptiveFields). */
export function fieldSizeMetrics(fields: Float32Array, units: number, L: number, within = 3) {
  const abs = fieldMetrics(fields, units, L, within);
  const sq = fieldMetrics(fields.map((x) => x * x), units, L, within);
  const half = new Float64Array(units);
  const column = new Float32Array(L * L);
  for (let j = 0; j < units; j++) {
    for (let i = 0; i < L * L; i++) column[i] = fields[i * units + j];
    half[j] = halfMaxRadius(column);
  }
  const r = summarize(abs.radius);
  const f = summarize(abs.fractionWithin);
  const r2 = summarize(sq.radius);
  const h = summarize(half);
  return {
    mean_radius: r.mean,
    spread: r.spread,
    median_radius: r.median,
    fraction_within_3: f.mean,
    fraction_within_3_spread: f.spread,
    radius_r2: { mean: r2.mean, spread: r2.spread, fraction_within_3: summarize(sq.fractionWithin).mean },
    half_max_radius: { mean: h.mean, spread: h.spread, median: h.median },
    zero_fields: units - r.count,
  };
}

/** Energy per site e = −Σ_<ij> s_i s_j / N and |m| = |Σ s_i| / N of each row (s_i = +1 where v > 0.5). */
export function configurationObservables(v: ArrayLike<number>, rows: number, L: number): { energy: Float64Array; absM: Float64Array } {
  const N = L * L;
  const s = new Int8Array(N);
  const energy = new Float64Array(rows);
  const absM = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < N; i++) s[i] = v[r * N + i] > 0.5 ? 1 : -1;
    energy[r] = -bondSumOf(s, L) / N;
    absM[r] = Math.abs(magnetizationOf(s)) / N;
  }
  return { energy, absM };
}

type Observables = ReturnType<typeof configurationObservables>;

/** Means of e and |m| of `other`, and the paired differences other − original, each ± standard error. */
export function compareObservables(original: Observables, other: Observables) {
  const diff = (a: Float64Array, b: Float64Array) => meanErr(a.map((x, i) => x - b[i]));
  return {
    energy_per_site: meanErr(other.energy),
    abs_magnetization: meanErr(other.absM),
    difference: { energy_per_site: diff(other.energy, original.energy), abs_magnetization: diff(other.absM, original.absM) },
  };
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = meanErr(x).mean;
  const my = meanErr(y).mean;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Correlations of magnetization and of block-averaged spins between originals and reconstructions (file header). */
export function macroscopicAgreement(original: ArrayLike<number>, p: ArrayLike<number>, rows: number, L: number, block = 8) {
  const N = L * L;
  const nb = Math.floor(L / block);
  const mO = new Float64Array(rows);
  const mR = new Float64Array(rows);
  const bO = new Float64Array(rows * nb * nb);
  const bR = new Float64Array(rows * nb * nb);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < N; i++) {
      const so = 2 * original[r * N + i] - 1;
      const sr = 2 * p[r * N + i] - 1;
      mO[r] += so / N;
      mR[r] += sr / N;
      const y = Math.floor(i / L);
      const x = i % L;
      if (y < nb * block && x < nb * block) {
        const b = r * nb * nb + Math.floor(y / block) * nb + Math.floor(x / block);
        bO[b] += so / (block * block);
        bR[b] += sr / (block * block);
      }
    }
  }
  let sameSign = 0;
  for (let r = 0; r < rows; r++) if (Math.sign(mO[r]) === Math.sign(mR[r])) sameSign++;
  return {
    magnetization_correlation: pearson(mO, mR),
    magnetization_same_sign: sameSign / rows,
    [`block_${block}x${block}_correlation`]: pearson(bO, bR),
  };
}

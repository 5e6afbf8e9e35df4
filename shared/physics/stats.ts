/**
 * Honest statistical errors for correlated Monte Carlo time series.
 *
 * - Binning (blocking) analysis: Flyvbjerg & Petersen, J. Chem. Phys. 91, 461 (1989).
 * - Integrated autocorrelation time with automatic windowing: Sokal, "Monte Carlo Methods in
 *   Statistical Mechanics" (Cargèse lectures 1996); error formula of Madras & Sokal,
 *   J. Stat. Phys. 50, 109 (1988).
 * - Jackknife over blocks for nonlinear functions of means (Efron 1982).
 * - Pearson's chi-square goodness-of-fit test, for comparing sampled histograms with exact
 *   distributions.
 *
 * Convention: τ_int = ½ + Σ_{t≥1} ρ(t), so independent data have τ_int = ½ and the variance
 * of the mean of n correlated points is 2 τ_int σ² / n.
 */

/** A mean and its one-standard-deviation statistical error. */
export interface Estimate {
  mean: number;
  err: number;
}

/** One level of a binning analysis: bins of `binSize` consecutive points. */
export interface BinningLevel {
  binSize: number;
  bins: number;
  /** Standard error of the mean computed from the bin means as if they were independent. */
  err: number;
}

/** Levels with fewer bins than this are too noisy to read an error from. */
export const MIN_BINS = 32;

/**
 * Binning analysis of a correlated series. Level k averages blocks of 2^k consecutive points;
 * its naive standard error of the mean grows with k until the blocks are much longer than the
 * autocorrelation time, then plateaus at the true error.
 *
 * Plateau rule (Lee, Conduit, Nemec, López Ríos & Drummond, Phys. Rev. E 83, 066706 (2011),
 * as in pyblock): the
 * error is read at the smallest block size B with B³ > 2n (err_B/err_1)⁴, which balances the
 * bias of too-short blocks against the noise of too few bins. `converged` is true when that
 * level has ≥ 32 bins and every larger level with ≥ 32 bins agrees with it within three times its
 * own uncertainty err_B/√(2(bins−1)). Otherwise the run is too short for its autocorrelation
 * time: `err` is then taken at the largest level with ≥ 32 bins and is a lower bound.
 * τ_int = ½ (err / naiveErr)², with naiveErr the error at block size 1.
 */
export function binningAnalysis(series: ArrayLike<number>): {
  mean: number;
  err: number;
  naiveErr: number;
  tauInt: number;
  converged: boolean;
  levels: BinningLevel[];
} {
  const n = series.length;
  if (n === 0) return { mean: NaN, err: NaN, naiveErr: NaN, tauInt: NaN, converged: false, levels: [] };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += series[i];
  mean /= n;
  let current = new Float64Array(n);
  for (let i = 0; i < n; i++) current[i] = series[i] - mean;
  const levels: BinningLevel[] = [];
  for (let binSize = 1; current.length >= 2; binSize *= 2) {
    const bins = current.length;
    let m = 0;
    for (let i = 0; i < bins; i++) m += current[i];
    m /= bins;
    let ss = 0;
    for (let i = 0; i < bins; i++) ss += (current[i] - m) ** 2;
    levels.push({ binSize, bins, err: Math.sqrt(ss / (bins - 1) / bins) });
    const next = new Float64Array(bins >> 1);
    for (let i = 0; i < next.length; i++) next[i] = 0.5 * (current[2 * i] + current[2 * i + 1]);
    current = next;
  }
  if (levels.length === 0) return { mean, err: NaN, naiveErr: NaN, tauInt: NaN, converged: false, levels };
  const naiveErr = levels[0].err;
  if (naiveErr === 0) return { mean, err: 0, naiveErr, tauInt: 0.5, converged: true, levels };
  const sigma = (l: BinningLevel) => l.err / Math.sqrt(2 * (l.bins - 1));
  let chosen = levels.findIndex((l) => l.binSize ** 3 > 2 * n * (l.err / naiveErr) ** 4);
  let converged = chosen >= 0 && levels[chosen].bins >= MIN_BINS;
  if (!converged) {
    chosen = 0;
    while (chosen + 1 < levels.length && levels[chosen + 1].bins >= MIN_BINS) chosen++;
  }
  const err = levels[chosen].err;
  for (let k = chosen + 1; converged && k < levels.length && levels[k].bins >= MIN_BINS; k++) {
    if (Math.abs(levels[k].err - err) > 3 * sigma(levels[k])) converged = false;
  }
  const tauInt = 0.5 * (err / naiveErr) ** 2;
  return { mean, err, naiveErr, tauInt, converged, levels };
}

/**
 * Integrated autocorrelation time τ_int = ½ + Σ_{t=1}^{W} ρ(t) with Sokal's automatic window:
 * W is the smallest lag with W ≥ c·τ_int(W). ρ(t) = C(t)/C(0), C(t) = (1/n) Σ_i δx_i δx_{i+t}.
 * Error (Madras–Sokal): δτ ≈ τ √(2(2W+1)/n). Units: lags of the series (e.g. sweeps).
 * Cost O(n·W), stopping at the window; if no window is found below n/2, the last sum is
 * returned with `window` = n/2 lags (the series is too short: treat τ as a lower bound).
 * A constant series gives τ = ½ with zero error.
 */
export function integratedAutocorrelationTime(
  series: ArrayLike<number>,
  c = 6,
): { tau: number; err: number; window: number } {
  const n = series.length;
  if (n < 2) return { tau: 0.5, err: NaN, window: 0 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += series[i];
  mean /= n;
  const d = new Float64Array(n);
  let c0 = 0;
  for (let i = 0; i < n; i++) {
    d[i] = series[i] - mean;
    c0 += d[i] * d[i];
  }
  if (!(c0 > 0)) return { tau: 0.5, err: 0, window: 0 };
  let tau = 0.5;
  let window = 0;
  const maxWindow = Math.floor(n / 2);
  for (let t = 1; t <= maxWindow; t++) {
    let ct = 0;
    for (let i = 0, end = n - t; i < end; i++) ct += d[i] * d[i + t];
    tau += ct / c0;
    window = t;
    if (t >= c * tau) break;
  }
  return { tau, err: Math.abs(tau) * Math.sqrt((2 * (2 * window + 1)) / n), window };
}

/**
 * Delete-one jackknife: `estimator(k)` is the quantity computed with block k left out
 * (k = 0 … blocks−1) and `full` the quantity on all data. Returns the bias-corrected estimate
 * θ = B·θ_full − (B−1)·mean_k θ_(k) and its error √((B−1)/B · Σ_k (θ_(k) − mean θ_(·))²).
 */
export function jackknife(blocks: number, estimator: (exclude: number) => number, full: number): Estimate {
  if (!Number.isInteger(blocks) || blocks < 2) throw new RangeError(`jackknife needs ≥ 2 blocks, got ${blocks}`);
  const values = new Float64Array(blocks);
  let avg = 0;
  for (let k = 0; k < blocks; k++) avg += values[k] = estimator(k);
  avg /= blocks;
  let ss = 0;
  for (let k = 0; k < blocks; k++) ss += (values[k] - avg) ** 2;
  return { mean: blocks * full - (blocks - 1) * avg, err: Math.sqrt(((blocks - 1) / blocks) * ss) };
}

/**
 * Jackknife of a function of several means, f(⟨x_0⟩, ⟨x_1⟩, …), over `blocks` contiguous blocks
 * of the equally long series (the n mod blocks oldest points are dropped). Blocks must be much
 * longer than the autocorrelation time for the error to be honest.
 * `f` receives a scratch array of the means; it must not keep it.
 */
export function jackknifeMeans(
  series: readonly ArrayLike<number>[],
  blocks: number,
  f: (means: Float64Array) => number,
): Estimate {
  const q = series.length;
  const n = q > 0 ? series[0].length : 0;
  if (series.some((s) => s.length !== n)) throw new RangeError('jackknifeMeans: series of different lengths');
  const B = Math.min(blocks, n);
  if (B < 2) return { mean: NaN, err: NaN };
  const size = Math.floor(n / B);
  const start = n - B * size;
  const sums = new Float64Array(q * B);
  const totals = new Float64Array(q);
  for (let j = 0; j < q; j++) {
    const s = series[j];
    for (let k = 0; k < B; k++) {
      let acc = 0;
      for (let i = start + k * size, end = i + size; i < end; i++) acc += s[i];
      sums[j * B + k] = acc;
      totals[j] += acc;
    }
  }
  const means = new Float64Array(q);
  for (let j = 0; j < q; j++) means[j] = totals[j] / (B * size);
  const full = f(means);
  return jackknife(
    B,
    (k) => {
      for (let j = 0; j < q; j++) means[j] = (totals[j] - sums[j * B + k]) / ((B - 1) * size);
      return f(means);
    },
    full,
  );
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = g[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a), by series for x < a+1
 * and Lentz's continued fraction otherwise (Numerical Recipes §6.2).
 */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPrefactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 1000 && Math.abs(term) > Math.abs(sum) * 1e-16; k++) sum += term *= x / (a + k);
    return Math.max(0, 1 - sum * Math.exp(lnPrefactor));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let cc = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    cc = b + an / cc;
    if (Math.abs(cc) < tiny) cc = tiny;
    d = 1 / d;
    const delta = d * cc;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(lnPrefactor) * h;
}

/**
 * Pearson chi-square test of observed counts against exact probabilities (which should sum to
 * 1 over all outcomes). Adjacent outcomes are merged in order until each merged cell expects
 * ≥ `minExpected` counts. χ² = Σ (O − E)²/E, dof = cells − 1, p = Q(dof/2, χ²/2).
 * Counts must come from (near-)independent samples for p to be meaningful.
 */
export function chiSquareTest(
  observed: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  minExpected = 5,
): { chi2: number; dof: number; pValue: number } {
  if (observed.length !== probabilities.length) throw new RangeError('chiSquareTest: length mismatch');
  let total = 0;
  for (let i = 0; i < observed.length; i++) total += observed[i];
  const cells: { o: number; e: number }[] = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < observed.length; i++) {
    o += observed[i];
    e += probabilities[i] * total;
    if (e >= minExpected) {
      cells.push({ o, e });
      o = e = 0;
    }
  }
  if (cells.length === 0) return { chi2: 0, dof: 0, pValue: 1 };
  cells[cells.length - 1].o += o;
  cells[cells.length - 1].e += e;
  const chi2 = cells.reduce((a, cell) => a + (cell.o - cell.e) ** 2 / cell.e, 0);
  const dof = cells.length - 1;
  return { chi2, dof, pValue: dof > 0 ? gammaQ(dof / 2, chi2 / 2) : 1 };
}

/**
 * The checks every compute backend must pass, against `referenceGemm` (float64 triple loop)
 * and Math.exp. Tolerance for a product is the classical float32 error bound of any
 * summation order (Higham, Accuracy and Stability, Eq. 3.5):
 *   |fl(C) − C| ≤ (k + 2)·u·(|α|·Σ_p |op(A)[i][p]|·|op(B)[p][j]| + |β|·|C₀[i][j]|),  u = 2⁻²⁴,
 * so a backend passes whatever order it sums in, and fails on any real indexing mistake.
 */
import { referenceGemm } from '../../shared/learn/backends/js.js';
import type { ComputeBackend } from '../../shared/learn/backend.js';
import { Rng } from '../../shared/physics/rng.js';

/**
 * m × n × k: degenerate, odd, odd and large enough to be split across threads both ways
 * with a depth of more than one packed slice (333×45×300, 45×333×300), and slices of the
 * paper's 100×1600×400 products.
 */
export const GEMM_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [7, 13, 5],
  [3, 1, 9],
  [1, 8, 1],
  [13, 37, 29],
  [333, 45, 300],
  [45, 333, 300],
  [10, 400, 1600],
  [10, 1600, 400],
  [1600, 40, 10],
];

/** (α, β): plain product, scaled with C ignored (C holds NaN), accumulate, general, α = 0. */
export const SCALARS: readonly (readonly [number, number])[] = [
  [1, 0],
  [0.5, 0],
  [-1, 1],
  [2, -0.5],
  [0, 0.25],
];

export const TRANSPOSES: readonly (readonly [boolean, boolean])[] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

const U = 2 ** -24;

/** Float32 values in (−1, 1), a quarter of them exactly 0 or 1 (like binary units). */
export function randomMatrix(rng: Rng, length: number): Float32Array {
  return Float32Array.from({ length }, () => {
    const r = rng.nextFloat();
    if (r < 0.125) return 0;
    if (r < 0.25) return 1;
    return 2 * rng.nextFloat() - 1;
  });
}

/**
 * Runs each backend's gemm on one random (A, B) for each (α, β) in `scalars` and returns,
 * per backend and pair, the worst ratio |error| / bound over C (≤ 1 passes). The float64 reference product is
 * computed once by `referenceGemm` and combined with α, β and C₀ in float64. Operands are
 * longer than needed, to check that only the leading elements are read; when β = 0, C
 * starts as NaN, which must not leak into the result; nothing past C may be written.
 */
export function gemmErrorRatios(
  backends: ComputeBackend | readonly ComputeBackend[],
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  scalars: readonly (readonly [number, number])[],
  rng: Rng,
): number[][] {
  const a = randomMatrix(rng, m * k + 3);
  const b = randomMatrix(rng, k * n + 5);
  const product = new Float64Array(m * n);
  referenceGemm(transA, transB, m, n, k, 1, a, b, 0, product);
  const magnitude = new Float64Array(m * n);
  referenceGemm(transA, transB, m, n, k, 1, a.map(Math.abs), b.map(Math.abs), 0, magnitude);
  const c0s = scalars.map(([, beta]) => (beta === 0 ? new Float32Array(m * n + 2).fill(NaN) : randomMatrix(rng, m * n + 2)));
  const list = Array.isArray(backends) ? backends : [backends as ComputeBackend];
  return list.map((backend) => scalars.map(([alpha, beta], s) => {
    const c0 = c0s[s];
    const c = new Float32Array(c0);
    backend.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    let worst = 0;
    for (let i = 0; i < m * n; i++) {
      const start = beta === 0 ? 0 : beta * c0[i];
      const expected = alpha * product[i] + start;
      const bound = (k + 2) * U * (Math.abs(alpha) * magnitude[i] + Math.abs(start)) + 1e-30;
      const ratio = Math.abs(c[i] - expected) / bound;
      if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
    }
    for (let i = m * n; i < c.length; i++) {
      if (!Object.is(c[i], c0[i])) return Infinity;
    }
    return worst;
  }));
}

/**
 * Worst ratio of backend.biasSigmoid's relative error against 1/(1 + Math.exp(−z)) (float64)
 * to `relTol` + 2u·|z| (the second term allows for z = x + bias being rounded to float32 or
 * not), over rows×cols pre-activations spread over [−spread, spread]; ≤ 1 passes. Values
 * below 1e-30, where float32 itself runs out of precision, are compared absolutely.
 */
export function sigmoidErrorRatio(
  backend: ComputeBackend,
  rows: number,
  cols: number,
  spread: number,
  relTol: number,
  rng: Rng,
): number {
  const x = Float32Array.from({ length: rows * cols }, () => spread * (2 * rng.nextFloat() - 1));
  const bias = Float32Array.from({ length: cols }, () => 2 * rng.nextFloat() - 1);
  const got = new Float32Array(x);
  backend.biasSigmoid(got, bias, rows, cols);
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const z = x[r * cols + j] + bias[j];
      const want = 1 / (1 + Math.exp(-z));
      const error = Math.abs(got[r * cols + j] - want) / Math.max(want, 1e-30);
      const ratio = error / (relTol + 2 * U * Math.abs(z));
      if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
    }
  }
  return worst;
}

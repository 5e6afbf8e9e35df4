/**
 * The plain TypeScript compute backend, and the reference every other backend is tested
 * against.
 *
 * `referenceGemm` is the textbook triple loop, C[i][j] = α Σ_p op(A)[i][p]·op(B)[p][j] + β C[i][j],
 * accumulated in float64: obviously correct, and slow. `createJsBackend` computes the same
 * sums, also in float64, after bringing both operands into "row" form (op(A) as m×k, op(B)ᵀ
 * as n×k, transposing whichever is not already so): then every C[i][j] is a dot product of
 * two contiguous rows, computed in 2×4 register tiles — ≈ 3.3 GFLOP/s here, against ≈ 1 for
 * the i-k-j loop order over a float64 row of C. Matrices are row-major Float32Array; shapes
 * and transA/transB mean what they mean in `ComputeBackend.gemm`.
 */
import type { ComputeBackend } from '../backend.js';

/** Element (i, p) of op(A), op(A) m×k; A is m×k, or k×m when transposed. */
function opA(a: ArrayLike<number>, transA: boolean, m: number, k: number, i: number, p: number): number {
  return transA ? a[p * m + i] : a[i * k + p];
}

/** Element (p, j) of op(B), op(B) k×n; B is k×n, or n×k when transposed. */
function opB(b: ArrayLike<number>, transB: boolean, n: number, k: number, p: number, j: number): number {
  return transB ? b[j * k + p] : b[p * n + j];
}

/**
 * C ← α·op(A)·op(B) + β·C by the definition, in float64. β = 0 ignores C (even NaN).
 * Accepts a Float64Array C so tests can keep the exact float64 result.
 */
export function referenceGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  beta: number,
  c: Float32Array | Float64Array,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += opA(a, transA, m, k, i, p) * opB(b, transB, n, k, p, j);
      c[i * n + j] = beta === 0 ? alpha * sum : alpha * sum + beta * c[i * n + j];
    }
  }
}

/** σ(z) = 1/(1 + e^{−z}). */
function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** dst (cols×rows) ← srcᵀ, src rows×cols row-major, in 32×32 blocks (both sides stay in cache). */
function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let r0 = 0; r0 < rows; r0 += 32) {
    const r1 = Math.min(rows, r0 + 32);
    for (let c0 = 0; c0 < cols; c0 += 32) {
      const c1 = Math.min(cols, c0 + 32);
      for (let r = r0; r < r1; r++) {
        for (let q = c0; q < c1; q++) dst[q * rows + r] = src[r * cols + q];
      }
    }
  }
}

/**
 * C ← α·A·Bᵀ + β·C with A m×k and B n×k, both row-major: every C[i][j] is the dot product of
 * two contiguous rows. Tiles of 2 rows × 4 columns keep 8 sums in registers so each loaded
 * element is used 2 or 4 times; sums are float64. Edge rows and columns take the plain dot
 * product. β = 0 ignores C (even NaN).
 */
function gemmRowsByRows(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
): void {
  const put = (index: number, sum: number): void => {
    c[index] = beta === 0 ? alpha * sum : alpha * sum + beta * c[index];
  };
  const dot = (i: number, j: number): number => {
    const ai = i * k;
    const bj = j * k;
    let sum = 0;
    for (let p = 0; p < k; p++) sum += a[ai + p] * b[bj + p];
    return sum;
  };
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < m2; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const c0 = i * n;
    const c1 = c0 + n;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p];
        const x1 = a[a1 + p];
        const y0 = b[b0 + p];
        const y1 = b[b1 + p];
        const y2 = b[b2 + p];
        const y3 = b[b3 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      put(c0 + j, s00);
      put(c0 + j + 1, s01);
      put(c0 + j + 2, s02);
      put(c0 + j + 3, s03);
      put(c1 + j, s10);
      put(c1 + j + 1, s11);
      put(c1 + j + 2, s12);
      put(c1 + j + 3, s13);
    }
    for (let j = n4; j < n; j++) {
      put(c0 + j, dot(i, j));
      put(c1 + j, dot(i + 1, j));
    }
  }
  for (let i = m2; i < m; i++) {
    for (let j = 0; j < n; j++) put(i * n + j, dot(i, j));
  }
}

/** Creates the plain TypeScript backend (single thread, no native code). */
export function createJsBackend(): ComputeBackend {
  /** Scratch for the operands brought into row form: op(A) as m×k, op(B)ᵀ as n×k. */
  let rowsA = new Float32Array(0);
  let rowsB = new Float32Array(0);

  return {
    name: 'js',
    description: 'plain TypeScript, one thread, float64 sums',
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      // Four transpose cases, one kernel: op(A) must be m×k row-major (A itself unless
      // transA, when A is k×m) and op(B)ᵀ n×k row-major (B itself when transB, else B is k×n).
      let left = a;
      let right = b;
      if (transA) {
        if (rowsA.length < m * k) rowsA = new Float32Array(m * k);
        transposeInto(a, k, m, rowsA);
        left = rowsA;
      }
      if (!transB) {
        if (rowsB.length < k * n) rowsB = new Float32Array(k * n);
        transposeInto(b, k, n, rowsB);
        right = rowsB;
      }
      gemmRowsByRows(m, n, k, alpha, left, right, beta, c);
    },
    biasSigmoid(x: Float32Array, bias: Float32Array, rows: number, cols: number): void {
      for (let r = 0; r < rows; r++) {
        const off = r * cols;
        for (let j = 0; j < cols; j++) x[off + j] = sigmoid(x[off + j] + bias[j]);
      }
    },
    dispose(): void {
      rowsA = new Float32Array(0);
      rowsB = new Float32Array(0);
    },
  };
}

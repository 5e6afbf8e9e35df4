/**
 * A deliberately plain ComputeBackend for the learning tests: the textbook triple loop with a
 * float64 accumulator, written independently of every production backend so it can serve as
 * their oracle. C ← α·op(A)·op(B) + β·C; β = 0 ignores C's old contents (even NaN).
 */
import type { ComputeBackend } from '../../../../shared/learn/backend.js';

export function createNaiveBackend(): ComputeBackend {
  return {
    name: 'js',
    description: 'naive triple loop (test oracle)',
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) {
            const aip = transA ? a[p * m + i] : a[i * k + p];
            const bpj = transB ? b[j * k + p] : b[p * n + j];
            s += aip * bpj;
          }
          c[i * n + j] = beta === 0 ? alpha * s : alpha * s + beta * c[i * n + j];
        }
      }
    },
    biasSigmoid(x, bias, rows, cols) {
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) x[r * cols + j] = 1 / (1 + Math.exp(-(x[r * cols + j] + bias[j])));
      }
    },
    dispose() {},
  };
}

/**
 * The one small interface every compute backend implements: exactly the operations that
 * contrastive divergence needs on dense float32 matrices. Everything else in training
 * (Bernoulli sampling with the seeded RNG, momentum, penalties) stays in TypeScript so
 * every backend produces the same random choices from the same seed.
 *
 * Matrices are row-major Float32Array. Shapes in the comments are rows × columns.
 */

export const BACKEND_NAMES = ['js', 'wasm', 'native', 'gpu'] as const;
/**
 * js: plain TypeScript (the reference); wasm: XNNPACK through @tensorflow/tfjs-backend-wasm;
 * native: the C++ SGEMM addon built at install time (when a compiler is present);
 * gpu: gpu.js kernels (a GPU through headless-gl or WebGPU where one answers, else its CPU mode).
 */
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface ComputeBackend {
  readonly name: BackendName;
  /** Human-readable detail: library, mode, threads (e.g. "gpu.js 2.24.1, webgl2"). */
  readonly description: string;
  /**
   * General matrix product C ← α·op(A)·op(B) + β·C.
   * op(A) is m×k: A is stored m×k, or k×m when transA (then op(A) = Aᵀ).
   * op(B) is k×n: B is stored k×n, or n×k when transB. C is m×n. β = 0 ignores C's contents
   * (even NaN). Arrays may be longer than needed; only the leading elements are used.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  /** x[r·cols + j] ← σ(x[r·cols + j] + bias[j]) in place, σ(z) = 1/(1 + e^{−z}); x is rows×cols. */
  biasSigmoid(x: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  /** Frees native memory, GPU textures, worker threads. The backend is unusable afterwards. */
  dispose(): void;
}

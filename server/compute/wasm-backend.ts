/**
 * The `wasm` compute backend: TensorFlow.js's WebAssembly backend (XNNPACK kernels, the
 * SIMD build) through @tensorflow/tfjs-core. The .wasm files are loaded from node_modules,
 * so it needs no network.
 *
 * One thread: the multi-threaded build starts its pthreads from blob: URLs, which Node's
 * worker_threads refuse (tfjs turns WASM_HAS_MULTITHREAD_SUPPORT off under Node for this
 * reason, tensorflow/tfjs#3830); forcing it on fails with ERR_WORKER_PATH.
 *
 * XNNPACK's product is fast only for untransposed operands (≈ 16 GFLOP/s here against ≈ 2
 * with transposeA/B set), so transposed operands are transposed in JS into scratch arrays
 * first. Per call: one copy of each operand into wasm memory, one copy of the result out.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { ComputeBackend } from '../../shared/learn/backend.js';

type Tf = typeof import('@tensorflow/tfjs-core');

let ready: Promise<Tf> | null = null;

/** Loads tfjs-core and switches it to the wasm backend (once per thread). */
function initTf(): Promise<Tf> {
  ready ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    wasm.setWasmPaths(`${dir}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialize its wasm backend');
    await tf.ready();
    return tf;
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

/** dst (cols×rows) ← srcᵀ, src rows×cols, in 32×32 blocks so both sides stay in cache. */
function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) {
        const s = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[s + c];
      }
    }
  }
}

/** Creates the tfjs wasm backend (loads the WebAssembly module on first use in this thread). */
export async function createWasmBackend(): Promise<ComputeBackend> {
  const tf = await initTf();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  let scratchA = new Float32Array(0);
  let scratchB = new Float32Array(0);

  return {
    name: 'wasm',
    description: `@tensorflow/tfjs-backend-wasm ${tf.version_core} (XNNPACK, ${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`,
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      if (m === 0 || n === 0) return;
      if (k === 0) {
        for (let i = 0; i < m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
        return;
      }
      let opA = a.length === m * k ? a : a.subarray(0, m * k);
      let opB = b.length === k * n ? b : b.subarray(0, k * n);
      if (transA) {
        if (scratchA.length < m * k) scratchA = new Float32Array(m * k);
        transposeInto(a, k, m, scratchA);
        opA = scratchA.subarray(0, m * k);
      }
      if (transB) {
        if (scratchB.length < k * n) scratchB = new Float32Array(k * n);
        transposeInto(b, n, k, scratchB);
        opB = scratchB.subarray(0, k * n);
      }
      const ta = tf.tensor2d(opA, [m, k], 'float32');
      const tb = tf.tensor2d(opB, [k, n], 'float32');
      const product = tf.matMul(ta, tb);
      const result = product.dataSync() as Float32Array;
      ta.dispose();
      tb.dispose();
      product.dispose();
      const count = m * n;
      if (alpha === 1 && beta === 0) {
        c.set(result.subarray(0, count));
      } else if (beta === 0) {
        for (let i = 0; i < count; i++) c[i] = alpha * result[i];
      } else {
        for (let i = 0; i < count; i++) c[i] = alpha * result[i] + beta * c[i];
      }
    },
    biasSigmoid(x, bias, rows, cols) {
      if (rows === 0 || cols === 0) return;
      const count = rows * cols;
      const tx = tf.tensor2d(x.length === count ? x : x.subarray(0, count), [rows, cols], 'float32');
      const tbias = tf.tensor1d(bias.length === cols ? bias : bias.subarray(0, cols), 'float32');
      const sum = tf.add(tx, tbias);
      const out = tf.sigmoid(sum);
      x.set((out.dataSync() as Float32Array).subarray(0, count));
      tx.dispose();
      tbias.dispose();
      sum.dispose();
      out.dispose();
    },
    dispose() {
      scratchA = new Float32Array(0);
      scratchB = new Float32Array(0);
    },
  };
}

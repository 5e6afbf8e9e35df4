/**
 * The WebGPU bridge (server/compute/webgpu-backend.ts) against the float64 reference product:
 * gpu.js's asynchronous kernels run in a worker thread and each synchronous call blocks until
 * the result is in shared memory. Where Dawn loads and an adapter answers, the kernels are
 * WebGPU compute shaders; elsewhere (as on a machine without a GPU, or whose libstdc++ is older
 * than Dawn's) they run in gpu.js's 'async' CPU fallback, which tests the same mechanism:
 * shared buffers that grow, errors carried back, dispose, use from inside a worker thread.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceGemm } from '../../../shared/learn/backends/js.js';
import { gpuAvailable } from '../../../shared/learn/backends/gpujs.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createBackend } from '../../../server/compute/select.js';
import { createWebGpuBridgeBackend, type WebGpuBridgeBackend } from '../../../server/compute/webgpu-backend.js';
import {
  GEMM_SHAPES,
  SCALARS,
  TRANSPOSES,
  gemmErrorRatios,
  randomMatrix,
  sigmoidErrorRatio,
} from '../../helpers/backend-conformance.js';

/** The shapes that exist for the native addon's threading take seconds on a CPU fallback. */
const SHAPES = GEMM_SHAPES.filter(([m, n]) => m !== 333 && n !== 333);

/** Largest |C − reference| over C ← op(A)·op(B), relative to the largest |reference| entry. */
function relativeError(backend: WebGpuBridgeBackend, transA: boolean, transB: boolean, m: number, n: number, k: number, rng: Rng): number {
  const a = randomMatrix(rng, m * k);
  const b = randomMatrix(rng, k * n);
  const want = new Float64Array(m * n);
  referenceGemm(transA, transB, m, n, k, 1, a, b, 0, want);
  const got = new Float32Array(m * n);
  backend.gemm(transA, transB, m, n, k, 1, a, b, 0, got);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < m * n; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  return worst / Math.max(scale, 1e-30);
}

describe('WebGPU bridge backend', () => {
  let bridge: WebGpuBridgeBackend;
  beforeAll(async () => {
    bridge = await createWebGpuBridgeBackend();
  });
  afterAll(() => bridge?.dispose());

  it('names the gpu.js mode its kernels run in: webgpu with its adapter, or the async fallback and why', () => {
    expect(bridge.name).toBe('gpu');
    if (bridge.adapter) {
      expect(bridge.description).toMatch(/^gpu\.js \d+\.\d+\.\d+ webgpu \(adapter: .+\)$/);
    } else {
      expect(bridge.description).toMatch(/^gpu\.js \d+\.\d+\.\d+ async → (headlessgl|webasm|cpu) \(no WebGPU adapter: .+\)$/);
    }
  });

  it('matches the reference product for every transpose case, odd shape and (α, β), β = 0 ignoring NaN in C', () => {
    const rng = new Rng(61);
    for (const [m, n, k] of SHAPES) {
      for (const [ta, tb] of TRANSPOSES) {
        const [ratios] = gemmErrorRatios(bridge, ta, tb, m, n, k, SCALARS, rng);
        ratios.forEach((ratio, s) => {
          const [alpha, beta] = SCALARS[s];
          expect(ratio, `${bridge.description}: ${m}×${n}×${k} transA=${ta} transB=${tb} α=${alpha} β=${beta}`).toBeLessThanOrEqual(1);
        });
      }
    }
  });

  it('biasSigmoid matches 1/(1 + e^−z) and saturates cleanly at |z| = 100', () => {
    const rng = new Rng(62);
    expect(sigmoidErrorRatio(bridge, 7, 13, 20, 1e-6, rng)).toBeLessThanOrEqual(1);
    expect(sigmoidErrorRatio(bridge, 100, 400, 8, 1e-6, rng)).toBeLessThanOrEqual(1);
    const x = new Float32Array([100, -100, 0]);
    bridge.biasSigmoid(x, new Float32Array([0, 0, 0]), 1, 3);
    expect(x[0]).toBe(1);
    expect(x[1]).toBeGreaterThanOrEqual(0);
    expect(x[1]).toBeLessThan(1e-38);
    expect(x[2]).toBe(0.5);
  });

  it('grows its shared buffers on demand: small, the paper-sized 100×1600×400 product, small again', async () => {
    const fresh = await createWebGpuBridgeBackend();
    const rng = new Rng(63);
    try {
      for (const [m, n, k] of [[2, 3, 4], [100, 400, 1600], [100, 1600, 400], [5, 7, 3], [1600, 400, 100]] as const) {
        expect(relativeError(fresh, false, false, m, n, k, rng), `${m}×${n}×${k}`).toBeLessThan(1e-5);
      }
    } finally {
      fresh.dispose();
    }
  });

  it('throws an invalid request refused by the worker as an Error here, and keeps working', () => {
    const f = new Float32Array(16);
    expect(() => bridge.gemm(false, false, 2.5, 2, 2, 1, f, f, 0, f)).toThrow(/m must be a non-negative integer, got 2\.5/);
    expect(() => bridge.biasSigmoid(f, f, 2, -3)).toThrow(/cols must be a non-negative integer, got -3/);
    expect(relativeError(bridge, true, false, 3, 4, 5, new Rng(64))).toBeLessThan(1e-5);
  });

  it('refuses operands shorter than the shape before sending anything', () => {
    const f = new Float32Array(4);
    expect(() => bridge.gemm(false, false, 3, 2, 2, 1, f, f, 0, new Float32Array(6))).toThrow(/a holds 4 floats, needs 6/);
    expect(() => bridge.gemm(false, false, 2, 2, 2, 1, f, f, 0, new Float32Array(3))).toThrow(RangeError);
    expect(() => bridge.biasSigmoid(f, new Float32Array(1), 2, 2)).toThrow(/bias holds 1 floats, needs 2/);
  });

  it('dispose ends the worker thread; later calls throw', async () => {
    const fresh = await createWebGpuBridgeBackend();
    fresh.dispose();
    await fresh.exited;
    const f = new Float32Array(4);
    expect(() => fresh.gemm(false, false, 2, 2, 1, 1, f, f, 0, f)).toThrow(/disposed/);
  });

  it('with requireAdapter resolves on a WebGPU adapter, and otherwise rejects naming the reason', async () => {
    if (bridge.adapter) {
      const strict = await createWebGpuBridgeBackend({ requireAdapter: true });
      expect(strict.description).toMatch(/webgpu \(adapter: /);
      strict.dispose();
    } else {
      await expect(createWebGpuBridgeBackend({ requireAdapter: true })).rejects.toThrow(
        /^no WebGPU adapter answered: (Dawn \(the webgpu package\) failed to load: .+|navigator\.gpu\.requestAdapter\(\) .+|WebGPU adapter .+ answered, but its first kernel failed: .+)$/,
      );
    }
  });
});

/**
 * Runs, in a Worker booted through tsx, a bridge created there: a worker thread that itself
 * blocks on a nested bridge worker, as the trainer's thread does. Posts worst error ratios.
 */
function bridgeInWorker(): Promise<{ description: string; gemm: number[]; sigmoid: number } | { error: string }> {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const backendUrl = new URL('../../../server/compute/webgpu-backend.ts', import.meta.url).href;
  const helpersUrl = new URL('../../helpers/backend-conformance.ts', import.meta.url).href;
  const rngUrl = new URL('../../../shared/physics/rng.ts', import.meta.url).href;
  const script = `
    const { parentPort } = require('node:worker_threads');
    (async () => {
      (await import(${JSON.stringify(tsxApi)})).register();
      const { createWebGpuBridgeBackend } = await import(${JSON.stringify(backendUrl)});
      const { SCALARS, TRANSPOSES, gemmErrorRatios, sigmoidErrorRatio } = await import(${JSON.stringify(helpersUrl)});
      const { Rng } = await import(${JSON.stringify(rngUrl)});
      const backend = await createWebGpuBridgeBackend();
      const rng = new Rng(65);
      const gemm = TRANSPOSES.flatMap(([ta, tb]) => gemmErrorRatios(backend, ta, tb, 37, 29, 61, SCALARS, rng)[0]);
      const sigmoid = sigmoidErrorRatio(backend, 10, 33, 10, 1e-6, rng);
      parentPort.postMessage({ description: backend.description, gemm, sigmoid });
      backend.dispose();
    })().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
  `;
  const worker = new Worker(script, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('message', (message) => {
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
  });
}

describe('WebGPU bridge inside a worker thread', () => {
  it('computes correct products and sigmoids when created and called from a worker thread', async () => {
    const result = await bridgeInWorker();
    if ('error' in result) throw new Error(result.error);
    expect(result.description).toMatch(/^gpu\.js /);
    for (const ratio of result.gemm) expect(ratio, result.description).toBeLessThanOrEqual(1);
    expect(result.sigmoid, result.description).toBeLessThanOrEqual(1);
  });
});

describe("the 'gpu' backend chosen by select.ts", () => {
  it('is gpu.js on GL where a GL context exists, else WebGPU through the bridge, else the CPU fallback saying why', async () => {
    const { backend } = await createBackend('gpu');
    try {
      if (gpuAvailable().isGpu) {
        expect(backend.description).toMatch(/\(GPU\)$/);
      } else if (/webgpu \(adapter: /.test(backend.description)) {
        expect(backend.description).toMatch(/^gpu\.js \S+ webgpu/);
      } else {
        expect(backend.description).toMatch(/\(CPU fallback, no GPU\); no WebGPU adapter answered: .+/);
      }
      const c = new Float32Array(4).fill(NaN);
      backend.gemm(false, true, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), 0, c);
      expect(Array.from(c)).toEqual([17, 23, 39, 53]);
    } finally {
      backend.dispose();
    }
  });
});

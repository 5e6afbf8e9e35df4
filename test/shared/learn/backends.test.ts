/**
 * The pure-TypeScript compute backends against the float64 reference product: the js
 * backend, and gpu.js kernels in its two CPU modes ('cpu', transpiled JavaScript, and
 * 'webasm', WebAssembly SIMD) — the same kernel sources a GPU runs, checked where CI can.
 * Every transpose case, odd and degenerate shapes, slices of the paper's 100×1600×400
 * products, and α/β combinations including β = 0 over a C full of NaN.
 */
import { describe, expect, it } from 'vitest';
import type { ComputeBackend } from '../../../shared/learn/backend.js';
import { createJsBackend, referenceGemm } from '../../../shared/learn/backends/js.js';
import { createGpuJsBackend, gpuAvailable } from '../../../shared/learn/backends/gpujs.js';
import { Rng } from '../../../shared/physics/rng.js';
import {
  GEMM_SHAPES,
  SCALARS,
  TRANSPOSES,
  gemmErrorRatios,
  sigmoidErrorRatio,
} from '../../helpers/backend-conformance.js';

describe('referenceGemm', () => {
  it('computes a hand-checked 2×3·3×2 product in every transpose layout, with α and β', () => {
    // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]: A·B = [[58,64],[139,154]].
    const A = [1, 2, 3, 4, 5, 6];
    const At = [1, 4, 2, 5, 3, 6];
    const B = [7, 8, 9, 10, 11, 12];
    const Bt = [7, 9, 11, 8, 10, 12];
    for (const [ta, tb] of TRANSPOSES) {
      const c = new Float64Array([1, 1, 1, 1]);
      referenceGemm(ta, tb, 2, 2, 3, 2, ta ? At : A, tb ? Bt : B, -1, c);
      expect(Array.from(c)).toEqual([115, 127, 277, 307]);
    }
  });

  it('with β = 0 ignores NaN in C', () => {
    const c = new Float64Array([NaN]);
    referenceGemm(false, false, 1, 1, 1, 1, [3], [4], 0, c);
    expect(c[0]).toBe(12);
  });
});

/**
 * Checks a backend on every shape × transpose × (α, β) and on biasSigmoid. gpu.js skips the
 * two shapes that exist to exercise the native addon's threading (they take seconds there).
 */
function conformance(label: string, create: () => ComputeBackend, sigmoidRelTol: number, shapes = GEMM_SHAPES): void {
  describe(label, () => {
    it('matches the reference product within the float32 error bound', () => {
      const backend = create();
      const rng = new Rng(11);
      try {
        for (const [m, n, k] of shapes) {
          for (const [ta, tb] of TRANSPOSES) {
            const [ratios] = gemmErrorRatios(backend, ta, tb, m, n, k, SCALARS, rng);
            ratios.forEach((ratio, s) => {
              const [alpha, beta] = SCALARS[s];
              expect(ratio, `${m}×${n}×${k} transA=${ta} transB=${tb} α=${alpha} β=${beta}`).toBeLessThanOrEqual(1);
            });
          }
        }
      } finally {
        backend.dispose();
      }
    });

    it('biasSigmoid matches 1/(1 + e^−z) and saturates cleanly at |z| = 100', () => {
      const backend = create();
      const rng = new Rng(12);
      try {
        expect(sigmoidErrorRatio(backend, 7, 13, 20, sigmoidRelTol, rng)).toBeLessThanOrEqual(1);
        expect(sigmoidErrorRatio(backend, 100, 40, 8, sigmoidRelTol, rng)).toBeLessThanOrEqual(1);
        const x = new Float32Array([100, -100, 0]);
        backend.biasSigmoid(x, new Float32Array([0, 0, 0]), 1, 3);
        expect(x[0]).toBe(1);
        expect(x[1]).toBeGreaterThanOrEqual(0);
        expect(x[1]).toBeLessThan(1e-38);
        expect(x[2]).toBe(0.5);
      } finally {
        backend.dispose();
      }
    });
  });
}

conformance('js backend', createJsBackend, 1e-7);
const GPUJS_SHAPES = GEMM_SHAPES.filter(([m, n]) => m !== 333 && n !== 333);
conformance("gpu.js backend, 'cpu' mode", () => createGpuJsBackend({ mode: 'cpu' }), 1e-6, GPUJS_SHAPES);
conformance("gpu.js backend, 'webasm' mode", () => createGpuJsBackend({ mode: 'webasm' }), 1e-6, GPUJS_SHAPES);

describe('gpu.js backend modes', () => {
  it('says in its description which gpu.js mode runs the kernels', () => {
    for (const mode of ['cpu', 'webasm'] as const) {
      const backend = createGpuJsBackend({ mode });
      backend.gemm(false, false, 2, 2, 2, 1, new Float32Array(4), new Float32Array(4), 0, new Float32Array(4));
      expect(backend.description).toContain(`${mode} mode`);
      backend.dispose();
    }
  });

  it("refuses 'webgpu', whose kernels only return Promises", () => {
    expect(() => createGpuJsBackend({ mode: 'webgpu' })).toThrow(/asynchronous/);
  });

  it('gpuAvailable names a mode and whether it is a real GPU', () => {
    const { mode, isGpu } = gpuAvailable();
    expect(['headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu']).toContain(mode);
    expect(isGpu).toBe(['headlessgl', 'webgl2', 'webgl'].includes(mode));
  });
});

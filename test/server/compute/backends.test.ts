/**
 * The Node-only compute backends against the float64 reference product: tfjs wasm, and the
 * native C++ addon (every micro-kernel this CPU runs, one and two threads). Then backend
 * selection ('auto' measures and picks the fastest; a named backend that is unavailable
 * throws and says why), and every backend created and checked inside a worker thread — where
 * the trainer runs them.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, type ComputeBackend } from '../../../shared/learn/backend.js';
import { Rng } from '../../../shared/physics/rng.js';
import { loadNativeBackend, nativeBackendStatus } from '../../../server/compute/native-backend.js';
import { createBackend, listBackends } from '../../../server/compute/select.js';
import { createWasmBackend } from '../../../server/compute/wasm-backend.js';
import {
  GEMM_SHAPES,
  SCALARS,
  TRANSPOSES,
  gemmErrorRatios,
  sigmoidErrorRatio,
} from '../../helpers/backend-conformance.js';

/**
 * Every shape × transpose × (α, β) within the float32 bound, and biasSigmoid within relTol,
 * for each backend (sharing the reference products between them).
 */
function expectConformance(backends: ComputeBackend[], sigmoidRelTol: number, seed: number): void {
  const rng = new Rng(seed);
  for (const [m, n, k] of GEMM_SHAPES) {
    for (const [ta, tb] of TRANSPOSES) {
      gemmErrorRatios(backends, ta, tb, m, n, k, SCALARS, rng).forEach((ratios, b) => {
        ratios.forEach((ratio, s) => {
          const [alpha, beta] = SCALARS[s];
          const what = `${backends[b].description}: ${m}×${n}×${k} transA=${ta} transB=${tb} α=${alpha} β=${beta}`;
          expect(ratio, what).toBeLessThanOrEqual(1);
        });
      });
    }
  }
  for (const backend of backends) {
    expect(sigmoidErrorRatio(backend, 7, 13, 20, sigmoidRelTol, rng), backend.description).toBeLessThanOrEqual(1);
    expect(sigmoidErrorRatio(backend, 100, 1600, 8, sigmoidRelTol, rng), backend.description).toBeLessThanOrEqual(1);
  }
}

describe('wasm backend (tfjs, XNNPACK)', () => {
  it('matches the reference product and sigmoid', async () => {
    const backend = await createWasmBackend();
    expect(backend.description).toMatch(/XNNPACK, SIMD, 1 thread/);
    expectConformance([backend], 1e-6, 41);
    backend.dispose();
  });
});

const native = nativeBackendStatus();
const kernels = native.kernels ?? [];

describe.skipIf(!native.available)(`native backend${native.available ? '' : ` — skipped: ${native.reason}`}`, () => {
  it(`every micro-kernel this CPU runs (${kernels.join(', ')}), on 1 and 2 threads, matches the reference product and sigmoid`, () => {
    const backends = kernels.flatMap((kernel) => [1, 2].map((threads) => loadNativeBackend({ kernel, threads })!));
    for (const backend of backends) expect(backend.description).toMatch(/micro-kernel, [12] threads?$/);
    expectConformance(backends, 1e-6, 50);
    for (const backend of backends) backend.dispose();
  });

  it('refuses wrong argument types, too-short arrays and use after dispose, with clear errors', () => {
    const backend = loadNativeBackend({ threads: 1 })!;
    const f = new Float32Array(4);
    expect(() => backend.gemm(false, false, 2, 2, 2, 1, new Float64Array(4) as unknown as Float32Array, f, 0, f)).toThrow(
      /a must be a Float32Array/,
    );
    expect(() => backend.gemm(false, false, 3, 2, 2, 1, f, f, 0, new Float32Array(6))).toThrow(/a holds 4 floats, needs 6/);
    expect(() => backend.gemm(false, false, 2, 2, 2, 1, f, f, 0, new Float32Array(3))).toThrow(RangeError);
    expect(() => backend.gemm(false, false, -1, 2, 2, 1, f, f, 0, f)).toThrow(/non-negative integer/);
    expect(() => backend.biasSigmoid(f, new Float32Array(1), 2, 2)).toThrow(/bias is shorter/);
    expect(() => loadNativeBackend({ kernel: 'no-such-kernel' })).toThrow(/not available/);
    backend.dispose();
    expect(() => backend.gemm(false, false, 2, 2, 2, 1, f, f, 0, f)).toThrow(/disposed/);
  });
});

describe('backend selection', () => {
  it('lists every backend with its availability', () => {
    const list = listBackends();
    expect(list.map((b) => b.name).sort()).toEqual([...BACKEND_NAMES].sort());
    expect(list.find((b) => b.name === 'js')!.available).toBe(true);
    expect(list.find((b) => b.name === 'native')!.available).toBe(native.available);
  });

  it("'auto' measures every backend and returns the fastest", async () => {
    const progress: string[] = [];
    const { backend, measurements } = await createBackend('auto', { seconds: 0.05, onProgress: (m) => progress.push(m) });
    expect(measurements!.map((m) => m.name).sort()).toEqual([...BACKEND_NAMES].sort());
    const measured = measurements!.filter((m) => m.gflops !== null);
    for (const m of measured) expect(m.gflops!).toBeGreaterThan(0);
    const fastest = measured.reduce((a, b) => (b.gflops! > a.gflops! ? b : a));
    expect(backend.name).toBe(fastest.name);
    if (!native.available) expect(measurements!.find((m) => m.name === 'native')!.error).toMatch(/unavailable/);
    expect(progress.at(-1)).toBe(`backend auto: chose ${backend.name}`);
    backend.dispose();
  });

  it('a named backend that is unknown throws', async () => {
    await expect(createBackend('cuda' as never)).rejects.toThrow(/unknown compute backend 'cuda'/);
  });
});

/** Runs test/server/compute/backend-worker.ts in a Worker (through tsx) and returns its message. */
function inWorker(name: string, env?: Record<string, string>): Promise<Record<string, unknown>> {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./backend-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { name }, env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: Record<string, unknown>) => {
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
  });
}

describe('backends inside worker threads', () => {
  it('every available backend computes correct products in a Worker, several at once', async () => {
    const names = listBackends()
      .filter((b) => b.available)
      .map((b) => b.name);
    const results = await Promise.all(names.map((name) => inWorker(name)));
    results.forEach((result, i) => {
      expect(result.error, names[i]).toBeUndefined();
      expect(result.name).toBe(names[i]);
      for (const ratio of result.gemm as number[]) expect(ratio, String(result.description)).toBeLessThanOrEqual(1);
      expect(result.sigmoid as number, String(result.description)).toBeLessThanOrEqual(1);
    });
  });

  it('a named backend that is unavailable throws with the reason', async () => {
    const result = await inWorker('native', { RGFLOW_NATIVE_ADDON: '/nonexistent/rgflow_native.node' });
    expect(result.error).toMatch(/compute backend 'native' is unavailable: addon not built/);
  });
});

/**
 * The `gpu` backend's road to WebGPU. gpu.js's WebGPU kernels are asynchronous only (every call
 * returns a Promise: WebGPU has no synchronous readback), while the trainer's ComputeBackend is
 * synchronous. So the kernels run in a worker thread (webgpu-bridge-worker.ts) and every call
 * here copies its operands into SharedArrayBuffers, posts a request, and blocks in Atomics.wait
 * until the worker has written the result and woken it.
 *
 * Blocking is allowed in a worker thread (where the trainer runs) and in Node's main thread (the
 * CLI). Never use this backend on the server's event loop: while a product runs, that thread
 * serves nothing.
 *
 * Without an adapter (Dawn not loading, no GPU) the worker runs gpu.js's 'async' mode, i.e. its
 * CPU fallback behind the same bridge; `requireAdapter` refuses that instead. The protocol
 * between the two threads is declared here, once.
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../spawn-module-worker.js';
import type { ComputeBackend } from '../../shared/learn/backend.js';

/** Shared operands: A and B (inputs), C (the result), each a Float32Array's worth of floats. */
export interface BridgeBuffers {
  a: SharedArrayBuffer;
  b: SharedArrayBuffer;
  c: SharedArrayBuffer;
}

/**
 * gemm: C[0 … m·n) ← op(A)·op(B) (α and β are applied by the caller), shapes as in
 * ComputeBackend.gemm. biasSigmoid: C[0 … rows·cols) ← σ(A[r·cols + j] + B[j]).
 * `buffers` is present when the caller has grown (replaced) its shared buffers.
 */
export type BridgeRequest =
  | { type: 'gemm'; seq: number; transA: boolean; transB: boolean; m: number; n: number; k: number; buffers?: BridgeBuffers }
  | { type: 'biasSigmoid'; seq: number; rows: number; cols: number; buffers?: BridgeBuffers };

/** `mode`: the gpu.js mode the kernel ran in ('webgpu', 'headlessgl', 'webasm', 'cpu'). */
export type BridgeReply = { seq: number; ok: true; mode: string } | { seq: number; ok: false; message: string };

/** Posted once by the worker on parentPort: how it came up, or why it could not. */
export type BridgeStartup =
  | {
      type: 'ready';
      /** gpu.js's package version. */
      version: string;
      /** The mode the worker's probe kernel ran in. */
      mode: string;
      /** The WebGPU adapter kernels run on (vendor, architecture, device); null when none answered. */
      adapter: string | null;
      /** Why WebGPU is not used (Dawn failed to load, no adapter, …); null when it is. */
      reason: string | null;
    }
  | { type: 'failed'; message: string };

export interface BridgeWorkerData {
  /** The worker's end of the request/reply channel. */
  port: MessagePort;
  /** Int32Array of CONTROL_LENGTH: [CONTROL_DONE] last answered seq, [CONTROL_EXITED] 1 once exited. */
  control: SharedArrayBuffer;
}

/** A request before `call` numbers it and attaches grown buffers. */
type Unsequenced<T> = T extends unknown ? Omit<T, 'seq' | 'buffers'> : never;

export const CONTROL_DONE = 0;
export const CONTROL_EXITED = 1;
const CONTROL_LENGTH = 2;

export interface WebGpuBridgeOptions {
  /** Reject when no WebGPU adapter answers, instead of running gpu.js's CPU fallback (default false). */
  requireAdapter?: boolean;
  /** Longest wait for one call's answer, ms (default 120 000); the backend is unusable after a timeout. */
  timeoutMs?: number;
}

export interface WebGpuBridgeBackend extends ComputeBackend {
  /** The WebGPU adapter the kernels run on; null when they run in gpu.js's fallback. */
  readonly adapter: string | null;
  /** Resolves once the worker thread has exited (after dispose, or if it died). */
  readonly exited: Promise<void>;
}

/** Starts webgpu-bridge-worker (compiled JS or, under vitest/tsx, the TypeScript source). */
function spawnBridgeWorker(data: BridgeWorkerData): Worker {
  return spawnModuleWorker(import.meta.url, './webgpu-bridge-worker', { workerData: data, transferList: [data.port] });
}

/** The worker's startup message; rejects if it fails or exits first. */
function startup(worker: Worker): Promise<Extract<BridgeStartup, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage).off('error', reject).off('exit', onExit);
    };
    const onMessage = (message: BridgeStartup): void => {
      done();
      if (message.type === 'ready') resolve(message);
      else reject(new Error(`the WebGPU bridge worker failed to start: ${message.message}`));
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`the WebGPU bridge worker exited (code ${code}) before it was ready`));
    };
    worker.on('message', onMessage).once('error', reject).once('exit', onExit);
  });
}

/** A SharedArrayBuffer-backed Float32Array of at least `floats`, rounded up to 4 KiB. */
function sharedFloats(floats: number): Float32Array<SharedArrayBuffer> {
  return new Float32Array(new SharedArrayBuffer(Math.ceil(Math.max(floats, 1) / 1024) * 4096));
}

/**
 * Starts the bridge worker and resolves once its kernels are ready (a probe product has run).
 * With `requireAdapter`, rejects — naming the reason — when no WebGPU adapter answers.
 */
export async function createWebGpuBridgeBackend(options: WebGpuBridgeOptions = {}): Promise<WebGpuBridgeBackend> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_LENGTH * Int32Array.BYTES_PER_ELEMENT));
  const { port1: port, port2 } = new MessageChannel();
  const worker = spawnBridgeWorker({ port: port2, control: control.buffer });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const stop = (): void => {
    port.close();
    void worker.terminate();
  };
  let ready: Extract<BridgeStartup, { type: 'ready' }>;
  try {
    ready = await startup(worker);
  } catch (error) {
    stop();
    throw error;
  }
  if (options.requireAdapter && !ready.adapter) {
    stop();
    throw new Error(`no WebGPU adapter answered: ${ready.reason}`);
  }
  /** Why the backend can no longer be used (a worker error, a timeout, dispose); null while usable. */
  let broken: string | null = null;
  worker.on('error', (error) => {
    broken ??= `the WebGPU bridge worker failed: ${error.message}`;
  });
  worker.unref();

  let mode = ready.mode;
  let seq = 0;
  const shared = { a: sharedFloats(0), b: sharedFloats(0), c: sharedFloats(0) };
  let grown = true;

  /** Grows the shared buffers to hold at least a, b and c floats (contents are not kept). */
  function reserve(a: number, b: number, c: number): void {
    for (const [key, floats] of [['a', a], ['b', b], ['c', c]] as const) {
      if (floats > shared[key].length) {
        shared[key] = sharedFloats(floats);
        grown = true;
      }
    }
  }

  /** Posts `request` and blocks until the worker answers; throws its error as an Error. */
  function call(request: Unsequenced<BridgeRequest>): void {
    if (broken) throw new Error(broken);
    const before = Atomics.load(control, CONTROL_DONE);
    seq = seq === 0x7fffffff ? 1 : seq + 1;
    const buffers = grown ? { a: shared.a.buffer, b: shared.b.buffer, c: shared.c.buffer } : undefined;
    const message: BridgeRequest = { ...request, seq, buffers };
    port.postMessage(message);
    grown = false;
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(control, CONTROL_DONE) !== seq) {
      const left = deadline - performance.now();
      if (Atomics.load(control, CONTROL_EXITED) || left <= 0) {
        broken = Atomics.load(control, CONTROL_EXITED)
          ? 'the WebGPU bridge worker exited'
          : `the WebGPU bridge worker did not answer within ${timeoutMs} ms`;
        stop();
        throw new Error(broken);
      }
      Atomics.wait(control, CONTROL_DONE, before, left);
    }
    const reply = receiveMessageOnPort(port)?.message as BridgeReply | undefined;
    if (!reply || reply.seq !== seq) throw new Error(`the WebGPU bridge lost its reply to request ${seq}`);
    if (!reply.ok) throw new Error(reply.message);
    mode = reply.mode;
  }

  return {
    name: 'gpu',
    adapter: ready.adapter,
    exited,
    get description(): string {
      return ready.adapter
        ? `gpu.js ${ready.version} ${mode} (adapter: ${ready.adapter})`
        : `gpu.js ${ready.version} async → ${mode} (no WebGPU adapter: ${ready.reason})`;
    },
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      if (m === 0 || n === 0) return;
      const count = m * n;
      if (k === 0) {
        for (let i = 0; i < count; i++) c[i] = beta === 0 ? 0 : beta * c[i];
        return;
      }
      const sizeA = Math.max(0, m * k);
      const sizeB = Math.max(0, k * n);
      if (a.length < sizeA) throw new RangeError(`a holds ${a.length} floats, needs ${sizeA}`);
      if (b.length < sizeB) throw new RangeError(`b holds ${b.length} floats, needs ${sizeB}`);
      if (c.length < count) throw new RangeError(`c holds ${c.length} floats, needs ${count}`);
      reserve(sizeA, sizeB, Math.max(0, count));
      shared.a.set(a.subarray(0, sizeA));
      shared.b.set(b.subarray(0, sizeB));
      call({ type: 'gemm', transA, transB, m, n, k });
      const product = shared.c;
      if (alpha === 1 && beta === 0) {
        c.set(product.subarray(0, count));
      } else if (beta === 0) {
        for (let i = 0; i < count; i++) c[i] = alpha * product[i];
      } else {
        for (let i = 0; i < count; i++) c[i] = alpha * product[i] + beta * c[i];
      }
    },
    biasSigmoid(x, bias, rows, cols) {
      if (rows === 0 || cols === 0) return;
      const count = Math.max(0, rows * cols);
      if (x.length < count) throw new RangeError(`x holds ${x.length} floats, needs ${count}`);
      if (bias.length < cols) throw new RangeError(`bias holds ${bias.length} floats, needs ${cols}`);
      reserve(count, Math.max(0, cols), count);
      shared.a.set(x.subarray(0, count));
      shared.b.set(bias.subarray(0, cols));
      call({ type: 'biasSigmoid', rows, cols });
      x.set(shared.c.subarray(0, count));
    },
    dispose() {
      broken ??= 'the WebGPU bridge backend has been disposed';
      stop();
    },
  };
}

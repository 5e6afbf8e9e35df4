/**
 * The compute backend of an engine worker. 'auto' measures every backend that loads (about
 * 3 s, server/compute/select.ts) and keeps the fastest; the handle remembers the answer for the
 * process, so later workers (restarts, resets, other sessions) take it by name at once. The
 * native backend runs one thread: a session uses at most one core.
 *
 * Determinism: js sums in float64 in a fixed order, so runs and restores are bit-identical.
 * native partitions the product C by whole tiles across threads and never splits a dot
 * product, so its results do not depend on the thread count, but they do depend on the
 * micro-kernel the CPU picks (AVX-512, AVX2, portable): a checkpoint continues bit-identically
 * on the same kind of CPU only. wasm and gpu are not checked for it.
 */
import type { BackendName, ComputeBackend } from '../../shared/learn/backend.js';
import type { EngineBackend } from '../../shared/protocol/engine-events.js';
import { createBackend } from '../compute/select.js';

/** Threads of the native backend inside an engine worker. */
export const ENGINE_THREADS = 1;

/**
 * Creates the backend `setting` names; 'auto' is `resolved` when the process already measured
 * it, else measured now.
 */
export async function createEngineBackend(setting: EngineBackend, resolved?: BackendName): Promise<ComputeBackend> {
  const name = setting === 'auto' ? (resolved ?? 'auto') : setting;
  const { backend } = await createBackend(name, { threads: ENGINE_THREADS });
  return backend;
}

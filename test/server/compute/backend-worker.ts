/**
 * Test fixture, run inside a node:worker_threads Worker: creates the compute backend named
 * in workerData, checks its products and biasSigmoid against the reference, and posts
 * { name, description, gemm: worst ratios, sigmoid: worst ratio } (or { error }).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendName } from '../../../shared/learn/backend.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createBackend } from '../../../server/compute/select.js';
import { SCALARS, TRANSPOSES, gemmErrorRatios, sigmoidErrorRatio } from '../../helpers/backend-conformance.js';

const { name } = workerData as { name: BackendName };
try {
  const { backend } = await createBackend(name);
  const rng = new Rng(31);
  const gemm = TRANSPOSES.flatMap(([ta, tb]) => gemmErrorRatios(backend, ta, tb, 37, 29, 61, SCALARS, rng)[0]);
  const sigmoid = sigmoidErrorRatio(backend, 10, 33, 10, 1e-6, rng);
  parentPort!.postMessage({ name: backend.name, description: backend.description, gemm, sigmoid });
  backend.dispose();
} catch (error) {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
}

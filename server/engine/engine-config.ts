/**
 * Defaults and range checks for a live session's engine settings, applied before a worker is
 * spawned so that a bad setting fails at startup with a clear message.
 */
import { ALGORITHMS, type Algorithm } from '../../shared/physics/ising.js';
import type { EngineConfig } from '../../shared/protocol/worker-messages.js';

/** The live default session: the paper's lattice (L = 40) and coupling (K = 0.408, T ≈ 2.451). */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  algorithm: 'metropolis',
  L: 40,
  coupling: 0.408,
  seed: 1,
  frameRate: 15,
  sweepsPerSecond: 1000,
  burnInSweeps: 1000,
};

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/** Fills in defaults and checks every setting; throws a RangeError naming the bad one. */
export function resolveEngineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, ...defined };
  const { algorithm, L, coupling, seed, frameRate, sweepsPerSecond, burnInSweeps } = config;
  check((ALGORITHMS as readonly string[]).includes(algorithm), `algorithm must be one of ${ALGORITHMS.join(', ')}, got ${String(algorithm as Algorithm)}`);
  check(Number.isInteger(L) && L >= 2 && L <= 1024 && L % 2 === 0, `L must be an even integer in [2, 1024], got ${L}`);
  check(Number.isFinite(coupling) && coupling > 0, `coupling must be a positive finite number, got ${coupling}`);
  check(Number.isSafeInteger(seed) && seed >= 0, `seed must be a non-negative integer, got ${seed}`);
  check(Number.isFinite(frameRate) && frameRate >= 1 && frameRate <= 60, `frameRate must be in [1, 60] Hz, got ${frameRate}`);
  check(Number.isFinite(sweepsPerSecond) && sweepsPerSecond > 0 && sweepsPerSecond <= 1e6, `sweepsPerSecond must be in (0, 1e6], got ${sweepsPerSecond}`);
  check(Number.isSafeInteger(burnInSweeps) && burnInSweeps >= 0, `burnInSweeps must be a non-negative integer, got ${burnInSweeps}`);
  return config;
}

/**
 * Defaults and range checks for a live session's engine settings, applied before a worker is
 * spawned (and again inside it, for a reset or a checkpoint) so that a bad setting fails with a
 * clear message naming it. Ranges: ENGINE_LIMITS in shared/protocol/engine-events.ts.
 */
import { ALGORITHMS, type Algorithm } from '../../shared/physics/ising.js';
import { ENGINE_BACKENDS, ENGINE_LIMITS as LIM, type EngineSettings, type Hyperparameters } from '../../shared/protocol/engine-events.js';
import { hyperparameterSchema } from '../../shared/protocol/engine-schemas.js';
import type { EngineConfig } from '../../shared/protocol/worker-messages.js';

/**
 * The paper's architecture scaled to the lattice: layer l has side round(L/2ˡ) (at least 2),
 * l = 1, 2, 3, so each layer has ≈ ¼ of the units below — [400, 100, 25] for L = 40 — with the
 * first side lowered where n(0)·n(1) would pass ENGINE_LIMITS.maxWeights.
 */
export function defaultLayers(L: number): number[] {
  const sides: number[] = [];
  let below = L * L;
  for (let l = 1; l <= 3; l++) {
    let side = Math.max(LIM.layerSide.min, Math.round(L / 2 ** l));
    while (side > LIM.layerSide.min && below * side * side > LIM.maxWeights) side--;
    sides.push(side);
    below = side * side;
  }
  return sides.map((s) => s * s);
}

/**
 * The live default session: the paper's lattice (L = 40), coupling (K = 0.408), stack and CD
 * settings. One configuration every 25 sweepsPerTick (≈ 6 τ_int at K = 0.408, nearly
 * independent) and one minibatch per tick: the native backend sustains ≈ 39 ticks/s on one
 * core of this project's machines, i.e. ≈ 1,000 sweeps/s (the target) and ≈ 39 minibatches/s,
 * so the 5,000-configuration buffer turns over in ≈ 2 minutes after a temperature change.
 */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = Object.freeze({
  algorithm: 'metropolis',
  L: 40,
  layers: defaultLayers(40),
  learningRate: 0.1,
  l1: 2e-4,
  k: 1,
  persistent: false,
  batchSize: 100,
  bufferSize: 5_000,
  sweepsPerTick: 25,
  trainEvery: 1,
  seed: 1,
  backend: 'auto',
  coupling: 0.408,
  frameRate: 15,
  sweepsPerSecond: 1000,
  burnInSweeps: 1000,
  weightsInterval: 5,
  metricsInterval: 1,
}) as EngineConfig;

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

function integerIn(name: string, x: number, r: { min: number; max: number }): void {
  check(Number.isInteger(x) && x >= r.min && x <= r.max, `${name} must be an integer in [${r.min}, ${r.max}], got ${x}`);
}

function numberIn(name: string, x: number, r: { min: number; max: number }, unit = ''): void {
  check(Number.isFinite(x) && x >= r.min && x <= r.max, `${name} must be in [${r.min}, ${r.max}]${unit}, got ${x}`);
}

/** Throws a RangeError naming the first setting that is out of range or inconsistent. */
export function checkEngineSettings(s: EngineSettings): void {
  check((ALGORITHMS as readonly string[]).includes(s.algorithm), `algorithm must be one of ${ALGORITHMS.join(', ')}, got ${String(s.algorithm as Algorithm)}`);
  check(Number.isInteger(s.L) && s.L >= LIM.L.min && s.L <= LIM.L.max && s.L % 2 === 0, `L must be an even integer in [${LIM.L.min}, ${LIM.L.max}], got ${s.L}`);
  check(Array.isArray(s.layers) && s.layers.length >= LIM.layerCount.min && s.layers.length <= LIM.layerCount.max,
    `layers must list ${LIM.layerCount.min} to ${LIM.layerCount.max} hidden layer sizes, got ${JSON.stringify(s.layers)}`);
  let below = s.L * s.L;
  s.layers.forEach((n, l) => {
    const side = Math.round(Math.sqrt(n));
    check(Number.isInteger(n) && side * side === n && side >= LIM.layerSide.min && side <= LIM.layerSide.max,
      `layer ${l + 1} must have side² units with side in [${LIM.layerSide.min}, ${LIM.layerSide.max}] (4, 9, 16, …), got ${n}`);
    check(below * n <= LIM.maxWeights, `layer ${l + 1} would have ${below}×${n} weights, more than ${LIM.maxWeights}; choose smaller layers`);
    below = n;
  });
  numberIn('learningRate', s.learningRate, LIM.learningRate);
  numberIn('l1', s.l1, LIM.l1);
  integerIn('k', s.k, LIM.k);
  check(typeof s.persistent === 'boolean', `persistent must be true or false, got ${String(s.persistent)}`);
  integerIn('batchSize', s.batchSize, LIM.batchSize);
  integerIn('bufferSize', s.bufferSize, { min: Math.max(LIM.bufferSize.min, s.batchSize), max: LIM.bufferSize.max });
  const bytes = s.bufferSize * Math.ceil((s.L * s.L) / 8);
  check(bytes <= LIM.maxBufferBytes, `a buffer of ${s.bufferSize} configurations of ${s.L}×${s.L} takes ${bytes} bytes, more than ${LIM.maxBufferBytes}`);
  integerIn('sweepsPerTick', s.sweepsPerTick, LIM.sweepsPerTick);
  integerIn('trainEvery', s.trainEvery, LIM.trainEvery);
  check(Number.isSafeInteger(s.seed) && s.seed >= 0, `seed must be a non-negative integer, got ${s.seed}`);
  check((ENGINE_BACKENDS as readonly string[]).includes(s.backend), `backend must be one of ${ENGINE_BACKENDS.join(', ')}, got ${String(s.backend)}`);
  numberIn('frameRate', s.frameRate, LIM.frameRate, ' Hz');
  check(Number.isFinite(s.sweepsPerSecond) && s.sweepsPerSecond > 0 && s.sweepsPerSecond <= LIM.sweepsPerSecond.max,
    `sweepsPerSecond must be in (0, ${LIM.sweepsPerSecond.max}], got ${s.sweepsPerSecond}`);
  check(Number.isSafeInteger(s.burnInSweeps) && s.burnInSweeps >= 0, `burnInSweeps must be a non-negative integer, got ${s.burnInSweeps}`);
  numberIn('weightsInterval', s.weightsInterval, LIM.weightsInterval, ' s');
  numberIn('metricsInterval', s.metricsInterval, LIM.metricsInterval, ' s');
}

function defined<T extends object>(overrides: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Fills in defaults and checks every setting; throws a RangeError naming the bad one. */
export function resolveEngineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  const given = defined(overrides);
  const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, layers: defaultLayers(given.L ?? DEFAULT_ENGINE_CONFIG.L), ...given };
  checkEngineSettings(config);
  check(Number.isFinite(config.coupling) && config.coupling > 0, `coupling must be a positive finite number, got ${config.coupling}`);
  return config;
}

/** The settings a reset runs with: `changes` over `current`; a new L without layers gets defaultLayers(L). */
export function resolveResetSettings(current: EngineSettings, changes: Partial<EngineSettings> = {}): EngineSettings {
  const given = defined(changes);
  const layers = given.layers ?? (given.L !== undefined && given.L !== current.L ? defaultLayers(given.L) : current.layers);
  const settings: EngineSettings = { ...current, ...given, layers: [...layers] };
  checkEngineSettings(settings);
  return settings;
}

/** Parses a hyper-parameter change (hyperparameterSchema); throws a RangeError saying what is wrong. */
export function parseHyperparameters(input: unknown): Hyperparameters {
  const parsed = hyperparameterSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new RangeError(`invalid hyper-parameters: ${problems.join('; ')}`);
}

/** Only the fields that are settings (a config also carries the coupling). */
export function settingsOf(config: EngineConfig): EngineSettings {
  const { coupling: _coupling, ...settings } = config;
  return { ...settings, layers: [...settings.layers] };
}

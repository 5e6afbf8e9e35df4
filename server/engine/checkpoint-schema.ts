/**
 * The shape of a decoded checkpoint body (EngineStateSnapshot) and the consistency of its sizes
 * with its settings: every array the right type and length, every counter an integer, the
 * generators' states non-zero, the spins ±1. A checkpoint passes through here before any of it
 * is used, so a corrupt or foreign state is refused with a message naming the field.
 */
import { z } from 'zod';
import { ALGORITHMS } from '../../shared/physics/ising.js';
import { ENGINE_BACKENDS } from '../../shared/protocol/engine-events.js';
import { packedLength } from '../../shared/protocol/lattice-codec.js';
import { checkEngineSettings } from './engine-config.js';
import type { EngineStateSnapshot } from './live-engine.js';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const finite = z.number().refine(Number.isFinite, 'must be finite');
const f32 = z.instanceof(Float32Array);
const rngState = z.instanceof(Uint32Array).refine((s) => s.length === 4 && (s[0] | s[1] | s[2] | s[3]) !== 0, 'a generator state is 4 words, not all zero');

const runningMean = z.strictObject({ capacity: count, kept: z.instanceof(Float64Array), stride: count, count });

const schema = z.strictObject({
  settings: z.strictObject({
    algorithm: z.enum(ALGORITHMS),
    L: count,
    layers: z.array(count),
    learningRate: finite,
    l1: finite,
    k: count,
    persistent: z.boolean(),
    batchSize: count,
    bufferSize: count,
    sweepsPerTick: count,
    trainEvery: count,
    seed: count,
    backend: z.enum(ENGINE_BACKENDS),
    frameRate: finite,
    sweepsPerSecond: finite,
    burnInSweeps: count,
    weightsInterval: finite,
    metricsInterval: finite,
  }),
  tick: count,
  paused: z.boolean(),
  resets: count,
  simulation: z.strictObject({
    sampler: z.strictObject({
      algorithm: z.enum(ALGORITHMS),
      L: count,
      coupling: finite,
      field: finite,
      spins: z.instanceof(Int8Array),
      rngState,
      sweeps: count,
    }),
    burnInSweeps: count,
    sweepsSinceChange: count,
    energy: runningMean,
    absMagnetization: runningMean,
  }),
  buffer: z.strictObject({ capacity: count, sites: count, data: z.instanceof(Uint8Array), filled: count, next: count }),
  training: z.strictObject({
    trainers: z.array(
      z.strictObject({
        rbm: z.strictObject({ visible: count, hidden: count, weights: f32, visibleBias: f32, hiddenBias: f32 }),
        config: z.strictObject({
          k: count,
          persistent: z.boolean(),
          batchSize: count,
          learningRate: finite,
          momentum: z.strictObject({ initial: finite, final: finite, switchEpoch: count }),
          l1: finite,
          l2: finite,
          sampleVisible: z.boolean().optional(),
        }),
        epoch: count,
        updates: count,
        weightVelocity: f32,
        visibleBiasVelocity: f32,
        hiddenBiasVelocity: f32,
        persistentChains: f32.nullable(),
        rng: rngState,
      }),
    ),
    rng: rngState,
    minibatches: count,
    divergences: count,
    errorAverage: z.instanceof(Float64Array),
  }),
});

function need(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/** The state, typed, when its shape and sizes are consistent; otherwise a RangeError naming what is wrong. */
export function checkSnapshot(input: unknown): EngineStateSnapshot {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`${issue.path.join('.') || 'state'}: ${issue.message}`);
  }
  const s = parsed.data;
  const { settings, simulation, buffer, training } = s;
  checkEngineSettings(settings);
  const sites = settings.L * settings.L;
  const { sampler } = simulation;
  need(sampler.L === settings.L && sampler.algorithm === settings.algorithm, 'the sampler does not match the settings');
  need(sampler.spins.length === sites && sampler.spins.every((x) => x === 1 || x === -1), `the lattice must hold ${sites} spins ±1`);
  for (const mean of [simulation.energy, simulation.absMagnetization]) {
    need(mean.capacity >= 64 && mean.capacity % 2 === 0 && mean.kept.length < mean.capacity && mean.stride >= 1, 'an estimate is inconsistent');
  }
  need(buffer.capacity === settings.bufferSize && buffer.sites === sites, 'the buffer does not match the settings');
  need(buffer.data.length === buffer.capacity * packedLength(sites) && buffer.filled <= buffer.capacity && buffer.next < buffer.capacity, 'the buffer is inconsistent');
  const sizes = [sites, ...settings.layers];
  need(training.trainers.length === settings.layers.length && training.errorAverage.length === settings.layers.length, 'the network does not match the settings');
  training.trainers.forEach((t, l) => {
    const { rbm, config } = t;
    const [nv, nh] = [sizes[l], sizes[l + 1]];
    need(rbm.visible === nv && rbm.hidden === nh, `layer ${l + 1} is ${rbm.visible}×${rbm.hidden}, the settings say ${nv}×${nh}`);
    need(rbm.weights.length === nv * nh && t.weightVelocity.length === nv * nh, `layer ${l + 1}: weights or velocities have the wrong length`);
    need(rbm.visibleBias.length === nv && t.visibleBiasVelocity.length === nv && rbm.hiddenBias.length === nh && t.hiddenBiasVelocity.length === nh,
      `layer ${l + 1}: biases or their velocities have the wrong length`);
    need(config.batchSize === settings.batchSize && config.k === settings.k && config.persistent === settings.persistent &&
      config.learningRate === settings.learningRate && config.l1 === settings.l1, `layer ${l + 1}: training settings differ from the run's`);
    need(t.persistentChains === null || t.persistentChains.length === config.batchSize * nh, `layer ${l + 1}: persistent chains have the wrong length`);
  });
  return s as EngineStateSnapshot;
}

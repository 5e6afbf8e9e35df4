/**
 * The engine's state as a function of the tick counter, in-process with the deterministic js
 * backend (and native where it is built): training visibly progresses, frames carry every
 * layer and never disturb the run, snapshot → restore → continue equals the uninterrupted run
 * bit for bit (commands included), a reset restarts from the seed, hyper-parameter changes take
 * effect, a diverged network is re-initialized, and the weights and metrics say what they mean.
 */
import { describe, expect, it } from 'vitest';
import type { ComputeBackend } from '../../../shared/learn/backend.js';
import { createJsBackend } from '../../../shared/learn/backends/js.js';
import { decimationFlow } from '../../../shared/physics/exact/chain1d.js';
import { kaufmanExact } from '../../../shared/physics/exact/kaufman.js';
import type { EngineSettings } from '../../../shared/protocol/engine-events.js';
import { asBytes, packedLength, unpackLattice } from '../../../shared/protocol/lattice-codec.js';
import { asInt8, dequantize } from '../../../shared/protocol/weights-codec.js';
import { loadNativeBackend, nativeBackendStatus } from '../../../server/compute/native-backend.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../../server/engine/engine-checkpoint.js';
import { resolveEngineConfig, settingsOf } from '../../../server/engine/engine-config.js';
import { LiveEngine } from '../../../server/engine/live-engine.js';

const js = createJsBackend();
const NO_RATES = { sweepsPerSecond: 0, minibatchesPerSecond: 0, ticksPerSecond: 0 };

/** L = 8, 64-16-4, minibatches of 50 from a buffer of 1000, one minibatch per tick of 5 sweeps. */
function smallSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  return settingsOf(resolveEngineConfig({ L: 8, layers: [16, 4], batchSize: 50, bufferSize: 1000, sweepsPerTick: 5, backend: 'js', seed: 3, ...overrides }));
}

function run(engine: LiveEngine, ticks: number): LiveEngine {
  for (let t = 0; t < ticks; t++) engine.advance();
  return engine;
}

function bytesOf(engine: LiveEngine): Buffer {
  return Buffer.from(encodeCheckpoint(engine.snapshot()));
}

describe('LiveEngine training', () => {
  it('lowers layer 1’s reconstruction error over a few hundred minibatches (L = 8, 64-16-4)', () => {
    const engine = new LiveEngine(smallSettings(), 0.408, js);
    run(engine, 120);
    const early = engine.metrics([], NO_RATES).training[0].reconstructionError!;
    run(engine, 500);
    const metrics = engine.metrics([], NO_RATES);
    const late = metrics.training[0].reconstructionError!;
    expect(metrics.minibatches).toBe(620 - 49); // training starts once the buffer holds a minibatch (tick 50)
    expect(late).toBeLessThan(0.75 * early);
    expect(metrics.training[1].reconstructionError).not.toBeNull();
    expect(metrics.training[0].weightNorm).toBeGreaterThan(1);
  });

  it('trains once every trainEvery ticks, each tick sweeping sweepsPerTick times', () => {
    const engine = run(new LiveEngine(smallSettings({ trainEvery: 4, sweepsPerTick: 3 }), 0.3, js), 400);
    expect(engine.sweeps).toBe(1200);
    expect(engine.minibatches).toBe(100 - 12); // ticks 4, 8, …, 400, from tick 52 on (buffer ≥ 50)
  });
});

describe('LiveEngine frames', () => {
  it('carries the lattice and the sampled hidden states of every layer with their sizes', () => {
    const settings = smallSettings({ L: 10, layers: [25, 9, 4] });
    const engine = run(new LiveEngine(settings, 0.3, js), 80);
    const { frame, correlations } = engine.frame(123);
    expect(frame.tick).toBe(80);
    expect(frame.paused).toBe(false);
    expect(frame.sweepsPerSecond).toBe(123);
    expect(unpackLattice(asBytes(frame.lattice), 100).every((s) => s === 1 || s === -1)).toBe(true);
    expect(frame.layers.map((l) => [l.units, l.side, asBytes(l.states).length])).toEqual([
      [25, 5, packedLength(25)],
      [9, 3, packedLength(9)],
      [4, 2, packedLength(4)],
    ]);
    expect(correlations).toHaveLength(4);
    for (const c of correlations) expect(Math.abs(c)).toBeLessThanOrEqual(1);
  });

  it('draws a frame’s hidden states from a generator of (seed, tick): the same tick gives the same frame, and the run is undisturbed', () => {
    const a = run(new LiveEngine(smallSettings(), 0.408, js), 60);
    const b = run(new LiveEngine(smallSettings(), 0.408, js), 60);
    const first = a.frame(0).frame;
    for (let i = 0; i < 5; i++) a.frame(0);
    expect(a.frame(0).frame).toEqual(first);
    expect(bytesOf(a).equals(bytesOf(b))).toBe(true);
  });
});

describe('LiveEngine snapshot and restore', () => {
  it('restored at tick 70 and run to tick 160 equals the uninterrupted run at tick 160, bit for bit, commands included', () => {
    const script = (engine: LiveEngine): void => {
      if (engine.tick === 30) engine.setCoupling(0.5);
      if (engine.tick === 100) engine.setHyperparameters({ k: 2, learningRate: 0.05, persistent: true });
      if (engine.tick === 130) engine.setHyperparameters({ algorithm: 'wolff' });
    };
    const step = (engine: LiveEngine, until: number): void => {
      while (engine.tick < until) {
        script(engine);
        engine.advance();
      }
    };
    const straight = new LiveEngine(smallSettings(), 0.35, js);
    step(straight, 160);

    const first = new LiveEngine(smallSettings(), 0.35, js);
    step(first, 70);
    const restored = LiveEngine.fromSnapshot(decodeCheckpoint(encodeCheckpoint(first.snapshot())), js);
    step(restored, 160);

    const [x, y] = [straight.snapshot(), restored.snapshot()];
    expect(y.tick).toBe(160);
    expect(y.simulation.sampler.spins).toEqual(x.simulation.sampler.spins);
    expect(y.simulation.sampler.rngState).toEqual(x.simulation.sampler.rngState);
    expect(y.training.rng).toEqual(x.training.rng);
    y.training.trainers.forEach((t, l) => {
      expect(t.rbm.weights).toEqual(x.training.trainers[l].rbm.weights);
      expect(t.weightVelocity).toEqual(x.training.trainers[l].weightVelocity);
      expect(t.persistentChains).toEqual(x.training.trainers[l].persistentChains);
    });
    expect(y.settings).toMatchObject({ algorithm: 'wolff', k: 2, learningRate: 0.05, persistent: true });
    expect(bytesOf(restored).equals(bytesOf(straight))).toBe(true);
  });

  it('a reset restarts from the seed: the same state as a new engine at the coupling in force', () => {
    const engine = run(new LiveEngine(smallSettings(), 0.3, js), 90);
    engine.setCoupling(0.45);
    engine.paused = true;
    engine.reset(smallSettings());
    const fresh = new LiveEngine(smallSettings(), 0.45, js);
    expect(engine.tick).toBe(0);
    expect(engine.paused).toBe(false);
    expect(engine.resets).toBe(1);
    fresh.resets = 1;
    run(engine, 80);
    run(fresh, 80);
    expect(bytesOf(engine).equals(bytesOf(fresh))).toBe(true);
  });

  it('re-initializes a network that turned NaN, counts it and keeps the run going', () => {
    const snapshot = run(new LiveEngine(smallSettings(), 0.408, js), 60).snapshot();
    snapshot.training.trainers[0].rbm.weights[5] = Number.NaN;
    const engine = LiveEngine.fromSnapshot(snapshot, js);
    run(engine, 3);
    expect(engine.metrics([], NO_RATES).divergences).toBe(1);
    expect(engine.takeWarnings()[0]).toMatch(/diverged in layer 1.*re-initialized/);
    expect(engine.snapshot().training.trainers[0].rbm.weights.every(Number.isFinite)).toBe(true);
  });
});

describe('LiveEngine weights and metrics', () => {
  it('quantizes every layer within scale/2 and sends receptive fields r(l) for l ≥ 2', () => {
    const settings = smallSettings({ L: 10, layers: [25, 9, 4] });
    const engine = run(new LiveEngine(settings, 0.408, js), 150);
    const weights = engine.weights();
    const exact = engine.snapshot().training.trainers.map((t) => t.rbm);
    expect(weights.tick).toBe(150);
    expect(weights.layers.map((l) => [l.visible, l.hidden])).toEqual([[100, 25], [25, 9], [9, 4]]);
    weights.layers.forEach((layer, l) => {
      const back = dequantize(asInt8(layer.weights), layer.scale);
      let worst = 0;
      back.forEach((w, i) => (worst = Math.max(worst, Math.abs(w - exact[l].weights[i]))));
      expect(worst).toBeLessThanOrEqual(layer.scale / 2 + 1e-7);
      expect(layer.hiddenBias).toEqual(exact[l].hiddenBias);
    });
    expect(weights.receptiveFields.map((f) => [f.layer, f.units, asInt8(f.values).length])).toEqual([[2, 9, 900], [3, 4, 400]]);
  });

  it('reports the exact references: Kaufman’s e at this L, the 1D decimation flow, one coupling per layer', () => {
    const engine = run(new LiveEngine(smallSettings(), 0.408, js), 300);
    const couplings = [0, 1, 2].map(() => ({ kEff: null, err: null, correlation: null, frames: 0 }));
    const m = engine.metrics(couplings, NO_RATES);
    expect(m.energy.exact).toBe(kaufmanExact(8, 8, 0.408).energyPerSite);
    expect(m.energy.samples).toBe(1500 - 1000);
    expect(m.energy.mean).not.toBeNull();
    expect(m.exactFlow1d).toEqual(Array.from(decimationFlow(0.408, 2)));
    expect(m.couplingTrajectory.map((c) => c.layer)).toEqual([0, 1, 2]);
    expect(m.epochEquivalent).toBeCloseTo((m.minibatches * 50) / 1000, 12);
  });
});

const native = nativeBackendStatus();

describe.skipIf(!native.available)('LiveEngine on the native backend', () => {
  it('gives the same bits with 1 and 2 threads, and a restore continues bit for bit', () => {
    const one = loadNativeBackend({ threads: 1 }) as ComputeBackend;
    const two = loadNativeBackend({ threads: 2 }) as ComputeBackend;
    try {
      const settings = smallSettings({ L: 16, layers: [64, 16, 4], backend: 'native', batchSize: 100 });
      const a = run(new LiveEngine(settings, 0.408, one), 200);
      const b = run(new LiveEngine(settings, 0.408, two), 200);
      expect(bytesOf(a).equals(bytesOf(b))).toBe(true);
      const restored = LiveEngine.fromSnapshot(decodeCheckpoint(encodeCheckpoint(a.snapshot())), two);
      expect(bytesOf(run(restored, 50)).equals(bytesOf(run(a, 50)))).toBe(true);
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});

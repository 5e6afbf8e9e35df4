/**
 * The engine handle with a real worker thread (js backend, L = 8, 64-16-4): frames carry every
 * layer, weights and metrics arrive at their rates; pause stops the ticks while frames go on
 * with `paused: true`, resume continues; a checkpoint restored in a new worker and stepped
 * equals the original stepped the same number of ticks, byte for byte; a corrupt checkpoint is
 * refused at start; invalid hyper-parameters and reset settings are rejected and change nothing;
 * a reset restarts from the seed with new settings; a crashed worker resumes from the last
 * checkpoint with the temperature applied since.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineSettings, FramePayload, MetricsPayload, WeightsPayload } from '../../../shared/protocol/engine-events.js';
import { asBytes, packedLength } from '../../../shared/protocol/lattice-codec.js';
import { resolveEngineConfig } from '../../../server/engine/engine-config.js';
import { EngineCommandError, SessionEngine } from '../../../server/engine/session-engine.js';
import { delay } from '../../helpers/live-client.js';

const engines: SessionEngine[] = [];

function config(overrides: Partial<EngineSettings> = {}) {
  return resolveEngineConfig({
    L: 8, layers: [16, 4], batchSize: 50, bufferSize: 1000, sweepsPerTick: 5, backend: 'js', seed: 3,
    frameRate: 20, sweepsPerSecond: 5000, weightsInterval: 0.5, metricsInterval: 0.2, ...overrides,
  });
}

async function started(overrides: Partial<EngineSettings> = {}, restore?: Uint8Array): Promise<SessionEngine> {
  const engine = new SessionEngine(config(overrides), { log: () => undefined, restartDelayMs: 50, restore });
  engines.push(engine);
  await engine.start();
  return engine;
}

function collect<E extends 'frame' | 'weights' | 'metrics'>(engine: SessionEngine, event: E, ms: number) {
  type Payload = { frame: FramePayload; weights: WeightsPayload; metrics: MetricsPayload }[E];
  const seen: Payload[] = [];
  const listener = (payload: Payload): void => void seen.push(payload);
  engine.on(event, listener as never);
  return delay(ms).then(() => {
    engine.off(event, listener as never);
    return seen;
  });
}

function nextFrame(engine: SessionEngine): Promise<FramePayload> {
  return new Promise((resolve) => engine.once('frame', resolve));
}

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

describe('SessionEngine with training', () => {
  it('sends frames with every layer, weights every 0.5 s and metrics every 0.2 s', async () => {
    const engine = await started();
    const [frames, weights, metrics] = await Promise.all([
      collect(engine, 'frame', 2000),
      collect(engine, 'weights', 2000),
      collect(engine, 'metrics', 2000),
    ]);
    // Frames flow (20 Hz asked; a loaded machine delivers fewer, so only a floor well below the rate).
    expect(frames.length).toBeGreaterThanOrEqual(10);
    expect(weights.length).toBeGreaterThanOrEqual(3);
    expect(weights.length).toBeLessThanOrEqual(5);
    expect(metrics.length).toBeGreaterThanOrEqual(8);
    expect(metrics.length).toBeLessThanOrEqual(11);
    const frame = frames[frames.length - 1];
    expect(frame.layers.map((l) => [l.units, l.side, asBytes(l.states).length])).toEqual([[16, 4, packedLength(16)], [4, 2, packedLength(4)]]);
    expect(frame.tick).toBeGreaterThan(frames[0].tick);
    expect(weights[0].layers.map((l) => [l.visible, l.hidden])).toEqual([[64, 16], [16, 4]]);
    const last = metrics[metrics.length - 1];
    expect(last.minibatches).toBeGreaterThan(0);
    expect(last.couplingTrajectory).toHaveLength(3);
    expect(last.couplingTrajectory[0].kEff).not.toBeNull();
    expect(last.rates.ticksPerSecond).toBeGreaterThan(0);
    expect(engine.latestWeights).not.toBeNull();
    expect(engine.latestMetrics).toBe(last);
  });

  it('pauses: no more ticks, frames go on with paused: true; resume continues', async () => {
    const engine = await started();
    const control = await engine.pause();
    expect(control.paused).toBe(true);
    const frames = await collect(engine, 'frame', 500);
    expect(frames.length).toBeGreaterThanOrEqual(5);
    for (const f of frames) expect(f).toMatchObject({ paused: true, tick: control.tick });
    expect(asBytes(frames[0].layers[0].states)).toEqual(asBytes(frames[frames.length - 1].layers[0].states));
    const resumed = await engine.resume();
    expect(resumed.paused).toBe(false);
    await delay(300);
    const after = await nextFrame(engine);
    expect(after.paused).toBe(false);
    expect(after.tick).toBeGreaterThan(control.tick);
  });

  it('restores a checkpoint in a new worker that continues bit for bit (step 40 ticks on both)', async () => {
    const original = await started();
    await delay(400);
    const paused = await original.pause();
    const checkpoint = await original.checkpoint();
    expect(checkpoint.tick).toBe(paused.tick);
    await original.step(40);
    const expected = await original.checkpoint();

    const restored = await started({}, checkpoint.state);
    expect(restored.control).toMatchObject({ tick: paused.tick, paused: true });
    const stepped = await restored.step(40);
    expect(stepped.tick).toBe(paused.tick + 40);
    const actual = await restored.checkpoint();
    expect(actual.tick).toBe(expected.tick);
    expect(Buffer.from(actual.state).equals(Buffer.from(expected.state))).toBe(true);
  });

  it('refuses a corrupt checkpoint at start, saying so, without restarting', async () => {
    const engine = await started();
    const { state } = await engine.checkpoint();
    const corrupt = state.slice();
    corrupt[corrupt.length >> 1] ^= 0xff;
    const broken = new SessionEngine(config(), { log: () => undefined, restore: corrupt });
    engines.push(broken);
    await expect(broken.start()).rejects.toThrow(/checkpoint is corrupt: checksum mismatch/);
    expect(broken.engineStatus).toBe('stopped');
  });

  it('applies valid hyper-parameters at a tick boundary and rejects invalid ones without a change', async () => {
    const engine = await started();
    await expect(engine.setHyperparameters({ learningRate: 2 })).rejects.toBeInstanceOf(EngineCommandError);
    await expect(engine.setHyperparameters({ k: 1.5 })).rejects.toThrow(/k/);
    await expect(engine.setHyperparameters({ momentum: 0.5 } as never)).rejects.toThrow(/unrecognized|momentum/i);
    await expect(engine.setHyperparameters({})).rejects.toThrow(/at least one/);
    expect(engine.control?.settings).toMatchObject({ learningRate: 0.1, k: 1, algorithm: 'metropolis' });
    const control = await engine.setHyperparameters({ learningRate: 0.02, k: 3, persistent: true, algorithm: 'wolff' });
    expect(control.settings).toMatchObject({ learningRate: 0.02, k: 3, persistent: true, algorithm: 'wolff' });
    const { state } = await engine.checkpoint();
    expect(state.length).toBeGreaterThan(0);
    const before = (await nextFrame(engine)).tick;
    await delay(300);
    expect((await nextFrame(engine)).tick).toBeGreaterThan(before);
  });

  it('resets to tick 0 from the seed, with a new lattice size and the default layers for it; rejects bad settings', async () => {
    const engine = await started();
    await delay(200);
    await expect(engine.reset({ L: 9 })).rejects.toThrow(/L must be an even integer/);
    await expect(engine.reset({ layers: [15] })).rejects.toThrow(/side²/);
    const control = await engine.reset({ L: 12 });
    expect(control).toMatchObject({ tick: 0, resets: 1, paused: false });
    expect(control.settings.layers).toEqual([36, 9, 4]);
    const frame = await nextFrame(engine);
    expect(asBytes(frame.lattice).length).toBe(packedLength(144));
    expect(frame.layers.map((l) => l.units)).toEqual([36, 9, 4]);
    expect(engine.config).toMatchObject({ L: 12, coupling: 0.408 });
  });

  it('restarts a crashed worker from the last checkpoint, with the temperature applied since', async () => {
    const engine = await started();
    await delay(300);
    const paused = await engine.pause();
    await engine.checkpoint();
    await engine.setTemperature(3, 'someone');
    await expect(engine.setTemperature(0, null)).rejects.toThrow(); // K = ∞ kills the worker
    const frame = await nextFrame(engine);
    expect(engine.engineStatus).toBe('running');
    expect(frame).toMatchObject({ tick: paused.tick, paused: true, coupling: 1 / 3 });
    expect(engine.control).toMatchObject({ tick: paused.tick, paused: true });
  });
});

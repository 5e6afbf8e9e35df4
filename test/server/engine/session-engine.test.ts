/**
 * The engine handle with a real worker thread: frames are numbered without gaps in order,
 * a temperature change is confirmed by the worker before it is reported, a crash inside the
 * worker is logged and followed by a restart that keeps the applied temperature and the
 * increasing seq, a worker that cannot start fails start() instead of restarting forever, and
 * bad settings are refused before any worker is spawned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveEngineConfig } from '../../../server/engine/engine-config.js';
import { EngineUnavailableError, SessionEngine, type EngineStatus } from '../../../server/engine/session-engine.js';
import type { FramePayload } from '../../../shared/protocol/events.js';
import { delay } from '../../helpers/live-client.js';

const engines: SessionEngine[] = [];

function engine(logLines: string[], overrides = {}): SessionEngine {
  const config = { ...resolveEngineConfig({ L: 16, frameRate: 20, sweepsPerSecond: 500, seed: 11 }), ...overrides };
  const created = new SessionEngine(config, { log: (line) => logLines.push(line), restartDelayMs: 50 });
  engines.push(created);
  return created;
}

function frames(source: SessionEngine, count: number): Promise<FramePayload[]> {
  return new Promise((resolve) => {
    const seen: FramePayload[] = [];
    const onFrame = (frame: FramePayload): void => {
      seen.push(frame);
      if (seen.length < count) return;
      source.off('frame', onFrame);
      resolve(seen);
    };
    source.on('frame', onFrame);
  });
}

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

describe('SessionEngine', () => {
  it('numbers frames 1, 2, 3, … and keeps the latest as the snapshot', async () => {
    const live = engine([]);
    await live.start();
    const seen = await frames(live, 4);
    const seqs = seen.map((f) => f.seq);
    expect(seqs).toEqual([seqs[0], seqs[0] + 1, seqs[0] + 2, seqs[0] + 3]);
    expect(live.latestFrame).toBe(seen[3]);
  });

  it('reports a temperature only once the worker has applied it, and frames follow', async () => {
    const live = engine([]);
    await live.start();
    const announced: number[] = [];
    live.on('temperature', (t) => announced.push(t.temperature));
    const applied = await live.setTemperature(2, 'someone');
    expect(applied).toEqual({ temperature: 2, coupling: 0.5, changedBy: 'someone' });
    expect(announced).toEqual([2]);
    const [next] = await frames(live, 1);
    expect(next.coupling).toBe(0.5);
    expect(next.exact.spontaneousMagnetization).toBeGreaterThan(0.9);
  });

  it('logs a crash inside the worker, restarts it with the applied temperature, and seq keeps increasing', async () => {
    const logLines: string[] = [];
    const live = engine(logLines);
    await live.start();
    await live.setTemperature(3, null);
    const [before] = await frames(live, 1);
    const statuses: EngineStatus[] = [];
    live.on('status', (status) => statuses.push(status));

    // T = 0 means K = ∞: the sampler throws inside the worker (the realtime layer never sends it).
    await expect(live.setTemperature(0, null)).rejects.toBeInstanceOf(EngineUnavailableError);
    const [after] = await frames(live, 1);

    expect(statuses).toEqual(['restarting', 'running']);
    expect(after.seq).toBeGreaterThan(before.seq);
    expect(after.coupling).toBe(1 / 3);
    expect(live.temperature.temperature).toBe(3);
    expect(logLines.some((line) => line.includes('simulation failed') && line.includes('finite'))).toBe(true);
    expect(logLines.some((line) => line.includes('restarting in'))).toBe(true);
  });

  it('refuses commands while stopped and sends no frames after close()', async () => {
    const live = engine([]);
    await live.start();
    await live.close();
    let late = 0;
    live.on('frame', () => late++);
    await delay(200);
    expect(late).toBe(0);
    expect(live.engineStatus).toBe('stopped');
    await expect(live.setTemperature(2, null)).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it('fails start() when the worker dies before it is ready, without restarting', async () => {
    const logLines: string[] = [];
    const broken = engine(logLines, { L: 3 });
    await expect(broken.start()).rejects.toThrow(/even/);
    await delay(200);
    expect(broken.engineStatus).toBe('stopped');
    expect(logLines.some((line) => line.includes('restarting'))).toBe(false);
  });
});

describe('resolveEngineConfig', () => {
  it('fills in the paper’s defaults: L = 40, K = 0.408, 15 frames/s, 1000 sweeps/s', () => {
    expect(resolveEngineConfig()).toMatchObject({ L: 40, coupling: 0.408, frameRate: 15, sweepsPerSecond: 1000, algorithm: 'metropolis', seed: 1 });
    expect(resolveEngineConfig({ L: undefined, seed: 5 })).toMatchObject({ L: 40, seed: 5 });
  });

  it.each([
    ['an odd L', { L: 41 }],
    ['a fractional L', { L: 40.5 }],
    ['a negative coupling', { coupling: -0.1 }],
    ['a NaN coupling', { coupling: Number.NaN }],
    ['a frame rate of 0', { frameRate: 0 }],
    ['a frame rate above 60', { frameRate: 120 }],
    ['an infinite sweep rate', { sweepsPerSecond: Number.POSITIVE_INFINITY }],
    ['an unknown algorithm', { algorithm: 'heat-bath' as never }],
    ['a negative seed', { seed: -1 }],
  ])('rejects %s', (_what, overrides) => {
    expect(() => resolveEngineConfig(overrides)).toThrow(RangeError);
  });
});

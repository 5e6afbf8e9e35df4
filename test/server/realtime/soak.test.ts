/**
 * Soak (RELIABILITY.md, test 9, the assertion half; `rgflow bench serve` reports the figures):
 * 200 clients in one session (15 frames/s, the default rate) for 30 s, server and clients in
 * this process.
 * - No disconnect on either side, and every client received frames in every 5 s slice of the
 *   soak, at least half of what the engine produced overall.
 * - Memory flat: after a forced full GC, the JS heap (heapUsed) and the memory of Buffers
 *   (arrayBuffers) at the end exceed their values at the 1/3 point by less than 2 MB each.
 *   Between the two, ≈ 20 s × 13–15 frames/s × 200 clients ≈ 55,000 frames are delivered, so
 *   anything of ≥ 40 bytes kept per delivered frame (a listener, a closure, a decoded payload,
 *   a queued packet) fails it: keeping a `{ seq, temperature }` per delivered frame grew the
 *   heap by 3.6 MB in a trial. The legitimate growth (the recovery buffer keeps the reliable
 *   broadcasts of the last 2 min, a metrics packet a second; JIT code) measured 0.1–0.2 MB.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FramePayload } from '../../../shared/protocol/events.js';
import { delay, nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { startTestApp, type TestApp } from '../../helpers/session-app.js';

const CLIENTS = 200;
const SOAK_MS = 30_000;
const SLICE_MS = 5_000;
const GROWTH_BOUND_MB = 2;

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.close();
});

/** A full garbage collection (V8's `gc`, reached without --expose-gc on the command line). */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledMemory(gc: () => void): Promise<{ heapUsed: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await delay(20);
  }
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed: heapUsed / 2 ** 20, arrayBuffers: arrayBuffers / 2 ** 20 };
}

describe('200 clients for 30 s', () => {
  it('keep receiving frames without a disconnect, and memory stays flat', async () => {
    const gc = collectGarbage();
    const engine = app.server.engine;
    const crowd: LiveClient[] = [];
    for (let start = 0; start < CLIENTS; start += 50) {
      const wave = Array.from({ length: Math.min(50, CLIENTS - start) }, (_, i) => app.client({ auth: { nickname: `soak ${start + i}` } }));
      crowd.push(...wave);
      await Promise.all(wave.map((client) => nextEvent(client, 'welcome', 20_000)));
    }
    let serverDisconnects = 0;
    for (const socket of app.server.io.of('/').sockets.values()) socket.on('disconnect', () => serverDisconnects++);
    expect(app.server.io.of('/').sockets.size).toBe(CLIENTS);
    await delay(2_000);

    const slices = Math.round(SOAK_MS / SLICE_MS);
    const perSlice = crowd.map(() => new Uint32Array(slices));
    const clientDisconnects: string[] = [];
    let produced = 0;
    let slice = 0;
    const onProduced = (): void => void produced++;
    engine.on('frame', onProduced);
    crowd.forEach((client, i) => {
      client.on('frame', (_frame: FramePayload) => void perSlice[i]![Math.min(slice, slices - 1)]!++);
      client.on('disconnect', (reason) => clientDisconnects.push(reason));
    });

    const start = performance.now();
    const memory: { atS: number; heapUsed: number; arrayBuffers: number }[] = [];
    const at = async (ms: number): Promise<void> => {
      while (performance.now() - start < ms) {
        await delay(Math.min(100, Math.max(1, ms - (performance.now() - start))));
        slice = Math.floor((performance.now() - start) / SLICE_MS);
      }
    };
    for (const point of [SOAK_MS / 3, (2 * SOAK_MS) / 3, SOAK_MS]) {
      await at(point);
      memory.push({ atS: Math.round(point / 1000), ...(await settledMemory(gc)) });
    }
    slice = slices; // frames after the soak count in no slice
    engine.off('frame', onProduced);

    const [third, , end] = memory as [(typeof memory)[0], (typeof memory)[0], (typeof memory)[0]];
    const totals = perSlice.map((counts) => counts.reduce((a, b) => a + b, 0));
    const starved = perSlice.map((counts, i) => ({ i, counts: [...counts] })).filter(({ counts }) => counts.some((n) => n === 0));
    const fewest = Math.min(...totals);

    expect(clientDisconnects).toEqual([]);
    expect(serverDisconnects).toBe(0);
    expect(crowd.every((client) => client.connected)).toBe(true);
    expect(produced).toBeGreaterThanOrEqual((SOAK_MS / 1000) * 2);
    expect(starved).toEqual([]);
    expect(fewest).toBeGreaterThanOrEqual(0.5 * produced);
    expect(end.heapUsed - third.heapUsed).toBeLessThan(GROWTH_BOUND_MB);
    expect(end.arrayBuffers - third.arrayBuffers).toBeLessThan(GROWTH_BOUND_MB);
    console.log(
      `soak: ${CLIENTS} clients × ${SOAK_MS / 1000} s, engine produced ${produced} frames, each client received ${fewest}–${Math.max(...totals)}; ` +
        `heapUsed after GC ${memory.map((m) => `${m.heapUsed.toFixed(2)} MB @${m.atS} s`).join(', ')}; ` +
        `arrayBuffers ${memory.map((m) => `${m.arrayBuffers.toFixed(2)} MB`).join(', ')}`,
    );
  });
});

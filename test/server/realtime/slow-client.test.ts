/**
 * Slow client (RELIABILITY.md, test 10): a client that stops reading its socket. It subscribes to
 * weight snapshots (≈ 1.4 MB each here, every 0.5 s: the heaviest stream a client can ask for), so
 * the kernel's socket buffers (several MB on loopback) fill within seconds and the backpressure
 * reaches the server process (frames alone, a few kB/s, would take many minutes); then, for a
 * 6 s window:
 * - the bytes the server holds for that connection (engine.io's write buffer plus what the
 *   WebSocket has not yet handed to the kernel) stay under 4 MB and stop growing (≤ 64 kB more
 *   in the window's second half than in its first: only the reliable events queue, a metrics
 *   packet a second), although several times that was broadcast to its rooms meanwhile — frames
 *   and weights are volatile and dropped for a connection that is not writable;
 * - a normal client of the same session receives at least 90 % of the frames the engine produced
 *   meanwhile, and a fast weights subscriber keeps getting snapshots.
 * When the slow client reads again it is still connected with the same id, gets every reliable
 * `metrics` broadcast of its stall (queued, not dropped), then live frames again, and answers a
 * ping; of the frames and snapshots of its stall it got only a fraction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsPayload, WeightsPayload } from '../../../shared/protocol/engine-events.js';
import type { FramePayload } from '../../../shared/protocol/events.js';
import { delay, nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { record, startTestApp, waitFor, type TestApp } from '../../helpers/session-app.js';

/** Most bytes the server may hold for the stalled connection. */
const BOUND_BYTES = 4 * 2 ** 20;
/** Most the held bytes may grow from the window's first half to its second. */
const GROWTH_BYTES = 64 * 2 ** 10;
const WINDOW_MS = 6000;

let app: TestApp;
let session: { id: string; code: string; hostToken: string };

beforeAll(async () => {
  app = await startTestApp();
  // L = 40 under a 900-unit layer: weights ≈ 1.4 MB, a snapshot every 0.5 s; a small second layer and light training
  // keep the worker's cost per snapshot (receptive fields) low, so the engine keeps most of its frame rate
  session = await app.createSession({ name: 'Slow client', engine: { L: 40, layers: [900, 4], weightsInterval: 0.5, sweepsPerSecond: 200, trainEvery: 20 } });
});

afterAll(async () => {
  await app?.close();
});

/** The client's TCP socket (socket.io-client → engine.io-client → ws → net.Socket). */
function tcpSocketOf(client: LiveClient): { pause(): void; resume(): void } {
  const transport = client.io.engine.transport as unknown as { name: string; ws?: { _socket?: { pause(): void; resume(): void } } };
  const socket = transport.ws?._socket;
  if (transport.name !== 'websocket' || !socket) throw new Error('expected a WebSocket transport over a Node socket');
  return socket;
}

interface ServerConnection {
  writeBuffer: { data?: unknown }[];
  transport: { writable: boolean; socket: { bufferedAmount: number } };
}

/** The server side of `client`'s connection (engine.io socket). */
function serverConnectionOf(client: LiveClient): ServerConnection {
  const socket = app.server.io.of('/').sockets.get(client.id!);
  if (!socket) throw new Error(`no server socket ${client.id}`);
  return socket.conn as unknown as ServerConnection;
}

/** Bytes the server holds for `conn`: engine.io packets not yet written, plus the WebSocket's unsent bytes. */
function heldBytes(conn: ServerConnection): number {
  let queued = 0;
  for (const packet of conn.writeBuffer) {
    const data = packet.data;
    if (typeof data === 'string') queued += Buffer.byteLength(data);
    else if (data instanceof Uint8Array) queued += data.byteLength;
    else if (data instanceof ArrayBuffer) queued += data.byteLength;
  }
  return queued + conn.transport.socket.bufferedAmount;
}

describe('a client that stops reading', () => {
  it('is held to a bounded buffer (volatile frames and weights dropped), the others are unaffected, and it recovers', async () => {
    const engine = app.server.registry.get(session.id)!.engine;
    const fast = app.client({ auth: { sessionCode: session.code, nickname: 'fast' } });
    const fastWeights = app.client({ auth: { sessionCode: session.code, nickname: 'fast weights', weights: true } });
    await Promise.all([nextEvent(fast, 'welcome', 10_000), nextEvent(fastWeights, 'welcome', 10_000)]);
    let weightsBytes = 0;
    (fastWeights.io.engine.transport as unknown as { ws: { on(e: 'message', l: (data: Buffer) => void): void } }).ws.on('message', (data) => {
      weightsBytes = Math.max(weightsBytes, data.length);
    });

    const slow = app.client({ auth: { sessionCode: session.code, nickname: 'slow', weights: true } });
    const slowFrames = record<FramePayload>(slow, 'frame');
    const slowWeights = record<WeightsPayload>(slow, 'weights');
    const slowMetrics = record<MetricsPayload>(slow, 'metrics');
    let slowDisconnected = '';
    slow.on('disconnect', (reason) => (slowDisconnected = reason));
    slow.once('welcome', () => tcpSocketOf(slow).pause());
    await nextEvent(slow, 'welcome', 10_000);
    const slowId = slow.id;
    const stallStart = performance.now();
    const conn = serverConnectionOf(slow);

    const produced: number[] = [];
    let weightsProduced = 0;
    engine.on('frame', (frame: FramePayload) => produced.push(frame.seq));
    engine.on('weights', () => weightsProduced++);
    await delay(300);
    const metricsDuringStall = record<MetricsPayload>(fast, 'metrics');

    // until the kernel's buffers are full and the server holds bytes for the connection
    const samples: number[] = [];
    let stuck = 0;
    while (stuck < 2) {
      expect(performance.now() - stallStart, 'backpressure never reached the server').toBeLessThan(40_000);
      await delay(200);
      const held = heldBytes(conn);
      samples.push(held);
      stuck = !conn.transport.writable && held > 0 ? stuck + 1 : 0;
    }
    const fillMs = performance.now() - stallStart;

    // the window
    const windowProduced0 = produced.length;
    const weightsProduced0 = weightsProduced;
    const fastSeqs = new Set<number>();
    const onFast = (frame: FramePayload): void => void fastSeqs.add(frame.seq);
    fast.on('frame', onFast);
    let fastWeightsCount = 0;
    const onFastWeights = (): void => void fastWeightsCount++;
    fastWeights.on('weights', onFastWeights);
    const windowSamples: number[] = [];
    const windowStart = performance.now();
    while (performance.now() - windowStart < WINDOW_MS) {
      await delay(100);
      windowSamples.push(heldBytes(conn));
    }
    fast.off('frame', onFast);
    fastWeights.off('weights', onFastWeights);
    const windowSeqs = produced.slice(windowProduced0);
    const windowWeights = weightsProduced - weightsProduced0;
    samples.push(...windowSamples);

    const half = windowSamples.length >> 1;
    const firstHalfMax = Math.max(...windowSamples.slice(0, half));
    const secondHalfMax = Math.max(...windowSamples.slice(half));
    const heldMax = Math.max(...samples);
    const emittedToSlow = windowWeights * weightsBytes;
    const fastGot = windowSeqs.filter((seq) => fastSeqs.has(seq)).length;

    expect(heldMax).toBeLessThanOrEqual(BOUND_BYTES);
    expect(secondHalfMax - firstHalfMax).toBeLessThanOrEqual(GROWTH_BYTES);
    expect(weightsBytes).toBeGreaterThan(500_000);
    expect(emittedToSlow).toBeGreaterThan(2 * heldMax);
    expect(windowSeqs.length).toBeGreaterThanOrEqual(10);
    expect(fastGot).toBeGreaterThanOrEqual(0.9 * windowSeqs.length);
    expect(fastWeightsCount).toBeGreaterThanOrEqual(Math.floor(windowWeights / 2));
    expect(slowDisconnected).toBe('');

    // reading again: still connected, the reliable broadcasts of the stall arrive, then live frames
    const stalledSeqs = produced.slice();
    fast.off('metrics');
    const resumedAfterSeq = stalledSeqs.at(-1)!;
    tcpSocketOf(slow).resume();
    const liveFrame = await waitFor<FramePayload>(slow, 'frame', (frame) => frame.seq > resumedAfterSeq, 20_000);
    expect(liveFrame.seq).toBeGreaterThan(resumedAfterSeq);
    expect(await slow.timeout(10_000).emitWithAck('ping', {})).toMatchObject({ ok: true });
    expect(slow.connected).toBe(true);
    expect(slow.id).toBe(slowId);
    expect(slowDisconnected).toBe('');
    expect(metricsDuringStall.length).toBeGreaterThanOrEqual(3);
    const slowMetricTicks = new Set(slowMetrics.map((m) => m.tick));
    expect(metricsDuringStall.filter((m) => !slowMetricTicks.has(m.tick))).toEqual([]);
    const slowGotOfStall = slowFrames.filter((frame) => frame.seq <= resumedAfterSeq && frame.seq >= stalledSeqs[0]!).length;
    expect(slowGotOfStall).toBeLessThan(stalledSeqs.length);
    expect(slowWeights.length).toBeLessThan(weightsProduced);

    console.log(
      `slow client: backpressure reached the server after ${(fillMs / 1000).toFixed(1)} s of stall; held for it at most ${(heldMax / 2 ** 20).toFixed(2)} MB ` +
        `(window: ${(firstHalfMax / 1024).toFixed(0)} kB → ${(secondHalfMax / 1024).toFixed(0)} kB) while ${(emittedToSlow / 2 ** 20).toFixed(1)} MB of weights went to its room; ` +
        `the normal client got ${fastGot}/${windowSeqs.length} frames of the window, the fast subscriber ${fastWeightsCount}/${windowWeights} snapshots; ` +
        `after the stall the slow client had ${slowGotOfStall}/${stalledSeqs.length} of its frames and ${slowWeights.length}/${weightsProduced} snapshots, all ${metricsDuringStall.length} metrics`,
    );
  });
});

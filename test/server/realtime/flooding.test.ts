/**
 * Flooding (RELIABILITY.md, test 8): one client sends proposeTemperature at 1,000 events/s for
 * 3 s from its own thread. The server applies at most burst + 10/s of them (≤ 10 in every
 * second after the first), tells the flooder `rate-limited` about once a second, and the other
 * clients notice nothing: a bystander receives every frame the engine produced during the flood
 * (the engine's own rate drops meanwhile, as the flooding client shares this 2-core machine), and another
 * client's ping round trip (median of 300) moves by less than 10 % (plus 0.15 ms, the timer
 * resolution of a sub-millisecond loopback measurement).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../../../server/sessions/rate-limit.js';
import type { FramePayload, TemperaturePayload } from '../../../shared/protocol/events.js';
import { delay, nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { record, startTestApp, type TestApp } from '../../helpers/session-app.js';

const FLOOD_RATE = 1000;
const FLOOD_SECONDS = 3;

let app: TestApp;
let session: { id: string; code: string; hostToken: string };

beforeAll(async () => {
  app = await startTestApp();
  session = await app.createSession({ name: 'Flood' });
});

afterAll(async () => {
  await app?.close();
});

interface FloodReport {
  id: string;
  sent: number;
  rateLimitedAt: number[];
}

/**
 * Runs a flooding client in a worker thread: it joins, sends `rate` proposeTemperature events per
 * second (distinct temperatures, no acks) for `seconds`, and reports when it was told `rate-limited`.
 */
function flood(url: string, code: string, rate: number, seconds: number, onJoined: (id: string) => void): Promise<FloodReport> {
  const require = createRequire(import.meta.url);
  const script = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { io } = require(${JSON.stringify(require.resolve('socket.io-client'))});
    const parser = require(${JSON.stringify(require.resolve('socket.io-msgpack-parser'))});
    const { url, code, rate, seconds } = workerData;
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], parser, auth: { sessionCode: code } });
    const rateLimitedAt = [];
    socket.on('error', (e) => { if (e.code === 'rate-limited') rateLimitedAt.push(Date.now()); });
    socket.on('welcome', () => {
      parentPort.postMessage({ type: 'joined', id: socket.id });
      let sent = 0;
      const start = Date.now();
      const timer = setInterval(() => {
        const due = Math.min(rate * seconds, Math.floor(((Date.now() - start) / 1000) * rate));
        while (sent < due) socket.emit('proposeTemperature', { temperature: 1 + (sent++ % 1000) / 1000 });
        if (sent >= rate * seconds) {
          clearInterval(timer);
          setTimeout(() => { parentPort.postMessage({ type: 'done', id: socket.id, sent, rateLimitedAt }); socket.disconnect(); }, 300);
        }
      }, 2);
    });`;
  const worker = new Worker(script, { eval: true, workerData: { url, code, rate, seconds } });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: { type: string } & FloodReport) => {
      if (message.type === 'joined') onJoined(message.id);
      else {
        resolve(message);
        void worker.terminate();
      }
    });
    worker.on('error', reject);
  });
}

/** Median round trip of `count` sequential pings, ms. */
async function pingMedian(socket: LiveClient, count: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await socket.timeout(2000).emitWithAck('ping', {});
    times.push(performance.now() - start);
    await delay(2);
  }
  times.sort((a, b) => a - b);
  return times[count >> 1];
}

describe('a client sending 1,000 events/s', () => {
  it('gets ≤ 10 temperatures applied per second and is told so, while the others notice nothing', async () => {
    const prober = app.client({ auth: { sessionCode: session.code } });
    const bystander = app.client({ auth: { sessionCode: session.code } });
    await Promise.all([nextEvent(prober, 'welcome'), nextEvent(bystander, 'welcome')]);
    await pingMedian(prober, 30);
    const baseline = await pingMedian(prober, 300);

    const engine = app.server.registry.get(session.id)!.engine;
    const received = new Set<number>();
    bystander.on('frame', (frame) => received.add(frame.seq));
    const produced: { seq: number; at: number }[] = [];
    engine.on('frame', (frame: FramePayload) => produced.push({ seq: frame.seq, at: performance.now() }));
    let flooderId = '';
    let floodStart = 0;
    const applied: number[] = [];
    engine.on('temperature', (t: TemperaturePayload) => {
      if (t.changedBy === flooderId) applied.push(performance.now());
    });
    const seenByBystander = record<TemperaturePayload>(bystander, 'temperature');
    const report = flood(app.url, session.code, FLOOD_RATE, FLOOD_SECONDS, (id) => {
      flooderId = id;
      floodStart = performance.now();
    });
    while (!flooderId) await delay(5);
    await delay(300);
    const underFlood = await pingMedian(prober, 300);
    const { sent, rateLimitedAt } = await report;
    await delay(100);
    const duringFlood = produced.filter(({ at }) => at >= floodStart && at < floodStart + FLOOD_SECONDS * 1000).map(({ seq }) => seq);
    const missed = duringFlood.filter((seq) => !received.has(seq));

    expect(sent).toBe(FLOOD_RATE * FLOOD_SECONDS);
    const { perSecond, burst } = DEFAULT_RATE_LIMITS.temperature;
    const floodSeconds = (applied.at(-1)! - floodStart) / 1000;
    expect(applied.length).toBeLessThanOrEqual(burst + perSecond * Math.max(floodSeconds, FLOOD_SECONDS) + 1);
    expect(applied.length).toBeGreaterThanOrEqual(perSecond * (FLOOD_SECONDS - 1));
    for (let second = 1; second < FLOOD_SECONDS; second++) {
      const inSecond = applied.filter((t) => t >= floodStart + second * 1000 && t < floodStart + (second + 1) * 1000).length;
      expect(inSecond, `applied in second ${second}`).toBeLessThanOrEqual(perSecond + 1);
    }
    expect(seenByBystander.filter((t) => t.changedBy === flooderId).length).toBe(applied.length);
    expect(rateLimitedAt.length).toBeGreaterThanOrEqual(FLOOD_SECONDS - 1);
    expect(rateLimitedAt.length).toBeLessThanOrEqual(FLOOD_SECONDS + 1);

    expect(duringFlood.length).toBeGreaterThan(5 * FLOOD_SECONDS);
    expect(missed).toEqual([]);
    expect(underFlood).toBeLessThan(baseline * 1.1 + 0.15);
    console.log(
      `flood: ${sent} sent, ${applied.length} applied in ${floodSeconds.toFixed(2)} s, ${rateLimitedAt.length} rate-limited notices; ` +
        `ping median ${baseline.toFixed(3)} ms → ${underFlood.toFixed(3)} ms; bystander got all ${duringFlood.length} frames the engine produced meanwhile`,
    );
  });
});

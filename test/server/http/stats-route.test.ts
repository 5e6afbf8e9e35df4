/**
 * GET /api/stats against a real app on port 0: the process's figures as JSON (memory in MB as
 * process.memoryUsage() reports it, uptime, the number of open realtime connections); the
 * event-loop delay monitor starts with the first request (so that window is empty), and a
 * 200 ms block of the event loop (server and test share this process) shows up in the next
 * window as a delay of at least 150 ms and then leaves it (each GET starts a new window), while
 * the since-reset window keeps it until POST /api/stats/reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerStats } from '../../../server/http/stats-route.js';
import { connected, delay } from '../../helpers/live-client.js';
import { startTestApp, type TestApp } from '../../helpers/session-app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.close();
});

async function stats(): Promise<ServerStats> {
  const response = await fetch(`${app.url}/api/stats`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as ServerStats;
}

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs on this thread meanwhile
  }
}

describe('/api/stats', () => {
  it('reports memory, uptime and open connections', async () => {
    const before = await stats();
    const memory = process.memoryUsage();
    expect(Object.keys(before).sort()).toEqual(['connections', 'eventLoopDelayMs', 'eventLoopDelaySinceResetMs', 'memory', 'uptimeS']);
    expect(Object.keys(before.memory).sort()).toEqual(['arrayBuffers', 'external', 'heapTotal', 'heapUsed', 'rss']);
    // same process: the figures are this process's, in MB
    expect(before.memory.rss).toBeGreaterThan(10);
    expect(before.memory.rss).toBeLessThan((2 * memory.rss) / 2 ** 20);
    expect(before.memory.heapUsed).toBeGreaterThan(1);
    expect(before.memory.heapUsed).toBeLessThanOrEqual(before.memory.heapTotal);
    expect(before.uptimeS).toBeGreaterThan(0);
    expect(before.uptimeS).toBeLessThanOrEqual(process.uptime() + 1);
    expect(before.connections).toBe(0);

    const clients = [app.client(), app.client(), app.client()];
    await Promise.all(clients.map((client) => connected(client)));
    expect((await stats()).connections).toBe(3);
    for (const client of clients) client.disconnect();
    for (let i = 0; i < 50 && (await stats()).connections !== 0; i++) await delay(20);
    expect((await stats()).connections).toBe(0);
  });

  it('measures event-loop delay since the previous request and since the last reset', async () => {
    await stats(); // starts (or restarts) the window
    await delay(300);
    const quiet = await stats();
    expect(quiet.eventLoopDelayMs.samples).toBeGreaterThan(0);
    expect(quiet.eventLoopDelayMs.max).not.toBeNull();
    expect(quiet.eventLoopDelayMs.p50!).toBeLessThanOrEqual(quiet.eventLoopDelayMs.p99!);
    expect(quiet.eventLoopDelayMs.p99!).toBeLessThanOrEqual(quiet.eventLoopDelayMs.max!);

    expect((await fetch(`${app.url}/api/stats/reset`, { method: 'POST' })).status).toBe(204);
    await delay(50);
    blockEventLoop(200);
    await delay(50);
    const blocked = await stats();
    expect(blocked.eventLoopDelayMs.max!).toBeGreaterThanOrEqual(150);
    expect(blocked.eventLoopDelaySinceResetMs.max!).toBeGreaterThanOrEqual(150);
    expect(blocked.eventLoopDelayMs.p50!).toBeLessThan(blocked.eventLoopDelayMs.max!);

    await delay(200);
    const after = await stats();
    // a new window per GET: the block is gone from it, still in the since-reset window
    expect(after.eventLoopDelayMs.max!).toBeLessThan(blocked.eventLoopDelayMs.max!);
    expect(after.eventLoopDelaySinceResetMs.max!).toBeGreaterThanOrEqual(150);
    expect(after.eventLoopDelaySinceResetMs.samples).toBeGreaterThan(after.eventLoopDelayMs.samples);
    expect(after.eventLoopDelaySinceResetMs.windowS).toBeGreaterThan(after.eventLoopDelayMs.windowS);

    expect((await fetch(`${app.url}/api/stats/reset`, { method: 'POST' })).status).toBe(204);
    await delay(100);
    expect((await stats()).eventLoopDelaySinceResetMs.max!).toBeLessThan(blocked.eventLoopDelayMs.max!);
  });

  it('answers nothing else', async () => {
    expect((await fetch(`${app.url}/api/stats`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${app.url}/api/stats/reset`)).status).toBe(404);
  });
});

/**
 * GET /api/mapping against a real express app on port 0: the JSON of `rgflow mapping --json`
 * for the query (Eq. 21/22 residuals below 1e-9 before and after training, KL lowered), answered
 * promptly (the route's work bound keeps the worst case near a second); the same query again from the cache with the same body; every bad or too large
 * query a 400 with { error: { code, message } }; new runs rate-limited per address (cache hits not).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mappingWork, runMapping } from '../../../server/cli/mapping.js';
import { mappingRouter, ROUTE_MAPPING_LIMITS, type MappingRouterOptions } from '../../../server/http/mapping-route.js';
import type { MappingReport } from '../../../shared/rg/exact-mapping.js';

interface Started {
  url: string;
  close: () => Promise<void>;
}

async function start(options?: MappingRouterOptions): Promise<Started> {
  const app = express();
  app.use('/api/mapping', mappingRouter(options));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/mapping`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let app: Started;
beforeAll(async () => {
  app = await start();
});
afterAll(async () => {
  await app?.close();
});

function timeless(r: MappingReport): Omit<MappingReport, 'seconds'> {
  const { seconds, ...rest } = r;
  void seconds;
  return rest;
}

describe('GET /api/mapping', () => {
  it('answers the CLI report for the query, then from the cache', async () => {
    const query = '?system=ring:10&K=0.4&hidden=5&steps=200&seed=1';
    const first = await fetch(app.url + query);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.headers.get('x-rgflow-cache')).toBe('miss');
    const report = (await first.json()) as MappingReport;
    expect(report).toMatchObject({ system: 'ring:10', K: 0.4, hidden: 5, steps: 200, seed: 1 });
    for (const f of [report.before, report.after]) {
      expect(f.eq21_residual).toBeLessThan(1e-9);
      expect(f.eq22_residual).toBeLessThan(1e-9);
      expect(f.ln_trace.range).toBeGreaterThan(0);
    }
    expect(report.after.kl).toBeLessThan(report.before.kl);
    // the CLI computes the same figures
    expect(timeless(report)).toEqual(timeless(runMapping({ system: 'ring:10', K: 0.4, hidden: 5, steps: 200, seed: 1 })));

    const again = await fetch(app.url + '?seed=1&steps=200&hidden=5&K=0.4&system=Ring:10');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-rgflow-cache')).toBe('hit');
    expect(await again.json()).toEqual(report);
  });

  it('fills in defaults and takes a lattice', async () => {
    const defaults = (await (await fetch(app.url)).json()) as MappingReport;
    expect(defaults).toMatchObject({ system: 'ring:10', K: 0.4, hidden: 5, steps: 200, seed: 1 });
    const lattice = await fetch(`${app.url}?system=lattice:3x3&hidden=4&steps=100&K=-0.3`);
    expect(lattice.status).toBe(200);
    const report = (await lattice.json()) as MappingReport;
    expect(report).toMatchObject({ system: 'lattice:3x3', sites: 9, bonds: 18, K: -0.3 });
    expect(report.after.eq21_residual).toBeLessThan(1e-9);
  });

  it.each([
    ['system=ring:13', /system/],
    ['system=lattice:4x4', /system/],
    ['system=moebius:3', /system/],
    ['K=abc', /K/],
    ['K=NaN', /K/],
    ['K=9', /K/],
    ['hidden=0', /hidden/],
    ['hidden=9', /hidden/],
    ['hidden=2.5', /hidden/],
    ['hidden=1&hidden=2', /hidden/],
    ['steps=-1', /steps/],
    ['steps=2001', /steps/],
    ['system=ring:12&hidden=8&steps=2000', /steps/],
    ['seed=-1', /seed/],
    ['seed=', /seed/],
    ['colour=blue', /unknown|colour/],
  ])('refuses ?%s with 400 { error: { code, message } }', async (query, message) => {
    const response = await fetch(`${app.url}?${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe('invalid-payload');
    expect(body.error.message).toMatch(message);
  });

  it('bounds the work of one request: the largest accepted runs stay within ROUTE_MAPPING_LIMITS', () => {
    const { maxWork, maxSites, maxHidden } = ROUTE_MAPPING_LIMITS;
    expect(maxSites).toBeLessThanOrEqual(12);
    expect(maxHidden).toBeLessThanOrEqual(8);
    // the brief's example fits with room to spare; the biggest model still trains for a while
    expect(mappingWork(10, 5, 200)).toBeLessThan(maxWork / 3);
    expect(mappingWork(12, 8, 50)).toBeLessThan(maxWork);
    expect(mappingWork(12, 8, 2000)).toBeGreaterThan(maxWork);
  });

  it('rate-limits new runs per address, but not cached answers; keeps only the last few', async () => {
    const limited = await start({ rateLimit: { perSecond: 0.001, burst: 2 }, cacheSize: 1 });
    try {
      const get = (seed: number) => fetch(`${limited.url}?system=ring:6&hidden=2&steps=10&seed=${seed}`);
      expect((await get(1)).status).toBe(200);
      expect((await get(2)).status).toBe(200);
      const refused = await get(3);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate-limited');
      const cached = await get(2);
      expect(cached.status).toBe(200);
      expect(cached.headers.get('x-rgflow-cache')).toBe('hit');
      expect((await get(1)).status).toBe(429); // evicted (cache of one), and no token left
    } finally {
      await limited.close();
    }
  });
});

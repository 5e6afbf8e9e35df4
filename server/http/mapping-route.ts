/**
 * The exact RG ↔ RBM mapping for a small live model, mounted at /api/mapping:
 *   GET /?system=ring:10&K=0.4&hidden=5&steps=200&seed=1
 *     → 200 MappingReport (the JSON of `rgflow mapping --json`)
 *     → 400 { error: { code: 'invalid-payload', message } } on a bad or too large query
 *     → 429 { error: { code: 'rate-limited', … } } when one address asks for too many new runs
 * Every parameter is optional (defaults: ring:10, K 0.4, 5 hidden, 200 steps, seed 1); unknown
 * parameters are refused. The run is synchronous and bounded (≤ 12 spins, ≤ 8 hidden spins,
 * ≤ 2000 steps, mappingWork ≤ 8·10⁷ operations: at most a few hundred ms), the same query is
 * answered from a small LRU cache (header x-rgflow-cache: hit | miss), and new runs are
 * rate-limited per client address (cache hits are free).
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import type { RestErrorBody } from '../../shared/protocol/events.js';
import { isingSystem, type MappingReport } from '../../shared/rg/exact-mapping.js';
import { UsageError } from '../cli/errors.js';
import { mappingOptionsSchema, runMapping, type MappingLimits } from '../cli/mapping.js';
import { KeyedRateLimiter, type BucketConfig } from '../sessions/rate-limit.js';

/**
 * Bounds of one request. It runs on the server's event loop, which also carries the live
 * frames: the largest accepted request took 0.5–1.3 s on this 2-core machine under a load
 * average of 8 (the default one ~0.1 s); results are cached and requests rate-limited per
 * address. A worker thread would take it off the loop entirely (not done).
 */
export const ROUTE_MAPPING_LIMITS: MappingLimits = { maxSites: 12, maxHidden: 8, maxSteps: 2000, maxWork: 8e7 };

export const MAPPING_DEFAULTS = { system: 'ring:10', K: 0.4, hidden: 5, steps: 200, seed: 1 } as const;

export interface MappingRouterOptions {
  /** Results kept (least recently used dropped first). Default 16. */
  cacheSize?: number;
  /** New (uncached) runs per client address. Default: bursts of 10, then one a second. */
  rateLimit?: BucketConfig;
  /** Bounds of one request (default ROUTE_MAPPING_LIMITS). */
  limits?: MappingLimits;
}

const STATUS: Partial<Record<ErrorCode, number>> = { 'invalid-payload': 400, 'rate-limited': 429, 'internal-error': 500 };

function fail(res: Response, code: ErrorCode, message: string): void {
  const body: RestErrorBody = { error: { code, message } };
  res.status(STATUS[code] ?? 500).json(body);
}

/** "hidden: hidden must be ≤ 8; steps: …" */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** A query value: one string (a repeated parameter arrives as an array and is refused). */
const numeric = (name: string) =>
  z
    .string({ error: `${name} must be given once` })
    .regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, { error: `${name} must be a decimal number` })
    .transform(Number);

const querySchema = z.strictObject(
  {
    system: z.string({ error: 'system must be given once' }).max(32, { error: 'system must be ring:N or lattice:RxC' }).optional(),
    K: numeric('K').optional(),
    hidden: numeric('hidden').optional(),
    steps: numeric('steps').optional(),
    seed: numeric('seed').optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}; use system, K, hidden, steps, seed` : undefined) },
);

/** The `/api/mapping` router. */
export function mappingRouter(options: MappingRouterOptions = {}): Router {
  const router = express.Router();
  const limits = options.limits ?? ROUTE_MAPPING_LIMITS;
  const cacheSize = options.cacheSize ?? 16;
  const schema = mappingOptionsSchema(limits);
  const cache = new Map<string, MappingReport>();
  const limiter = new KeyedRateLimiter(options.rateLimit ?? { perSecond: 1, burst: 10 }, () => performance.now());

  router.get('/', (req: Request, res: Response) => {
    const query = querySchema.safeParse(req.query);
    if (!query.success) return fail(res, 'invalid-payload', describeIssues(query.error));
    const parsed = schema.safeParse({ ...MAPPING_DEFAULTS, ...Object.fromEntries(Object.entries(query.data).filter(([, v]) => v !== undefined)) });
    if (!parsed.success) return fail(res, 'invalid-payload', describeIssues(parsed.error));
    const o = parsed.data;
    const key = JSON.stringify([isingSystem(o.system, o.K).spec, o.K, o.hidden, o.steps, o.seed]);
    res.set('cache-control', 'public, max-age=600');
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      res.set('x-rgflow-cache', 'hit').json(hit);
      return;
    }
    if (!limiter.allow(req.socket.remoteAddress ?? 'unknown')) {
      res.set('cache-control', 'no-store').setHeader('Retry-After', '2');
      return fail(res, 'rate-limited', 'too many new mapping runs from this address; try again in a few seconds');
    }
    let report: MappingReport;
    try {
      report = runMapping(o, undefined, limits);
    } catch (error) {
      res.set('cache-control', 'no-store');
      if (error instanceof UsageError) return fail(res, 'invalid-payload', error.message);
      return fail(res, 'internal-error', 'the mapping could not be computed');
    }
    cache.set(key, report);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    res.set('x-rgflow-cache', 'miss').json(report);
  });

  return router;
}

/**
 * Process figures for benchmarks and monitoring, mounted at /api/stats:
 *   GET  /       → 200 ServerStats (event-loop delay, memory, uptime, connections)
 *   POST /reset  → 204, restarts the `eventLoopDelaySinceResetMs` window
 *
 * Event-loop delay is sampled by perf_hooks.monitorEventLoopDelay (a 10 ms timer, unref'd),
 * started by the first request, so a server nobody asks pays nothing. Node records the whole
 * interval between two firings of that timer; the figures here are that interval minus the
 * resolution (the lateness, ≥ 0), as fastify's under-pressure reports it. Two windows:
 * `eventLoopDelayMs` since the previous GET (the first GET: since it started the monitor, so
 * empty) and `eventLoopDelaySinceResetMs` since the monitor started or the last POST /reset
 * (what `rgflow bench serve` reads once for its measurement window). Nothing here is secret,
 * nothing in it can be changed by a client but the reset of its own window.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import express, { type Router } from 'express';

/** Sampling period of the event-loop delay monitor, ms. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** Event-loop delay over a window, ms; null while the window holds no sample. */
export interface EventLoopDelaySummary {
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  /** Samples in the window (≈ one per resolution period while the loop is free). */
  samples: number;
  /** Length of the window, s. */
  windowS: number;
}

export interface ServerStats {
  /** Since the previous GET. */
  eventLoopDelayMs: EventLoopDelaySummary;
  /** Since the monitor started or the last POST /api/stats/reset. */
  eventLoopDelaySinceResetMs: EventLoopDelaySummary;
  /** process.memoryUsage() of the server process (main thread's heap; rss covers every thread), MB. */
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** process.uptime(), s. */
  uptimeS: number;
  /** Open realtime connections (engine.io clients), null when the app gave no getter. */
  connections: number | null;
}

export interface StatsRouterOptions {
  /** Counts open realtime connections, e.g. `() => io.engine.clientsCount`. */
  connections?: () => number;
}

const MB = 1024 * 1024;
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

class DelayWindow {
  private readonly histogram: IntervalHistogram;
  private startedAt = performance.now();

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.histogram.enable();
  }

  summary(): EventLoopDelaySummary {
    const h = this.histogram;
    const windowS = round((performance.now() - this.startedAt) / 1000);
    if (h.count === 0) return { p50: null, p99: null, max: null, mean: null, samples: 0, windowS };
    const late = (ns: number): number => round(Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS));
    return { p50: late(h.percentile(50)), p99: late(h.percentile(99)), max: late(h.max), mean: late(h.mean), samples: h.count, windowS };
  }

  reset(): void {
    this.histogram.reset();
    this.startedAt = performance.now();
  }
}

/** The `/api/stats` router. */
export function statsRouter(options: StatsRouterOptions = {}): Router {
  const router = express.Router();
  let windows: { sinceLastGet: DelayWindow; sinceReset: DelayWindow } | null = null;
  const started = (): { sinceLastGet: DelayWindow; sinceReset: DelayWindow } => (windows ??= { sinceLastGet: new DelayWindow(), sinceReset: new DelayWindow() });

  router.get('/', (_req, res) => {
    const { sinceLastGet, sinceReset } = started();
    const memory = process.memoryUsage();
    const body: ServerStats = {
      eventLoopDelayMs: sinceLastGet.summary(),
      eventLoopDelaySinceResetMs: sinceReset.summary(),
      memory: {
        rss: round(memory.rss / MB),
        heapTotal: round(memory.heapTotal / MB),
        heapUsed: round(memory.heapUsed / MB),
        external: round(memory.external / MB),
        arrayBuffers: round(memory.arrayBuffers / MB),
      },
      uptimeS: round(process.uptime()),
      connections: options.connections ? options.connections() : null,
    };
    sinceLastGet.reset();
    res.set('cache-control', 'no-store').json(body);
  });

  router.post('/reset', (_req, res) => {
    started().sinceReset.reset();
    res.status(204).end();
  });

  return router;
}

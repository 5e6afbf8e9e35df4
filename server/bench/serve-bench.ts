/**
 * `rgflow bench serve`: starts a real server process (`rgflow serve --port 0 --data <file>`:
 * recording as in production, into a data file in a temporary directory removed afterwards;
 * `data: 'memory'` uses `:memory:` instead, whose database holds the whole recording — weights
 * every 5 s, a keyframe every 10 s — in the server's RSS, so RSS then grows by design), then a
 * separate load process (load-clients.ts) with N socket.io-client connections in the
 * default session, and reports frames per second per client, emit→receipt latency
 * percentiles, disconnects, and the server process's CPU and memory (from /proc, sampled
 * every second; the engine worker thread is part of the server process).
 *
 * Over the measurement window (marked by the load process) it also reads the server's own
 * figures from `GET /api/stats` (server/http/stats-route.ts): the event-loop delay over the
 * whole window (p50, p99, max), and every second the heap in use and that second's worst
 * event-loop delay, next to the RSS from /proc. "Memory flat" is then a figure: the
 * least-squares slope of RSS (and of heapUsed, which saw-tooths with GC) over the second half
 * of the window, in MB/min.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from '../http/stats-route.js';

export interface ServeBenchOptions {
  clients?: number;
  /** How many of the clients subscribe to weight snapshots (as a view drawing weights does); default all. */
  weightClients?: number;
  /** Measurement window after all clients connected, s. */
  seconds?: number;
  /**
   * Where the server records: 'file' (default; a data file in a temporary directory, as in
   * production) or 'memory' (`--data :memory:`: no disk I/O, but the recording accumulates in RSS).
   */
  data?: 'file' | 'memory';
  onProgress?: (message: string) => void;
}

export interface ServeBenchResult {
  clients: number;
  weight_clients: number;
  weight_snapshots_received: number;
  seconds: number;
  connect_failures: number;
  disconnects: number;
  frames_per_second_per_client: { mean: number; min: number; p05: number };
  latency_ms: { samples: number; p50: number; p99: number; max: number };
  server: {
    cpu_percent_mean: number;
    cpu_percent_max: number;
    rss_mb_start: number;
    rss_mb_max: number;
    rss_mb_end: number;
    /** Over the measurement window (GET /api/stats); null if the server did not answer. */
    event_loop_delay_ms: { p50: number | null; p99: number | null; max: number | null; mean: number | null } | null;
    /** Least-squares slope of the RSS series over the second half of the window, MB/min. */
    rss_slope_mb_per_min: number;
    /** The same for the main thread's heapUsed (includes garbage not yet collected). */
    heap_used_slope_mb_per_min: number | null;
    /** Open connections the server counted when the window ended (should equal `clients`). */
    connections_at_end: number | null;
    /**
     * Sampled every second of the window: seconds since its start, RSS (/proc), and from the stats
     * route the main thread's heapUsed and heapTotal, external memory (Buffers, native) and that
     * second's worst event-loop delay.
     */
    series: {
      t_s: number[];
      rss_mb: number[];
      heap_used_mb: (number | null)[];
      heap_total_mb: (number | null)[];
      external_mb: (number | null)[];
      event_loop_delay_max_ms: (number | null)[];
    };
  };
  /**
   * CPU of the load process (the 500 clients share one Node event loop): the latency it measures
   * includes its own queueing, and on this 2-core machine it competes with the server and the
   * engine worker for the cores.
   */
  load: { cpu_percent_mean: number; cpu_percent_max: number };
  /** Cores of this machine (server, engine worker and load process share them). */
  cores: number;
  target: { clients: number; frame_rate_hz: number; p99_latency_ms: number; disconnects: number };
  meets_target: boolean;
}

const CLOCK_TICKS = 100; // Linux USER_HZ

function processTimes(pid: number): { cpuSeconds: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuSeconds, rssMb: rss ? Number(rss[1]) / 1024 : NaN };
  } catch {
    return null;
  }
}


function waitForJsonLine(child: ChildProcess): Promise<{ url: string; port: number }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      try {
        const parsed = JSON.parse(buffer) as { url: string; port: number };
        clearTimeout(timer);
        resolve(parsed);
      } catch {
        // wait for the rest of the JSON object
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)));
  });
}

/** The server's /api/stats, or null when it does not answer (an older build, a stalled server). */
async function fetchStats(url: string): Promise<ServerStats | null> {
  try {
    const response = await fetch(`${url}/api/stats`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? ((await response.json()) as ServerStats) : null;
  } catch {
    return null;
  }
}

/** Least-squares slope of y over t (both arrays, nulls skipped), in y-units per t-unit; NaN below two points. */
export function leastSquaresSlope(t: readonly number[], y: readonly (number | null)[]): number {
  const points = t.map((x, i) => [x, y[i]] as const).filter((p): p is readonly [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
  if (points.length < 2) return NaN;
  const n = points.length;
  const meanT = points.reduce((a, [x]) => a + x, 0) / n;
  const meanY = points.reduce((a, [, v]) => a + v, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, v] of points) {
    num += (x - meanT) * (v - meanY);
    den += (x - meanT) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Slope over the second half of the window, MB per minute, from a series sampled in seconds. */
function secondHalfSlopePerMinute(tS: readonly number[], mb: readonly (number | null)[]): number {
  const end = tS.at(-1) ?? 0;
  const from = tS.findIndex((x) => x >= end / 2);
  if (from < 0) return NaN;
  return 60 * leastSquaresSlope(tS.slice(from), mb.slice(from));
}

const round3 = (x: number): number => (Number.isFinite(x) ? Number(x.toFixed(3)) : x);

/** Runs the benchmark; needs the built project (`npm run build`). */
export async function runServeBench(options: ServeBenchOptions = {}): Promise<ServeBenchResult> {
  const clients = options.clients ?? 500;
  const seconds = options.seconds ?? 20;
  const weightClients = options.weightClients ?? clients;
  const progress = options.onProgress ?? (() => {});
  if (!Number.isInteger(clients) || clients < 1 || clients > 5000) throw new RangeError(`--clients must be an integer in [1, 5000], got ${clients}`);
  if (!Number.isInteger(weightClients) || weightClients < 0 || weightClients > clients) throw new RangeError(`--weight-clients must be an integer in [0, ${clients}], got ${weightClients}`);
  if (!(seconds > 0 && seconds <= 600)) throw new RangeError(`--seconds must be in (0, 600], got ${seconds}`);
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const bin = `${root}bin/rgflow.js`;
  const loader = `${root}dist/server/bench/load-clients.js`;
  if (!existsSync(loader)) throw new Error('bench serve needs the built project: run `npm run build` first');

  progress('starting the server');
  const dataDir = mkdtempSync(join(tmpdir(), 'rgflow-bench-serve-'));
  const data = options.data === 'memory' ? ':memory:' : join(dataDir, 'bench.sqlite');
  const server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--json', '--data', data], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr!.on('data', () => {});
  try {
    const { url } = await waitForJsonLine(server);
    await new Promise((r) => setTimeout(r, 1000));
    const start = processTimes(server.pid!);
    progress(`connecting ${clients} clients to ${url}`);
    const load = spawn(process.execPath, [loader, url, String(clients), String(seconds), 'msgpack', String(weightClients)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    load.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // the measurement window, as the load process marks it: the server's own figures over it
    const series: ServeBenchResult['server']['series'] = { t_s: [], rss_mb: [], heap_used_mb: [], heap_total_mb: [], external_mb: [], event_loop_delay_max_ms: [] };
    const measurement: { start: number; timer: NodeJS.Timeout | null; end: Promise<ServerStats | null> | null; pending: Promise<void>[] } = { start: 0, timer: null, end: null, pending: [] };
    const sampleSeries = (): void => {
      const i = series.t_s.length;
      series.t_s.push(round3((performance.now() - measurement.start) / 1000));
      series.rss_mb.push(round3(processTimes(server.pid!)?.rssMb ?? NaN));
      series.heap_used_mb.push(null);
      series.heap_total_mb.push(null);
      series.external_mb.push(null);
      series.event_loop_delay_max_ms.push(null);
      measurement.pending.push(
        fetchStats(url).then((stats) => {
          series.heap_used_mb[i] = stats?.memory.heapUsed ?? null;
          series.heap_total_mb[i] = stats?.memory.heapTotal ?? null;
          series.external_mb[i] = stats?.memory.external ?? null;
          series.event_loop_delay_max_ms[i] = stats?.eventLoopDelayMs.max ?? null;
        }),
      );
    };
    const onLoadLine = (line: string): void => {
      if (line === 'measuring') {
        measurement.start = performance.now();
        void fetch(`${url}/api/stats/reset`, { method: 'POST', signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        void fetchStats(url); // starts a new per-second window
        measurement.timer = setInterval(sampleSeries, 1000);
      } else if (line === 'measured') {
        if (measurement.timer) clearInterval(measurement.timer);
        sampleSeries();
        measurement.end = fetchStats(url);
      } else if (line) progress(line);
    };
    let pending = '';
    load.stderr!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLoadLine(line.trim());
    });
    const cpu: number[] = [];
    const loadCpu: number[] = [];
    let rssMax = start?.rssMb ?? NaN;
    let previous = start;
    let previousLoad = processTimes(load.pid!);
    const sampler = setInterval(() => {
      const now = processTimes(server.pid!);
      if (now && previous) {
        cpu.push(100 * (now.cpuSeconds - previous.cpuSeconds));
        rssMax = Math.max(rssMax, now.rssMb);
      }
      previous = now;
      const loadNow = processTimes(load.pid!);
      if (loadNow && previousLoad) loadCpu.push(100 * (loadNow.cpuSeconds - previousLoad.cpuSeconds));
      previousLoad = loadNow;
    }, 1000);
    const code: number = await new Promise((resolve) => load.once('exit', (c) => resolve(c ?? 1)));
    clearInterval(sampler);
    if (measurement.timer) clearInterval(measurement.timer);
    const finalStats = await (measurement.end ?? Promise.resolve(null));
    await Promise.all(measurement.pending);
    if (code !== 0) throw new Error(`load process failed with code ${code}`);
    const measured = JSON.parse(out) as Omit<ServeBenchResult, 'server' | 'target' | 'meets_target'>;
    const end = processTimes(server.pid!);
    const steady = cpu.slice(-Math.max(1, Math.floor(seconds)));
    const result: ServeBenchResult = {
      ...measured,
      server: {
        cpu_percent_mean: steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length),
        cpu_percent_max: Math.max(...steady, 0),
        rss_mb_start: start?.rssMb ?? NaN,
        rss_mb_max: rssMax,
        rss_mb_end: end?.rssMb ?? NaN,
        event_loop_delay_ms: finalStats
          ? (({ p50, p99, max, mean }) => ({ p50, p99, max, mean }))(finalStats.eventLoopDelaySinceResetMs)
          : null,
        rss_slope_mb_per_min: round3(secondHalfSlopePerMinute(series.t_s, series.rss_mb)),
        heap_used_slope_mb_per_min: series.heap_used_mb.some((v) => v !== null) ? round3(secondHalfSlopePerMinute(series.t_s, series.heap_used_mb)) : null,
        connections_at_end: finalStats?.connections ?? null,
        series,
      },
      load: (() => {
        const window = loadCpu.slice(-Math.max(1, Math.floor(seconds)));
        return { cpu_percent_mean: window.reduce((a, b) => a + b, 0) / Math.max(1, window.length), cpu_percent_max: Math.max(...window, 0) };
      })(),
      cores: availableParallelism(),
      target: { clients: 500, frame_rate_hz: 10, p99_latency_ms: 150, disconnects: 0 },
      meets_target: false,
    };
    result.meets_target =
      result.clients >= 500 &&
      result.frames_per_second_per_client.p05 >= 10 &&
      result.latency_ms.p99 < 150 &&
      result.disconnects === 0 &&
      result.connect_failures === 0;
    return result;
  } finally {
    await new Promise<void>((resolve) => {
      if (server.exitCode !== null || server.signalCode !== null) resolve();
      else {
        const timer = setTimeout(() => {
          server.kill('SIGKILL');
        }, 10_000);
        server.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        server.kill('SIGTERM');
      }
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `rgflow bench serve`: starts a real server process (`rgflow serve --port 0 --data :memory:`:
 * recording as in production, into a store that dies with it), then a
 * separate load process (load-clients.ts) with N socket.io-client connections in the
 * default session, and reports frames per second per client, emit→receipt latency
 * percentiles, disconnects, and the server process's CPU and memory (from /proc, sampled
 * every second; the engine worker thread is part of the server process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ServeBenchOptions {
  clients?: number;
  /** How many of the clients subscribe to weight snapshots (as a view drawing weights does); default all. */
  weightClients?: number;
  /** Measurement window after all clients connected, s. */
  seconds?: number;
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
  server: { cpu_percent_mean: number; cpu_percent_max: number; rss_mb_start: number; rss_mb_max: number; rss_mb_end: number };
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
  const server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--json', '--data', ':memory:'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr!.on('data', () => {});
  try {
    const { url } = await waitForJsonLine(server);
    await new Promise((r) => setTimeout(r, 1000));
    const start = processTimes(server.pid!);
    progress(`connecting ${clients} clients to ${url}`);
    const load = spawn(process.execPath, [loader, url, String(clients), String(seconds), 'msgpack', String(weightClients)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    load.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    load.stderr!.on('data', (chunk: Buffer) => progress(chunk.toString().trim()));
    const cpu: number[] = [];
    let rssMax = start?.rssMb ?? NaN;
    let previous = start;
    const sampler = setInterval(() => {
      const now = processTimes(server.pid!);
      if (now && previous) {
        cpu.push(100 * (now.cpuSeconds - previous.cpuSeconds));
        rssMax = Math.max(rssMax, now.rssMb);
      }
      previous = now;
    }, 1000);
    const code: number = await new Promise((resolve) => load.once('exit', (c) => resolve(c ?? 1)));
    clearInterval(sampler);
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
      },
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
    server.kill('SIGTERM');
  }
}

/**
 * Entry point of a session's engine thread. Owns the LiveSimulation and its two clocks:
 * the simulation clock (a token bucket that runs `sweepsPerSecond` sweeps/s in ticks of
 * SIM_TICK_MS, never more than MAX_BUSY_FRACTION of a core) and the frame clock (one frame every
 * 1/frameRate s). The two are independent: the frame rate does not change the sweep rate.
 * Configuration arrives as `workerData` (EngineConfig); messages follow shared/protocol/worker-messages.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineConfig, MainToWorkerMessage, WorkerToMainMessage } from '../../shared/protocol/worker-messages.js';
import { LiveSimulation } from './live-simulation.js';
import { RateMeter } from './rate-meter.js';

/** Simulation tick, ms. */
const SIM_TICK_MS = 10;
/** Largest share of a tick spent sweeping, so an unreachable target rate cannot pin a core. */
const MAX_BUSY_FRACTION = 0.8;

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const config = workerData as EngineConfig;

function post(message: WorkerToMainMessage): void {
  port.postMessage(message);
}

const simulation = new LiveSimulation(config);
const rateMeter = new RateMeter();
/** Sweeps owed by the token bucket; capped at two ticks' worth so a stall is not caught up in a burst. */
const maxOwed = Math.max(1, (2 * config.sweepsPerSecond * SIM_TICK_MS) / 1000);
let owed = 0;
let lastTick = performance.now();

function guarded(work: () => void): () => void {
  return () => {
    try {
      work();
    } catch (error) {
      post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    }
  };
}

const simTimer = setInterval(
  guarded(() => {
    const now = performance.now();
    owed = Math.min(maxOwed, owed + ((now - lastTick) * config.sweepsPerSecond) / 1000);
    lastTick = now;
    const deadline = now + SIM_TICK_MS * MAX_BUSY_FRACTION;
    while (owed >= 1 && performance.now() < deadline) {
      simulation.advance(1);
      owed -= 1;
    }
  }),
  SIM_TICK_MS,
);

const postFrame = guarded(() => {
  post({ type: 'frame', frame: simulation.frame(rateMeter.sample(performance.now(), simulation.sweeps)) });
});
const frameTimer = setInterval(postFrame, 1000 / config.frameRate);

function handle(message: MainToWorkerMessage): void {
  switch (message.type) {
    case 'setCoupling':
      simulation.setCoupling(message.coupling);
      post({ type: 'couplingApplied', requestId: message.requestId, coupling: simulation.coupling, sweeps: simulation.sweeps });
      break;
    case 'stop':
      clearInterval(simTimer);
      clearInterval(frameTimer);
      post({ type: 'stopped' });
      port.close();
      break;
  }
}

port.on('message', (message: MainToWorkerMessage) => guarded(() => handle(message))());

post({ type: 'ready', L: simulation.L, coupling: simulation.coupling });
postFrame();

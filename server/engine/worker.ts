/**
 * Entry point of a session's engine thread. Builds (or restores) the LiveEngine, then owns its
 * clocks: the tick clock (TickClock: `sweepsPerSecond / sweepsPerTick` ticks/s at most, never
 * more than MAX_BUSY_FRACTION of a core) and the output clocks — a frame every 1/frameRate s,
 * weights every `weightsInterval` s, metrics every `metricsInterval` s. Wall time decides only
 * how many ticks run; commands arrive as messages and so land between two ticks.
 * Start-up data: EngineWorkerData; messages: shared/protocol/worker-messages.ts.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { ENGINE_LIMITS, type EngineControlPayload } from '../../shared/protocol/engine-events.js';
import type { EngineWorkerData, MainToWorkerMessage, WorkerToMainMessage } from '../../shared/protocol/worker-messages.js';
import { CouplingWindow } from './effective-coupling.js';
import { createEngineBackend } from './engine-backend.js';
import { decodeCheckpoint, encodeCheckpoint } from './engine-checkpoint.js';
import { checkEngineSettings, parseHyperparameters, resolveResetSettings, settingsOf } from './engine-config.js';
import { LiveEngine } from './live-engine.js';
import { RateMeter } from './rate-meter.js';
import { TickClock } from './tick-clock.js';

/** How often the tick clock is polled, ms. */
const SIM_TICK_MS = 10;
/** Largest share of wall time spent running ticks. */
const MAX_BUSY_FRACTION = 0.8;
/** Window of the rates reported in metrics, ms. */
const METRICS_RATE_WINDOW_MS = 3000;

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const data = workerData as EngineWorkerData;

function post(message: WorkerToMainMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function fail(error: unknown): never {
  post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

function guarded<A extends unknown[]>(work: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      work(...args);
    } catch (error) {
      fail(error);
    }
  };
}

function bufferOf(x: ArrayBufferView | ArrayBuffer): ArrayBuffer {
  return (ArrayBuffer.isView(x) ? x.buffer : x) as ArrayBuffer;
}

/** The timers and meters around one LiveEngine; rebuilt pieces on reset. */
class EngineLoop {
  private clock!: TickClock;
  private couplings!: CouplingWindow;
  private frameMeter = new RateMeter();
  private metricMeters = { sweeps: new RateMeter(METRICS_RATE_WINDOW_MS), minibatches: new RateMeter(METRICS_RATE_WINDOW_MS), ticks: new RateMeter(METRICS_RATE_WINDOW_MS) };
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly engine: LiveEngine,
    private readonly backendDescription: string,
  ) {
    this.configure();
  }

  control(): EngineControlPayload {
    const { engine } = this;
    return { tick: engine.tick, paused: engine.paused, resets: engine.resets, settings: structuredClone(engine.settings), backend: this.backendDescription };
  }

  /** (Re)starts the clocks for the engine's current settings. */
  configure(): void {
    const s = this.engine.settings;
    for (const timer of this.timers) clearInterval(timer);
    this.clock = new TickClock(s.sweepsPerSecond / s.sweepsPerTick, MAX_BUSY_FRACTION, SIM_TICK_MS);
    this.couplings = new CouplingWindow([s.L, ...s.layers.map((n) => Math.round(Math.sqrt(n)))]);
    this.frameMeter = new RateMeter();
    this.metricMeters = { sweeps: new RateMeter(METRICS_RATE_WINDOW_MS), minibatches: new RateMeter(METRICS_RATE_WINDOW_MS), ticks: new RateMeter(METRICS_RATE_WINDOW_MS) };
    this.timers = [
      setInterval(guarded(() => this.runTicks()), SIM_TICK_MS),
      setInterval(guarded(() => this.postFrame()), 1000 / s.frameRate),
      setInterval(guarded(() => this.postWeights()), 1000 * s.weightsInterval),
      setInterval(guarded(() => this.postMetrics()), 1000 * s.metricsInterval),
    ];
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private runTicks(): void {
    const { engine, clock } = this;
    clock.refill(performance.now());
    while (!engine.paused && clock.ready) {
      const started = performance.now();
      engine.advance();
      clock.spend(performance.now() - started);
    }
    for (const message of engine.takeWarnings()) post({ type: 'warning', message });
  }

  postFrame(): void {
    const { frame, correlations } = this.engine.frame(this.frameMeter.sample(performance.now(), this.engine.sweeps));
    this.couplings.add(frame.tick, correlations);
    post({ type: 'frame', frame });
  }

  postWeights(): void {
    const weights = this.engine.weights();
    const transfer = [
      ...weights.layers.flatMap((l) => [bufferOf(l.weights), bufferOf(l.visibleBias), bufferOf(l.hiddenBias)]),
      ...weights.receptiveFields.map((f) => bufferOf(f.values)),
    ];
    post({ type: 'weights', weights }, transfer);
  }

  postMetrics(): void {
    const now = performance.now();
    const { engine, metricMeters: m } = this;
    const rates = {
      sweepsPerSecond: m.sweeps.sample(now, engine.sweeps),
      minibatchesPerSecond: m.minibatches.sample(now, engine.minibatches),
      ticksPerSecond: m.ticks.sample(now, engine.tick),
    };
    post({ type: 'metrics', metrics: engine.metrics(this.couplings.estimates(), rates) });
  }

  handle(message: MainToWorkerMessage): void {
    const { engine } = this;
    const applied = (requestId: number): void => post({ type: 'applied', requestId, control: this.control() });
    const rejected = (requestId: number, error: unknown): void =>
      post({ type: 'rejected', requestId, message: error instanceof Error ? error.message : String(error) });
    switch (message.type) {
      case 'setCoupling':
        engine.setCoupling(message.coupling);
        post({ type: 'couplingApplied', requestId: message.requestId, coupling: engine.coupling, sweeps: engine.sweeps });
        break;
      case 'pause':
      case 'resume':
        engine.paused = message.type === 'pause';
        applied(message.requestId);
        break;
      case 'step': {
        const { ticks } = message;
        const { min, max } = ENGINE_LIMITS.stepTicks;
        if (!Number.isInteger(ticks) || ticks < min || ticks > max) {
          rejected(message.requestId, new RangeError(`step takes an integer number of ticks in [${min}, ${max}], got ${ticks}`));
          break;
        }
        for (let t = 0; t < ticks; t++) engine.advance();
        applied(message.requestId);
        break;
      }
      case 'reset': {
        let settings;
        try {
          settings = resolveResetSettings(engine.settings, message.settings);
          if (settings.backend !== engine.settings.backend) throw new RangeError('the compute backend cannot change in a running engine; restart it instead');
        } catch (error) {
          rejected(message.requestId, error);
          break;
        }
        engine.reset(settings);
        this.configure();
        applied(message.requestId);
        this.postFrame();
        this.postWeights();
        break;
      }
      case 'setHyperparameters': {
        let hyperparameters;
        try {
          hyperparameters = parseHyperparameters(message.hyperparameters);
        } catch (error) {
          rejected(message.requestId, error);
          break;
        }
        engine.setHyperparameters(hyperparameters);
        applied(message.requestId);
        break;
      }
      case 'checkpoint': {
        const state = encodeCheckpoint(engine.snapshot());
        post({ type: 'checkpoint', requestId: message.requestId, tick: engine.tick, state }, [bufferOf(state)]);
        break;
      }
      case 'stop':
        this.stop();
        post({ type: 'stopped' });
        port.close();
        break;
    }
  }
}

async function main(): Promise<void> {
  const restored = data.restore ? decodeCheckpoint(data.restore) : null;
  const settings = restored?.settings ?? settingsOf(data.config);
  checkEngineSettings(settings);
  const backend = await createEngineBackend(settings.backend, data.resolvedBackend);
  const engine = restored ? LiveEngine.fromSnapshot(restored, backend) : new LiveEngine(settings, data.config.coupling, backend);
  const { reapply } = data;
  if (reapply) {
    if (reapply.coupling !== undefined && reapply.coupling !== engine.coupling) engine.setCoupling(reapply.coupling);
    if (reapply.paused !== undefined) engine.paused = reapply.paused;
    if (reapply.hyperparameters && Object.keys(reapply.hyperparameters).length > 0) engine.setHyperparameters(parseHyperparameters(reapply.hyperparameters));
  }
  const loop = new EngineLoop(engine, backend.description);
  port.on('message', (message: MainToWorkerMessage) => guarded(() => loop.handle(message))());
  post({ type: 'ready', L: engine.settings.L, coupling: engine.coupling, control: loop.control(), backendName: backend.name });
  loop.postFrame();
  loop.postWeights();
}

main().catch(fail);

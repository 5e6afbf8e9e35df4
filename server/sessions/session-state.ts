/**
 * What a session hub relays from its engine and how it broadcasts: the engine's events go to
 * the room (frames and weights volatile) and, identically, to the recorder; a host's control
 * command is broadcast once, with who gave it; the snapshot for late joiners is assembled from
 * the engine's latest frame, weights and metrics; presence broadcasts are coalesced (at most one
 * per PRESENCE_MIN_INTERVAL_MS, the last state always sent); temperature changes and crossings
 * of T_c become markers.
 */
import { CRITICAL_TEMPERATURE } from '../../shared/physics/ising.js';
import type { EngineControlPayload, FramePayload, MetricsPayload, WeightsPayload } from '../../shared/protocol/engine-events.js';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import type {
  ControlPayload,
  EngineStatus,
  PresencePayload,
  SessionSettings,
  TemperaturePayload,
  WelcomePayload,
} from '../../shared/protocol/events.js';
import { TEMPERATURE_LIMITS } from '../../shared/protocol/schemas.js';
import { settingsOf } from '../engine/engine-config.js';
import { EngineUnavailableError, type SessionEngine } from '../engine/session-engine.js';
import type { BroadcastEvent, BroadcastPayload, HubEmit, HubRecorder, MarkerKind } from './hub-types.js';

/** Least time between two presence broadcasts of a session, ms. */
export const PRESENCE_MIN_INTERVAL_MS = 200;

/** The refusal for an engine command that failed. */
export function engineFailure(error: unknown): { ok: false; code: ErrorCode; message: string } {
  if (error instanceof EngineUnavailableError) return { ok: false, code: 'engine-unavailable', message: error.message };
  if (error instanceof RangeError) return { ok: false, code: 'invalid-payload', message: error.message };
  return { ok: false, code: 'internal-error', message: 'the engine failed to apply the command' };
}

type EngineSnapshot = Pick<WelcomePayload, 'settings' | 'temperature' | 'status' | 'control' | 'snapshot' | 'weights' | 'metrics'>;

export class SessionState {
  private recorder: HubRecorder | null = null;
  private presenceTimer: NodeJS.Timeout | null = null;
  private presenceDirty = false;
  private lastTemperature: number;
  /** Host control commands sent to the engine and not yet answered: their `control` is broadcast by the hub, with who. */
  private controlInFlight = 0;
  /** The latest control state, with who caused it. */
  private control: ControlPayload | null = null;
  /** The nickname of a participant id, for marker labels. */
  nicknameOf: (id: string) => string | null = () => null;
  private readonly detachEngine: () => void;

  constructor(
    private readonly engine: SessionEngine,
    private readonly emit: HubEmit,
    private readonly presence: () => PresencePayload,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.lastTemperature = engine.temperature.temperature;
    const onFrame = (frame: FramePayload): void => this.broadcast('frame', { ...frame, emittedAt: Date.now() }, true);
    const onWeights = (weights: WeightsPayload): void => this.broadcast('weights', weights, true);
    const onMetrics = (metrics: MetricsPayload): void => this.broadcast('metrics', metrics);
    const onTemperature = (temperature: TemperaturePayload): void => this.onTemperature(temperature);
    const onStatus = (status: EngineStatus): void => this.broadcast('status', { status });
    const onControl = (control: EngineControlPayload): void => {
      if (this.controlInFlight === 0) this.broadcastControl({ ...control, changedBy: null });
    };
    engine.on('frame', onFrame);
    engine.on('weights', onWeights);
    engine.on('metrics', onMetrics);
    engine.on('temperature', onTemperature);
    engine.on('status', onStatus);
    engine.on('control', onControl);
    this.detachEngine = () => {
      engine.off('frame', onFrame);
      engine.off('weights', onWeights);
      engine.off('metrics', onMetrics);
      engine.off('temperature', onTemperature);
      engine.off('status', onStatus);
      engine.off('control', onControl);
    };
  }

  /**
   * Runs a host's control command; its new control state is broadcast once, with `changedBy`
   * (the engine's own `control` event is not relayed while a command is in flight).
   */
  async runControl(changedBy: string, command: () => Promise<EngineControlPayload>): Promise<EngineControlPayload> {
    this.controlInFlight++;
    try {
      const control = await command();
      this.broadcastControl({ ...control, changedBy });
      return control;
    } finally {
      this.controlInFlight--;
    }
  }

  attachRecorder(recorder: HubRecorder): () => void {
    this.recorder = recorder;
    return () => {
      if (this.recorder === recorder) this.recorder = null;
    };
  }

  /** Sends `event` to the room and the recorder. A failure to encode is logged, never thrown into the engine. */
  broadcast<E extends BroadcastEvent>(event: E, payload: BroadcastPayload<E>, volatile = false): void {
    try {
      this.emit(event, payload, { volatile });
    } catch (error) {
      this.log(`rgflow session: could not broadcast ${event}: ${String(error)}`);
    }
    try {
      this.recorder?.record(event, payload);
    } catch (error) {
      this.log(`rgflow session: the recorder failed on ${event}: ${String(error)}`);
    }
  }

  private broadcastControl(control: ControlPayload): void {
    this.control = control;
    this.broadcast('control', control);
  }

  marker(kind: MarkerKind, label: string): void {
    try {
      this.recorder?.marker(kind, label);
    } catch (error) {
      this.log(`rgflow session: the recorder failed on a marker: ${String(error)}`);
    }
  }

  /** Presence changed: broadcast now, or once the minimum interval has passed. */
  presenceChanged(): void {
    if (this.presenceTimer) {
      this.presenceDirty = true;
      return;
    }
    this.broadcast('presence', this.presence());
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      if (!this.presenceDirty) return;
      this.presenceDirty = false;
      this.presenceChanged();
    }, PRESENCE_MIN_INTERVAL_MS);
    this.presenceTimer.unref();
  }

  engineSnapshot(): EngineSnapshot {
    return {
      settings: this.settings(),
      temperature: this.engine.temperature,
      status: this.engine.engineStatus,
      control: this.control ?? (this.engine.control ? { ...this.engine.control, changedBy: null } : null),
      snapshot: this.engine.latestFrame,
      weights: this.engine.latestWeights,
      metrics: this.engine.latestMetrics,
    };
  }

  logEngineFailure(what: string, error: unknown): void {
    if (error instanceof EngineUnavailableError) return;
    this.log(`rgflow session: ${what} failed: ${String(error)}`);
  }

  detach(): void {
    this.detachEngine();
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    this.presenceTimer = null;
    this.recorder = null;
  }

  private settings(): SessionSettings {
    const settings = this.engine.control?.settings ?? settingsOf(this.engine.config);
    return { ...settings, temperatureLimits: { min: TEMPERATURE_LIMITS.min, max: TEMPERATURE_LIMITS.max } };
  }

  private onTemperature(temperature: TemperaturePayload): void {
    this.broadcast('temperature', temperature);
    const previous = this.lastTemperature;
    const next = temperature.temperature;
    this.lastTemperature = next;
    const by =
      temperature.changedBy === null ? '' : temperature.changedBy === 'vote' ? ' by the vote' : ` by ${this.nicknameOf(temperature.changedBy) ?? 'a participant'}`;
    this.marker('temperature', `T = ${next.toFixed(3)} (K = ${temperature.coupling.toFixed(4)})${by}`);
    if ((previous - CRITICAL_TEMPERATURE) * (next - CRITICAL_TEMPERATURE) < 0) {
      const direction = next > previous ? 'upward' : 'downward';
      this.marker('critical-crossing', `crossed T_c ≈ ${CRITICAL_TEMPERATURE.toFixed(3)} ${direction}: T ${previous.toFixed(3)} → ${next.toFixed(3)}`);
    }
  }
}

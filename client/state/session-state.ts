/**
 * What the page knows of a session, fed by live events (net/connection.ts) or by a replay
 * (the same event types from a recording): the latest of everything, the decoded network, and
 * the short histories the plots draw. Views subscribe to what they draw and never talk to each
 * other or to the socket. `apply(type, payload)` takes any broadcast event by name; a keyframe
 * or `welcome` goes through `load`.
 */
import type { FramePayload, MetricsPayload, WeightsPayload } from '../../shared/protocol/engine-events.js';
import type {
  ControlPayload,
  EngineStatus,
  PolicyPayload,
  PresencePayload,
  Role,
  SessionSettings,
  TemperaturePayload,
  VoteTally,
  WelcomePayload,
} from '../../shared/protocol/events.js';
import { decodeNetwork, type DecodedNetwork } from '../model/network.js';

/** Everything a view may listen to, and what it receives. */
export interface StateEvents {
  /** A full snapshot was loaded (welcome, keyframe, or the switch between live and replay). */
  load: SessionState;
  frame: FramePayload;
  /** A new weight snapshot, decoded. */
  network: DecodedNetwork;
  metrics: MetricsPayload;
  temperature: TemperaturePayload;
  policy: PolicyPayload;
  vote: VoteTally;
  presence: PresencePayload;
  control: ControlPayload;
  status: EngineStatus;
}

type Listener<T> = (value: T) => void;

/** One point of the plotted histories (metrics arrive about once a second). */
export interface HistoryPoint {
  /** When the metrics arrived, s (live: page time, performance.now()/1000; replay: recording time). */
  t: number;
  metrics: MetricsPayload;
}

/** How many metrics points the plots keep (10 minutes at 1 Hz). */
export const HISTORY_LENGTH = 600;

/** The identity part of a snapshot; absent fields keep their value. */
export type SessionSnapshot = Partial<Omit<WelcomePayload, 'protocolVersion'>>;

export class SessionState {
  sessionId = '';
  sessionCode = '';
  sessionName = '';
  clientId: string | null = null;
  nickname = '';
  role: Role = 'student';
  settings: SessionSettings | null = null;
  temperature: TemperaturePayload | null = null;
  policy: PolicyPayload | null = null;
  vote: VoteTally | null = null;
  presence: PresencePayload | null = null;
  status: EngineStatus = 'starting';
  control: ControlPayload | null = null;
  frame: FramePayload | null = null;
  metrics: MetricsPayload | null = null;
  weights: WeightsPayload | null = null;
  network: DecodedNetwork | null = null;
  readonly history: HistoryPoint[] = [];
  private readonly listeners = new Map<keyof StateEvents, Set<Listener<never>>>();

  /** Calls `listener` on every `event`; returns the function that stops it. */
  on<E extends keyof StateEvents>(event: E, listener: Listener<StateEvents[E]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Linear lattice size, 0 before the first snapshot. */
  get L(): number {
    return this.settings?.L ?? 0;
  }

  /** Replaces the plotted history by a copy of `points` (coming back from a replay to live). */
  adoptHistory(points: readonly HistoryPoint[]): void {
    this.history.length = 0;
    this.history.push(...points);
    this.emit('load', this);
  }

  /** The state as a snapshot `load` takes (to switch a view back from a replay to live). */
  toSnapshot(): SessionSnapshot {
    return {
      sessionId: this.sessionId,
      sessionCode: this.sessionCode,
      sessionName: this.sessionName,
      ...(this.clientId !== null ? { clientId: this.clientId } : {}),
      nickname: this.nickname,
      role: this.role,
      ...(this.settings ? { settings: this.settings } : {}),
      ...(this.temperature ? { temperature: this.temperature } : {}),
      ...(this.policy ? { policy: this.policy } : {}),
      ...(this.vote ? { vote: this.vote } : {}),
      ...(this.presence ? { presence: this.presence } : {}),
      status: this.status,
      control: this.control,
      snapshot: this.frame,
      weights: this.weights,
      metrics: this.metrics,
    };
  }

  /** Replaces the state by a snapshot (`welcome`, or a replay keyframe); `now` stamps its metrics, s. */
  load(snapshot: SessionSnapshot, now: number): void {
    if (snapshot.sessionId !== undefined) this.sessionId = snapshot.sessionId;
    if (snapshot.sessionCode !== undefined) this.sessionCode = snapshot.sessionCode;
    if (snapshot.sessionName !== undefined) this.sessionName = snapshot.sessionName;
    if (snapshot.clientId !== undefined) this.clientId = snapshot.clientId;
    if (snapshot.nickname !== undefined) this.nickname = snapshot.nickname;
    if (snapshot.role !== undefined) this.role = snapshot.role;
    if (snapshot.settings !== undefined) this.settings = snapshot.settings;
    if (snapshot.temperature !== undefined) this.temperature = snapshot.temperature;
    if (snapshot.policy !== undefined) this.policy = snapshot.policy;
    if (snapshot.vote !== undefined) this.vote = snapshot.vote;
    if (snapshot.presence !== undefined) this.presence = snapshot.presence;
    if (snapshot.status !== undefined) this.status = snapshot.status;
    if (snapshot.control !== undefined) this.control = snapshot.control;
    if (snapshot.snapshot !== undefined) this.frame = snapshot.snapshot;
    this.history.length = 0;
    this.metrics = null;
    if (snapshot.metrics) this.addMetrics(snapshot.metrics, now);
    if (snapshot.weights) this.setWeights(snapshot.weights);
    else if (snapshot.weights === null) {
      // A snapshot without weights (a replay before its first snapshot, a view that did not ask): none drawn.
      this.weights = null;
      this.network = null;
    }
    this.emit('load', this);
  }

  /** Applies one broadcast event by name (live or replayed); `now` in seconds. Unknown names are ignored. */
  apply(type: string, payload: unknown, now: number): void {
    switch (type) {
      case 'frame':
        this.frame = payload as FramePayload;
        this.emit('frame', this.frame);
        break;
      case 'weights':
        this.setWeights(payload as WeightsPayload);
        break;
      case 'metrics':
        this.addMetrics(payload as MetricsPayload, now);
        break;
      case 'temperature':
        this.temperature = payload as TemperaturePayload;
        this.emit('temperature', this.temperature);
        break;
      case 'policy':
        this.policy = payload as PolicyPayload;
        this.emit('policy', this.policy);
        break;
      case 'vote':
        this.vote = payload as VoteTally;
        this.emit('vote', this.vote);
        break;
      case 'presence':
        this.presence = payload as PresencePayload;
        this.emit('presence', this.presence);
        break;
      case 'control': {
        this.control = payload as ControlPayload;
        if (this.settings) this.settings = { ...this.settings, ...this.control.settings };
        this.emit('control', this.control);
        break;
      }
      case 'status':
        this.status = (payload as { status: EngineStatus }).status;
        this.emit('status', this.status);
        break;
      default:
        break;
    }
  }

  private setWeights(weights: WeightsPayload): void {
    this.weights = weights;
    if (this.L === 0) return;
    this.network = decodeNetwork(weights, this.L);
    this.emit('network', this.network);
  }

  private addMetrics(metrics: MetricsPayload, now: number): void {
    this.metrics = metrics;
    this.history.push({ t: now, metrics });
    if (this.history.length > HISTORY_LENGTH) this.history.splice(0, this.history.length - HISTORY_LENGTH);
    this.emit('metrics', metrics);
  }

  private emit<E extends keyof StateEvents>(event: E, value: StateEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) (listener as Listener<StateEvents[E]>)(value);
  }
}

/**
 * One live session: its engine, its temperature policy, its participants and its host token
 * hash. Every command is a method that authorizes the actor and returns a typed result (never
 * throws for a refused command); everything the session broadcasts goes through the injected
 * `emit` and, when a recorder is attached, into `record` — the same events, in the same order —
 * with markers for temperature changes, crossings of T_c, policy changes and host actions.
 * No sockets here: the realtime layer turns results into acks and `error` events.
 */
import type { EngineControlPayload, Hyperparameters, WeightsPayload } from '../../shared/protocol/engine-events.js';
import type { ResetSettingsInput } from '../../shared/protocol/engine-schemas.js';
import type { PolicyMode, PolicyPayload, Role, SessionSummary, WelcomePayload } from '../../shared/protocol/events.js';
import { TEMPERATURE_LIMITS } from '../../shared/protocol/schemas.js';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import type { EngineCheckpoint, SessionEngine } from '../engine/session-engine.js';
import { generateNickname } from './nicknames.js';
import { Roster } from './roster.js';
import { TemperaturePolicy } from './temperature-policy.js';
import { VoteClock } from './vote-clock.js';
import { hashesEqual, type RandomInt } from './tokens.js';
import { engineFailure, SessionState } from './session-state.js';
import type { SessionPort } from './session-port.js';
import type { ShareCameraPayload } from '../../shared/protocol/schemas.js';
import { fail, success, type Actor, type HubEmit, type HubRecorder, type HubResult, type ProposalOutcome, type SavedSession } from './hub-types.js';

export type * from './hub-types.js';

export interface SessionHubOptions {
  id: string;
  /** Join code, unique among live sessions. */
  code: string;
  name: string;
  engine: SessionEngine;
  /** SHA-256 (hex) of the session's host token. */
  hostTokenHash: string;
  emit: HubEmit;
  policy?: PolicyMode;
  /** Participants admitted at most (default 500). */
  maxParticipants?: number;
  /** How long a participant whose connection dropped is kept for recovery, ms (default 2 min). */
  recoveryWindowMs?: number;
  /** Clock, ms since the Unix epoch (default Date.now). */
  now?: () => number;
  /** Uniform integers in [0, max), for generated nicknames. */
  random: RandomInt;
  createdAt?: number;
  log?: (line: string) => void;
}

/** Extra time a dropped participant is kept beyond the recovery window, ms. */
const RECOVERY_SLACK_MS = 5_000;

export class SessionHub implements SessionPort {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly createdAt: number;
  readonly engine: SessionEngine;
  private readonly hostTokenHash: string;
  private readonly policy: TemperaturePolicy;
  private readonly roster: Roster;
  private readonly state: SessionState;
  private policyChangedBy: string | null = null;
  private readonly now: () => number;
  private readonly random: RandomInt;
  private readonly maxParticipants: number;
  private readonly recoveryWindowMs: number;
  private readonly dropTimers = new Map<string, NodeJS.Timeout>();
  private readonly vote: VoteClock;
  private readonly emit: HubEmit;
  private closed = false;

  constructor(options: SessionHubOptions) {
    this.id = options.id;
    this.code = options.code;
    this.name = options.name;
    this.engine = options.engine;
    this.hostTokenHash = options.hostTokenHash;
    this.emit = options.emit;
    this.now = options.now ?? Date.now;
    this.random = options.random;
    this.createdAt = options.createdAt ?? this.now();
    this.maxParticipants = options.maxParticipants ?? 500;
    this.recoveryWindowMs = options.recoveryWindowMs ?? 120_000;
    this.policy = new TemperaturePolicy({ mode: options.policy ?? 'free', now: this.now });
    this.roster = new Roster(this.now);
    this.state = new SessionState(options.engine, options.emit, () => this.roster.presence(), options.log);
    this.state.nicknameOf = (id) => this.roster.get(id)?.nickname ?? null;
    this.vote = new VoteClock(this.policy, options.engine, this.state);
    if (this.policy.mode === 'vote') this.vote.start();
  }

  /** Attaches the recorder (the lead's wiring); returns a function that detaches it. */
  attachRecorder(recorder: HubRecorder): () => void {
    return this.state.attachRecorder(recorder);
  }

  get participantCount(): number {
    return this.roster.connectedCount;
  }

  get policyMode(): PolicyMode {
    return this.policy.mode;
  }

  /** True when `hash` is this session's host token hash (constant time). */
  isHostTokenHash(hash: string | null): boolean {
    return hash !== null && hashesEqual(hash, this.hostTokenHash);
  }

  /**
   * Admits participant `id` (a new connection) and returns its welcome. Its role is `host` when
   * `hostTokenHash` is this session's; the nickname is generated when none is given. The welcome
   * carries the latest weights only `withWeights` (about 1 MB; see `subscribe`).
   */
  join(id: string, nickname: string | undefined, hostTokenHash: string | null, withWeights = true): HubResult<WelcomePayload> {
    if (this.closed) return fail('not-found', 'this session has ended');
    if (this.roster.wasRemoved(id)) return fail('forbidden', 'you were removed from this session');
    if (this.roster.size >= this.maxParticipants) return fail('session-full', `this session admits ${this.maxParticipants} participants`);
    if (hostTokenHash !== null && !this.isHostTokenHash(hostTokenHash)) return fail('unauthorized', 'wrong host token');
    const role: Role = hostTokenHash !== null ? 'host' : 'student';
    const name = nickname ?? generateNickname(this.random, (taken) => this.roster.hasNickname(taken));
    const participant = this.roster.add(id, name, role, hostTokenHash, this.now());
    this.state.presenceChanged();
    const snapshot = this.snapshot();
    return success({ ...snapshot, ...(withWeights ? {} : { weights: null }), clientId: id, nickname: participant.nickname, role });
  }

  /** Ids of the participants whose connection is up (to reconcile with the live sockets). */
  connectedParticipantIds(): string[] {
    return this.roster
      .presence()
      .participants.filter((participant) => participant.connected)
      .map((participant) => participant.id);
  }

  /** The latest weight snapshot, null before the first. */
  latestWeights(): WeightsPayload | null {
    return this.engine.latestWeights;
  }

  /** Participant `id`'s connection was recovered (same id, rooms and data). */
  reconnect(id: string): HubResult<void> {
    if (this.closed) return fail('not-found', 'this session has ended');
    if (this.roster.wasRemoved(id)) return fail('forbidden', 'you were removed from this session');
    this.clearDropTimer(id);
    if (!this.roster.setConnected(id, true)) return fail('not-found', 'you are no longer a participant of this session; reconnect');
    this.state.presenceChanged();
    return success(undefined);
  }

  /**
   * Participant `id`'s connection closed. When it may be recovered it stays listed (not
   * connected) for the recovery window; otherwise it leaves now.
   */
  disconnect(id: string, recoverable: boolean): void {
    if (this.closed || !this.roster.get(id)) return;
    if (!recoverable) {
      this.leave(id);
      return;
    }
    this.roster.setConnected(id, false);
    this.clearDropTimer(id);
    const timer = setTimeout(() => this.leave(id), this.recoveryWindowMs + RECOVERY_SLACK_MS);
    timer.unref();
    this.dropTimers.set(id, timer);
    this.state.presenceChanged();
  }

  /** Proposes temperature T (J/k_B): applied now, recorded as a vote, or refused, by the policy. */
  async proposeTemperature(actor: Actor, temperature: number): Promise<HubResult<ProposalOutcome>> {
    const participant = this.roster.get(actor.id);
    if (!participant) return fail('not-found', 'you are not a participant of this session');
    const role: Role = this.isHostTokenHash(actor.hostTokenHash) ? 'host' : 'student';
    const decision = this.policy.decide(actor.id, role, temperature);
    if (decision.action === 'refuse') {
      return decision.reason === 'locked'
        ? fail('forbidden', 'the host has locked the temperature')
        : fail('invalid-payload', `the temperature must lie in [${TEMPERATURE_LIMITS.min}, ${TEMPERATURE_LIMITS.max}]`);
    }
    if (decision.action === 'vote') return success({ outcome: 'proposed', temperature });
    try {
      const applied = await this.engine.setTemperature(decision.temperature, actor.id);
      return success({ outcome: 'applied', temperature: applied.temperature, coupling: applied.coupling });
    } catch (error) {
      return engineFailure(error);
    }
  }

  /** Host only: switches the temperature policy. */
  setPolicy(actor: Actor, mode: PolicyMode): HubResult<PolicyMode> {
    const refused = this.authorizeHost(actor);
    if (refused) return refused;
    if (this.policy.setMode(mode)) {
      this.policyChangedBy = actor.id;
      this.state.broadcast('policy', this.policyPayload());
      this.state.marker('policy', `temperature policy: ${mode}`);
      if (mode === 'vote') this.vote.start();
      else this.vote.stop();
      this.vote.broadcast(this.policy.tally());
    }
    return success(mode);
  }

  pause(actor: Actor): Promise<HubResult<EngineControlPayload>> {
    return this.control(actor, 'paused', () => this.engine.pause());
  }

  resume(actor: Actor): Promise<HubResult<EngineControlPayload>> {
    return this.control(actor, 'resumed', () => this.engine.resume());
  }

  step(actor: Actor, ticks: number): Promise<HubResult<EngineControlPayload>> {
    return this.control(actor, `stepped ${ticks} tick${ticks === 1 ? '' : 's'}`, () => this.engine.step(ticks));
  }

  reset(actor: Actor, settings: ResetSettingsInput): Promise<HubResult<EngineControlPayload>> {
    const changed = Object.keys(settings);
    return this.control(actor, changed.length > 0 ? `reset (${changed.join(', ')})` : 'reset', () => this.engine.reset(settings));
  }

  setHyperparameters(actor: Actor, hyperparameters: Hyperparameters): Promise<HubResult<EngineControlPayload>> {
    const label = Object.entries(hyperparameters)
      .map(([key, value]) => `${key} = ${String(value)}`)
      .join(', ');
    return this.control(actor, `hyper-parameters: ${label}`, () => this.engine.setHyperparameters(hyperparameters));
  }

  /** Host only: shares the host's 3D camera with every page following the host (volatile, not recorded). */
  shareCamera(actor: Actor, camera: ShareCameraPayload): HubResult<void> {
    const refused = this.authorizeHost(actor);
    if (refused) return refused;
    this.emit('camera', { ...camera, by: actor.id }, { volatile: true });
    return success(undefined);
  }

  /** Host only: removes participant `targetId` (the caller disconnects its socket). */
  removeParticipant(actor: Actor, targetId: string): HubResult<{ id: string; nickname: string }> {
    const refused = this.authorizeHost(actor);
    if (refused) return refused;
    if (targetId === actor.id) return fail('invalid-payload', 'a host cannot remove itself');
    const target = this.roster.get(targetId);
    if (!target) return fail('not-found', 'no such participant');
    this.clearDropTimer(targetId);
    this.roster.remove(targetId, this.recoveryWindowMs + RECOVERY_SLACK_MS);
    this.policy.withdraw(targetId);
    this.state.presenceChanged();
    this.state.marker('host-action', `removed ${target.nickname}`);
    return success({ id: targetId, nickname: target.nickname });
  }

  /** Everything a client needs to render the session now, without the per-client fields. */
  snapshot(): Omit<WelcomePayload, 'clientId' | 'nickname' | 'role'> {
    return {
      protocolVersion: PROTOCOL_VERSION,
      sessionId: this.id,
      sessionCode: this.code,
      sessionName: this.name,
      policy: this.policyPayload(),
      vote: this.policy.tally(),
      presence: this.roster.presence(),
      ...this.state.engineSnapshot(),
    };
  }

  /** The public facts of `GET /api/sessions`. */
  summary(): SessionSummary {
    const frame = this.engine.latestFrame;
    const metrics = this.engine.latestMetrics;
    return {
      id: this.id,
      code: this.code,
      name: this.name,
      temperature: this.engine.temperature.temperature,
      policy: this.policy.mode,
      participants: this.roster.connectedCount,
      epoch: metrics?.epochEquivalent ?? 0,
      sweeps: frame?.sweeps ?? 0,
      paused: frame?.paused ?? false,
      status: this.engine.engineStatus,
      createdAt: this.createdAt,
    };
  }

  /** The session's identity and settings, for the store (no engine state: see `checkpoint`). */
  describe(): SavedSession {
    return {
      id: this.id,
      code: this.code,
      name: this.name,
      createdAt: this.createdAt,
      hostTokenHash: this.hostTokenHash,
      policy: this.policy.mode,
      config: this.engine.config,
    };
  }

  /** The session and its engine state at a tick boundary (the lead's checkpoint timer and SIGTERM call this). */
  async checkpoint(): Promise<{ session: SavedSession; engine: EngineCheckpoint }> {
    const engine = await this.engine.checkpoint();
    return { session: this.describe(), engine };
  }

  /** Stops the timers and the engine; every later command answers `not-found`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.vote.stop();
    for (const timer of this.dropTimers.values()) clearTimeout(timer);
    this.dropTimers.clear();
    this.state.detach();
    await this.engine.close();
  }

  private leave(id: string): void {
    this.clearDropTimer(id);
    if (!this.roster.remove(id)) return;
    this.policy.withdraw(id);
    this.state.presenceChanged();
  }

  private clearDropTimer(id: string): void {
    const timer = this.dropTimers.get(id);
    if (timer) clearTimeout(timer);
    this.dropTimers.delete(id);
  }

  /** Null when `actor` may act as host; the refusal otherwise. Checked on every host action. */
  private authorizeHost(actor: Actor): HubResult<never> | null {
    if (this.closed) return fail('not-found', 'this session has ended');
    if (!this.roster.get(actor.id)) return fail('not-found', 'you are not a participant of this session');
    if (!this.isHostTokenHash(actor.hostTokenHash)) return fail('forbidden', 'only the host may do this');
    return null;
  }

  private async control(actor: Actor, label: string, command: () => Promise<EngineControlPayload>): Promise<HubResult<EngineControlPayload>> {
    const refused = this.authorizeHost(actor);
    if (refused) return refused;
    try {
      const control = await this.state.runControl(actor.id, command);
      this.state.marker('host-action', label);
      return success(control);
    } catch (error) {
      return engineFailure(error);
    }
  }

  private policyPayload(): PolicyPayload {
    return { mode: this.policy.mode, changedBy: this.policyChangedBy };
  }
}

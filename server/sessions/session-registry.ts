/**
 * Every live session by id and by join code. `createDefault` starts the session `npm start`
 * serves (id `default`); `create` starts another for a host and hands out its join code and
 * host token, once. Sessions other than the default one that nobody has joined for
 * `idleTimeoutMs` are closed. Each session runs its own engine worker, so their number is capped.
 */
import { randomInt } from 'node:crypto';
import type { EngineConfig } from '../../shared/protocol/worker-messages.js';
import type { ResetSettingsInput } from '../../shared/protocol/engine-schemas.js';
import type { PolicyMode } from '../../shared/protocol/events.js';
import { resolveEngineConfig } from '../engine/engine-config.js';
import { SessionEngine, type SessionEngineOptions } from '../engine/session-engine.js';
import { SessionHub, type HubEmit, type SavedSession } from './session-hub.js';
import { generateHostToken, generateJoinCode, generateSessionId, hashHostToken, hostTokenProblem, type RandomInt } from './tokens.js';

/** Id of the session `npm start` creates, joined when a client names none. */
export const DEFAULT_SESSION_ID = 'default';

export interface SessionRegistryOptions {
  /** The broadcast function of session `sessionId` (its Socket.IO room). */
  emitterFor: (sessionId: string) => HubEmit;
  /** Sessions at most, the default one included (default 4). */
  maxSessions?: number;
  /** Participants per session at most (default 500). */
  maxParticipants?: number;
  /** A session other than the default one is closed after this long without participants, ms (default 30 min; 0: never). */
  idleTimeoutMs?: number;
  /** Called with every new session before its engine starts: the place to attach a recorder. */
  onSessionCreated?: (hub: SessionHub) => void;
  /**
   * Called when a session has been closed: `ended` (idle, or closed for good), `shutdown` (this
   * server is stopping; the session is resumed later) or `handed-over` (with --redis: another node
   * now runs it, its participants stay).
   */
  onSessionClosed?: (hub: SessionHub, why: CloseReason) => void;
  /**
   * Awaited before a session's engine starts (with --redis: takes the session's lease, so it runs
   * on exactly one node); a rejection aborts the start with that error.
   */
  beforeStart?: (sessionId: string) => Promise<void>;
  engineOptions?: SessionEngineOptions;
  /** Engine settings every session created with `create` starts from (e.g. the operator's backend and rates). */
  defaults?: Partial<EngineConfig>;
  log?: (line: string) => void;
  random?: RandomInt;
}

/** What a host asks for: a name, an initial temperature T (J/k_B) and any run settings. */
export interface NewSessionSettings extends ResetSettingsInput {
  name?: string;
  temperature?: number;
  /** Remaining engine settings (rates, burn-in, intervals) for the operator and tests; not exposed over REST. */
  engine?: Partial<EngineConfig>;
}

export interface CreatedSession {
  session: SessionHub;
  code: string;
  /** Shown once; the registry keeps only its hash. */
  hostToken: string;
}

/** How a session is started: its identity, secrets and engine. */
interface StartSpec {
  id: string;
  settings: NewSessionSettings;
  hostTokenHash: string;
  /** The host token to hand back, when the registry made or was given it (not on a restore). */
  hostToken: string;
  code?: string;
  createdAt?: number;
  policy?: PolicyMode;
  /** An engine checkpoint to continue from. */
  restore?: Uint8Array;
}

export type CloseReason = 'ended' | 'shutdown' | 'handed-over';

export class TooManySessionsError extends Error {
  override readonly name = 'TooManySessionsError';
}

const IDLE_SWEEP_MS = 60_000;

export class SessionRegistry {
  private readonly byId = new Map<string, SessionHub>();
  private readonly byCode = new Map<string, SessionHub>();
  /** Join codes and ids reserved by sessions whose engine is starting. */
  private readonly reservedCodes = new Set<string>();
  private readonly reservedIds = new Set<string>();
  private readonly emptySince = new Map<string, number>();
  private readonly sweepTimer: NodeJS.Timeout | null;
  private readonly random: RandomInt;
  private readonly log: (line: string) => void;
  private closing = false;

  constructor(private readonly options: SessionRegistryOptions) {
    this.random = options.random ?? ((max) => randomInt(max));
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    const idle = options.idleTimeoutMs ?? 30 * 60_000;
    this.sweepTimer = idle > 0 ? setInterval(() => this.closeIdle(idle), Math.min(IDLE_SWEEP_MS, idle)) : null;
    this.sweepTimer?.unref();
  }

  get(id: string): SessionHub | undefined {
    return this.byId.get(id);
  }

  /** The session with join code `code` (upper case, as parsed by joinCodeSchema). */
  getByCode(code: string): SessionHub | undefined {
    return this.byCode.get(code);
  }

  get defaultSession(): SessionHub | undefined {
    return this.byId.get(DEFAULT_SESSION_ID);
  }

  list(): SessionHub[] {
    return [...this.byId.values()];
  }

  /**
   * Starts the default session. `hostToken` (from `--host-token` / RGFLOW_HOST_TOKEN) lets a
   * teacher control it across restarts; without one a fresh token is generated.
   * Rejects with a RangeError for a bad setting or an unacceptable host token.
   */
  createDefault(settings: NewSessionSettings = {}, hostToken?: string): Promise<CreatedSession> {
    if (hostToken !== undefined) {
      const problem = hostTokenProblem(hostToken);
      if (problem) return Promise.reject(new RangeError(problem));
    }
    const token = hostToken ?? generateHostToken();
    return this.start({ id: DEFAULT_SESSION_ID, settings: { name: 'Default session', ...settings }, hostToken: token, hostTokenHash: hashHostToken(token) });
  }

  /** Starts a new session. Rejects with TooManySessionsError when full, RangeError for a bad setting. */
  create(settings: NewSessionSettings = {}): Promise<CreatedSession> {
    let id = generateSessionId();
    while (this.byId.has(id) || this.reservedIds.has(id)) id = generateSessionId();
    const hostToken = generateHostToken();
    const engine = { ...this.options.defaults, ...settings.engine };
    return this.start({ id, settings: { ...settings, engine }, hostToken, hostTokenHash: hashHostToken(hostToken) });
  }

  /**
   * Restarts a saved session (startup resume): same id, name, join code (unless a live session
   * took it), host token hash and policy, its engine continuing from `checkpoint` when given
   * (else from `saved.config`). The returned host token is empty: only its hash was kept.
   * With `hostToken` (the default session's, from --host-token), that token replaces the saved hash.
   */
  restore(saved: SavedSession, checkpoint: Uint8Array | null, hostToken?: string): Promise<CreatedSession> {
    const problem = hostToken === undefined ? null : hostTokenProblem(hostToken);
    if (problem) return Promise.reject(new RangeError(problem));
    return this.start({
      id: saved.id,
      settings: { name: saved.name, engine: saved.config },
      hostToken: hostToken ?? '',
      hostTokenHash: hostToken !== undefined ? hashHostToken(hostToken) : saved.hostTokenHash,
      code: saved.code,
      createdAt: saved.createdAt,
      policy: saved.policy,
      restore: checkpoint ?? undefined,
    });
  }

  /** Closes session `id` (what becomes of its participants is `onSessionClosed`'s business). */
  async close(id: string, why: CloseReason = 'ended'): Promise<void> {
    const hub = this.byId.get(id);
    if (!hub) return;
    this.byId.delete(id);
    this.byCode.delete(hub.code);
    this.emptySince.delete(id);
    await hub.close();
    this.options.onSessionClosed?.(hub, why);
  }

  /** Closes every session (`shutdown`) and stops the idle sweep. */
  async closeAll(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await Promise.all([...this.byId.keys()].map((id) => this.close(id, 'shutdown')));
  }

  private async start(spec: StartSpec): Promise<CreatedSession> {
    const { id, settings } = spec;
    if (this.closing) throw new TooManySessionsError('the server is shutting down');
    if (this.byId.has(id) || this.reservedIds.has(id)) throw new RangeError(`session ${id} is already running`);
    const maxSessions = this.options.maxSessions ?? 4;
    if (this.byId.size + this.reservedIds.size >= maxSessions) {
      throw new TooManySessionsError(`this server runs at most ${maxSessions} sessions`);
    }
    const { name, temperature, engine: engineOverrides, ...run } = settings;
    const config = resolveEngineConfig({
      ...engineOverrides,
      ...run,
      ...(temperature !== undefined ? { coupling: 1 / temperature } : {}),
    });
    const taken = (candidate: string): boolean => this.byCode.has(candidate) || this.reservedCodes.has(candidate);
    const code = spec.code !== undefined && !taken(spec.code) ? spec.code : generateJoinCode(taken, this.random);
    this.reservedCodes.add(code);
    this.reservedIds.add(id);
    if (this.options.beforeStart) {
      try {
        await this.options.beforeStart(id);
      } catch (error) {
        this.reservedCodes.delete(code);
        this.reservedIds.delete(id);
        throw error;
      }
    }
    const engine = new SessionEngine(config, { log: this.log, ...this.options.engineOptions, ...(spec.restore ? { restore: spec.restore } : {}) });
    const hub = new SessionHub({
      id,
      code,
      name: name ?? `Session ${code}`,
      engine,
      hostTokenHash: spec.hostTokenHash,
      emit: this.options.emitterFor(id),
      random: this.random,
      maxParticipants: this.options.maxParticipants,
      policy: spec.policy ?? 'free',
      createdAt: spec.createdAt,
      log: this.log,
    });
    try {
      this.options.onSessionCreated?.(hub);
      await engine.start();
    } catch (error) {
      await hub.close().catch(() => undefined);
      throw error;
    } finally {
      this.reservedCodes.delete(code);
      this.reservedIds.delete(id);
    }
    if (this.closing) {
      await hub.close();
      throw new TooManySessionsError('the server is shutting down');
    }
    this.byId.set(id, hub);
    this.byCode.set(code, hub);
    return { session: hub, code, hostToken: spec.hostToken };
  }

  private closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const hub of this.byId.values()) {
      if (hub.id === DEFAULT_SESSION_ID || hub.participantCount > 0) {
        this.emptySince.delete(hub.id);
        continue;
      }
      const since = this.emptySince.get(hub.id) ?? now;
      this.emptySince.set(hub.id, since);
      if (now - since >= idleMs) {
        this.log(`rgflow: closing session ${hub.code} (${hub.name}): nobody for ${Math.round(idleMs / 60_000)} min`);
        void this.close(hub.id);
      }
    }
  }
}

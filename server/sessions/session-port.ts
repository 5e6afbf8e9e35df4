/**
 * What the realtime edge needs of a session: its commands, each answered with a HubResult.
 * On one node the port is the SessionHub itself; with `--redis` a session may run on another
 * node, and the port forwards every command to the node that owns it (scale/remote-session.ts).
 * Results may be immediate or promised; callers always await them.
 */
import type { EngineControlPayload, Hyperparameters, WeightsPayload } from '../../shared/protocol/engine-events.js';
import type { ResetSettingsInput } from '../../shared/protocol/engine-schemas.js';
import type { PolicyMode, WelcomePayload } from '../../shared/protocol/events.js';
import type { ShareCameraPayload } from '../../shared/protocol/schemas.js';
import type { Actor, HubResult, ProposalOutcome } from './hub-types.js';

type Maybe<T> = T | Promise<T>;

export interface SessionPort {
  readonly id: string;
  /** True when `hash` is the session's host token hash (constant time). */
  isHostTokenHash(hash: string | null): boolean;
  /** Admits participant `id`; the welcome carries the latest weights only when `withWeights`. */
  join(id: string, nickname: string | undefined, hostTokenHash: string | null, withWeights?: boolean): Maybe<HubResult<WelcomePayload>>;
  /** Participant `id`'s connection was recovered. */
  reconnect(id: string): Maybe<HubResult<void>>;
  /** Participant `id`'s connection closed (`recoverable`: it may come back within the recovery window). */
  disconnect(id: string, recoverable: boolean): void;
  proposeTemperature(actor: Actor, temperature: number): Maybe<HubResult<ProposalOutcome>>;
  setPolicy(actor: Actor, mode: PolicyMode): Maybe<HubResult<PolicyMode>>;
  pause(actor: Actor): Maybe<HubResult<EngineControlPayload>>;
  resume(actor: Actor): Maybe<HubResult<EngineControlPayload>>;
  step(actor: Actor, ticks: number): Maybe<HubResult<EngineControlPayload>>;
  reset(actor: Actor, settings: ResetSettingsInput): Maybe<HubResult<EngineControlPayload>>;
  setHyperparameters(actor: Actor, hyperparameters: Hyperparameters): Maybe<HubResult<EngineControlPayload>>;
  removeParticipant(actor: Actor, targetId: string): Maybe<HubResult<{ id: string; nickname: string }>>;
  /** Host only: broadcasts the host's camera (volatile, not recorded). */
  shareCamera(actor: Actor, camera: ShareCameraPayload): Maybe<HubResult<void>>;
  /** The latest weight snapshot, null before the first. */
  latestWeights(): Maybe<WeightsPayload | null>;
}

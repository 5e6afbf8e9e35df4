/**
 * A session as seen from any node of a cluster (with --redis): each command goes to the local
 * hub when this node runs the session, else through `cluster:call` to the node that does. The
 * choice is made per command, so a connection keeps working when its session moves to another
 * node (the new owner's `cluster:resync` re-admits it). An owner that cannot be reached answers
 * `engine-unavailable`; nothing changed.
 */
import type { EngineControlPayload, Hyperparameters, WeightsPayload } from '../../shared/protocol/engine-events.js';
import type { ResetSettingsInput } from '../../shared/protocol/engine-schemas.js';
import type { PolicyMode, WelcomePayload } from '../../shared/protocol/events.js';
import type { ShareCameraPayload } from '../../shared/protocol/schemas.js';
import { fail, type Actor, type HubResult, type ProposalOutcome } from '../sessions/hub-types.js';
import type { SessionPort } from '../sessions/session-port.js';
import type { SessionRegistry } from '../sessions/session-registry.js';
import { hashesEqual } from '../sessions/tokens.js';
import type { ClusterCall, LiveServer } from '../realtime/socket-server.js';
import { callOwner, type ClusterMethod } from './cluster-rpc.js';

const UNREACHABLE = 'the server running this session cannot be reached just now; nothing changed — try again in a few seconds';

export class ClusterSession implements SessionPort {
  constructor(
    readonly id: string,
    private readonly hostTokenHash: string,
    private readonly io: LiveServer,
    private readonly registry: SessionRegistry,
  ) {}

  isHostTokenHash(hash: string | null): boolean {
    return hash !== null && hashesEqual(hash, this.hostTokenHash);
  }

  join(id: string, nickname: string | undefined, hostTokenHash: string | null, withWeights = true): Promise<HubResult<WelcomePayload>> {
    return this.run('join', [id, nickname, hostTokenHash, withWeights]);
  }

  reconnect(id: string): Promise<HubResult<void>> {
    return this.run('reconnect', [id]);
  }

  disconnect(id: string, recoverable: boolean): void {
    void this.forward('disconnect', [id, recoverable]);
  }

  proposeTemperature(actor: Actor, temperature: number): Promise<HubResult<ProposalOutcome>> {
    return this.run('proposeTemperature', [actor, temperature]);
  }

  setPolicy(actor: Actor, mode: PolicyMode): Promise<HubResult<PolicyMode>> {
    return this.run('setPolicy', [actor, mode]);
  }

  pause(actor: Actor): Promise<HubResult<EngineControlPayload>> {
    return this.run('pause', [actor]);
  }

  resume(actor: Actor): Promise<HubResult<EngineControlPayload>> {
    return this.run('resume', [actor]);
  }

  step(actor: Actor, ticks: number): Promise<HubResult<EngineControlPayload>> {
    return this.run('step', [actor, ticks]);
  }

  reset(actor: Actor, settings: ResetSettingsInput): Promise<HubResult<EngineControlPayload>> {
    return this.run('reset', [actor, settings]);
  }

  setHyperparameters(actor: Actor, hyperparameters: Hyperparameters): Promise<HubResult<EngineControlPayload>> {
    return this.run('setHyperparameters', [actor, hyperparameters]);
  }

  removeParticipant(actor: Actor, targetId: string): Promise<HubResult<{ id: string; nickname: string }>> {
    return this.run('removeParticipant', [actor, targetId]);
  }

  shareCamera(actor: Actor, camera: ShareCameraPayload): Promise<HubResult<void>> {
    return this.run('shareCamera', [actor, camera]);
  }

  async latestWeights(): Promise<WeightsPayload | null> {
    const value = await this.forward('latestWeights', []);
    return (value as WeightsPayload | null | undefined) ?? null;
  }

  /** A command answered with a HubResult: the local hub's, the owner's, or `engine-unavailable`. */
  private async run<T>(method: ClusterMethod, args: unknown[]): Promise<HubResult<T>> {
    const value = await this.forward(method, args);
    return value === undefined ? fail('engine-unavailable', UNREACHABLE) : (value as HubResult<T>);
  }

  /** The method's value, from the local hub or the owner; undefined when the owner did not answer. */
  private async forward(method: ClusterMethod, args: unknown[]): Promise<unknown> {
    const local = this.registry.get(this.id);
    if (local) return await (local[method] as (...a: unknown[]) => unknown).apply(local, args);
    const call: ClusterCall = { sessionId: this.id, method, args };
    return await callOwner(this.io, call);
  }
}

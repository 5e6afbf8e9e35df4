/**
 * The vote's clock: while a session is in `vote` mode, every VOTE_TALLY_INTERVAL_MS (2 s) it
 * tallies the policy, broadcasts the tally when it changed, and asks the engine for the median
 * when it differs from the temperature in force (`changedBy: 'vote'`).
 */
import { VOTE_TALLY_INTERVAL_MS, type VoteTally } from '../../shared/protocol/events.js';
import type { SessionEngine } from '../engine/session-engine.js';
import type { SessionState } from './session-state.js';
import type { TemperaturePolicy } from './temperature-policy.js';

export class VoteClock {
  private timer: NodeJS.Timeout | null = null;
  private lastBroadcast = '';

  constructor(
    private readonly policy: TemperaturePolicy,
    private readonly engine: SessionEngine,
    private readonly state: SessionState,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), VOTE_TALLY_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Broadcasts `tally` unless it equals the last one broadcast. */
  broadcast(tally: VoteTally): void {
    const key = JSON.stringify(tally);
    if (key === this.lastBroadcast) return;
    this.lastBroadcast = key;
    this.state.broadcast('vote', tally);
  }

  private tick(): void {
    const tally = this.policy.tally();
    this.broadcast(tally);
    // The engine runs at K = 1/T: compare couplings, so that the same median is not re-applied.
    if (tally.applied === null || 1 / tally.applied === this.engine.temperature.coupling) return;
    this.engine.setTemperature(tally.applied, 'vote').catch((error: unknown) => this.state.logEngineFailure('vote', error));
  }
}

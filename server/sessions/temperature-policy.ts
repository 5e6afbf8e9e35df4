/**
 * Who moves a session's temperature, as a pure state machine with an injected clock (no timers:
 * the hub calls `tally()` every VOTE_TALLY_INTERVAL_MS).
 *
 * - `free`:   anyone's proposal is applied at once;
 * - `vote`:   each participant has at most one standing proposal; the applied temperature is the
 *             median of the proposals made in the last VOTE_WINDOW_MS (30 s, inclusive);
 * - `locked`: only the host's proposals are applied; students are refused.
 *
 * Temperatures are T in J/k_B, within TEMPERATURE_LIMITS.
 */
import { VOTE_HISTOGRAM, VOTE_WINDOW_MS, type PolicyMode, type Role, type VoteTally } from '../../shared/protocol/events.js';
import { TEMPERATURE_LIMITS } from '../../shared/protocol/schemas.js';

export type PolicyDecision =
  /** Apply this temperature now. */
  | { action: 'apply'; temperature: number }
  /** Recorded as this participant's proposal; the next tally decides. */
  | { action: 'vote' }
  /** Refused: nothing recorded. */
  | { action: 'refuse'; reason: 'locked' | 'out-of-bounds' };

export interface TemperaturePolicyOptions {
  mode?: PolicyMode;
  /** Milliseconds since any fixed origin (Date.now in the server, a fake clock in tests). */
  now: () => number;
  /** How long a proposal counts, ms (default 30 s). */
  windowMs?: number;
}

interface Proposal {
  temperature: number;
  /** When it was made, ms (the clock's origin). */
  at: number;
}

/** Median of `values`: the middle one, or the mean of the two middle ones; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Counts of `values` in `bins` equal bins over [min, max]; the last bin is closed on the right.
 * Values outside [min, max] are not counted.
 */
export function histogram(values: readonly number[], min: number, max: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (const value of values) {
    if (!(value >= min && value <= max)) continue;
    counts[Math.min(bins - 1, Math.floor((value - min) / width))]++;
  }
  return counts;
}

export class TemperaturePolicy {
  private current: PolicyMode;
  private readonly proposals = new Map<string, Proposal>();
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(options: TemperaturePolicyOptions) {
    this.current = options.mode ?? 'free';
    this.now = options.now;
    this.windowMs = options.windowMs ?? VOTE_WINDOW_MS;
  }

  get mode(): PolicyMode {
    return this.current;
  }

  /** Switches mode; entering `vote` starts from no proposals. Returns false when nothing changed. */
  setMode(mode: PolicyMode): boolean {
    if (mode === this.current) return false;
    this.current = mode;
    this.proposals.clear();
    return true;
  }

  /** What happens to `temperature` proposed by `participantId` acting as `role`. */
  decide(participantId: string, role: Role, temperature: number): PolicyDecision {
    if (!(temperature >= TEMPERATURE_LIMITS.min && temperature <= TEMPERATURE_LIMITS.max)) {
      return { action: 'refuse', reason: 'out-of-bounds' };
    }
    switch (this.current) {
      case 'free':
        return { action: 'apply', temperature };
      case 'locked':
        return role === 'host' ? { action: 'apply', temperature } : { action: 'refuse', reason: 'locked' };
      case 'vote':
        this.proposals.set(participantId, { temperature, at: this.now() });
        return { action: 'vote' };
    }
  }

  /** Drops `participantId`'s proposal (the participant left). */
  withdraw(participantId: string): void {
    this.proposals.delete(participantId);
  }

  /**
   * The vote now: expired proposals are dropped, `applied` is the median of the rest (null
   * when there are none or the mode is not `vote`).
   */
  tally(): VoteTally {
    const now = this.now();
    for (const [id, proposal] of this.proposals) {
      if (now - proposal.at > this.windowMs) this.proposals.delete(id);
    }
    const proposals = [...this.proposals.values()].map((p) => p.temperature).sort((a, b) => a - b);
    const { bins } = VOTE_HISTOGRAM;
    return {
      mode: this.current,
      applied: this.current === 'vote' ? median(proposals) : null,
      proposals,
      histogram: { min: TEMPERATURE_LIMITS.min, max: TEMPERATURE_LIMITS.max, counts: histogram(proposals, TEMPERATURE_LIMITS.min, TEMPERATURE_LIMITS.max, bins) },
      windowMs: this.windowMs,
    };
  }
}

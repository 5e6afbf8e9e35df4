/**
 * "Each session's engine runs on exactly one node": a lease in Redis per session,
 * `rgflow:lease:<sessionId>` = nodeId with a time-to-live. The holder renews it well before
 * it expires; a node that crashes stops renewing and another node takes the session over
 * once the lease lapses. Renew and release are atomic compare-and-set scripts, so a node
 * never extends or deletes a lease that another node holds.
 */
import type { RedisClient } from './redis-adapter.js';

const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface LeaseOptions {
  /** Lease lifetime, ms: how long a crashed owner blocks a takeover. */
  ttlMs?: number;
}

export function leaseKey(sessionId: string): string {
  return `rgflow:lease:${sessionId}`;
}

export class SessionLease {
  readonly key: string;
  readonly ttlMs: number;

  constructor(
    private readonly client: RedisClient,
    readonly sessionId: string,
    readonly nodeId: string,
    options: LeaseOptions = {},
  ) {
    this.key = leaseKey(sessionId);
    this.ttlMs = options.ttlMs ?? 10_000;
    if (!(Number.isInteger(this.ttlMs) && this.ttlMs >= 100)) throw new RangeError(`lease ttlMs must be an integer ≥ 100, got ${this.ttlMs}`);
  }

  /** Takes the lease if nobody holds it (or this node already does); true when held. */
  async tryAcquire(): Promise<boolean> {
    const set = await this.client.set(this.key, this.nodeId, { NX: true, PX: this.ttlMs });
    if (set === 'OK') return true;
    return await this.renew();
  }

  /** Extends the lease if this node holds it; false when it was lost to expiry or another node. */
  async renew(): Promise<boolean> {
    const result = await this.client.eval(RENEW_SCRIPT, { keys: [this.key], arguments: [this.nodeId, String(this.ttlMs)] });
    return Number(result) === 1;
  }

  /** Gives the lease up (only if this node holds it). */
  async release(): Promise<void> {
    await this.client.eval(RELEASE_SCRIPT, { keys: [this.key], arguments: [this.nodeId] });
  }

  /** The node holding the lease now, or null. */
  async holder(): Promise<string | null> {
    const value = await this.client.get(this.key);
    return typeof value === 'string' ? value : null;
  }
}

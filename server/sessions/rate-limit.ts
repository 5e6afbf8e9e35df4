/**
 * Per-connection rate limits: one token bucket per event class. A bucket holds at most `burst`
 * tokens and refills at `perSecond` tokens/s; an event that finds no token is dropped. Over any
 * interval of t seconds a bucket lets through at most burst + perSecond·t events.
 */

export const RATE_CLASSES = ['any', 'temperature', 'host', 'replay', 'subscribe', 'camera'] as const;
/**
 * `any`: every event of a connection, valid or not (checked first, before parsing);
 * `temperature`: `proposeTemperature`; `host`: host actions; `replay`: `openReplay`, `replayControl`;
 * `subscribe`: `subscribe` (starting the weights stream sends about 1 MB at once); `camera`: `shareCamera`.
 */
export type RateClass = (typeof RATE_CLASSES)[number];

export interface BucketConfig {
  /** Sustained rate, events/s. */
  perSecond: number;
  /** Largest burst, events. */
  burst: number;
}

export type RateLimitConfig = Record<RateClass, BucketConfig>;

/** Defaults: a slider throttled to 10 Hz passes; a flood is cut to ≤ 10 temperature changes/s. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  any: { perSecond: 50, burst: 50 },
  temperature: { perSecond: 10, burst: 5 },
  host: { perSecond: 5, burst: 5 },
  replay: { perSecond: 10, burst: 10 },
  subscribe: { perSecond: 1, burst: 3 },
  camera: { perSecond: 15, burst: 15 },
};

/** How often a limited connection is told so with an `error` event, ms (acks are always answered). */
export const RATE_NOTICE_INTERVAL_MS = 1000;

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** @param now milliseconds since any fixed origin */
  constructor(
    private readonly config: BucketConfig,
    private readonly now: () => number,
  ) {
    this.tokens = config.burst;
    this.last = now();
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.config.burst, this.tokens + elapsed * this.config.perSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The buckets of one connection, and when it was last told it is limited. */
export class ConnectionRateLimiter {
  private readonly buckets: Record<RateClass, TokenBucket>;
  private lastNotice = -Infinity;

  constructor(
    config: RateLimitConfig,
    private readonly now: () => number,
  ) {
    this.buckets = {
      any: new TokenBucket(config.any, now),
      temperature: new TokenBucket(config.temperature, now),
      host: new TokenBucket(config.host, now),
      replay: new TokenBucket(config.replay ?? DEFAULT_RATE_LIMITS.replay, now),
      subscribe: new TokenBucket(config.subscribe ?? DEFAULT_RATE_LIMITS.subscribe, now),
      camera: new TokenBucket(config.camera ?? DEFAULT_RATE_LIMITS.camera, now),
    };
  }

  /** Takes a token of `rateClass`; false when the event must be dropped. */
  allow(rateClass: RateClass): boolean {
    return this.buckets[rateClass].take();
  }

  /** True at most once per RATE_NOTICE_INTERVAL_MS: whether to send a `rate-limited` error event now. */
  shouldNotify(): boolean {
    const now = this.now();
    if (now - this.lastNotice < RATE_NOTICE_INTERVAL_MS) return false;
    this.lastNotice = now;
    return true;
  }
}

/** A rate limiter keyed by an arbitrary string (e.g. a client IP for REST), with bounded memory. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly config: BucketConfig,
    private readonly now: () => number,
    /** Keys remembered at most; the oldest is forgotten first. */
    private readonly maxKeys = 10_000,
  ) {}

  allow(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = new TokenBucket(this.config, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }
}

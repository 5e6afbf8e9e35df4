/**
 * Token buckets with an injected clock: a burst, then the sustained rate; over any interval of
 * t seconds at most burst + rate·t events pass (a fast-check property over random arrival
 * times); the `rate-limited` notice at most once per second; per-key buckets with bounded memory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionRateLimiter, DEFAULT_RATE_LIMITS, KeyedRateLimiter, TokenBucket } from '../../../server/sessions/rate-limit.js';

describe('TokenBucket', () => {
  it('lets a burst through, then refills at the sustained rate', () => {
    let t = 0;
    const bucket = new TokenBucket({ perSecond: 10, burst: 5 }, () => t);
    const passed = Array.from({ length: 8 }, () => bucket.take());
    expect(passed).toEqual([true, true, true, true, true, false, false, false]);
    t = 99;
    expect(bucket.take()).toBe(false);
    t = 100;
    expect(bucket.take()).toBe(true);
    t = 10_000;
    expect(Array.from({ length: 6 }, () => bucket.take()).filter(Boolean)).toHaveLength(5);
  });

  it('property: within any window of t seconds, at most burst + rate·t events pass', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        (offsets, perSecond, burst) => {
          const times = [...offsets].sort((a, b) => a - b);
          let now = 0;
          const bucket = new TokenBucket({ perSecond, burst }, () => now);
          const accepted = times.filter((time) => {
            now = time;
            return bucket.take();
          });
          for (let i = 0; i < accepted.length; i++) {
            for (let j = i; j < accepted.length; j++) {
              const seconds = (accepted[j] - accepted[i]) / 1000;
              expect(j - i + 1).toBeLessThanOrEqual(burst + perSecond * seconds + 1e-9);
            }
          }
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe('ConnectionRateLimiter', () => {
  it('keeps one bucket per event class', () => {
    let t = 0;
    const limiter = new ConnectionRateLimiter(DEFAULT_RATE_LIMITS, () => t);
    const temperature = Array.from({ length: 20 }, () => limiter.allow('temperature')).filter(Boolean).length;
    const host = Array.from({ length: 20 }, () => limiter.allow('host')).filter(Boolean).length;
    expect(temperature).toBe(DEFAULT_RATE_LIMITS.temperature.burst);
    expect(host).toBe(DEFAULT_RATE_LIMITS.host.burst);
    t = 1000;
    expect(Array.from({ length: 20 }, () => limiter.allow('temperature')).filter(Boolean).length).toBe(DEFAULT_RATE_LIMITS.temperature.burst);
  });

  it('says to notify at most once per second', () => {
    let t = 0;
    const limiter = new ConnectionRateLimiter(DEFAULT_RATE_LIMITS, () => t);
    const notices: number[] = [];
    for (t = 0; t < 3500; t += 7) if (limiter.shouldNotify()) notices.push(t);
    expect(notices.length).toBe(4);
    for (let i = 1; i < notices.length; i++) expect(notices[i] - notices[i - 1]).toBeGreaterThanOrEqual(1000);
  });
});

describe('KeyedRateLimiter', () => {
  it('limits each key on its own and forgets the oldest key beyond its capacity', () => {
    const limiter = new KeyedRateLimiter({ perSecond: 0.001, burst: 2 }, () => 0, 3);
    expect([limiter.allow('a'), limiter.allow('a'), limiter.allow('a')]).toEqual([true, true, false]);
    expect(limiter.allow('b')).toBe(true);
    limiter.allow('c');
    limiter.allow('d');
    expect(limiter.allow('a')).toBe(true);
  });
});

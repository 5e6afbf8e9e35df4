/**
 * The tick clock, driven by a simulated clock: it never exceeds the target tick rate, and when
 * ticks cost more than an interval (a CD minibatch of the full stack does) the time spent in
 * ticks stays at most the allowed share of the wall time.
 */
import { describe, expect, it } from 'vitest';
import { TickClock } from '../../../server/engine/tick-clock.js';

/** Runs `seconds` of simulated time polled every 10 ms; returns ticks run and busy ms. */
function simulate(clock: TickClock, tickCostMs: number, seconds: number): { ticks: number; busyMs: number } {
  let now = 0;
  let ticks = 0;
  let busyMs = 0;
  while (now < seconds * 1000) {
    clock.refill(now);
    let spent = 0;
    while (clock.ready) {
      clock.spend(tickCostMs);
      spent += tickCostMs;
      ticks++;
    }
    busyMs += spent;
    now += Math.max(10, spent); // the next poll comes after the work, at the earliest 10 ms later
  }
  return { ticks, busyMs };
}

describe('TickClock', () => {
  it('runs at the target rate when ticks are cheap (100 ticks/s of 0.5 ms)', () => {
    const { ticks } = simulate(new TickClock(100, 0.8, 10), 0.5, 20);
    expect(ticks).toBeGreaterThanOrEqual(1990);
    expect(ticks).toBeLessThanOrEqual(2001);
  });

  it('keeps the busy share at most 80% when ticks cost 16 ms and the target is unreachable', () => {
    const seconds = 20;
    const { ticks, busyMs } = simulate(new TickClock(1000, 0.8, 10), 16, seconds);
    // 80% of the wall time, plus at most one tick in progress and one interval's saved credit
    expect(busyMs).toBeLessThanOrEqual(0.8 * seconds * 1000 + 16 + 8);
    expect(busyMs / (seconds * 1000)).toBeGreaterThan(0.6);
    expect(ticks).toBeGreaterThan(700);
  });

  it('does not catch up a stall in a burst', () => {
    const clock = new TickClock(100, 0.8, 10);
    clock.refill(0);
    clock.refill(5000);
    let ticks = 0;
    while (clock.ready) {
      clock.spend(0.01);
      ticks++;
    }
    expect(ticks).toBeLessThanOrEqual(2);
  });
});

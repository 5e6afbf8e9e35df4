/**
 * How many engine ticks may run now: a token bucket at the target tick rate and a CPU budget.
 * Wall time enters the engine only here; the ticks themselves are deterministic.
 *
 *   owed   += Δt · ticksPerSecond    (capped at `maxBurstSeconds` of ticks: a stall is not caught up)
 *   credit += Δt · maxBusyFraction   (capped at one interval; each tick spends its measured duration)
 *
 * A tick runs while owed ≥ 1 and credit > 0. Over any long stretch the busy time is at most
 * maxBusyFraction of the wall time, even when one tick takes longer than an interval (a CD
 * minibatch of the 1600-400-100-25 stack does), so an unreachable target cannot pin a core.
 */
export class TickClock {
  private owed = 0;
  private credit = 0;
  private last: number | null = null;

  /**
   * @param ticksPerSecond  target rate, ticks/s
   * @param maxBusyFraction share of wall time spent in ticks, (0, 1]
   * @param intervalMs      how often the worker polls, ms (caps the saved credit)
   */
  constructor(
    private readonly ticksPerSecond: number,
    private readonly maxBusyFraction = 0.8,
    private readonly intervalMs = 10,
    private readonly maxBurstSeconds = 0.02,
  ) {}

  /** Accrues ticks and CPU credit for the time since the last call (monotonic ms). */
  refill(nowMs: number): void {
    const dt = this.last === null ? this.intervalMs : Math.max(0, nowMs - this.last);
    this.last = nowMs;
    this.owed = Math.min(Math.max(1, this.ticksPerSecond * this.maxBurstSeconds), this.owed + (dt * this.ticksPerSecond) / 1000);
    this.credit = Math.min(this.intervalMs * this.maxBusyFraction, this.credit + dt * this.maxBusyFraction);
  }

  /** True when one more tick may run now. */
  get ready(): boolean {
    return this.owed >= 1 && this.credit > 0;
  }

  /** Records a tick that took `busyMs`. */
  spend(busyMs: number): void {
    this.owed -= 1;
    this.credit -= busyMs;
  }
}

/**
 * Measured rate of a growing counter over a sliding time window (e.g. sweeps per second).
 */
export class RateMeter {
  private readonly times: number[] = [];
  private readonly counts: number[] = [];

  /** @param windowMs length of the window the rate is averaged over, ms */
  constructor(private readonly windowMs = 1000) {}

  /**
   * Record the counter's value and return its rate over the window, per second.
   * @param nowMs   monotonic time, ms
   * @param count   counter value at `nowMs`
   */
  sample(nowMs: number, count: number): number {
    this.times.push(nowMs);
    this.counts.push(count);
    while (this.times.length > 2 && nowMs - this.times[1] >= this.windowMs) {
      this.times.shift();
      this.counts.shift();
    }
    const dt = nowMs - this.times[0];
    return dt > 0 ? ((count - this.counts[0]) * 1000) / dt : 0;
  }
}

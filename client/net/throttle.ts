/**
 * Rate limit for user input sent to the server: the first call goes out at once, later calls
 * within the interval collapse into one trailing call with the latest arguments.
 */

/**
 * @param fn         the function to limit
 * @param intervalMs least time between two calls of `fn`, ms
 */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, intervalMs: number): (...args: A) => void {
  let last = -Infinity;
  let pending: A | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const fire = (): void => {
    timer = null;
    if (!pending) return;
    const args = pending;
    pending = null;
    last = performance.now();
    fn(...args);
  };
  return (...args: A) => {
    pending = args;
    if (timer) return;
    const wait = last + intervalMs - performance.now();
    if (wait <= 0) fire();
    else timer = setTimeout(fire, wait);
  };
}

/**
 * Progress reporting for long CLI work, always on stderr so stdout stays clean for --json.
 * On a terminal: one bar redrawn in place. Otherwise (pipes, CI logs): a line per 10%.
 */

export interface ProgressReporter {
  /** fraction in [0, 1]; message names the current phase. */
  update(message: string, fraction: number): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): ProgressReporter {
  if (quiet) return { update() {}, done() {} };
  const tty = Boolean(stream.isTTY);
  const started = Date.now();
  let lastDraw = 0;
  let lastDecile = -1;
  let lastMessage = '';
  let drawn = false;
  return {
    update(message, fraction) {
      const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
      const elapsed = (Date.now() - started) / 1000;
      const eta = f > 0.01 ? elapsed * (1 / f - 1) : NaN;
      const etaText = Number.isFinite(eta) ? `, ${formatSeconds(eta)} left` : '';
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && f < 1 && message === lastMessage) return;
        lastDraw = now;
        lastMessage = message;
        const width = 30;
        const full = Math.round(f * width);
        stream.write(`\r\x1b[2K[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}% ${message}${etaText}`);
        drawn = true;
      } else {
        const decile = Math.floor(f * 10);
        if (decile === lastDecile && message === lastMessage) return;
        lastDecile = decile;
        lastMessage = message;
        stream.write(`${(f * 100).toFixed(0).padStart(3)}% ${message}${etaText}\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

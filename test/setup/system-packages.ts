/**
 * Brings the system programs the tests need on a fresh machine: Debian's chromium (browser
 * tests through playwright-core, never a browser download) and redis-server (scale-out tests).
 * As root it installs them with apt-get; otherwise it names the packages and stops.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const REQUIRED = [
  { program: '/usr/bin/chromium', pkg: 'chromium' },
  { program: '/usr/bin/redis-server', pkg: 'redis-server' },
] as const;

export default function setup(): void {
  const missing = REQUIRED.filter((r) => !existsSync(r.program)).map((r) => r.pkg);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(`The tests need Debian packages that are missing: sudo apt-get install -y ${missing.join(' ')}`);
  }
  process.stderr.write(`Installing ${missing.join(', ')} with apt-get (first run on this machine)…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
}

/**
 * The rgflow command line as users script it: the built `bin/rgflow.js` in a real process.
 * Proves: --json prints exactly one JSON object on stdout (progress stays on stderr), bad
 * flags give a one-line error and exit code 2 and write nothing, --help exits 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../../shared/data/npy.js';
import { readFileSync } from 'node:fs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/rgflow.js');

function rgflow(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir = '';
beforeAll(() => {
  if (!existsSync(join(root, 'dist/server/cli/main.js'))) {
    const build = spawnSync('npm', ['run', 'build:server'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), 'rgflow-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rgflow sample', () => {
  it('prints one JSON summary on stdout with the exact Kaufman values beside the measured ones, and writes the .npy', () => {
    const out = join(dir, 'samples.npy');
    const run = rgflow(['sample', '--L', '8', '--beta', '0.3', '--samples', '200', '--seed', '3', '--out', out, '--json']);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.samples).toBe(200);
    expect(summary.exact.energy_per_site).toBeLessThan(0);
    expect(Math.abs(summary.exact.deviation_sigma.energy_per_site)).toBeLessThan(5);
    expect(summary.energy_per_site.err).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/sampling/);
    const array = decodeNpy(new Uint8Array(readFileSync(out)));
    expect(array.dtype).toBe('|u1');
    expect(array.shape).toEqual([200, 64]);
  });

  it('is reproducible: the same seed writes the same samples', () => {
    const a = join(dir, 'a.npy');
    const b = join(dir, 'b.npy');
    for (const out of [a, b]) expect(rgflow(['sample', '--L', '6', '--samples', '50', '--seed', '9', '--out', out]).status).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it.each([
    [['--L', '1']],
    [['--L', '7']],
    [['--L', 'abc']],
    [['--beta', '0']],
    [['--beta', '-1']],
    [['--beta', 'NaN']],
    [['--samples', '0']],
    [['--algorithm', 'glauber']],
    [['--out', '/nonexistent-dir/x.npy']],
  ])('rejects %j with exit code 2, a one-line error and no file', (flags) => {
    const before = readdirSync(dir).length;
    const run = rgflow(['sample', '--samples', '10', '--json', ...flags]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')[0]).toMatch(/L|beta|samples|algorithm|out|invalid|directory/);
    expect(readdirSync(dir).length).toBe(before);
  });
});

describe('rgflow CLI surface', () => {
  it('--help exits 0 for every command', () => {
    for (const args of [['--help'], ['sample', '--help'], ['bench', '--help'], ['serve', '--help']]) {
      const run = rgflow(args);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/Usage: rgflow/);
    }
  });

  it('unknown commands and bench targets are usage errors', () => {
    expect(rgflow(['frobnicate']).status).toBe(2);
    expect(rgflow(['bench', 'warp-drive']).status).toBe(2);
    expect(rgflow(['serve', '--L', '3']).status).toBe(2);
  });

  it('serve refuses a bad --host-token, --redis URL or --checkpoint-seconds before starting', () => {
    const short = rgflow(['serve', '--port', '0', '--data', ':memory:', '--host-token', 'too-short']);
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/--host-token: a host token must be at least 16 characters/);
    const redis = rgflow(['serve', '--port', '0', '--data', ':memory:', '--redis', 'http://127.0.0.1:6379']);
    expect(redis.status).toBe(2);
    expect(redis.stderr).toMatch(/redis:\/\/ or rediss:\/\//);
    expect(rgflow(['serve', '--port', '0', '--data', ':memory:', '--redis', 'not a url']).status).toBe(2);
    expect(rgflow(['serve', '--port', '0', '--data', ':memory:', '--checkpoint-seconds', '-1']).status).toBe(2);
  });

  it('bench ising --json reports multi-spin and byte flip rates and their ratio', () => {
    const run = rgflow(['bench', 'ising', '--seconds', '0.05', '--json']);
    expect(run.status).toBe(0);
    const { ising } = JSON.parse(run.stdout);
    for (const size of ['L40', 'L1024']) {
      const rate = ising.metropolis[size];
      expect(rate.multi_spin_flips_per_second).toBeGreaterThan(0);
      expect(rate.byte_flips_per_second).toBeGreaterThan(0);
      expect(rate.ratio).toBeCloseTo(rate.multi_spin_flips_per_second / rate.byte_flips_per_second, 6);
    }
    for (const algorithm of ['metropolis', 'wolff']) {
      const s = ising.independent_samples[algorithm];
      expect(s.independent_samples_per_second).toBeCloseTo(s.sweeps_per_second / (2 * s.tau_int_energy), 6);
      expect(s.tau_int_energy_err).toBeGreaterThan(0);
    }
  }, 120_000);
});

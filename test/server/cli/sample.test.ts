import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../../shared/data/npy.js';
import { UsageError } from '../../../server/cli/errors.js';
import { runSample, sampleOptionsSchema } from '../../../server/cli/sample.js';

const dir = mkdtempSync(join(tmpdir(), 'rgflow-sample-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { progress: () => {} };
const base = { L: 8, beta: 0.3, samples: 25, algorithm: 'metropolis-byte', seed: 7 };

describe('rgflow sample (runSample)', () => {
  it('writes uint8 [samples, L·L] of 0/1 atomically and returns the summary with the Kaufman comparison', async () => {
    const out = join(dir, 'run.npy');
    const fractions: number[] = [];
    const summary = await runSample({ ...base, out }, { progress: (_m, f) => fractions.push(f) });
    const npy = decodeNpy(new Uint8Array(readFileSync(out)));
    expect(npy.dtype).toBe('|u1');
    expect(npy.shape).toEqual([25, 64]);
    expect(Array.from(npy.data).every((v) => v === 0 || v === 1)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(summary).toMatchObject({ L: 8, beta: 0.3, coupling: 0.3, algorithm: 'metropolis-byte', seed: 7, samples: 25, out });
    expect(summary.sample_spacing).toBeGreaterThanOrEqual(1);
    expect(summary.sweeps).toBe(25 * summary.sample_spacing);
    for (const key of ['energy_per_site', 'abs_magnetization', 'specific_heat', 'susceptibility', 'binder'] as const) {
      expect(Number.isFinite(summary[key].mean)).toBe(true);
      expect(summary[key].err).toBeGreaterThan(0);
    }
    expect(summary.tau_int_energy).toBeGreaterThan(0);
    expect(summary.flips_per_second).toBeGreaterThan(0);
    expect(summary.independent_samples_per_second).toBeGreaterThan(0);
    expect(summary.exact?.source).toBe('Kaufman 1949, finite periodic L×L');
    expect(summary.exact?.energy_per_site).toBeLessThan(0);
    expect(Number.isFinite(summary.exact?.deviation_sigma.energy_per_site)).toBe(true);
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('omits the exact comparison with a field (exact: null) and runs without --out', async () => {
    const summary = await runSample({ ...base, field: 0.1 }, quiet);
    expect(summary.exact).toBeNull();
    expect(summary.exact_note).toMatch(/field/);
    expect(summary.field).toBe(0.1);
    expect(summary.out).toBeUndefined();
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['odd L with metropolis', { ...base, L: 3, algorithm: 'metropolis' }, /L must be even/],
    ['beta = 0', { ...base, beta: 0 }, /beta/],
    ['beta < 0', { ...base, beta: -1 }, /beta/],
    ['beta = Infinity', { ...base, beta: Infinity }, /beta/],
    ['unknown algorithm', { ...base, algorithm: 'heatbath' }, /algorithm must be one of/],
    ['L = 1', { ...base, L: 1 }, /L must be ≥ 2/],
    ['fractional samples', { ...base, samples: 2.5 }, /samples must be an integer/],
    ['too many samples', { ...base, samples: 1e8 }, /samples/],
    ['samples·L² over 2·10⁹ bytes', { ...base, L: 1000, samples: 10_000 }, /exceeds/],
    ['negative seed', { ...base, seed: -1 }, /seed/],
    ['a field with wolff', { ...base, algorithm: 'wolff', field: 0.1 }, /Metropolis samplers only/],
    ['out in a directory that does not exist', { ...base, out: join(dir, 'missing', 'x.npy') }, /does not exist/],
    ['out under a regular file', { ...base, out: join(dir, 'plain-file', 'x.npy') }, /does not exist/],
    ['out naming a directory', { ...base, out: dir }, /is a directory/],
  ];
  writeFileSync(join(dir, 'plain-file'), 'x');
  it.each(bad)('rejects %s with UsageError and writes nothing', async (_name, options, message) => {
    const before = readdirSync(dir).sort();
    const run = runSample(options, quiet);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  it.skipIf(isRoot)('rejects an unwritable out directory with UsageError (skipped as root, who may write anywhere)', async () => {
    const locked = mkdtempSync(join(dir, 'locked-'));
    chmodSync(locked, 0o500);
    try {
      await expect(runSample({ ...base, out: join(locked, 'x.npy') }, quiet)).rejects.toThrow(/not writable/);
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it('the schema accepts every algorithm by name with valid options', () => {
    for (const algorithm of ['wolff', 'metropolis', 'metropolis-byte']) {
      expect(sampleOptionsSchema.safeParse({ ...base, algorithm }).success).toBe(true);
    }
    expect(sampleOptionsSchema.safeParse({ ...base, algorithm: 'wolff', L: 5 }).success).toBe(true);
  });
});

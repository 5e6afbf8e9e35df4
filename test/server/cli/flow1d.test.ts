/**
 * `rgflow flow1d` (server/cli/flow1d.ts). In process: a commander program with exactly main.ts's
 * output and exit settings and its error-to-exit-code mapping, plus registerFlow1d; stdout and
 * stderr are captured. Proves: --json prints one JSON object with the per-layer fields (exact J(n)
 * beside the measured one with errors), --train adds the RBM comparison, the human table has a
 * row per layer, and every bad flag exits 2 with one line on stderr and nothing on stdout.
 * Once main.ts registers the command, the last block also runs the built bin.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Flow1dSummary } from '../../../server/cli/flow1d.js';
import { decimationFlow } from '../../../shared/physics/exact/chain1d.js';
import { runCli } from '../../helpers/run-cli.js';

/** The real CLI, in-process. */
const rgflow = (args: string[]) => runCli(args);

afterEach(() => vi.restoreAllMocks());

describe('rgflow flow1d --json', () => {
  it('prints one JSON object: per layer exact J(n), measured J(n) ± err, c(n) ± err, deviation', async () => {
    const run = await rgflow(['flow1d', '--J', '1.0', '--layers', '5', '--chains', '500', '--N', '256', '--seed', '4', '--json']);
    expect(run.status).toBe(0);
    const s = JSON.parse(run.stdout) as Flow1dSummary;
    expect(s).toMatchObject({ J: 1, N: 256, layers: 5, chains: 500, seed: 4 });
    expect(s.train).toBeUndefined();
    const exact = decimationFlow(1, 5);
    expect(s.flow.map((l) => l.layer)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const l of s.flow) {
      expect(l.spins).toBe(256 / 2 ** l.layer);
      expect(l.J_exact).toBeCloseTo(exact[l.layer], 14);
      expect(l.c.err).toBeGreaterThan(0);
      expect(l.c.err).toBeLessThan(0.02);
      expect(l.J_measured).not.toBeNull();
      expect(l.J_measured!.err).toBeGreaterThan(0);
      expect(Math.abs(l.deviation_sigma!)).toBeLessThan(4);
      expect(typeof l.c_exact_ring).toBe('number');
      expect(typeof l.J_exact_ring).toBe('number');
      expect(typeof l.deviation_sigma_recursion).toBe('number');
    }
    expect(run.stderr).toMatch(/sampling/); // progress on stderr only
  });

  it('--train adds the RBM comparison beside the exact J(1), with the localized fraction and a control', async () => {
    const run = await rgflow([
      'flow1d', '--J', '1', '--layers', '1', '--chains', '400', '--N', '64', '--train',
      '--train-N', '16', '--train-epochs', '8', '--train-samples', '500', '--json',
    ]);
    expect(run.status).toBe(0);
    const t = (JSON.parse(run.stdout) as Flow1dSummary).train!;
    expect(t).toMatchObject({ J: 1, N: 16, hidden: 8, epochs: 8, samples: 500, test_chains: 400, max_width: 3 });
    expect(t.J1_exact).toBeCloseTo(Math.atanh(Math.tanh(1) ** 2), 14);
    expect(t.units).toHaveLength(8);
    expect(t.localized_fraction).toBeCloseTo(t.localized_units / 8, 14);
    expect(t.units.filter((u) => u.localized)).toHaveLength(t.localized_units);
    expect(t.units.slice(0, t.localized_units).every((u) => u.localized)).toBe(true); // localized first
    expect(Number.isFinite(t.reconstruction_error)).toBe(true);
    if (t.J_eff !== null) {
      expect(t.J_eff.err).toBeGreaterThan(0);
      expect(t.J_eff.err).toBeLessThan(0.2);
    }
    // The exact decimation RBM read the same way gives J(1).
    expect(t.control_exact_rbm.localized_units).toBe(8);
    expect(Math.abs(t.control_exact_rbm.deviation_sigma!)).toBeLessThan(4);
    expect(t.note).toMatch(/not built to decimate/);
    expect(run.stderr).toMatch(/training RBM/);
  });
});

describe('rgflow flow1d (table)', () => {
  it('prints an aligned table with one row per layer', async () => {
    const run = await rgflow(['flow1d', '--J', '0.8', '--layers', '3', '--chains', '200', '--N', '64']);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/N = 64, J = 0\.8: 200 exact chains/);
    expect(lines[1]).toMatch(/J\(n\) exact.*J\(n\) measured.*c\(n\) measured.*dev/);
    const rows = lines.slice(2, 6);
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual(['0', '1', '2', '3']);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
    expect(rows.every((r) => /±/.test(r) && /σ$/.test(r))).toBe(true);
  });
});

describe('rgflow flow1d rejects bad flags with exit code 2 and one line', () => {
  it.each([
    [['--layers', '2']],
    [['--J', '1']],
    [['--J', '0', '--layers', '2']],
    [['--J', '-1', '--layers', '2']],
    [['--J', '10.5', '--layers', '2']],
    [['--J', 'NaN', '--layers', '2']],
    [['--J', 'Infinity', '--layers', '2']],
    [['--J', 'abc', '--layers', '2']],
    [['--J', '1', '--layers', '2.5']],
    [['--J', '1', '--layers', '13', '--N', '16384']],
    [['--J', '1', '--layers', '-1']],
    [['--J', '1', '--layers', '3', '--N', '100']],
    [['--J', '1', '--layers', '10', '--N', '1024']],
    [['--J', '1', '--layers', '2', '--chains', '1']],
    [['--J', '1', '--layers', '2', '--seed', '-3']],
    [['--J', '1', '--layers', '2', '--train', '--train-N', '7']],
    [['--J', '1', '--layers', '2', '--train', '--train-epochs', '0']],
    [['--J', '1', '--layers', '2', '--train-epochs', '5']],
    [['--J', '1', '--layers', '2', '--train-N', '8', '--train-samples', '10']],
    [['--J', '1', '--layers', '2', '--bogus']],
    [['--J', '1', '--layers']],
  ])('%j', async (flags) => {
    const run = await rgflow(['flow1d', '--json', ...flags]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^(rgflow: invalid flow1d options: --|error: )/);
  });
});

// The built bin, once server/cli/main.ts registers the command (registerFlow1d(program)).
const root = fileURLToPath(new URL('../../../', import.meta.url));
const registered = readFileSync(join(root, 'server/cli/main.ts'), 'utf8').includes('registerFlow1d(');

describe.skipIf(!registered)('rgflow flow1d through bin/rgflow.js', () => {
  beforeAll(() => {
    const built = join(root, 'dist/server/cli/main.js');
    if (!existsSync(join(root, 'dist/server/cli/flow1d.js')) || !existsSync(built) || !readFileSync(built, 'utf8').includes('registerFlow1d')) {
      const build = spawnSync('npm', ['run', 'build:server'], { cwd: root, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    }
  });
  const bin = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin/rgflow.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

  it('--json prints one object; a bad flag exits 2 with one line', () => {
    const ok = bin(['flow1d', '--J', '1', '--layers', '2', '--chains', '100', '--N', '64', '--json']);
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as Flow1dSummary).flow).toHaveLength(3);
    const bad = bin(['flow1d', '--J', '0', '--layers', '2', '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

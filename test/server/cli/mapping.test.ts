/**
 * `rgflow mapping`: registered on a program configured as server/cli/main.ts configures its own
 * (exitOverride, output to the process streams) and run in-process with main's exit-code rules
 * (commander parse errors and UsageError → 2). Proves: --json prints exactly one JSON object on
 * stdout with the Eq. 21/22 residuals, ΔF, KL and the spread of ln Tr_h e^T before and after
 * training (progress on stderr only); every bad flag exits 2 with a one-line message and no
 * stdout. Once main.ts registers the command, the same is checked through main() in a real process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chainLogZ, enumerateIsing } from '../../../shared/physics/exact/index.js';
import type { MappingReport } from '../../../shared/rg/exact-mapping.js';
import { runCli } from '../../helpers/run-cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** The real CLI, in-process. */
const rgflow = (args: string[]): Promise<Run> => runCli(args);

function checkReport(report: MappingReport): void {
  expect(Object.keys(report).sort()).toEqual(
    ['K', 'after', 'before', 'bonds', 'conventions', 'free_energy_visible', 'hidden', 'init_scale', 'lr', 'rejected_steps', 'seconds', 'seed', 'sites', 'steps', 'system', 'training'].sort(),
  );
  for (const f of [report.before, report.after]) {
    expect(Object.keys(f).sort()).toEqual(['constant_trace', 'delta_f', 'eq21_residual', 'eq22_residual', 'exact_rg', 'free_energy_hidden', 'kl', 'ln_trace'].sort());
    expect(Object.keys(f.ln_trace).sort()).toEqual(['max', 'mean_p', 'min', 'range', 'std', 'std_p']);
    expect(f.eq21_residual).toBeLessThan(1e-9);
    expect(f.eq22_residual).toBeLessThan(1e-9);
    expect(f.kl).toBeGreaterThanOrEqual(0);
    expect(f.ln_trace.range).toBeCloseTo(f.ln_trace.max - f.ln_trace.min, 12);
    expect(f.delta_f).toBeCloseTo(f.free_energy_hidden - report.free_energy_visible, 10);
    // identity: KL = −ΔF − ⟨ln Tr_h e^T⟩_P
    expect(f.kl).toBeCloseTo(-f.delta_f - f.ln_trace.mean_p, 9);
  }
  expect(report.after.kl).toBeLessThan(report.before.kl);
  expect(report.after.ln_trace.std_p).toBeLessThan(report.before.ln_trace.std_p);
  expect(report.training[0]!.step).toBe(0);
  expect(report.training.at(-1)!.step).toBe(report.steps);
}

describe('rgflow mapping', () => {
  it('--json prints one JSON report with the figures before and after exact training; progress on stderr', async () => {
    const run = await rgflow(['mapping', '--system', 'ring:8', '--K', '0.5', '--hidden', '4', '--steps', '200', '--seed', '3', '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as MappingReport;
    expect(report).toMatchObject({ system: 'ring:8', sites: 8, bonds: 8, K: 0.5, hidden: 4, steps: 200, seed: 3, lr: 0.2 });
    expect(report.free_energy_visible).toBeCloseTo(-chainLogZ(0.5, 8), 12);
    checkReport(report);
    expect(report.after.kl).toBeLessThan(0.5 * report.before.kl);
    expect(run.stderr).toMatch(/exact training/);
  });

  it('takes a lattice, and the defaults', async () => {
    const lattice = await rgflow(['mapping', '--system', 'lattice:2x3', '--hidden', '3', '--steps', '50', '--json']);
    expect(lattice.status).toBe(0);
    const report = JSON.parse(lattice.stdout) as MappingReport;
    expect(report.bonds).toBe(12);
    expect(report.free_energy_visible).toBeCloseTo(-enumerateIsing(3, 2, 0.4).logZ, 12);
    checkReport(report);
    const defaults = await rgflow(['mapping', '--steps', '20', '--json']);
    expect(JSON.parse(defaults.stdout)).toMatchObject({ system: 'ring:12', K: 0.4, hidden: 6, seed: 1 });
  });

  it('without --json prints the table', async () => {
    const run = await rgflow(['mapping', '--system', 'ring:6', '--hidden', '2', '--steps', '10']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Eq\. 21/);
    expect(run.stdout).toMatch(/Eq\. 22/);
    expect(run.stdout).toMatch(/KL\(P‖p_λ\)/);
    expect(run.stdout).toMatch(/before\s+after/);
  });

  it.each([
    [['--system', 'ring:17']],
    [['--system', 'lattice:5x4']],
    [['--system', 'torus:3']],
    [['--system', 'ring:1']],
    [['--K', 'abc']],
    [['--K', '6']],
    [['--K', '1e400']],
    [['--hidden', '0']],
    [['--hidden', '9']],
    [['--hidden', '2.5']],
    [['--steps', '-1']],
    [['--steps', '1e9']],
    [['--seed', '-3']],
    [['--seed', 'x']],
    [['--lr', '0']],
    [['--lr', 'NaN']],
    [['--frobnicate']],
  ])('rejects %j with exit code 2, one line of error and nothing on stdout', async (flags) => {
    const run = await rgflow(['mapping', '--steps', '1', '--json', ...flags]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    const first = run.stderr.trim().split('\n')[0]!;
    expect(first).toMatch(/system|K|hidden|steps|seed|lr|unknown option|argument/);
    // UsageError: exactly one line; commander's own errors add only its "(run with --help …)" hint
    expect(run.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help')).length).toBe(1);
  });

  it('--help exits 0', async () => {
    const run = await rgflow(['mapping', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--system/);
  });

  const wired = readFileSync(join(root, 'server/cli/main.ts'), 'utf8').includes('registerMapping');
  it.runIf(wired)('through main() in a real process (once main.ts registers it)', () => {
    const script = `import { main } from ${JSON.stringify(join(root, 'server/cli/main.ts'))}; process.exitCode = await main(process.argv.slice(1));`;
    const call = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const good = call(['mapping', '--system', 'ring:6', '--hidden', '3', '--steps', '30', '--json']);
    expect(good.status).toBe(0);
    checkReport(JSON.parse(good.stdout) as MappingReport);
    const bad = call(['mapping', '--hidden', '99', '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
  });
});

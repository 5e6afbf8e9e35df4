/**
 * `rgflow flow2d` end to end on a tiny model: a 64-16-4 stack trained in the test (js backend,
 * 8×8 Wolff samples at K = 0.408) and saved by the model store. runFlow2d samples at K and at the
 * mirrored K2 = 2K_c − K, reports K_eff ± err for layers 0…2 (layer 0 = K within its error) and
 * the ISY flow of layer 1 (step 0 = the data); the command, registered on a program set up like
 * main.ts's, prints the same as JSON; every bad flag or model is a UsageError, exit 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../shared/learn/backends/js.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import { RbmStack, trainStackGreedy } from '../../../shared/learn/stack.js';
import { CRITICAL_COUPLING } from '../../../shared/physics/ising.js';
import { Rng } from '../../../shared/physics/rng.js';
import { WolffSampler } from '../../../shared/physics/wolff.js';
import { UsageError } from '../../../server/cli/errors.js';
import { formatFlow2d, mirroredCoupling, runFlow2d, type Flow2dSummary } from '../../../server/cli/flow2d.js';
import { saveModel } from '../../../server/learn/model-store.js';
import { runCli } from '../../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rgflow-flow2d-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'model');
const quiet = { progress: () => {} };
const meta = (L: number) => ({ lattice: { L }, training: { config: {}, epochs: [5, 5], seed: 1, backend: 'js' }, metrics: {} });

beforeAll(async () => {
  const L = 8;
  const rows = 1000;
  const sampler = new WolffSampler(L, 0.408, 0, 4);
  sampler.sweep(200);
  const spins = new Int8Array(L * L);
  const data = new Float32Array(rows * L * L);
  for (let r = 0; r < rows; r++) {
    sampler.sweep(2);
    sampler.readSpins(spins);
    for (let i = 0; i < L * L; i++) data[r * L * L + i] = spins[i] > 0 ? 1 : 0;
  }
  const rng = new Rng(2);
  const stack = RbmStack.create([64, 16, 4], rng);
  trainStackGreedy(stack, data, rows, { epochs: 5, backend: createJsBackend(), rng });
  await saveModel(model, stack.layers.map((r) => r.snapshot()), meta(L));
});

/** The real CLI, in-process (`code`: its exit code). */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { status, stdout, stderr } = await runCli(argv);
  return { code: status, stdout, stderr };
}

describe('rgflow flow2d (runFlow2d)', () => {
  let summary: Flow2dSummary;
  beforeAll(async () => {
    summary = await runFlow2d({ model, samples: '400', steps: '3', backend: 'js', seed: '2' }, quiet);
  });

  it('measures at K and at K mirrored across K_c, on both sides of K_c', () => {
    expect(summary).toMatchObject({ L: 8, layers: [64, 16, 4], samples: 400, steps: 3, backend: 'js', K_c: CRITICAL_COUPLING });
    expect(summary.runs.map((r) => r.K)).toEqual([0.408, mirroredCoupling(0.408)]);
    expect(summary.runs.map((r) => r.phase)).toEqual(['disordered (K < K_c)', 'ordered (K > K_c)']);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('reports K_eff ± err for every layer: the lattice at K, the hidden layers on their RF-centre placement', () => {
    for (const run of summary.runs) {
      expect(run.layers.map((l) => [l.layer, l.units, l.side])).toEqual([[0, 64, 8], [1, 16, 4], [2, 4, 2]]);
      const [lattice, ...hidden] = run.layers;
      expect(Math.abs(lattice.K_eff!.mean - run.K)).toBeLessThan(4 * lattice.K_eff!.err);
      for (const l of hidden) {
        expect(Number.isFinite(l.K_eff!.mean)).toBe(true);
        expect(l.K_eff!.err).toBeGreaterThan(0);
        expect(l.spacing).toBe(8 / l.side!);
        expect(l.mean_displacement!).toBeGreaterThanOrEqual(0);
        expect(l.mean_displacement!).toBeLessThanOrEqual(l.max_displacement!);
      }
      expect(Math.abs(run.sampling.energy_per_site.mean - run.sampling.energy_exact)).toBeLessThan(5 * run.sampling.energy_per_site.err);
    }
  });

  it('flows the data through layer 1: step 0 is the data, every step a finite T_eff ± err', () => {
    for (const run of summary.runs) {
      expect(run.flow.map((p) => p.step)).toEqual([0, 1, 2, 3]);
      expect(Math.abs(run.flow[0].K_eff.mean - run.K)).toBeLessThan(4 * run.flow[0].K_eff.err);
      for (const p of run.flow) {
        expect(Number.isFinite(p.T_eff!.mean)).toBe(true);
        expect(p.T_eff!.err).toBeGreaterThan(0);
      }
    }
    const text = formatFlow2d(summary);
    expect(text).toContain('RBM flow through layer 1');
    expect(text).toContain(`K = ${summary.runs[1].K.toFixed(4)}`);
  });
});

describe('rgflow flow2d on the command line', () => {
  it('prints the summary as JSON with --json', async () => {
    const { code, stdout } = await cli(['flow2d', '--model', model, '--samples', '100', '--steps', '1', '--K', '0.3', '--K2', '0.6', '--backend', 'js', '--json']);
    expect(code).toBe(0);
    const s = JSON.parse(stdout) as Flow2dSummary;
    expect(s.runs.map((r) => r.K)).toEqual([0.3, 0.6]);
    expect(s.runs[0].flow).toHaveLength(2);
  });

  it.each([
    [['--samples', 'many'], /--samples: not a number/],
    [['--samples', '1'], /samples must be ≥ 2/],
    [['--K', '-0.2'], /K must lie in \(0, 5\]/],
    [['--K', '0.95'], /K2 must lie in \(0, 5\].*default --K2/],
    [['--K2', '0.408'], /K2 must differ from K/],
    [['--steps', '2.5'], /steps must be an integer/],
    [['--seed', '-1'], /seed must be ≥ 0/],
    [['--algorithm', 'heatbath'], /algorithm must be one of/],
    [['--backend', 'cuda'], /backend must be one of/],
  ])('refuses %j with exit 2', async (flags, message) => {
    const { code, stderr } = await cli(['flow2d', '--model', model, ...flags]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('refuses a missing --model, a missing directory and a model whose visible units are not a square lattice (exit 2)', async () => {
    expect((await cli(['flow2d'])).code).toBe(2);
    const missing = await cli(['flow2d', '--model', join(dir, 'nothing')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such model directory/);
    const odd = join(dir, 'odd');
    const rng = new Rng(1);
    await saveModel(odd, [Rbm.random(60, 9, rng).snapshot(), Rbm.random(9, 4, rng).snapshot()], { training: meta(8).training, metrics: {} });
    const notSquare = await cli(['flow2d', '--model', odd, '--backend', 'js']);
    expect(notSquare.code).toBe(2);
    expect(notSquare.stderr).toMatch(/60 visible units do not form an L × L lattice/);
    await expect(runFlow2d({ model: odd }, quiet)).rejects.toBeInstanceOf(UsageError);
  });
});

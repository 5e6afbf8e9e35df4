/**
 * Monitoring measures on toy cases with known answers: an RBM with W = 0 (every unit
 * independent), the exact conditionals p(v_i | v_{−i}) from the enumerated visible
 * distribution, and a model made to memorize a few rows (a positive free-energy gap).
 */
import { describe, expect, it } from 'vitest';
import { exactVisibleDistribution } from '../../../shared/learn/exact-likelihood.js';
import { freeEnergyGap, meanFreeEnergy, pseudoLogLikelihood, reconstructionError } from '../../../shared/learn/monitor.js';
import { Rbm, softplus } from '../../../shared/learn/rbm.js';
import { RbmTrainer } from '../../../shared/learn/trainer.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createNaiveBackend } from './helpers/naive-backend.js';
import { randomBits } from './helpers/toy-data.js';

const backend = createNaiveBackend();

function toyRbm(nv: number, nh: number, seed: number): Rbm {
  const rng = new Rng(seed);
  const rbm = Rbm.random(nv, nh, rng, 1);
  for (let i = 0; i < nv; i++) rbm.visibleBias[i] = 0.5 * rng.nextGaussian();
  for (let j = 0; j < nh; j++) rbm.hiddenBias[j] = 0.5 * rng.nextGaussian();
  return rbm;
}

/** Exact PL(v) = Σ_i log p(v_i | v_{−i}) from the full visible distribution, averaged over rows. */
function exactPseudoLogLikelihood(rbm: Rbm, data: Float32Array, rows: number): number {
  const p = exactVisibleDistribution(rbm);
  const n = rbm.visible;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let index = 0;
    for (let i = 0; i < n; i++) if (data[r * n + i]) index |= 1 << i;
    for (let i = 0; i < n; i++) total += Math.log(p[index] / (p[index] + p[index ^ (1 << i)]));
  }
  return total / rows;
}

describe('monitor', () => {
  it('reconstruction error of an untrained model (W = 0, c = 0) is 1/4 per unit on binary data', () => {
    const rbm = new Rbm(7, 3);
    expect(reconstructionError(rbm, backend, randomBits(300, 7, 1), 300)).toBeCloseTo(0.25, 6);
  });

  it('reconstruction error is ≈ 0 when the visible bias pins every unit to the data', () => {
    const rbm = new Rbm(5, 2, undefined, new Float32Array(5).fill(20));
    expect(reconstructionError(rbm, backend, new Float32Array(5 * 600).fill(1), 600)).toBeLessThan(1e-16);
  });

  it('mean free energy with W = 0 is −⟨c·v⟩ − Σ_j softplus(b_j)', () => {
    const rbm = new Rbm(4, 3, undefined, Float32Array.of(1, -2, 0.5, 0), Float32Array.of(0.3, -1, 2));
    const data = randomBits(50, 4, 2);
    let cv = 0;
    for (let r = 0; r < 50; r++) for (let i = 0; i < 4; i++) cv += (rbm.visibleBias[i] * data[r * 4 + i]) / 50;
    const expected = -cv - (softplus(0.3) + softplus(-1) + softplus(2));
    expect(meanFreeEnergy(rbm, backend, data, 50)).toBeCloseTo(expected, 5);
  });

  it("pseudo-log-likelihood over all bits equals Σ_i log p(v_i | v_{−i}) from the exact distribution", () => {
    const rbm = toyRbm(6, 5, 3);
    const data = randomBits(40, 6, 4);
    expect(pseudoLogLikelihood(rbm, backend, data, 40, new Rng(5), 'all')).toBeCloseTo(exactPseudoLogLikelihood(rbm, data, 40), 5);
  });

  it('the one-bit stochastic estimator is unbiased: its mean over many draws matches the exact value', () => {
    const rbm = toyRbm(6, 5, 6);
    const rows = 600; // the 64 configurations, each ~9 times: rows average out the random bit
    const data = randomBits(rows, 6, 7);
    const exact = exactPseudoLogLikelihood(rbm, data, rows);
    const rng = new Rng(8);
    const draws = Array.from({ length: 40 }, () => pseudoLogLikelihood(rbm, backend, data, rows, rng));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1));
    expect(Math.abs(mean - exact)).toBeLessThan(4 * (sd / Math.sqrt(draws.length)) + 1e-6);
    expect(pseudoLogLikelihood(rbm, backend, data, rows, new Rng(9), 6)).toBeCloseTo(exact, 0);
  });

  it('PL of independent units (W = 0) is Σ_i log σ(±c_i), the exact log-likelihood', () => {
    const c = Float32Array.of(1.5, -0.5, 0.2);
    const rbm = new Rbm(3, 2, undefined, c);
    const data = Float32Array.of(1, 0, 1);
    const expected = -softplus(-1.5) - softplus(-0.5) - softplus(-0.2);
    expect(pseudoLogLikelihood(rbm, backend, data, 1, new Rng(10), 'all')).toBeCloseTo(expected, 6);
  });

  it('the free-energy gap is 0 on identical sets and turns positive when a model memorizes its training rows', () => {
    const rbm = Rbm.random(12, 16, new Rng(11), 0.01);
    const train = randomBits(20, 12, 12);
    const heldOut = randomBits(20, 12, 13);
    expect(freeEnergyGap(rbm, backend, train, 20, train, 20)).toBe(0);
    const trainer = new RbmTrainer(rbm, { batchSize: 20, l1: 0 }, backend, new Rng(14));
    const gaps = [freeEnergyGap(rbm, backend, train, 20, heldOut, 20)];
    for (let e = 1; e <= 300; e++) {
      trainer.trainEpoch(train, 20);
      if (e % 100 === 0) gaps.push(freeEnergyGap(rbm, backend, train, 20, heldOut, 20));
    }
    expect(Math.abs(gaps[0])).toBeLessThan(0.05);
    expect(gaps[1]).toBeGreaterThan(1);
    expect(gaps[3]).toBeGreaterThan(gaps[1]);
  });

  it('rejects data shorter than rows × visible', () => {
    expect(() => reconstructionError(new Rbm(4, 2), backend, new Float32Array(7), 2)).toThrow(/need 2×4/);
    expect(() => pseudoLogLikelihood(new Rbm(4, 2), backend, new Float32Array(8), 2, new Rng(1), 0)).toThrow(/samples/);
  });
});

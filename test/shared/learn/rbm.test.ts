/**
 * The RBM's conditionals and free energy against brute force: F(v) = −log Σ_h e^{−E(v,h)}
 * summed over every h with Rbm.energy, σ(vW + b) and σ(hWᵀ + c) written out per unit.
 */
import { describe, expect, it } from 'vitest';
import { Rbm, softplus } from '../../../shared/learn/rbm.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createNaiveBackend } from './helpers/naive-backend.js';
import { randomBits } from './helpers/toy-data.js';

const backend = createNaiveBackend();

/** An RBM with O(1) weights and biases so that every term matters. */
function toyRbm(nv: number, nh: number, seed: number): Rbm {
  const rng = new Rng(seed);
  const rbm = Rbm.random(nv, nh, rng, 1);
  for (let i = 0; i < nv; i++) rbm.visibleBias[i] = rng.nextGaussian();
  for (let j = 0; j < nh; j++) rbm.hiddenBias[j] = rng.nextGaussian();
  return rbm;
}

function bits(index: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (index >> i) & 1);
}

describe('Rbm', () => {
  it('free energy equals −log Σ_h e^{−E(v,h)} by brute force over all h', () => {
    const rbm = toyRbm(5, 6, 1);
    const rows = 8;
    const v = randomBits(rows, 5, 2);
    const f = new Float64Array(rows);
    rbm.freeEnergy(backend, v, rows, f);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(v.subarray(r * 5, r * 5 + 5));
      let z = 0;
      for (let h = 0; h < 64; h++) z += Math.exp(-rbm.energy(row, bits(h, 6)));
      expect(f[r]).toBeCloseTo(-Math.log(z), 5);
    }
  });

  it('free energy stays finite and exact where e^{x} would overflow (softplus)', () => {
    const rbm = new Rbm(1, 1, Float32Array.of(800), Float32Array.of(0), Float32Array.of(0));
    const f = new Float64Array(1);
    rbm.freeEnergy(backend, Float32Array.of(1), 1, f);
    expect(f[0]).toBe(-800);
    expect(softplus(-800)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
    expect(softplus(1e-10)).toBeCloseTo(Math.LN2 + 5e-11, 15);
  });

  it('hidden and visible probabilities are the factorized conditionals σ(vW + b), σ(hWᵀ + c)', () => {
    const rbm = toyRbm(4, 3, 3);
    const v = randomBits(5, 4, 4);
    const h = randomBits(5, 3, 5);
    const ph = new Float32Array(15);
    const pv = new Float32Array(20);
    rbm.hiddenProbabilities(backend, v, 5, ph);
    rbm.visibleProbabilities(backend, h, 5, pv);
    const sigma = (z: number) => 1 / (1 + Math.exp(-z));
    for (let r = 0; r < 5; r++) {
      for (let j = 0; j < 3; j++) {
        let z = rbm.hiddenBias[j];
        for (let i = 0; i < 4; i++) z += v[r * 4 + i] * rbm.weights[i * 3 + j];
        expect(ph[r * 3 + j]).toBeCloseTo(sigma(z), 6);
      }
      for (let i = 0; i < 4; i++) {
        let z = rbm.visibleBias[i];
        for (let j = 0; j < 3; j++) z += h[r * 3 + j] * rbm.weights[i * 3 + j];
        expect(pv[r * 4 + i]).toBeCloseTo(sigma(z), 6);
      }
    }
  });

  it('p(h|v) from the energy: p(h_j = 1 | v) = e^{−E(v,h¹)}/(e^{−E(v,h⁰)} + e^{−E(v,h¹)})', () => {
    const rbm = toyRbm(3, 2, 6);
    const v = [1, 0, 1];
    const ph = new Float32Array(2);
    rbm.hiddenProbabilities(backend, Float32Array.from(v), 1, ph);
    const e1 = rbm.energy(v, [1, 0]);
    const e0 = rbm.energy(v, [0, 0]);
    expect(ph[0]).toBeCloseTo(1 / (1 + Math.exp(e1 - e0)), 6);
  });

  it('random() draws N(0, scale²) weights and zero biases, reproducibly', () => {
    const a = Rbm.random(40, 50, new Rng(7), 0.1);
    const b = Rbm.random(40, 50, new Rng(7), 0.1);
    expect(a.weights).toEqual(b.weights);
    let s = 0;
    let s2 = 0;
    for (const w of a.weights) {
      s += w;
      s2 += w * w;
    }
    const n = a.weights.length;
    expect(Math.abs(s / n)).toBeLessThan(5 * 0.1 / Math.sqrt(n));
    expect(Math.sqrt(s2 / n)).toBeCloseTo(0.1, 2);
    expect(a.visibleBias.every((x) => x === 0) && a.hiddenBias.every((x) => x === 0)).toBe(true);
  });

  it('snapshot / fromSnapshot round-trip copies, not aliases', () => {
    const rbm = toyRbm(3, 2, 8);
    const s = rbm.snapshot();
    const copy = Rbm.fromSnapshot(s);
    expect(copy.snapshot()).toEqual(s);
    copy.weights[0] += 1;
    expect(rbm.weights[0]).toBe(s.weights[0]);
  });

  it('rejects inconsistent shapes and reports non-finite parameters', () => {
    expect(() => new Rbm(2, 3, new Float32Array(5))).toThrow(RangeError);
    expect(() => new Rbm(0, 3)).toThrow(/visible units/);
    const rbm = toyRbm(2, 2, 9);
    expect(rbm.isFinite()).toBe(true);
    rbm.hiddenBias[1] = Infinity;
    expect(rbm.isFinite()).toBe(false);
  });
});

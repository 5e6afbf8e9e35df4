/**
 * The enumeration oracle itself: log Z against a brute-force double sum over (v, h) with
 * Rbm.energy, from either side; the exact gradient against Richardson-extrapolated central
 * finite differences of exactLogLikelihood (parameters on a 2^−8 grid, steps 2^−9 and 2^−10,
 * so every perturbed float32 parameter is exact and the error is O(h⁴) ≈ 1e−11).
 */
import { describe, expect, it } from 'vitest';
import {
  exactLogLikelihood,
  exactLogLikelihoodGradient,
  exactVisibleDistribution,
  logPartitionFunction,
} from '../../../shared/learn/exact-likelihood.js';
import { Rbm, softplus } from '../../../shared/learn/rbm.js';
import { Rng } from '../../../shared/physics/rng.js';
import { randomBits } from './helpers/toy-data.js';

/** O(1) parameters on the grid k·2^−8. */
function gridRbm(nv: number, nh: number, seed: number): Rbm {
  const rng = new Rng(seed);
  const q = () => Math.round(rng.nextGaussian() * 256) / 256;
  const rbm = new Rbm(nv, nh);
  for (const a of [rbm.weights, rbm.visibleBias, rbm.hiddenBias]) for (let i = 0; i < a.length; i++) a[i] = q();
  return rbm;
}

const bits = (index: number, n: number) => Array.from({ length: n }, (_, i) => (index >> i) & 1);

function bruteLogZ(rbm: Rbm): number {
  let z = 0;
  for (let v = 0; v < 2 ** rbm.visible; v++) {
    for (let h = 0; h < 2 ** rbm.hidden; h++) z += Math.exp(-rbm.energy(bits(v, rbm.visible), bits(h, rbm.hidden)));
  }
  return Math.log(z);
}

describe('exact enumeration', () => {
  it.each([
    [5, 3],
    [3, 5],
    [4, 4],
  ])('log Z of a %i×%i RBM equals the brute-force sum over all (v, h)', (nv, nh) => {
    const rbm = gridRbm(nv, nh, nv * 10 + nh);
    expect(logPartitionFunction(rbm)).toBeCloseTo(bruteLogZ(rbm), 10);
  });

  it('log Z with W = 0 is Σ softplus(c_i) + Σ softplus(b_j), for 30 visible units (enumerating the 4 hidden)', () => {
    const rbm = gridRbm(30, 4, 1);
    rbm.weights.fill(0);
    let expected = 0;
    for (const c of rbm.visibleBias) expected += softplus(c);
    for (const b of rbm.hiddenBias) expected += softplus(b);
    expect(logPartitionFunction(rbm)).toBeCloseTo(expected, 10);
  });

  it('the visible distribution sums to 1 and matches Σ_h e^{−E}/Z per configuration', () => {
    const rbm = gridRbm(4, 3, 2);
    const p = exactVisibleDistribution(rbm);
    const logZ = bruteLogZ(rbm);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let v = 0; v < 16; v++) {
      let w = 0;
      for (let h = 0; h < 8; h++) w += Math.exp(-rbm.energy(bits(v, 4), bits(h, 3)));
      expect(p[v]).toBeCloseTo(w / Math.exp(logZ), 12);
    }
  });

  it('exactLogLikelihood is the mean of log p(v) from the visible distribution', () => {
    const rbm = gridRbm(5, 7, 3);
    const data = randomBits(12, 5, 4);
    const p = exactVisibleDistribution(rbm);
    let expected = 0;
    for (let r = 0; r < 12; r++) {
      let index = 0;
      for (let i = 0; i < 5; i++) if (data[r * 5 + i]) index |= 1 << i;
      expected += Math.log(p[index]) / 12;
    }
    expect(exactLogLikelihood(rbm, data, 12)).toBeCloseTo(expected, 11);
  });

  it('refuses models with more than 20 units on both sides', () => {
    expect(() => logPartitionFunction(new Rbm(21, 22))).toThrow(/at most 20 units/);
    expect(() => exactVisibleDistribution(new Rbm(21, 3))).toThrow(RangeError);
  });

  it.each([
    [6, 4],
    [4, 6],
  ])('the exact gradient of a %i×%i RBM matches finite differences of the log-likelihood to 1e-6', (nv, nh) => {
    const rbm = gridRbm(nv, nh, 5);
    const rows = 20;
    const data = randomBits(rows, nv, 6);
    const g = exactLogLikelihoodGradient(rbm, data, rows);
    const central = (a: Float32Array, i: number, h: number) => {
      const x = a[i];
      a[i] = x + h;
      const up = exactLogLikelihood(rbm, data, rows);
      a[i] = x - h;
      const down = exactLogLikelihood(rbm, data, rows);
      a[i] = x;
      return (up - down) / (2 * h);
    };
    let worst = 0;
    const pairs: [Float32Array, Float64Array][] = [
      [rbm.weights, g.weights],
      [rbm.visibleBias, g.visibleBias],
      [rbm.hiddenBias, g.hiddenBias],
    ];
    for (const [param, grad] of pairs) {
      for (let i = 0; i < param.length; i++) {
        const fd = (4 * central(param, i, 2 ** -10) - central(param, i, 2 ** -9)) / 3;
        worst = Math.max(worst, Math.abs(fd - grad[i]) / Math.max(Math.abs(grad[i]), 1e-2));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });
});

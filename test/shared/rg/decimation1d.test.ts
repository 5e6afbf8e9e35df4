/**
 * The decimation network of Fig. 2B (shared/rg/decimation1d.ts) against exact results:
 * - the sampled flow c(n), J(n) against the exact finite ring at J(n) and the recursion Eq. 24,
 *   with errors checked against the exact standard error of a bond average;
 * - the exact RBM of one step, by enumeration of all 2^8 visible (and 2^4 hidden) configurations:
 *   hidden marginal = the J' ring for any K, visible marginal = the J ring as K → ∞,
 *   p(h | v) = passUp; and the same model in the project's Bernoulli Rbm (exactVisibleDistribution);
 * - the hidden-chain reading of shared/rg/chain-rbm.ts applied to that exact RBM gives J(1).
 */
import { describe, expect, it } from 'vitest';
import { chainCorrelation, chainLogZ, decimateCoupling, decimationFlow } from '../../../shared/physics/exact/chain1d.js';
import { exactVisibleDistribution } from '../../../shared/learn/exact-likelihood.js';
import { Rng } from '../../../shared/physics/rng.js';
import {
  bondAverage,
  decimationRbm,
  layerSizes,
  measureFlow1d,
  passUp,
  spinRbmToBernoulli,
  type SpinRbm,
} from '../../../shared/rg/decimation1d.js';
import { hiddenFields, readHiddenChain } from '../../../shared/rg/chain-rbm.js';

describe('passUp and the layer sizes', () => {
  it('keeps the even sites, in order', () => {
    expect(Array.from(passUp(Int8Array.of(1, -1, -1, 1, 1, 1, -1, -1)))).toEqual([1, -1, 1, -1]);
    expect(Array.from(passUp(Int8Array.of(-1, 1)))).toEqual([-1]);
    const out = new Int8Array(3);
    expect(passUp(Int8Array.of(1, 1, -1, 1, 1, -1), out)).toBe(out);
    expect(Array.from(out)).toEqual([1, -1, 1]);
  });

  it('refuses odd or empty chains and a too short output', () => {
    expect(() => passUp(Int8Array.of(1, 1, 1))).toThrow(RangeError);
    expect(() => passUp(new Int8Array(0))).toThrow(RangeError);
    expect(() => passUp(new Int8Array(8), new Int8Array(3))).toThrow(RangeError);
  });

  it('halves the ring per layer and checks divisibility', () => {
    expect(layerSizes(1024, 5)).toEqual([1024, 512, 256, 128, 64, 32]);
    expect(layerSizes(6, 0)).toEqual([6]);
    expect(() => layerSizes(24, 4)).toThrow(/divisible/);
    expect(() => layerSizes(16, 4)).toThrow(/≥ 2 spins/);
    expect(() => layerSizes(1 << 14, 13)).toThrow(/layers/);
  });

  it('bondAverage is the ring average of s_i s_{i+1}', () => {
    expect(bondAverage(Int8Array.of(1, 1, 1, 1))).toBe(1);
    expect(bondAverage(Int8Array.of(1, -1, 1, -1))).toBe(-1);
    expect(bondAverage(Int8Array.of(1, 1, -1, -1))).toBe(0);
    expect(bondAverage(Int8Array.of(1, -1))).toBe(-1); // a 2-ring: the pair bonded twice
  });
});

describe('measureFlow1d: the sampled flow against Eq. 24', () => {
  for (const [J, seed] of [
    [1.0, 11],
    [0.6, 12],
  ] as const) {
    it(`J = ${J}: c(n) and J(n) agree with the exact ring and the recursion for n = 0…4, with sane errors`, () => {
      const chains = 2000;
      const N = 1024;
      const m = measureFlow1d({ J, layers: 4, chains, N, seed });
      const flow = decimationFlow(J, 4);
      expect(m.flow).toHaveLength(5);
      for (const l of m.flow) {
        const n = l.layer;
        expect(l.spins).toBe(N / 2 ** n);
        expect(l.JExact).toBeCloseTo(flow[n], 14);
        expect(l.cExactRing).toBeCloseTo(chainCorrelation(flow[n], 1, l.spins), 14);
        // Decimating the ring of N spins at J n times = the ring at distance 2ⁿ.
        expect(l.cExactRing).toBeCloseTo(chainCorrelation(J, 2 ** n, N), 12);
        // Bonds of a ring at J(n) are (nearly) iid with variance 1 − tanh² J(n): the exact standard error.
        const expectedErr = Math.sqrt((1 - l.cExactInfinite ** 2) / (l.spins * chains));
        expect(l.c.err / expectedErr).toBeGreaterThan(0.85);
        expect(l.c.err / expectedErr).toBeLessThan(1.15);
        expect(Math.abs(l.c.mean - l.cExactRing)).toBeLessThan(4 * l.c.err);
        expect(l.deviationSigma).not.toBeNull();
        expect(Math.abs(l.deviationSigma!)).toBeLessThan(4);
        // J(n) = atanh c(n) against the recursion, allowing the finite-ring shift.
        expect(l.J).not.toBeNull();
        const Jm = l.J!;
        expect(Jm.err).toBeCloseTo(l.c.err / (1 - l.c.mean ** 2), 12);
        expect(Jm.err).toBeLessThan(0.01);
        expect(Math.abs(Jm.mean - l.JExact)).toBeLessThan(4 * Jm.err + Math.abs(l.JExactRing - l.JExact));
        expect(l.JLowerBound95).toBeNull();
      }
    });
  }

  it('compares with the finite ring, not the infinite chain, where they differ (J = 2.5, N = 64)', () => {
    const m = measureFlow1d({ J: 2.5, layers: 2, chains: 2000, N: 64, seed: 5 });
    for (const l of m.flow) {
      expect(Math.abs(l.deviationSigma!)).toBeLessThan(4);
      // The finite ring's correlation is measurably above tanh J(n).
      expect((l.c.mean - l.cExactInfinite) / l.c.err).toBeGreaterThan(8);
    }
  });

  it('is deterministic for a seed and reports a lower bound when every bond is aligned (J = 10)', () => {
    const a = measureFlow1d({ J: 0.8, layers: 2, chains: 20, N: 64, seed: 3 });
    const b = measureFlow1d({ J: 0.8, layers: 2, chains: 20, N: 64, seed: 3 });
    expect(a).toEqual(b);
    const frozen = measureFlow1d({ J: 10, layers: 1, chains: 50, N: 64, seed: 1 });
    for (const l of frozen.flow) {
      expect(l.c.mean).toBe(1);
      expect(l.J).toBeNull();
      expect(l.JLowerBound95).toBeCloseTo(Math.atanh(1 - 6 / (50 * l.spins)), 12);
    }
  });

  it('refuses bad options', () => {
    expect(() => measureFlow1d({ J: 1, layers: 3, chains: 1, N: 64, seed: 1 })).toThrow(/chains/);
    expect(() => measureFlow1d({ J: 1, layers: 3, chains: 10, N: 60, seed: 1 })).toThrow(/divisible/);
    expect(() => measureFlow1d({ J: NaN, layers: 3, chains: 10, N: 64, seed: 1 })).toThrow(/J/);
  });
});

/** log e^{−E(v,h)} = Σ_ki v_k W_ki h_i + a·v + b·h of a spin RBM; bit k of v/h ⇔ spin +1. */
function logWeight(r: SpinRbm, v: number, h: number): number {
  let x = 0;
  const s = (bits: number, k: number) => ((bits >> k) & 1 ? 1 : -1);
  for (let k = 0; k < r.visible; k++) {
    x += r.visibleField[k] * s(v, k);
    for (let i = 0; i < r.hidden; i++) x += r.weights[k * r.hidden + i] * s(v, k) * s(h, i);
  }
  for (let i = 0; i < r.hidden; i++) x += r.hiddenField[i] * s(h, i);
  return x;
}

/** Exact ring probabilities of all 2^M configurations at coupling J (bit k ⇔ s_k = +1). */
function ringDistribution(M: number, J: number): Float64Array {
  const logZ = chainLogZ(J, M);
  return Float64Array.from({ length: 2 ** M }, (_, c) => {
    let bonds = 0;
    for (let k = 0; k < M; k++) bonds += ((c >> k) & 1 ? 1 : -1) * ((c >> ((k + 1) % M)) & 1 ? 1 : -1);
    return Math.exp(J * bonds - logZ);
  });
}

/** The marginals p(v), p(h) and the joint of a spin RBM by enumeration of both layers. */
function enumerateRbm(r: SpinRbm): { pv: Float64Array; ph: Float64Array; joint: Float64Array[] } {
  const V = 2 ** r.visible;
  const H = 2 ** r.hidden;
  const joint = Array.from({ length: V }, () => new Float64Array(H));
  let max = -Infinity;
  for (let v = 0; v < V; v++) for (let h = 0; h < H; h++) max = Math.max(max, (joint[v][h] = logWeight(r, v, h)));
  let Z = 0;
  for (let v = 0; v < V; v++) for (let h = 0; h < H; h++) Z += joint[v][h] = Math.exp(joint[v][h] - max);
  const pv = new Float64Array(V);
  const ph = new Float64Array(H);
  for (let v = 0; v < V; v++) {
    for (let h = 0; h < H; h++) {
      joint[v][h] /= Z;
      pv[v] += joint[v][h];
      ph[h] += joint[v][h];
    }
  }
  return { pv, ph, joint };
}

function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / b[i]);
  return worst;
}

describe('one decimation step is exactly an RBM (N = 8, all 2^8 visible configurations)', () => {
  const M = 8;

  it('has the (J, K, J) weights on sites 2i−1, 2i, 2i+1 of hidden unit i and nothing else', () => {
    const r = decimationRbm(M, 0.7, 5);
    for (let k = 0; k < M; k++) {
      for (let i = 0; i < M / 2; i++) {
        const d = (((k - 2 * i) % M) + M) % M;
        const expected = d === 0 ? 5 : d === 1 || d === M - 1 ? 0.7 : 0;
        expect(r.weights[k * (M / 2) + i]).toBe(expected);
      }
    }
    expect(Array.from(r.visibleField).every((x) => x === 0)).toBe(true);
    expect(Array.from(r.hiddenField).every((x) => x === 0)).toBe(true);
  });

  for (const J of [1.0, 0.37]) {
    it(`J = ${J}: the hidden marginal is the ring of 4 at J' = decimateCoupling(J) for every K (Eqs. 20–21, 24)`, () => {
      const exact = ringDistribution(M / 2, decimateCoupling(J));
      for (const K of [0, 0.8, 3, 20]) {
        expect(maxRelativeError(enumerateRbm(decimationRbm(M, J, K)).ph, exact)).toBeLessThan(1e-12);
      }
    });

    it(`J = ${J}: as K → ∞ the visible marginal is the ring of 8 at J and p(h | v) keeps the even sites`, () => {
      const exact = ringDistribution(M, J);
      const { pv, joint } = enumerateRbm(decimationRbm(M, J, 20));
      expect(maxRelativeError(pv, exact)).toBeLessThan(1e-12);
      for (let v = 0; v < 2 ** M; v++) {
        const spins = Int8Array.from({ length: M }, (_, k) => ((v >> k) & 1 ? 1 : -1));
        const kept = passUp(spins);
        let h = 0;
        for (let i = 0; i < kept.length; i++) if (kept[i] > 0) h |= 1 << i;
        expect(joint[v][h] / pv[v]).toBeGreaterThan(1 - 1e-12);
      }
      // At small K the visible marginal is not the chain: the copy weight must be large.
      expect(maxRelativeError(enumerateRbm(decimationRbm(M, J, 1)).pv, exact)).toBeGreaterThan(1e-3);
    });
  }

  it("the same model as the project's Bernoulli Rbm reproduces the ring (exactVisibleDistribution)", () => {
    const J = 1;
    const K = 12; // relative error ≤ (M/2)·e^{−2(K−2J)} ≈ 8e−9
    const rbm = spinRbmToBernoulli(decimationRbm(M, J, K));
    expect(rbm.visible).toBe(8);
    expect(rbm.hidden).toBe(4);
    expect(maxRelativeError(exactVisibleDistribution(rbm), ringDistribution(M, J))).toBeLessThan(1e-7);
  });
});

describe('the hidden-chain reading (chain-rbm.ts) applied to the exact decimation RBM', () => {
  it('finds every unit localized at the even sites, gaps 2, and J_eff = J(1) within its error', () => {
    for (const [J, seed] of [
      [1.0, 21],
      [0.5, 22],
    ] as const) {
      const rbm = spinRbmToBernoulli(decimationRbm(32, J, 12));
      const fields = hiddenFields(rbm);
      expect(fields.every((f) => f.localized && f.orientation === 1 && f.width < 0.5)).toBe(true);
      fields.forEach((f, i) => expect(Math.min(Math.abs(f.centre - 2 * i), 32 - Math.abs(f.centre - 2 * i))).toBeLessThan(1e-9));
      const r = readHiddenChain(rbm, { J, chains: 3000, rng: new Rng(seed) });
      expect(r.localizedUnits).toBe(16);
      expect(r.flippedUnits).toBe(0);
      expect(r.centreGap!.min).toBeCloseTo(2, 9);
      expect(r.centreGap!.max).toBeCloseTo(2, 9);
      expect(r.JEff!.err).toBeGreaterThan(0);
      expect(r.JEff!.err).toBeLessThan(0.01);
      expect(Math.abs(r.JEff!.mean - r.J1Exact)).toBeLessThan(4 * r.JEff!.err);
      expect(Math.abs(r.effectiveDistance!.mean - 2)).toBeLessThan(4 * r.effectiveDistance!.err);
    }
  });
});

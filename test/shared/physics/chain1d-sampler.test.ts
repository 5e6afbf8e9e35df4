/**
 * The exact 1D chain sampler against the exact correlations (transfer matrix,
 * shared/physics/exact/chain1d.ts) and against the Boltzmann weights of every configuration.
 * Samples are independent draws, so plain standard errors apply.
 */
import { describe, expect, it } from 'vitest';
import { sampleChain } from '../../../shared/physics/chain1d-sampler.js';
import { chainCorrelation } from '../../../shared/physics/exact/chain1d.js';
import { chiSquareTest } from '../../../shared/physics/stats.js';
import { Rng } from '../../../shared/physics/rng.js';

/** Mean and standard error of ⟨s_0 s_r⟩ over `draws` independent chains, for r = 0..maxR. */
function correlations(N: number, J: number, periodic: boolean, draws: number, seed: number, maxR: number) {
  const rng = new Rng(seed);
  const s = new Int8Array(N);
  const sum = new Float64Array(maxR + 1);
  const sum2 = new Float64Array(maxR + 1);
  for (let d = 0; d < draws; d++) {
    sampleChain(N, J, rng, s, periodic);
    for (let r = 0; r <= maxR; r++) {
      // Average over the starting site i (all pairs at distance r inside the chain / around the ring).
      let c = 0;
      const pairs = periodic ? N : N - r;
      for (let i = 0; i < pairs; i++) c += s[i] * s[(i + r) % N];
      c /= pairs;
      sum[r] += c;
      sum2[r] += c * c;
    }
  }
  return Array.from(sum, (m, r) => {
    const mean = m / draws;
    return { mean, err: Math.sqrt(Math.max(sum2[r] / draws - mean * mean, 1e-12) / draws) };
  });
}

/** Exact probabilities of all 2^N configurations (bit i of the index ⇔ s_i = +1). */
function exactDistribution(N: number, J: number, periodic: boolean): Float64Array {
  const w = new Float64Array(1 << N);
  let z = 0;
  for (let c = 0; c < w.length; c++) {
    let bonds = 0;
    const bondCount = periodic ? N : N - 1;
    for (let i = 0; i < bondCount; i++) bonds += (((c >> i) ^ (c >> ((i + 1) % N))) & 1) === 0 ? 1 : -1;
    w[c] = Math.exp(J * bonds);
    z += w[c];
  }
  return w.map((x) => x / z);
}

function histogram(N: number, J: number, periodic: boolean, draws: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const s = new Int8Array(N);
  const counts = new Float64Array(1 << N);
  for (let d = 0; d < draws; d++) {
    sampleChain(N, J, rng, s, periodic);
    let c = 0;
    for (let i = 0; i < N; i++) if (s[i] === 1) c |= 1 << i;
    counts[c]++;
  }
  return counts;
}

describe('sampleChain, open chain', () => {
  it.each([0.7, -0.5, 0, 1.5])('⟨s_i s_{i+r}⟩ = tanh(J)^r within 5σ at J = %f', (J) => {
    const est = correlations(16, J, false, 20000, 3, 6);
    est.forEach(({ mean, err }, r) => {
      expect(Math.abs(mean - chainCorrelation(J, r))).toBeLessThan(5 * err + 1e-12);
    });
  });

  it('draws every configuration of N = 5 with its Boltzmann probability (χ² test)', () => {
    for (const J of [0.6, -0.9]) {
      const { pValue } = chiSquareTest(histogram(5, J, false, 40000, 17), exactDistribution(5, J, false));
      expect(pValue).toBeGreaterThan(1e-4);
    }
  });
});

describe('sampleChain, periodic ring', () => {
  it.each([
    [6, 0.8],
    [6, -0.8],
    [7, -1.2],
    [12, 0.4],
  ])('N = %i, J = %f: ⟨s_i s_{i+r}⟩ = (t^r + t^{N−r})/(1 + t^N) within 5σ', (N, J) => {
    const est = correlations(N, J, true, 20000, 5, N);
    est.forEach(({ mean, err }, r) => {
      expect(Math.abs(mean - chainCorrelation(J, r, N))).toBeLessThan(5 * err + 1e-12);
    });
  });

  it('draws every configuration of rings N = 1..6 with its Boltzmann probability (χ² test)', () => {
    for (const N of [1, 2, 3, 5, 6]) {
      for (const J of [0.7, -1.1]) {
        const { pValue } = chiSquareTest(histogram(N, J, true, 30000, 100 + N), exactDistribution(N, J, true));
        expect(pValue).toBeGreaterThan(1e-4);
      }
    }
  });

  it('keeps full precision where tanh J rounds to ±1: ferromagnet all aligned, odd antiferromagnet with one uniform defect', () => {
    const rng = new Rng(9);
    const s = new Int8Array(5);
    for (let d = 0; d < 200; d++) {
      sampleChain(5, 25, rng, s, true);
      expect(Math.abs(s.reduce((a, x) => a + x, 0))).toBe(5);
    }
    const defectAt = new Float64Array(5);
    for (let d = 0; d < 20000; d++) {
      sampleChain(5, -25, rng, s, true);
      const satisfied = [0, 1, 2, 3, 4].filter((i) => s[i] === s[(i + 1) % 5]);
      expect(satisfied.length).toBe(1);
      defectAt[satisfied[0]]++;
    }
    expect(chiSquareTest(defectAt, [0.2, 0.2, 0.2, 0.2, 0.2]).pValue).toBeGreaterThan(1e-4);
  });
});

describe('sampleChain arguments', () => {
  it('is deterministic for a seed and rejects bad input', () => {
    const a = new Int8Array(50);
    const b = new Int8Array(50);
    sampleChain(50, 0.5, new Rng(4), a, true);
    sampleChain(50, 0.5, new Rng(4), b, true);
    expect(a).toEqual(b);
    expect(() => sampleChain(0, 0.5, new Rng(1), a)).toThrow(RangeError);
    expect(() => sampleChain(60, 0.5, new Rng(1), a)).toThrow(RangeError);
    expect(() => sampleChain(5, Number.NaN, new Rng(1), a)).toThrow(RangeError);
    expect(() => sampleChain(5, 400, new Rng(1), a, true)).toThrow(RangeError);
  });
});

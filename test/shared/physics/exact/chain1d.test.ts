import { describe, expect, it } from 'vitest';
import {
  chainCorrelation,
  chainEnergyPerBond,
  chainLogZ,
  decimateCoupling,
  decimationFlow,
} from '../../../../shared/physics/exact/chain1d.js';

/** Brute force over the 2^N states of a ring: ln Z and ⟨s_0 s_r⟩ for r = 0..N. */
function bruteRing(J: number, N: number): { logZ: number; corr: Float64Array } {
  const logW: number[] = [];
  const states: number[] = [];
  for (let c = 0; c < 1 << N; c++) {
    let bonds = 0;
    for (let i = 0; i < N; i++) bonds += (((c >> i) & 1) === ((c >> ((i + 1) % N)) & 1) ? 1 : -1);
    logW.push(J * bonds);
    states.push(c);
  }
  const top = Math.max(...logW);
  const w = logW.map((l) => Math.exp(l - top));
  const z = w.reduce((a, b) => a + b, 0);
  const corr = new Float64Array(N + 1);
  for (let r = 0; r <= N; r++) {
    let acc = 0;
    for (let k = 0; k < states.length; k++) acc += w[k] * ((states[k] & 1) === ((states[k] >> (r % N)) & 1) ? 1 : -1);
    corr[r] = acc / z;
  }
  return { logZ: top + Math.log(z), corr };
}

describe('1D chain: rings against brute-force enumeration', () => {
  it('ln Z, every correlation ⟨s_0 s_r⟩ and the energy per bond match 2^N-state sums for N = 1..12', () => {
    for (const J of [0, 0.3, -0.7, 1.5, -2.2]) {
      for (let N = 1; N <= 12; N++) {
        const exact = bruteRing(J, N);
        expect(chainLogZ(J, N)).toBeCloseTo(exact.logZ, 12);
        for (let r = 0; r <= N; r++) expect(chainCorrelation(J, r, N)).toBeCloseTo(exact.corr[r], 13);
        expect(chainEnergyPerBond(J, N)).toBeCloseTo(-exact.corr[1], 13);
      }
    }
  });

  it('stays finite and exact in the zero-temperature limit, including the frustrated odd ring (J < 0)', () => {
    // J = −400, N = 5: the 2N ground states have one broken bond; ⟨s_0 s_r⟩ = (−1)^r (1 − 2r/N).
    expect(chainCorrelation(-400, 1, 5)).toBeCloseTo(-0.6, 14);
    expect(chainCorrelation(-400, 2, 5)).toBeCloseTo(0.2, 14);
    expect(chainLogZ(-400, 5)).toBeCloseTo(3 * 400 + Math.log(10), 10);
    expect(chainLogZ(-20, 5)).toBeCloseTo(3 * 20 + Math.log(10), 10);
    expect(chainLogZ(1000, 7)).toBeCloseTo(7000 + Math.LN2, 10);
    expect(chainCorrelation(1000, 3, 7)).toBe(1);
  });
});

describe('1D chain: open chain and decimation RG (Eq. 24)', () => {
  it('the open-chain correlation is tanh(J)^r and the infinite-chain energy is −tanh J', () => {
    for (const J of [0.2, -0.9, 3]) {
      for (let r = 0; r < 8; r++) expect(chainCorrelation(J, r)).toBeCloseTo(Math.tanh(J) ** r, 14);
      expect(chainEnergyPerBond(J)).toBeCloseTo(-Math.tanh(J), 15);
    }
  });

  it('decimateCoupling satisfies tanh J′ = tanh² J, with J′ ≈ J² near 0 and J′ ≈ J − ½ln 2 for large J', () => {
    for (const J of [0.05, 0.4, 1, 1.7, -0.6]) expect(Math.tanh(decimateCoupling(J))).toBeCloseTo(Math.tanh(J) ** 2, 15);
    expect(decimateCoupling(1e-8) / 1e-16).toBeCloseTo(1, 12);
    expect(decimateCoupling(50)).toBeCloseTo(50 - 0.5 * Math.LN2, 12);
    expect(decimateCoupling(-0.8)).toBe(decimateCoupling(0.8));
  });

  it('decimation is exact: ⟨s_0 s_2r⟩ at J equals ⟨s_0 s_r⟩ at J′, on the open chain and on rings', () => {
    for (const J of [0.3, 1.1, -0.5]) {
      const Jp = decimateCoupling(J);
      for (let r = 0; r <= 10; r++) expect(chainCorrelation(J, 2 * r)).toBeCloseTo(chainCorrelation(Jp, r), 14);
      for (const N of [2, 8, 12]) {
        for (let r = 0; r <= N / 2; r++) expect(chainCorrelation(J, 2 * r, N)).toBeCloseTo(chainCorrelation(Jp, r, N / 2), 14);
        // Summing out every other spin: Z_N(J) = (2√cosh 2J)^{N/2} Z_{N/2}(J′).
        const prefactor = (N / 2) * Math.log(2 * Math.sqrt(Math.cosh(2 * J)));
        expect(chainLogZ(J, N)).toBeCloseTo(prefactor + chainLogZ(Jp, N / 2), 12);
      }
    }
  });

  it('decimationFlow starts at J and decreases monotonically toward the J = 0 fixed point', () => {
    const flow = decimationFlow(2, 12);
    expect(flow.length).toBe(13);
    expect(flow[0]).toBe(2);
    for (let l = 1; l < flow.length; l++) {
      expect(flow[l]).toBe(decimateCoupling(flow[l - 1]));
      expect(flow[l]).toBeLessThan(flow[l - 1]);
    }
    expect(flow[12]).toBeLessThan(1e-10);
    expect(Array.from(decimationFlow(0.7, 0))).toEqual([0.7]);
  });

  it('rejects invalid arguments with RangeError', () => {
    expect(() => decimateCoupling(NaN)).toThrow(RangeError);
    expect(() => decimationFlow(1, -1)).toThrow(RangeError);
    expect(() => decimationFlow(1, 1.5)).toThrow(RangeError);
    expect(() => chainCorrelation(Infinity, 1)).toThrow(RangeError);
    expect(() => chainCorrelation(1, -1)).toThrow(RangeError);
    expect(() => chainCorrelation(1, 5, 4)).toThrow(RangeError);
    expect(() => chainCorrelation(1, 1, 0)).toThrow(RangeError);
    expect(() => chainLogZ(1, 2.5)).toThrow(RangeError);
    expect(() => chainEnergyPerBond(NaN)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { CRITICAL_COUPLING } from '../../../../shared/physics/ising.js';
import {
  ellipticE,
  ellipticK,
  onsagerEnergyPerSite,
  onsagerFreeEnergyPerSite,
  onsagerSpecificHeatPerSite,
  onsagerSpontaneousMagnetization,
} from '../../../../shared/physics/exact/onsager.js';

const Kc = CRITICAL_COUPLING;

/** |actual − expected| ≤ tol·|expected|. */
function expectRel(actual: number, expected: number, tol: number, what = ''): void {
  const bound = tol * Math.abs(expected);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(bound);
}

/** 40-digit values of u, c and −βf from mpmath (ellipk, ellipe, quad, numerical diff of u). */
const REFERENCE = [
  { K: 0.01, u: -0.020003333760134961053, c: 0.00020010002134278141567, f: 0.69324718889398992255 },
  { K: 0.3, u: -0.70449907083244508064, c: 0.28629020287204577761, f: 0.7905590709512628659 },
  { K: 0.408, u: -1.1508548909667392541, c: 0.96992015737929281417, f: 0.88838920964036365156 },
  { K: 0.45, u: -1.5130458059983030544, c: 1.6079529376408615171, f: 0.94338377309879344386 },
  { K: 0.5, u: -1.7455645753125539646, c: 0.72487144860157392778, f: 1.0257928126949175757 },
  { K: 2, u: -1.9999990988116571145, c: 0.000028852552716246462593, f: 4.0000001126107344499 },
] as const;

describe('complete elliptic integrals by the AGM', () => {
  it('match closed forms: K(0) = E(0) = π/2, K(1/√2) = Γ(¼)²/(4√π), E(1) = 1, K(1) = ∞', () => {
    expect(ellipticK(0)).toBe(Math.PI / 2);
    expect(ellipticE(0)).toBeCloseTo(Math.PI / 2, 15);
    expectRel(ellipticK(Math.SQRT1_2), 1.8540746773013719, 1e-15, 'K(1/√2)');
    expectRel(ellipticE(Math.SQRT1_2), 1.3506438810476755, 1e-15, 'E(1/√2)');
    expectRel(ellipticK(0.5), 1.685750354812596, 1e-15, 'K(0.5)');
    expect(ellipticK(1)).toBe(Infinity);
    expect(ellipticE(1)).toBe(1);
    expect(ellipticK(-0.5)).toBe(ellipticK(0.5));
  });

  it('satisfy Legendre’s relation E K′ + E′ K − K K′ = π/2', () => {
    for (const k of [0.1, 0.3, 0.7, 0.999]) {
      const kp = Math.sqrt(1 - k * k);
      const lhs = ellipticE(k) * ellipticK(kp) + ellipticE(kp) * ellipticK(k) - ellipticK(k) * ellipticK(kp);
      expect(lhs).toBeCloseTo(Math.PI / 2, 13);
    }
  });

  it('reject moduli outside [−1, 1] with RangeError', () => {
    expect(() => ellipticK(1.0001)).toThrow(RangeError);
    expect(() => ellipticE(NaN)).toThrow(RangeError);
  });
});

describe('Onsager energy, specific heat and free energy', () => {
  it('match 20-digit mpmath references', () => {
    for (const ref of REFERENCE) {
      expectRel(onsagerEnergyPerSite(ref.K), ref.u, 2e-15, `u(${ref.K})`);
      expectRel(onsagerSpecificHeatPerSite(ref.K), ref.c, 1e-12, `c(${ref.K})`);
      expectRel(onsagerFreeEnergyPerSite(ref.K), ref.f, 2e-15, `−βf(${ref.K})`);
    }
  });

  it('have the known limits: u(K_c) = −√2, −βf(K_c) = ½ln 2 + 2G/π, u → −2K and −βf → ln 2 + K² as K → 0, u → −2 as K → ∞', () => {
    expect(onsagerEnergyPerSite(Kc)).toBeCloseTo(-Math.SQRT2, 15);
    const catalan = 0.915965594177219;
    expect(onsagerFreeEnergyPerSite(Kc)).toBeCloseTo(0.5 * Math.LN2 + (2 * catalan) / Math.PI, 14);
    expectRel(onsagerEnergyPerSite(1e-9), -2e-9, 1e-12, 'u(1e-9)');
    expect(onsagerFreeEnergyPerSite(1e-4)).toBeCloseTo(Math.LN2 + 1e-8, 15);
    expect(onsagerEnergyPerSite(0)).toBe(0);
    expect(onsagerSpecificHeatPerSite(0)).toBe(0);
    expect(onsagerFreeEnergyPerSite(0)).toBe(Math.LN2);
    expect(onsagerEnergyPerSite(400)).toBe(-2);
  });

  it('are thermodynamically consistent: u = −d(−βf)/dK and c = −K² du/dK (finite differences)', () => {
    const h = 1e-5;
    for (const K of [0.1, 0.35, 0.42, 0.46, 0.7, 1.5]) {
      expectRel(-(onsagerFreeEnergyPerSite(K + h) - onsagerFreeEnergyPerSite(K - h)) / (2 * h), onsagerEnergyPerSite(K), 1e-8, `u(${K})`);
      expectRel((-K * K * (onsagerEnergyPerSite(K + h) - onsagerEnergyPerSite(K - h))) / (2 * h), onsagerSpecificHeatPerSite(K), 1e-7, `c(${K})`);
    }
  });

  it('has the logarithmic specific-heat singularity c ≈ −(8K_c²/π) ln|1 − K/K_c|, and Infinity at K_c', () => {
    expect(onsagerSpecificHeatPerSite(Kc)).toBe(Infinity);
    const amplitude = (8 * Kc * Kc) / Math.PI;
    for (const side of [1, -1]) {
      const near = onsagerSpecificHeatPerSite(Kc * (1 + side * 1e-7));
      const far = onsagerSpecificHeatPerSite(Kc * (1 + side * 1e-6));
      expectRel(near - far, amplitude * Math.LN10, 1e-4, `side ${side}`);
    }
  });
});

describe('Yang spontaneous magnetization', () => {
  it('is (1 − sinh⁻⁴ 2K)^{1/8} above K_c, 0 at and below, with exponent β = 1/8', () => {
    expect(onsagerSpontaneousMagnetization(0.3)).toBe(0);
    expect(onsagerSpontaneousMagnetization(Kc)).toBe(0);
    expectRel(onsagerSpontaneousMagnetization(0.5), (1 - Math.sinh(1) ** -4) ** 0.125, 1e-15, 'm(0.5)');
    expect(onsagerSpontaneousMagnetization(30)).toBe(1);
    const ratio = onsagerSpontaneousMagnetization(Kc * (1 + 1e-9)) / onsagerSpontaneousMagnetization(Kc * (1 + 1e-5));
    expectRel(ratio, 1e-4 ** 0.125, 1e-4, 'β = 1/8');
  });

  it('rejects negative or non-finite couplings with RangeError', () => {
    for (const f of [onsagerEnergyPerSite, onsagerSpecificHeatPerSite, onsagerFreeEnergyPerSite, onsagerSpontaneousMagnetization]) {
      expect(() => f(-0.1)).toThrow(RangeError);
      expect(() => f(NaN)).toThrow(RangeError);
      expect(() => f(Infinity)).toThrow(RangeError);
    }
  });
});

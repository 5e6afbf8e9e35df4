/**
 * Onsager's exact results for the infinite square-lattice Ising model (J = 1, h = 0, k_B = 1):
 * energy, specific heat and free energy per site (L. Onsager, Phys. Rev. 65, 117 (1944); the
 * forms of K. Huang, Statistical Mechanics, 2nd ed., §15.3), the spontaneous magnetization
 * (C. N. Yang, Phys. Rev. 85, 808 (1952)), and the complete elliptic integrals they need,
 * from the arithmetic–geometric mean (AGM).
 *
 * Notation: K = βJ, s = sinh 2K, κ = 2 sinh 2K / cosh² 2K = 2s/(1 + s²), κ' = √(1 − κ²) =
 * |1 − s²|/(1 + s²). Kramers–Wannier duality s ↔ 1/s leaves κ unchanged, so κ and κ' are
 * formed from q = min(s, 1/s) ∈ [0, 1], which never overflows. κ' = 0 exactly at K_c.
 */
import { CRITICAL_COUPLING } from '../ising.js';

/** Throws a RangeError unless K is a finite coupling ≥ 0. */
function checkCoupling(K: number): void {
  if (!Number.isFinite(K) || K < 0) throw new RangeError(`coupling K must be a finite number ≥ 0, got ${K}`);
}

/** AGM of (1, kp) with the quantities the elliptic integrals need, all without cancellation. */
interface AgmResult {
  /** M = agm(1, κ'); K(κ) = π / (2M). */
  mean: number;
  /** M − κ', accurate also when κ' → 1. */
  meanMinusKp: number;
  /** Σ_{n≥0} 2^{n−1} c_n² with c_0 = κ, c_{n+1} = (a_n − b_n)/2; E(κ) = K(κ)(1 − this sum). */
  cSum: number;
}

/**
 * AGM of a_0 = 1, b_0 = κ' (κ' > 0), tracking x_n = a_n − κ' and y_n = b_n − κ' so that
 * M − κ' keeps full relative precision: x_{n+1} = (x_n + y_n)/2,
 * y_{n+1} = (κ'(x_n + y_n) + x_n y_n)/(√(a_n b_n) + κ').
 */
function agm(k: number, kp: number): AgmResult {
  let x = k * k / (1 + kp);
  let y = 0;
  let weight = 0.5;
  let cSum = weight * k * k;
  for (let i = 0; i < 64; i++) {
    const c = (x - y) / 2;
    if (c <= 1e-17 * x) break;
    const a = kp + x;
    const b = kp + y;
    const g = Math.sqrt(a * b);
    const yNext = (kp * (x + y) + x * y) / (g + kp);
    x = (x + y) / 2;
    y = yNext;
    weight *= 2;
    cSum += weight * c * c;
  }
  return { mean: kp + x, meanMinusKp: x, cSum };
}

/** κ and κ' of the coupling K > 0, from q = min(sinh 2K, 1/sinh 2K); s > 1 says K > K_c. */
function moduli(K: number): { k: number; kp: number; ordered: boolean } {
  const s = Math.sinh(2 * K);
  const q = s > 1 ? 1 / s : s;
  return { k: (2 * q) / (1 + q * q), kp: (1 - q) * (1 + q) / (1 + q * q), ordered: s > 1 };
}

/**
 * Complete elliptic integral of the first kind, K(k) = ∫_0^{π/2} dφ / √(1 − k² sin² φ),
 * modulus k ∈ [−1, 1] (not the parameter k²), as π / (2 agm(1, √(1 − k²))).
 * K(0) = π/2; K(±1) = Infinity (logarithmic divergence K ≈ ln(4/√(1 − k²))).
 */
export function ellipticK(k: number): number {
  if (!Number.isFinite(k) || Math.abs(k) > 1) throw new RangeError(`elliptic modulus k must lie in [−1, 1], got ${k}`);
  const kp = Math.sqrt((1 - k) * (1 + k));
  if (kp === 0) return Infinity;
  return Math.PI / (2 * agm(Math.abs(k), kp).mean);
}

/**
 * Complete elliptic integral of the second kind, E(k) = ∫_0^{π/2} √(1 − k² sin² φ) dφ,
 * modulus k ∈ [−1, 1], by the AGM: E = K (1 − Σ 2^{n−1} c_n²). E(0) = π/2, E(±1) = 1.
 */
export function ellipticE(k: number): number {
  if (!Number.isFinite(k) || Math.abs(k) > 1) throw new RangeError(`elliptic modulus k must lie in [−1, 1], got ${k}`);
  const kp = Math.sqrt((1 - k) * (1 + k));
  if (kp === 0) return 1;
  const r = agm(Math.abs(k), kp);
  return (Math.PI / (2 * r.mean)) * (1 - r.cSum);
}

/**
 * Energy per site of the infinite lattice in units of J, u = −(1/N)⟨Σ_<ij> s_i s_j⟩ (Onsager):
 *   u = −coth 2K [1 + (2/π)(2 tanh² 2K − 1) K(κ)],
 * where 2 tanh² 2K − 1 = ±κ' (+ above K_c). Continuous at K_c, u(K_c) = −√2. Below K_c the
 * bracket is written (M − κ')/M with M = agm(1, κ') so that u ≈ −2K keeps full precision as K → 0.
 * @param K coupling βJ ≥ 0 (dimensionless)
 */
export function onsagerEnergyPerSite(K: number): number {
  checkCoupling(K);
  if (K === 0) return 0;
  const { k, kp, ordered } = moduli(K);
  const coth = 1 / Math.tanh(2 * K);
  if (kp === 0) return -coth;
  const r = agm(k, kp);
  return ordered ? -coth * (1 + kp / r.mean) : -coth * (r.meanMinusKp / r.mean);
}

/**
 * Specific heat per site of the infinite lattice, c = K² Var(Σ_<ij> s_i s_j)/N = −K² du/dK
 * (units of k_B; Onsager, in Huang's form):
 *   c = (4/π)(K coth 2K)² {K(κ) − E(κ) − sech² 2K [π/2 + (2 tanh² 2K − 1) K(κ)]}.
 * Diverges logarithmically at K_c; returns Infinity for K = CRITICAL_COUPLING (the double
 * nearest K_c) and wherever κ' rounds to 0.
 * @param K coupling βJ ≥ 0 (dimensionless)
 */
export function onsagerSpecificHeatPerSite(K: number): number {
  checkCoupling(K);
  if (K === 0) return 0;
  const { k, kp, ordered } = moduli(K);
  if (kp === 0 || K === CRITICAL_COUPLING) return Infinity;
  const r = agm(k, kp);
  const ellK = Math.PI / (2 * r.mean);
  const kMinusE = ellK * r.cSum;
  // π/2 + (2tanh²2K − 1)K(κ) = π/2 (1 ± κ'/M), the minus sign (below K_c) written as (M − κ')/M.
  const bracket = ordered ? (Math.PI / 2) * (1 + kp / r.mean) : (Math.PI / 2) * (r.meanMinusKp / r.mean);
  const sech = 1 / Math.cosh(2 * K);
  const a = K / Math.tanh(2 * K);
  return (4 / Math.PI) * a * a * (kMinusE - sech * sech * bracket);
}

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n), computed once. */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = z;
      for (let j = 2; j <= n; j++) {
        const p2 = ((2 * j - 1) * z * p1 - (j - 1) * p0) / j;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}

const GAUSS_20 = gaussLegendre(20);

/**
 * Free energy per site of the infinite lattice as −βf = lim ln Z / N (dimensionless; Onsager,
 * in Huang's form):
 *   −βf = ln(2 cosh 2K) + (1/π) ∫_0^{π/2} ln[½(1 + √(1 − κ² sin² φ))] dφ,
 * with 1 − κ² sin² φ = cos² φ + κ'² sin² φ. The integrand is analytic except for branch points at
 * φ = π/2 ± iκ'-ish, so the quadrature is 20-point Gauss–Legendre on panels that halve toward
 * π/2 (≈ 1e-15 accurate for every K, K_c included). −βf(0) = ln 2.
 * @param K coupling βJ ≥ 0 (dimensionless)
 */
export function onsagerFreeEnergyPerSite(K: number): number {
  checkCoupling(K);
  const lead = 2 * K + Math.log1p(Math.exp(-4 * K));
  if (K === 0) return lead;
  const { k, kp } = moduli(K);
  const k2 = k * k;
  const kp2 = kp * kp;
  const integrand = (phi: number): number => {
    const sn = Math.sin(phi);
    const cs = Math.cos(phi);
    const root = Math.sqrt(cs * cs + kp2 * sn * sn);
    // ln[(1 + root)/2] = ln(1 − (1 − root)/2), 1 − root = k² sin²φ / (1 + root).
    return Math.log1p(-(k2 * sn * sn) / (2 * (1 + root)));
  };
  const half = Math.PI / 2;
  let sum = 0;
  let a = 0;
  for (let j = 1; j <= 54; j++) {
    const b = j === 54 ? half : half * (1 - Math.pow(2, -j));
    const mid = (a + b) / 2;
    const rad = (b - a) / 2;
    let panel = 0;
    for (let i = 0; i < GAUSS_20.x.length; i++) panel += GAUSS_20.w[i] * integrand(mid + rad * GAUSS_20.x[i]);
    sum += rad * panel;
    a = b;
  }
  return lead + sum / Math.PI;
}

/**
 * Spontaneous magnetization per site of the infinite lattice (Yang 1952):
 *   m₀ = (1 − sinh⁻⁴ 2K)^{1/8} for K > K_c, 0 for K ≤ K_c (exponent β = 1/8).
 * @param K coupling βJ ≥ 0 (dimensionless)
 */
export function onsagerSpontaneousMagnetization(K: number): number {
  checkCoupling(K);
  if (K <= CRITICAL_COUPLING) return 0;
  const s = Math.sinh(2 * K);
  if (s <= 1) return 0;
  const q2 = 1 / (s * s);
  return Math.pow((1 - q2) * (1 + q2), 1 / 8);
}

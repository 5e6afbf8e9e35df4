/**
 * Exact results for the 1D Ising chain H = −J Σ_i s_i s_{i+1} (Eq. 23 of the paper), J in units
 * of k_B T (J stands for βJ throughout), zero field: the decimation RG of Eq. 24, correlations,
 * energy and the transfer-matrix partition function of a periodic ring.
 *
 * With t = tanh J: ⟨s_i s_{i+r}⟩ = t^r on the open or infinite chain and
 * (t^r + t^{N−r})/(1 + t^N) on a ring of N spins (transfer matrix, eigenvalues 2cosh J, 2sinh J).
 * A ring of N = 2 bonds its two spins twice (each spin has two neighbour bonds), N = 1 bonds
 * the spin to itself. Powers of t are taken as e^{r ln|t|} with ln|t| = log1p(−2/(e^{2|J|} + 1)),
 * so that J → ∞ and the frustrated antiferromagnetic ring (J < 0, N odd) keep full precision.
 */

function checkCoupling(J: number): void {
  if (!Number.isFinite(J)) throw new RangeError(`coupling J must be finite, got ${J}`);
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
}

/** ln|tanh J| for J ≠ 0, accurate for large |J| where tanh J rounds to ±1. */
function logAbsTanh(J: number): number {
  return Math.log1p(-2 / (Math.exp(2 * Math.abs(J)) + 1));
}

/**
 * One step of the decimation RG (summing out every other spin), Eq. 24 of the paper:
 *   tanh J' = tanh² J,  equivalently  J' = ½ ln cosh 2J  (always ≥ 0).
 * Evaluated as ½ log1p(2 sinh² J) for |J| < 1 and |J| − ½ ln 2 + ½ log1p(e^{−4|J|}) above,
 * so J' ≈ J² keeps full precision near the J = 0 fixed point and nothing overflows for large J.
 * @param J dimensionless coupling βJ
 * @returns the coupling βJ' between the surviving spins (distance 2 in the old lattice)
 */
export function decimateCoupling(J: number): number {
  checkCoupling(J);
  const a = Math.abs(J);
  if (a < 1) {
    const sh = Math.sinh(a);
    return 0.5 * Math.log1p(2 * sh * sh);
  }
  return a - 0.5 * Math.LN2 + 0.5 * Math.log1p(Math.exp(-4 * a));
}

/**
 * The RG flow J⁽⁰⁾ = J, J⁽ⁿ⁺¹⁾ = decimateCoupling(J⁽ⁿ⁾) (Eq. 24), one entry per layer of the
 * decimation network; it flows to the J = 0 (infinite-temperature) fixed point for any finite J.
 * @param J      initial dimensionless coupling βJ
 * @param layers number of decimation steps (integer ≥ 0)
 * @returns Float64Array of length layers + 1: J⁽⁰⁾ … J⁽ˡᵃʸᵉʳˢ⁾
 */
export function decimationFlow(J: number, layers: number): Float64Array {
  checkCoupling(J);
  checkCount('layers', layers, 0);
  const flow = new Float64Array(layers + 1);
  flow[0] = J;
  for (let l = 1; l <= layers; l++) flow[l] = decimateCoupling(flow[l - 1]);
  return flow;
}

/**
 * Spin–spin correlation ⟨s_i s_{i+r}⟩ of the zero-field chain (dimensionless, in [−1, 1]):
 *   open or infinite chain: tanh(J)^r;
 *   periodic ring of N spins: (t^r + t^{N−r})/(1 + t^N), 0 ≤ r ≤ N, t = tanh J.
 * @param J dimensionless coupling βJ (either sign)
 * @param r distance in lattice spacings (integer ≥ 0; ≤ N on a ring)
 * @param N ring size (integer ≥ 1); omit for the open/infinite chain
 */
export function chainCorrelation(J: number, r: number, N?: number): number {
  checkCoupling(J);
  checkCount('distance r', r, 0);
  const sign = J < 0 && r % 2 === 1 ? -1 : 1;
  if (N === undefined) {
    if (r === 0) return 1;
    if (J === 0) return 0;
    return sign * Math.exp(r * logAbsTanh(J));
  }
  checkCount('ring size N', N, 1);
  if (r > N) throw new RangeError(`distance r must be ≤ N = ${N} on a ring, got ${r}`);
  const d = Math.min(r, N - r);
  if (d === 0) return 1;
  if (J === 0) return 0;
  const lt = logAbsTanh(J);
  const dSign = J < 0 && d % 2 === 1 ? -1 : 1;
  if (J > 0 || N % 2 === 0) {
    // No cancellation: both powers and the denominator terms have the same sign.
    return (dSign * (Math.exp(d * lt) + Math.exp((N - d) * lt))) / (1 + Math.exp(N * lt));
  }
  // J < 0, N odd: (−1)^d (|t|^d − |t|^{N−d})/(1 − |t|^N) = (−1)^d |t|^d expm1((N−2d) ln|t|)/expm1(N ln|t|).
  if (lt === 0) return (dSign * (N - 2 * d)) / N;
  return (dSign * Math.exp(d * lt) * Math.expm1((N - 2 * d) * lt)) / Math.expm1(N * lt);
}

/**
 * Energy per bond in units of J, −⟨s_i s_{i+1}⟩ (zero field): −tanh J on the open/infinite
 * chain, −(t + t^{N−1})/(1 + t^N) on a ring of N spins.
 * @param J dimensionless coupling βJ
 * @param N ring size (integer ≥ 1); omit for the infinite chain
 */
export function chainEnergyPerBond(J: number, N?: number): number {
  if (N === undefined) {
    checkCoupling(J);
    return -Math.tanh(J);
  }
  return -chainCorrelation(J, 1, N);
}

/**
 * ln Z of a periodic ring of N spins (transfer matrix T = [[e^J, e^{−J}], [e^{−J}, e^J]]):
 *   Z = Tr T^N = (2cosh J)^N + (2sinh J)^N,
 * evaluated as N ln(2cosh J) + ln(1 + tanh^N J), which stays exact for J < 0 and odd N
 * (where (2sinh J)^N < 0) and never overflows.
 * @param J dimensionless coupling βJ
 * @param N ring size (integer ≥ 1)
 */
export function chainLogZ(J: number, N: number): number {
  checkCoupling(J);
  checkCount('ring size N', N, 1);
  const a = Math.abs(J);
  const logTwoCosh = a + Math.log1p(Math.exp(-2 * a));
  if (J === 0) return N * logTwoCosh;
  const power = N * logAbsTanh(J);
  if (J > 0 || N % 2 === 0) return N * logTwoCosh + Math.log1p(Math.exp(power));
  // Frustrated ring: 1 − |t|^N; once ln|t| ≈ −2e^{−2|J|} underflows, 1 − |t|^N = 2N e^{−2|J|}.
  const tail = power === 0 ? Math.log(2 * N) - 2 * a : Math.log(-Math.expm1(power));
  return N * logTwoCosh + tail;
}

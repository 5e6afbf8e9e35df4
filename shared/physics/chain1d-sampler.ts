/**
 * Exact, rejection-free sampling of the 1D Ising chain at zero field,
 * P(s) ∝ exp(J Σ_bonds s_i s_{i+1}), any real J (ferro- or antiferromagnetic).
 *
 * In bond variables b_i = s_i s_{i+1} the weight factorizes: each bond is satisfied (b = +1)
 * independently with probability q = e^J / (e^J + e^{−J}) = (1 + t)/2, t = tanh J.
 * - Open chain (N − 1 bonds): s_0 uniform, then s_{i+1} = b_i s_i — a Markov chain in space,
 *   ⟨s_i s_{i+r}⟩ = t^r.
 * - Periodic ring (N bonds): the bonds are iid conditioned on Π b_i = +1 (an even number of
 *   broken bonds). Of k iid bonds, an even number is broken with probability E_k = (1 + t^k)/2,
 *   an odd number with O_k = (1 − t^k)/2. Bond i, with k bonds left and parity π still needed,
 *   is satisfied with probability q·E_{k−1}/E_k (π even) or q·O_{k−1}/O_k (π odd); the last
 *   bond is then forced. Spins follow from the bonds and a uniform s_0;
 *   ⟨s_i s_{i+r}⟩ = (t^r + t^{N−r})/(1 + t^N).
 * Each decision uses one 53-bit uniform from `rng` (probability resolution 2^−53).
 * Rings need |J| ≤ 300 (beyond, e^{2|J|} overflows a double).
 */
import type { Rng } from './rng.js';

/**
 * Draw one configuration of N spins into `out` (±1, length ≥ N; entries 0..N−1 written).
 * @param N        number of spins, ≥ 1
 * @param J        dimensionless coupling βJ (any finite real)
 * @param periodic ring (s_{N−1} bonded to s_0) instead of an open chain
 */
export function sampleChain(N: number, J: number, rng: Rng, out: Int8Array, periodic = false): void {
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`chain length N must be an integer ≥ 1, got ${N}`);
  if (!Number.isFinite(J)) throw new RangeError(`coupling J must be finite, got ${J}`);
  if (periodic && Math.abs(J) > 300) throw new RangeError(`ring sampling needs |J| ≤ 300, got ${J}`);
  if (out.length < N) throw new RangeError(`output holds ${out.length} spins, need ${N}`);
  const q = 1 / (1 + Math.exp(-2 * J)); // (1 + tanh J)/2 without cancellation
  let s: number = rng.nextInt32() < 0 ? -1 : 1;
  out[0] = s;
  if (!periodic) {
    for (let i = 1; i < N; i++) {
      if (!(rng.nextFloat() < q)) s = -s;
      out[i] = s;
    }
    return;
  }
  // Bonds 0..N−2 are drawn; bond N−1 (s_{N−1} s_0) closes the ring with the parity still needed.
  const parity = parityWeights(J);
  let odd = false; // an odd number of broken bonds is still needed among the remaining ones
  for (let i = 0; i < N - 1; i++) {
    const k = N - i; // bonds remaining, this one included
    const now = parity(k);
    const next = parity(k - 1);
    const pSatisfied = odd ? (q * next.odd) / now.odd : (q * next.even) / now.even;
    if (!(rng.nextFloat() < pSatisfied)) {
      s = -s;
      odd = !odd;
    }
    out[i + 1] = s;
  }
}

/**
 * k ↦ (2E_k, 2O_k) = (1 + t^k, 1 − t^k), t = tanh J, accurate also when |t| is close to 1:
 * |t|^k = exp(k·log1p(−a)) with a = 1 − |t| = 2/(1 + e^{2|J|}).
 */
function parityWeights(J: number): (k: number) => { even: number; odd: number } {
  const logAbsT = Math.log1p(-2 / (1 + Math.exp(2 * Math.abs(J))));
  return (k) => {
    const x = k * logAbsT; // −∞ when J = 0 (then t^k = 0 for k ≥ 1)
    const plus = 1 + (k === 0 ? 1 : Math.exp(x));
    const minus = k === 0 ? 0 : -Math.expm1(x);
    return J < 0 && k % 2 === 1 ? { even: minus, odd: plus } : { even: plus, odd: minus };
  };
}

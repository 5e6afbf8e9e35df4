/**
 * Small data sets with exactly known distributions for the learning tests.
 */
import { sampleChain } from '../../../../shared/physics/chain1d-sampler.js';
import { Rng } from '../../../../shared/physics/rng.js';

export interface RingData {
  /** rows × N, spin +1 ↦ 1, −1 ↦ 0. */
  data: Float32Array;
  rows: number;
  N: number;
  /** Mean log p_Ising(v) over the rows: the log-likelihood of the true model on these rows. */
  trueLogLikelihood: number;
  /** −H(p̂) of the rows' empirical distribution: no model can score higher on them. */
  entropyBound: number;
}

/** `rows` exact, independent draws of the periodic 1D Ising ring of N spins at coupling J. */
export function ringData(N: number, J: number, rows: number, seed: number): RingData {
  const rng = new Rng(seed);
  const s = new Int8Array(N);
  const data = new Float32Array(rows * N);
  const counts = new Map<number, number>();
  // Z of the ring: (2 cosh J)^N + (2 sinh J)^N (transfer matrix).
  const logZ = Math.log((2 * Math.cosh(J)) ** N + (2 * Math.sinh(J)) ** N);
  let ll = 0;
  for (let r = 0; r < rows; r++) {
    sampleChain(N, J, rng, s, true);
    let index = 0;
    let bonds = 0;
    for (let i = 0; i < N; i++) {
      data[r * N + i] = s[i] > 0 ? 1 : 0;
      if (s[i] > 0) index |= 1 << i;
      bonds += s[i] * s[(i + 1) % N];
    }
    counts.set(index, (counts.get(index) ?? 0) + 1);
    ll += J * bonds - logZ;
  }
  let entropy = 0;
  for (const c of counts.values()) entropy -= (c / rows) * Math.log(c / rows);
  return { data, rows, N, trueLogLikelihood: ll / rows, entropyBound: -entropy };
}

/** rows × n independent fair {0,1} bits. */
export function randomBits(rows: number, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * n }, () => (rng.nextUint32() & 1 ? 1 : 0));
}

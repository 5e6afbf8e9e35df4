/**
 * Helpers on ±1 spin configurations of the periodic L×L lattice (row-major Int8Array).
 */

/** Throws a RangeError unless L is an integer ≥ 2 (and even when a checkerboard needs it). */
export function validateLatticeSize(L: number, mustBeEven: boolean): void {
  if (!Number.isInteger(L) || L < 2) throw new RangeError(`lattice size L must be an integer ≥ 2, got ${L}`);
  if (mustBeEven && L % 2 !== 0) throw new RangeError(`lattice size L must be even for a checkerboard update, got ${L}`);
  if (L > 65536) throw new RangeError(`lattice size L must be ≤ 65536, got ${L}`);
}

/** Throws unless `spins` has length L·L and holds only ±1. */
export function validateSpins(spins: Int8Array, L: number): void {
  if (spins.length !== L * L) throw new RangeError(`expected ${L * L} spins, got ${spins.length}`);
  for (let i = 0; i < spins.length; i++) {
    if (spins[i] !== 1 && spins[i] !== -1) throw new RangeError(`spin ${i} is ${spins[i]}, expected ±1`);
  }
}

/** Σ_<ij> s_i s_j over the 2N bonds (right and down neighbour of every site). */
export function bondSumOf(spins: Int8Array, L: number): number {
  let sum = 0;
  for (let y = 0; y < L; y++) {
    const row = y * L;
    const down = ((y + 1) % L) * L;
    for (let x = 0; x < L; x++) {
      const s = spins[row + x];
      sum += s * (spins[row + (x + 1 === L ? 0 : x + 1)] + spins[down + x]);
    }
  }
  return sum;
}

/** Σ_i s_i. */
export function magnetizationOf(spins: Int8Array): number {
  let m = 0;
  for (let i = 0; i < spins.length; i++) m += spins[i];
  return m;
}

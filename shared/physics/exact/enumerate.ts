/**
 * Exact thermodynamics of a small periodic Lx×Ly Ising lattice by enumerating all 2^N states
 * (N = Lx·Ly ≤ 20): the oracle for every sampler test on lattices up to 4×5.
 *
 * Model: P(s) ∝ exp(K Σ_<ij> s_i s_j + H Σ_i s_i), s_i = ±1, periodic in both directions, J = 1.
 * The 2N bonds are each site's right and down neighbour. With Lx = 2 (or Ly = 2) the right
 * neighbour of x = 1 wraps to x = 0, so that pair is bonded twice and every site still has four
 * neighbours (the same convention as kaufmanExact and a sampler's bond sum); with Lx = 1 the
 * "right neighbour" is the site itself, a constant bond.
 * The enumeration only builds the exact density of states g(E, M), E = Σ_<ij> s_i s_j,
 * M = Σ_i s_i (integer counts); all averages are then log-sum-exp sums over (E, M).
 */

/** Exact averages of one small lattice at one (K, H). Per-site quantities use m = M/N. */
export interface EnumerationResult {
  Lx: number;
  Ly: number;
  /** Number of sites Lx·Ly. */
  N: number;
  /** K = βJ. */
  coupling: number;
  /** H = βh. */
  field: number;
  /** ln Z, Z = Σ_s exp(K E + H M). */
  logZ: number;
  /** e = −⟨E⟩/N, units of J (the field term is not included). */
  energyPerSite: number;
  /** ⟨|m|⟩. */
  absMagnetization: number;
  /** ⟨m²⟩. */
  magnetization2: number;
  /** ⟨m⁴⟩. */
  magnetization4: number;
  /** c = K² Var(E)/N, units of k_B. */
  specificHeatPerSite: number;
  /**
   * χ = K N (⟨m²⟩ − ⟨|m|⟩²) = β Var(|M|)/N (J = 1), the finite-lattice susceptibility of
   * shared/physics/observables.ts; divide by K for the K-free form N(⟨m²⟩ − ⟨|m|⟩²).
   */
  susceptibility: number;
  /** Binder cumulant U = 1 − ⟨m⁴⟩/(3⟨m²⟩²). */
  binder: number;
  /** The distinct values of E = Σ_<ij> s_i s_j that occur, increasing. */
  bondSums: Int32Array;
  /** P(E = bondSums[j]) exactly, summed over M; sums to 1 (the full energy distribution). */
  bondSumProbabilities: Float64Array;
}

/** Largest N = Lx·Ly enumerated (2^20 states, tens of milliseconds). */
export const MAX_ENUMERATION_SITES = 20;

/** Number of set bits of a 32-bit integer. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * Density of states g(E, M) of the periodic Lx×Ly lattice, row-major over
 * index = ((E + 2N)/2)·(N + 1) + (M + N)/2 (E and M have the parity of 2N and N);
 * shape (2N + 1)×(N + 1). A row is an Lx-bit integer, bit x set ⇔ s_x = +1.
 */
function densityOfStates(Lx: number, Ly: number): Float64Array {
  const N = Lx * Ly;
  const rows = 1 << Lx;
  const mask = rows - 1;
  const rowBond = new Int32Array(rows); // Σ_x s_x s_{x+1}
  const rowMag = new Int32Array(rows); // Σ_x s_x
  const pairBond = new Int32Array(rows); // Σ_x s_x t_x as a function of (row ^ row')
  for (let r = 0; r < rows; r++) {
    const rotated = ((r >>> 1) | (r << (Lx - 1))) & mask;
    rowBond[r] = Lx - 2 * popcount(r ^ rotated);
    rowMag[r] = 2 * popcount(r) - Lx;
    pairBond[r] = Lx - 2 * popcount(r);
  }
  const counts = new Float64Array((2 * N + 1) * (N + 1));
  const record = (E: number, M: number): void => {
    counts[((E + 2 * N) >> 1) * (N + 1) + ((M + N) >> 1)] += 1;
  };
  const walk = (first: number, y: number, prev: number, E: number, M: number): void => {
    if (y === Ly - 1) {
      for (let r = 0; r < rows; r++) {
        record(E + rowBond[r] + pairBond[prev ^ r] + pairBond[r ^ first], M + rowMag[r]);
      }
      return;
    }
    for (let r = 0; r < rows; r++) walk(first, y + 1, r, E + rowBond[r] + pairBond[prev ^ r], M + rowMag[r]);
  };
  for (let first = 0; first < rows; first++) {
    if (Ly === 1) record(rowBond[first] + Lx, rowMag[first]);
    else walk(first, 1, first, rowBond[first], rowMag[first]);
  }
  return counts;
}

/**
 * Exact ln Z, energy, magnetization moments, specific heat, susceptibility, Binder cumulant and
 * the full distribution of the bond sum for the periodic Lx×Ly lattice, by enumerating all 2^N
 * states (N = Lx·Ly ≤ 20; 4×4 takes a few milliseconds).
 * @param Lx sites per row (integer ≥ 1)
 * @param Ly rows (integer ≥ 1)
 * @param K  coupling βJ (dimensionless, any finite sign)
 * @param H  field βh (dimensionless), default 0
 */
export function enumerateIsing(Lx: number, Ly: number, K: number, H = 0): EnumerationResult {
  for (const [name, v] of [['Lx', Lx], ['Ly', Ly]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer ≥ 1, got ${v}`);
  }
  const N = Lx * Ly;
  if (N > MAX_ENUMERATION_SITES) {
    throw new RangeError(`enumeration needs Lx·Ly ≤ ${MAX_ENUMERATION_SITES} (2^N states), got ${Lx}×${Ly} = ${N}`);
  }
  if (!Number.isFinite(K) || !Number.isFinite(2 * N * K)) throw new RangeError(`coupling K must be finite, got ${K}`);
  if (!Number.isFinite(H) || !Number.isFinite(N * H)) throw new RangeError(`field H must be finite, got ${H}`);

  const counts = densityOfStates(Lx, Ly);
  const nE = 2 * N + 1;
  const nM = N + 1;
  const logWeight = new Float64Array(counts.length).fill(-Infinity);
  let top = -Infinity;
  for (let i = 0; i < nE; i++) {
    for (let j = 0; j < nM; j++) {
      const idx = i * nM + j;
      if (counts[idx] === 0) continue;
      logWeight[idx] = K * (2 * i - 2 * N) + H * (2 * j - N) + Math.log(counts[idx]);
      if (logWeight[idx] > top) top = logWeight[idx];
    }
  }
  let sum = 0;
  for (let idx = 0; idx < counts.length; idx++) sum += Math.exp(logWeight[idx] - top);
  const logZ = top + Math.log(sum);

  const pE = new Float64Array(nE);
  let meanE = 0;
  let meanAbsM = 0;
  let meanM2 = 0;
  let meanM4 = 0;
  for (let i = 0; i < nE; i++) {
    for (let j = 0; j < nM; j++) {
      const p = Math.exp(logWeight[i * nM + j] - logZ);
      if (p === 0) continue;
      const m = (2 * j - N) / N;
      pE[i] += p;
      meanE += p * (2 * i - 2 * N);
      meanAbsM += p * Math.abs(m);
      meanM2 += p * m * m;
      meanM4 += p * m * m * m * m;
    }
  }
  let varE = 0;
  let varAbsM = 0;
  for (let i = 0; i < nE; i++) {
    varE += pE[i] * (2 * i - 2 * N - meanE) ** 2;
    for (let j = 0; j < nM; j++) {
      const p = Math.exp(logWeight[i * nM + j] - logZ);
      varAbsM += p * (Math.abs((2 * j - N) / N) - meanAbsM) ** 2;
    }
  }

  const occurring: number[] = [];
  for (let i = 0; i < nE; i++) {
    let any = false;
    for (let j = 0; j < nM && !any; j++) any = counts[i * nM + j] > 0;
    if (any) occurring.push(i);
  }
  const bondSums = Int32Array.from(occurring, (i) => 2 * i - 2 * N);
  const bondSumProbabilities = Float64Array.from(occurring, (i) => pE[i]);

  return {
    Lx,
    Ly,
    N,
    coupling: K,
    field: H,
    logZ,
    energyPerSite: -meanE / N,
    absMagnetization: meanAbsM,
    magnetization2: meanM2,
    magnetization4: meanM4,
    specificHeatPerSite: (K * K * varE) / N,
    susceptibility: K * N * varAbsM,
    binder: 1 - meanM4 / (3 * meanM2 * meanM2),
    bondSums,
    bondSumProbabilities,
  };
}

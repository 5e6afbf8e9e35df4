/**
 * Wolff single-cluster updates for the 2D Ising model (Wolff, PRL 62, 361 (1989)).
 *
 * A cluster grows from a uniformly chosen seed site: every bond to a neighbour with the
 * seed's spin value is activated with probability p = 1 − e^{−2K} (K ≥ 0), and the whole
 * cluster is flipped. With a field H ≠ 0 the built cluster C (all spins equal to s_seed) is
 * flipped with probability min(1, e^{−2H·S}), S = Σ_{i∈C} s_i = s_seed·|C|, the Metropolis
 * ratio for the change −2HS of H Σ_i s_i; otherwise it is restored.
 *
 * Bond activation is an exact integer comparison: with p truncated to 64 binary digits
 * p = (hi + lo·2^−32)·2^−32, a bond is active iff r₁ < hi, or r₁ = hi and r₂ < lo, for uint32
 * draws r₁ (always) and r₂ (with probability 2^−32). Probability error < 2^−64.
 *
 * Sweeps. One sweep = a fixed number n_c of cluster updates, n_c = round(N/⟨|C|⟩), so that a
 * sweep moves about N = L² spins. ⟨|C|⟩ comes from a short calibration run on a scratch lattice
 * with its own fixed seed, so n_c depends only on (L, K, H) — never on this chain's state or
 * stream. (Stopping each sweep "when N spins have been flipped" would sample the chain at a
 * state-dependent time: the last cluster is size-biased, and the configurations seen at sweep
 * ends are weighted by their mean cluster size — visibly too ordered on small lattices.)
 * `spinUpdates` counts spins actually flipped.
 * Spins: Int8Array of ±1, row-major, index y·L + x; any L ≥ 2.
 */
import type { IsingSampler, SamplerSnapshot } from './ising.js';
import { Rng } from './rng.js';
import { bondSumOf, magnetizationOf, validateLatticeSize, validateSpins } from './lattice.js';

/** What one cluster update works on; shared by the sampler and its calibration run. */
interface ClusterLattice {
  L: number;
  /** ±1 spins, row-major. */
  spins: Int8Array;
  /** Scratch: sites of the cluster in the order they joined (length N). */
  cluster: Int32Array;
  rng: Rng;
  /** p = 1 − e^{−2K} as a 64-bit binary fraction: p ≈ (hi + lo/2^32)/2^32, hi ≤ 2^32. */
  hi: number;
  lo: number;
  /** H = βh. */
  field: number;
}

/**
 * Grow one cluster from a uniform seed site and flip it (with a field: accept the flip with
 * probability min(1, e^{−2H s_seed |C|}), else restore). Returns |C|, negated if rejected.
 */
function clusterUpdate(lattice: ClusterLattice): number {
  const { L, spins, cluster, rng, hi, lo } = lattice;
  const N = L * L;
  const seed = rng.nextBelow(N);
  const s0 = spins[seed];
  const flipped = -s0;
  spins[seed] = flipped;
  cluster[0] = seed;
  let size = 1;
  for (let read = 0; read < size; read++) {
    const i = cluster[read];
    const x = i % L;
    const left = x === 0 ? i + L - 1 : i - 1;
    const right = x === L - 1 ? i - x : i + 1;
    const up = i >= L ? i - L : i + N - L;
    const down = i + L < N ? i + L : i + L - N;
    if (spins[left] === s0 && activate(rng, hi, lo)) {
      spins[left] = flipped;
      cluster[size++] = left;
    }
    if (spins[right] === s0 && activate(rng, hi, lo)) {
      spins[right] = flipped;
      cluster[size++] = right;
    }
    if (spins[up] === s0 && activate(rng, hi, lo)) {
      spins[up] = flipped;
      cluster[size++] = up;
    }
    if (spins[down] === s0 && activate(rng, hi, lo)) {
      spins[down] = flipped;
      cluster[size++] = down;
    }
  }
  const dS = 2 * lattice.field * s0 * size; // −Δ(H Σ_i s_i) of the flip
  if (dS > 0 && !(rng.nextFloat() < Math.exp(-dS))) {
    for (let k = 0; k < size; k++) spins[cluster[k]] = s0;
    return -size;
  }
  return size;
}

/** True with probability (hi + lo·2^−32)·2^−32 (see the file header). */
function activate(rng: Rng, hi: number, lo: number): boolean {
  const r = rng.nextUint32();
  return r < hi || (r === hi && rng.nextUint32() < lo);
}

/** Bond activation probability 1 − e^{−2K} split into 32-bit halves (truncated to 64 bits). */
function activationThreshold(coupling: number): { hi: number; lo: number } {
  const p = -Math.expm1(-2 * coupling); // accurate for small K
  const scaled = p * 4294967296; // exact: scaling by a power of two
  const hi = Math.floor(scaled);
  return { hi, lo: Math.floor((scaled - hi) * 4294967296) };
}

/**
 * n_c = round(N/⟨|C|⟩) for a sweep of about N spins, from a scratch run with a fixed seed:
 * ordered start (along H), 3 sweeps to equilibrate and 5 to measure, each "clusters until
 * ≥ N sites" — a rough average (within a factor ~1.5 of the equilibrium ⟨|C|⟩ from K = 0.2
 * to 0.6 at L = 40 and 256), which is all a sweep length needs. Deterministic in (L, K, H);
 * |C| counts proposed sites. Cost ≈ 8 sweeps (≈ 0.3 s at L = 1024).
 */
export function clustersPerSweepFor(L: number, coupling: number, field = 0): number {
  validateLatticeSize(L, false);
  const N = L * L;
  const spins = new Int8Array(N).fill(field < 0 ? -1 : 1);
  const lattice: ClusterLattice = { L, spins, cluster: new Int32Array(N), rng: new Rng(0x3c1a5, 7), field, ...activationThreshold(coupling) };
  let sites = 0;
  let clusters = 0;
  for (let sweep = 0; sweep < 8; sweep++) {
    for (let visited = 0; visited < N; ) {
      const size = Math.abs(clusterUpdate(lattice));
      visited += size;
      if (sweep >= 3) {
        sites += size;
        clusters++;
      }
    }
  }
  return Math.max(1, Math.round((N * clusters) / sites));
}

export class WolffSampler implements IsingSampler {
  readonly algorithm = 'wolff' as const;
  readonly L: number;
  coupling = 0;
  field = 0;
  sweeps = 0;
  spinUpdates = 0;
  /** Cluster updates per sweep, n_c = round(N/⟨|C|⟩) at the current (L, K, H); see the header. */
  clustersPerSweep = 1;
  /** Size of the last cluster built (sites), for diagnostics. */
  lastClusterSize = 0;
  private readonly lattice: ClusterLattice;

  /**
   * @param L        linear size, ≥ 2
   * @param coupling K = βJ ≥ 0
   * @param field    H = βh
   * @param seed     Rng seed (ignored when `rng` is given)
   */
  constructor(L: number, coupling: number, field = 0, seed = 1, rng?: Rng) {
    validateLatticeSize(L, false);
    this.L = L;
    const spins = new Int8Array(L * L).fill(1);
    this.lattice = { L, spins, cluster: new Int32Array(L * L), rng: rng ?? new Rng(seed), field, hi: 0, lo: 0 };
    this.setParameters(coupling, field);
  }

  /**
   * Rebuild a sampler from `snapshot()`; it continues the exact same Markov chain.
   * `spinUpdates` restarts at 0 (the snapshot does not carry it).
   */
  static fromSnapshot(snapshot: SamplerSnapshot): WolffSampler {
    const { L, coupling, field, spins, rngState, sweeps } = snapshot;
    const s = new WolffSampler(L, coupling, field, 0, Rng.fromState(rngState));
    s.writeSpins(spins);
    s.sweeps = sweeps;
    return s;
  }

  /** Also recomputes `clustersPerSweep` (a calibration run of ~8 sweeps on a scratch lattice). */
  setParameters(coupling: number, field = 0): void {
    if (!Number.isFinite(coupling) || !Number.isFinite(field)) throw new RangeError('coupling and field must be finite');
    if (coupling < 0) throw new RangeError(`Wolff cluster updates need a ferromagnetic coupling K ≥ 0, got ${coupling}`);
    this.coupling = coupling;
    this.field = field;
    const { hi, lo } = activationThreshold(coupling);
    this.lattice.hi = hi;
    this.lattice.lo = lo;
    this.lattice.field = field;
    this.clustersPerSweep = clustersPerSweepFor(this.L, coupling, field);
  }

  sweep(count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`sweep count must be a non-negative integer, got ${count}`);
    for (let t = 0; t < count; t++) {
      for (let k = 0; k < this.clustersPerSweep; k++) this.clusterUpdate();
      this.sweeps++;
    }
  }

  /** One cluster update; returns the cluster size (sites flipped, or proposed and rejected). */
  clusterUpdate(): number {
    const result = clusterUpdate(this.lattice);
    const size = Math.abs(result);
    if (result > 0) this.spinUpdates += size;
    this.lastClusterSize = size;
    return size;
  }

  readSpins(out: Int8Array): void {
    const { spins } = this.lattice;
    if (out.length !== spins.length) throw new RangeError(`expected an output of length ${spins.length}, got ${out.length}`);
    out.set(spins);
  }

  writeSpins(spins: Int8Array): void {
    validateSpins(spins, this.L);
    this.lattice.spins.set(spins);
  }

  bondSum(): number {
    return bondSumOf(this.lattice.spins, this.L);
  }

  magnetizationSum(): number {
    return magnetizationOf(this.lattice.spins);
  }

  snapshot(): SamplerSnapshot {
    return {
      algorithm: this.algorithm,
      L: this.L,
      coupling: this.coupling,
      field: this.field,
      spins: this.lattice.spins.slice(),
      rngState: this.lattice.rng.state(),
      sweeps: this.sweeps,
    };
  }
}

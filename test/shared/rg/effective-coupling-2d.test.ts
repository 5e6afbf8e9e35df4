/**
 * The RF-centre K_eff estimator against known couplings. Data: Wolff samples at K (several K
 * on both sides of K_c, L = 8–16; 3 sweeps apart, residual correlation handled by the binning).
 *  - An identity "layer" — the lattice spins as units, each unit's receptive field the unit
 *    vector at its own site — in SHUFFLED unit order returns K within 4 errors; the placement
 *    puts every unit back on its site (displacement 0), the per-sample correlations equal the
 *    lattice's, while reading the same shuffled layer by index gives K_eff ≈ 0.
 *  - A 2×2 block-spin majority layer (ties by a coin) gives K_eff < K below K_c and K_eff > K
 *    above it: the direction of the block-spin flow away from the critical point (measured
 *    figures in docs/model.md).
 *  - Errors are sane: positive, small, and the spread of K_eff over independent runs agrees
 *    with the reported error.
 *  - Through a stack (stackCouplings): an RBM layer that copies the spins (large weights) —
 *    permuted, half of its units sign-flipped (firing for down-spins) — reads as K thanks to
 *    the placement and the orientation gauge.
 */
import { describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../shared/learn/backends/js.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import { RbmStack } from '../../../shared/learn/stack.js';
import { CRITICAL_COUPLING } from '../../../shared/physics/ising.js';
import { Rng } from '../../../shared/physics/rng.js';
import { WolffSampler } from '../../../shared/physics/wolff.js';
import { couplingFromSeries, nearestNeighbourCorrelation } from '../../../shared/rg/coupling-inversion.js';
import {
  identityPlacement,
  layerCoupling,
  optimalAssignment,
  placementFromFields,
  placeUnits,
  stackCouplings,
  strongPartCentres,
  type LayerCoupling2d,
} from '../../../shared/rg/effective-coupling-2d.js';

/** `rows` Wolff configurations at K (±1, rows × L²), 3 sweeps apart after 200 sweeps of burn-in. */
function isingRows(L: number, K: number, rows: number, seed: number): Int8Array {
  const sampler = new WolffSampler(L, K, 0, seed);
  sampler.sweep(200);
  const out = new Int8Array(rows * L * L);
  const spins = new Int8Array(L * L);
  for (let r = 0; r < rows; r++) {
    sampler.sweep(3);
    sampler.readSpins(spins);
    out.set(spins, r * L * L);
  }
  return out;
}

/** A random permutation of 0…n−1 (Fisher–Yates). */
function shuffled(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** The identity layer in shuffled order: unit k is spin perm[k], its field the unit vector there. */
function shuffledIdentity(spins: Int8Array, L: number, rows: number, perm: Int32Array): { states: Int8Array; fields: Float32Array } {
  const n = L * L;
  const states = new Int8Array(rows * n);
  for (let r = 0; r < rows; r++) for (let k = 0; k < n; k++) states[r * n + k] = spins[r * n + perm[k]];
  const fields = new Float32Array(n * n);
  for (let k = 0; k < n; k++) fields[perm[k] * n + k] = 1;
  return { states, fields };
}

/** 2×2 majority block spins (ties by a coin), the block fields (¼ on each of its spins), both in shuffled unit order. */
function shuffledMajority(spins: Int8Array, L: number, rows: number, perm: Int32Array, rng: Rng): { states: Int8Array; fields: Float32Array } {
  const side = L / 2;
  const n = side * side;
  const states = new Int8Array(rows * n);
  const fields = new Float32Array(L * L * n);
  for (let k = 0; k < n; k++) {
    const X = perm[k] % side;
    const Y = Math.floor(perm[k] / side);
    for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) fields[((2 * Y + dy) * L + 2 * X + dx) * n + k] = 0.25;
    for (let r = 0; r < rows; r++) {
      let m = 0;
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m += spins[r * L * L + (2 * Y + dy) * L + 2 * X + dx];
      states[r * n + k] = m > 0 ? 1 : m < 0 ? -1 : rng.nextUint32() & 1 ? 1 : -1;
    }
  }
  return { states, fields };
}

describe('the identity layer in shuffled order', () => {
  it.each([
    [8, 0.3],
    [8, 0.55],
    [12, 0.4],
    [12, CRITICAL_COUPLING],
    [16, 0.35],
    [16, 0.48],
    [16, 0.6],
  ])('L = %i, K = %f: the RF-centre placement restores the lattice and K_eff is within 4 errors of K', (L, K) => {
    const rows = 400;
    const spins = isingRows(L, K, rows, 31 + L);
    const perm = shuffled(L * L, new Rng(L, 7));
    const { states, fields } = shuffledIdentity(spins, L, rows, perm);
    const placement = placementFromFields(fields, L * L, L);
    expect(placement.meanDisplacement).toBeLessThan(1e-9);
    expect(placement.unplaced).toBe(0);
    for (let k = 0; k < L * L; k++) expect(placement.siteOfUnit[k]).toBe(perm[k]);

    const estimate = layerCoupling(states, rows, placement);
    expect(estimate.samples).toBe(rows);
    expect(estimate.err).toBeGreaterThan(0);
    expect(estimate.err).toBeLessThan(0.03);
    expect(Math.abs(estimate.kEff - K)).toBeLessThan(4 * estimate.err);

    // The same per-sample correlations as the lattice read in order.
    const lattice = new Float64Array(rows);
    for (let r = 0; r < rows; r++) lattice[r] = nearestNeighbourCorrelation(spins.subarray(r * L * L, (r + 1) * L * L), L);
    expect(estimate.kEff).toBeCloseTo(couplingFromSeries(lattice, L).kEff, 10);

    // By index the shuffled layer's neighbours are random pairs of spins: in the disordered phase
    // K_eff falls far below K (in the ordered phase random pairs correlate through m too).
    if (K < 0.4) expect(Math.abs(layerCoupling(states, rows, identityPlacement(L)).kEff)).toBeLessThan(K / 2);
  });

  it('errors are sane: 12 independent runs scatter by about the reported error (L = 8, K = 0.4)', () => {
    const runs = Array.from({ length: 12 }, (_, s) => {
      const spins = isingRows(8, 0.4, 200, 500 + s);
      const { states, fields } = shuffledIdentity(spins, 8, 200, shuffled(64, new Rng(s, 9)));
      return layerCoupling(states, 200, placementFromFields(fields, 64, 8));
    });
    const k = runs.map((r) => r.kEff);
    const mean = k.reduce((a, b) => a + b) / k.length;
    const spread = Math.sqrt(k.reduce((a, b) => a + (b - mean) ** 2, 0) / (k.length - 1));
    const reported = runs.reduce((a, r) => a + r.err, 0) / runs.length;
    expect(spread / reported).toBeGreaterThan(0.5);
    expect(spread / reported).toBeLessThan(2);
    expect(Math.abs(mean - 0.4)).toBeLessThan(4 * (spread / Math.sqrt(k.length)));
  });
});

describe('the 2×2 majority block-spin layer (L = 16 → 8)', () => {
  const flow = (K: number): { lattice: number; block: LayerCoupling2d; displacement: number } => {
    const L = 16;
    const rows = 400;
    const spins = isingRows(L, K, rows, 77);
    const { states, fields } = shuffledMajority(spins, L, rows, shuffled(64, new Rng(3)), new Rng(4));
    const placement = placementFromFields(fields, 64, L);
    const lattice = new Float64Array(rows);
    for (let r = 0; r < rows; r++) lattice[r] = nearestNeighbourCorrelation(spins.subarray(r * L * L, (r + 1) * L * L), L);
    return { lattice: couplingFromSeries(lattice, L).kEff, block: layerCoupling(states, rows, placement), displacement: placement.meanDisplacement };
  };

  it.each([0.3, 0.38])('K = %f < K_c: the block spins are less coupled, K_eff < K', (K) => {
    const { block, displacement } = flow(K);
    expect(displacement).toBeLessThan(1e-9); // block centres at (2X + ½, 2Y + ½): the coarse grid is offset by ½
    expect(block.kEff + 4 * block.err).toBeLessThan(K);
    expect(block.kEff).toBeGreaterThan(0);
  });

  it.each([0.5, 0.6])('K = %f > K_c: the block spins are more coupled, K_eff > K', (K) => {
    const { block } = flow(K);
    expect(block.kEff - 4 * block.err).toBeGreaterThan(K);
  });
});

describe('placement', () => {
  it('finds the optimal assignment (against all 5! permutations of a random 5 × 5 cost)', () => {
    const rng = new Rng(12);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5;
      const cost = Float64Array.from({ length: n * n }, () => rng.nextFloat());
      const total = (a: ArrayLike<number>) => Array.from(a).reduce((s, c, i) => s + cost[i * n + c], 0);
      let best = Infinity;
      const permute = (prefix: number[]): void => {
        if (prefix.length === n) best = Math.min(best, total(prefix));
        else for (let c = 0; c < n; c++) if (!prefix.includes(c)) permute([...prefix, c]);
      };
      permute([]);
      const found = optimalAssignment(cost, n);
      expect(new Set(found).size).toBe(n);
      expect(total(found)).toBeCloseTo(best, 12);
    }
  });

  it('puts jittered centres of a shifted, wrapped lattice on their sites, reporting the displacement', () => {
    const L = 40;
    const side = 20;
    const rng = new Rng(5);
    const perm = shuffled(side * side, rng);
    const x = new Float64Array(side * side);
    const y = new Float64Array(side * side);
    for (let k = 0; k < side * side; k++) {
      x[k] = (((perm[k] % side) * 2 + 1.3 + 0.5 * (rng.nextFloat() - 0.5)) % L + L) % L;
      y[k] = ((Math.floor(perm[k] / side) * 2 + 39.6 + 0.5 * (rng.nextFloat() - 0.5)) % L + L) % L;
    }
    const p = placeUnits({ x, y }, L);
    expect(p.spacing).toBe(2);
    expect(p.offsetX).toBeCloseTo(1.3, 1);
    expect(p.offsetY).toBeCloseTo(1.6, 1);
    expect(p.meanDisplacement).toBeGreaterThan(0.05);
    expect(p.maxDisplacement).toBeLessThan(0.4);
    // Each unit keeps its row-major neighbours (the whole grid may be shifted by the offset's origin).
    const shift = (p.siteOfUnit[0] - perm[0] + side * side) % (side * side);
    for (let k = 0; k < side * side; k++) expect((p.siteOfUnit[k] - perm[k] + side * side) % (side * side)).toBe(shift);
  });

  it('centres a field on its strong part and orients it by its sign; a zero field has no centre', () => {
    const L = 8;
    const fields = new Float32Array(L * L * 3);
    fields[(2 * L + 5) * 3 + 0] = 1; // unit 0: a spike at (5, 2) over a faint background
    for (let i = 0; i < L * L; i++) fields[i * 3 + 0] += 0.1;
    fields[(6 * L + 1) * 3 + 1] = -2; // unit 1: negative at (1, 6)
    const c = strongPartCentres(fields, 3, L);
    expect([c.x[0], c.y[0]].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([5, 2]);
    expect([c.x[1], c.y[1]].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 6]);
    expect(Array.from(c.orientation)).toEqual([1, -1, 1]);
    expect(Number.isNaN(c.x[2])).toBe(true);
  });

  it('refuses a layer that is not a square', () => {
    expect(() => placeUnits({ x: new Float64Array(12), y: new Float64Array(12) }, 8)).toThrow(RangeError);
  });
});

describe('stackCouplings', () => {
  it('reads a permuted, half sign-flipped copy layer as K (L = 8, K = 0.5), the lattice as K, and non-square layers as null', () => {
    const L = 8;
    const N = L * L;
    const K = 0.5;
    const rows = 400;
    const spins = isingRows(L, K, rows, 901);
    const data = Uint8Array.from(spins, (s) => (s > 0 ? 1 : 0));
    const perm = shuffled(N, new Rng(8));
    // Unit k copies spin perm[k] (w = 40: p(h = 1 | v) = σ(±20), a copy up to 2·10⁻⁹); odd units copy it flipped.
    const copy = new Rbm(N, N);
    for (let k = 0; k < N; k++) {
      const sign = k % 2 === 0 ? 1 : -1;
      copy.weights[perm[k] * N + k] = 40 * sign;
      copy.hiddenBias[k] = -20 * sign;
    }
    const top = Rbm.random(N, 6, new Rng(2), 0.1);
    const result = stackCouplings(new RbmStack([copy, top]), data, rows, { backend: createJsBackend(), rng: new Rng(6) });
    const [lattice, layer1, layer2] = result;
    expect(lattice).toMatchObject({ layer: 0, units: N, side: L });
    expect(layer1).toMatchObject({ layer: 1, units: N, side: L, unplaced: 0 });
    expect(layer2).toMatchObject({ layer: 2, units: 6, kEff: null });
    const l0 = lattice as LayerCoupling2d;
    const l1 = layer1 as LayerCoupling2d;
    expect(Math.abs(l0.kEff - K)).toBeLessThan(4 * l0.err);
    expect(l1.meanDisplacement).toBeLessThan(1e-6);
    expect(l1.kEff).toBeCloseTo(l0.kEff, 6);

    // Without the orientation gauge half the bonds join a flipped and an unflipped unit: K_eff ≈ 0.
    const unoriented = stackCouplings(new RbmStack([copy]), data, rows, { orient: false, rng: new Rng(6) })[1] as LayerCoupling2d;
    expect(Math.abs(unoriented.kEff)).toBeLessThan(l0.kEff / 3);
  });
});

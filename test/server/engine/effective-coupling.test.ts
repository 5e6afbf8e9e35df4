/**
 * The K_eff estimator against known couplings: layers whose "hidden states" are exact 2D Ising
 * samples at K (Wolff chains, well decorrelated between frames) give K_eff within its error of K,
 * for the finite-lattice (Kaufman) relation and, on a large lattice, Onsager's; a sublattice-
 * flipped sample reads as −K; the inversion is exact against its own oracle; and a paused
 * engine's repeated frames do not shrink the error bars. The RF-centre placement: a hidden layer
 * whose units are a permuted copy of an ordered layer gets the same K_eff as the ordered one
 * (by index it would not), and the live engine's frames use it.
 */
import { describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../shared/learn/backends/js.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import { RbmStack } from '../../../shared/learn/stack.js';
import { CRITICAL_COUPLING } from '../../../shared/physics/ising.js';
import { Rng } from '../../../shared/physics/rng.js';
import { WolffSampler } from '../../../shared/physics/wolff.js';
import { asBytes, unpackLattice } from '../../../shared/protocol/lattice-codec.js';
import {
  correlationAt,
  couplingFromCorrelation,
  CouplingWindow,
  estimateEffectiveCoupling,
  hiddenLayerPlacements,
  nearestNeighbourCorrelation,
  placedCorrelation,
} from '../../../server/engine/effective-coupling.js';
import { resolveEngineConfig, settingsOf } from '../../../server/engine/engine-config.js';
import { LiveEngine } from '../../../server/engine/live-engine.js';

/** Per-frame correlations of `frames` Wolff samples at K, `spacing` sweeps apart, after a burn-in. */
function isingFrames(L: number, K: number, frames: number, seed: number, flipSublattice = false): number[] {
  const sampler = new WolffSampler(L, K, 0, seed);
  sampler.sweep(200);
  const spins = new Int8Array(L * L);
  const out: number[] = [];
  for (let f = 0; f < frames; f++) {
    sampler.sweep(5);
    sampler.readSpins(spins);
    if (flipSublattice) for (let i = 0; i < spins.length; i++) if (((i % L) + Math.floor(i / L)) % 2 === 1) spins[i] = -spins[i];
    out.push(nearestNeighbourCorrelation(spins, L));
  }
  return out;
}

describe('effective coupling of exact Ising samples', () => {
  it.each([
    [16, 0.25],
    [16, 0.35],
    [16, 0.408],
    [10, CRITICAL_COUPLING],
    [16, 0.55],
    [5, 0.3],
  ])('L = %i, K = %f: K_eff within 4 errors of K (finite-lattice relation)', (L, K) => {
    const estimate = estimateEffectiveCoupling(isingFrames(L, K, 200, 17 + L), L);
    expect(estimate.frames).toBe(200);
    expect(estimate.err!).toBeGreaterThan(0);
    expect(estimate.err!).toBeLessThan(0.05);
    expect(Math.abs(estimate.kEff! - K)).toBeLessThan(4 * estimate.err!);
  });

  it('agrees with Onsager’s relation on a large lattice away from K_c (L = 48, K = 0.3)', () => {
    const estimate = estimateEffectiveCoupling(isingFrames(48, 0.3, 100, 3));
    expect(Math.abs(estimate.kEff! - 0.3)).toBeLessThan(4 * estimate.err!);
  });

  it('reads a sublattice-flipped sample (an antiferromagnet) as −K', () => {
    const estimate = estimateEffectiveCoupling(isingFrames(16, 0.35, 200, 8, true), 16);
    expect(Math.abs(estimate.kEff! + 0.35)).toBeLessThan(4 * estimate.err!);
  });
});

describe('the inversion', () => {
  it('inverts c(K) of the finite and the infinite lattice to 1e-9', () => {
    for (const K of [0.01, 0.2, 0.4406868, 0.7, 1.5]) {
      expect(couplingFromCorrelation(correlationAt(K, 6), 6)).toBeCloseTo(K, 9);
      expect(couplingFromCorrelation(correlationAt(K))).toBeCloseTo(K, 9);
    }
    expect(couplingFromCorrelation(0)).toBe(0);
    expect(couplingFromCorrelation(1)).toBe(4);
  });

  it('computes c by the definition: all up gives 1, a checkerboard −1, vertical stripes two columns wide ½', () => {
    expect(nearestNeighbourCorrelation(new Int8Array(16).fill(1), 4)).toBe(1);
    const checker = Int8Array.from({ length: 16 }, (_, i) => (((i % 4) + Math.floor(i / 4)) % 2 ? 1 : -1));
    expect(nearestNeighbourCorrelation(checker, 4)).toBe(-1);
    const stripes = Int8Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 1 : -1)); // columns ++−−
    expect(nearestNeighbourCorrelation(stripes, 4)).toBe(0.5);
    expect(nearestNeighbourCorrelation(Float32Array.of(1, 1, 1, 1), 2, true)).toBe(1);
  });

  it('keeps one value per tick: repeated frames of a paused engine do not count', () => {
    const window = new CouplingWindow([4], 8);
    window.add(1, [0.5]);
    window.add(1, [0.5]);
    window.add(1, [0.5]);
    expect(window.estimates()[0].frames).toBe(1);
    window.add(2, [0.6]);
    expect(window.estimates()[0]).toMatchObject({ frames: 2 });
    for (let t = 3; t < 20; t++) window.add(t, [0.55]);
    expect(window.estimates()[0].frames).toBe(8);
  });
});

describe('the RF-centre placement of hidden layers', () => {
  const L = 16;
  const side = 8;
  const units = side * side;
  /** A 256 → 64 layer of 2×2 block detectors on a 16×16 lattice, unit k watching block order[k] (w = 10, b = −20: ≈ majority, ties ½). */
  function blockLayer(order: Int32Array): Rbm {
    const rbm = new Rbm(L * L, units);
    for (let k = 0; k < units; k++) {
      const X = order[k] % side;
      const Y = Math.floor(order[k] / side);
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) rbm.weights[((2 * Y + dy) * L + 2 * X + dx) * units + k] = 10;
      rbm.hiddenBias[k] = -20;
    }
    return rbm;
  }

  it('gives a permuted copy of an ordered layer the same K_eff as the ordered one (L = 16 → 8×8 units, K = 0.35)', () => {
    const js = createJsBackend();
    const identity = Int32Array.from({ length: units }, (_, k) => k);
    const perm = identity.slice();
    const shuffle = new Rng(21);
    for (let i = units - 1; i > 0; i--) {
      const j = shuffle.nextBelow(i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const ordered = blockLayer(identity);
    const permuted = blockLayer(perm);
    const [placeOrdered] = hiddenLayerPlacements(new RbmStack([ordered]), L, js);
    const [placePermuted] = hiddenLayerPlacements(new RbmStack([permuted]), L, js);
    expect(placeOrdered!.meanDisplacement).toBeLessThan(1e-9);
    expect(placePermuted!.meanDisplacement).toBeLessThan(1e-9);

    const windows = { ordered: new CouplingWindow([side], 200), permuted: new CouplingWindow([side], 200), byIndex: new CouplingWindow([side], 200) };
    const sampler = new WolffSampler(L, 0.35, 0, 5);
    sampler.sweep(200);
    const spins = new Int8Array(L * L);
    const v = new Float32Array(L * L);
    const p = new Float32Array(units);
    const rng = new Rng(1);
    for (let t = 0; t < 200; t++) {
      sampler.sweep(3);
      sampler.readSpins(spins);
      for (let i = 0; i < L * L; i++) v[i] = spins[i] > 0 ? 1 : 0;
      ordered.hiddenProbabilities(js, v, 1, p);
      const h = Int8Array.from(p, (x) => (rng.nextFloat() < x ? 1 : -1));
      // The permuted machine's unit k is the ordered unit perm[k]: same draws, relabelled.
      const hp = Int8Array.from({ length: units }, (_, k) => h[perm[k]]);
      windows.ordered.add(t, [placedCorrelation(placeOrdered!, h)]);
      windows.permuted.add(t, [placedCorrelation(placePermuted!, hp)]);
      windows.byIndex.add(t, [nearestNeighbourCorrelation(hp, side)]);
    }
    const [a] = windows.ordered.estimates();
    const [b] = windows.permuted.estimates();
    const [c] = windows.byIndex.estimates();
    expect(a.kEff!).toBeGreaterThan(0.15); // block spins below K_c: coupled, more weakly than the spins
    expect(a.kEff!).toBeLessThan(0.35);
    expect(b.kEff!).toBeCloseTo(a.kEff!, 12);
    expect(b.err!).toBeCloseTo(a.err!, 12);
    // By index the permuted layer's "neighbours" are random blocks, correlated only through the lattice's susceptibility.
    expect(a.kEff! - c.kEff!).toBeGreaterThan(4 * Math.hypot(a.err!, c.err!));
    expect(c.kEff!).toBeLessThan(a.kEff! / 2);
  });

  it('is what the live engine correlates its frames with (L = 8, 64-16-4, after 150 ticks)', () => {
    const settings = settingsOf(resolveEngineConfig({ L: 8, layers: [16, 4], batchSize: 50, bufferSize: 1000, sweepsPerTick: 5, backend: 'js', seed: 3 }));
    const engine = new LiveEngine(settings, 0.408, createJsBackend());
    for (let t = 0; t < 150; t++) engine.advance();
    const { frame, correlations } = engine.frame(0);
    const placements = engine.layerPlacements();
    expect(placements.map((q) => q?.side)).toEqual([4, 2]);
    frame.layers.forEach((layer, l) => {
      const states = unpackLattice(asBytes(layer.states), layer.units);
      expect(correlations[l + 1]).toBeCloseTo(placedCorrelation(placements[l]!, states), 12);
    });
    const lattice = unpackLattice(asBytes(frame.lattice), 64);
    expect(correlations[0]).toBeCloseTo(nearestNeighbourCorrelation(lattice, 8), 12);
  });
});

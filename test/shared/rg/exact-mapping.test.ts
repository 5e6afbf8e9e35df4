/**
 * The exact mapping of Mehta & Schwab (§ III) computed by enumeration, against exact identities:
 * Eq. 21 (H^RG = H^RBM on the hidden spins) and Eq. 22 (Tr_h e^T = e^{H − H^RBM}) to 1e-9 on
 * random machines up to 16 × 8; F^v and F^h against independent brute force (transfer matrix,
 * enumerate.ts, rgflow's {0,1} Rbm partition function, a naive double sum); KL ≥ 0 and
 * e^{−ΔF} = ⟨Tr_h e^T⟩_P, KL = −ΔF − ⟨ln Tr_h e^T⟩_P; KL = 0 ⇔ constant trace on constructed
 * machines (the paper's decimation RBM, with and without the offset that makes it an exact RG);
 * the exact gradient against finite differences; exact training lowers KL.
 */
import { describe, expect, it } from 'vitest';
import { logPartitionFunction } from '../../../shared/learn/exact-likelihood.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import { chainLogZ, enumerateIsing } from '../../../shared/physics/exact/index.js';
import { Rng } from '../../../shared/physics/rng.js';
import {
  bondRbm,
  bondRbmLogTrace,
  cloneMappingRbm,
  computeMapping,
  dataDistribution,
  exactObjective,
  isingHamiltonian,
  isingSystem,
  mappingExperiment,
  operatorTable,
  parseSystemSpec,
  randomMappingRbm,
  rbmEnergy,
  showKlZeroIffConstantTrace,
  mappingRbmFromBinary,
  trainExact,
  verifyMapping,
  type IsingSystem,
  type MappingRbm,
} from '../../../shared/rg/exact-mapping.js';

/** log Σ e^x, plain two-pass. */
function lse(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}

function randomMachine(system: IsingSystem, hidden: number, seed: number, scale = 0.4): MappingRbm {
  const rbm = randomMappingRbm(system.sites, hidden, seed, scale, 0.3);
  rbm.offset = new Rng(seed, 1).nextGaussian();
  return rbm;
}

describe('the Ising system', () => {
  it('parses ring:N and lattice:RxC and refuses everything else with a clear message', () => {
    expect(parseSystemSpec('ring:12')).toEqual({ kind: 'ring', n: 12 });
    expect(parseSystemSpec(' Lattice:4x4 ')).toEqual({ kind: 'lattice', rows: 4, cols: 4 });
    for (const bad of ['ring:1', 'ring:17', 'lattice:5x4', 'lattice:1x8', 'ring', 'ring:3.5', 'cube:2x2x2', '']) {
      expect(() => parseSystemSpec(bad)).toThrow(/ring|lattice/);
    }
    expect(() => isingSystem('ring:4', Number.NaN)).toThrow(/K/);
    expect(() => isingSystem('ring:4', 6)).toThrow(/K/);
  });

  it('has the bonds of enumerate.ts: a ring N bonds, an R×C lattice 2RC (a side of 2 bonds twice)', () => {
    expect(isingSystem('ring:7', 0.3).bondCount).toBe(7);
    expect(isingSystem('lattice:2x3', 0.3).bondCount).toBe(12);
    const s = isingSystem('lattice:2x2', 1);
    expect(isingHamiltonian(s, 0b1111)).toBe(-8); // all up: 8 satisfied bonds
    expect(isingHamiltonian(s, 0b0110)).toBe(8); // checkerboard: every bond broken
  });
});

describe('free energies against independent brute force', () => {
  it('F^v = −ln Z matches the transfer matrix (rings) and enumerate.ts (lattices)', () => {
    for (const [spec, K] of [['ring:2', 0.3], ['ring:9', 0.7], ['ring:16', -0.5], ['lattice:2x2', 0.44], ['lattice:3x4', 0.4], ['lattice:4x4', 0.2]] as const) {
      const s = isingSystem(spec, K);
      const reference = s.kind === 'ring' ? chainLogZ(K, s.sites) : enumerateIsing(s.cols, s.rows, K).logZ;
      const m = computeMapping(s, randomMachine(s, 2, 3));
      expect(Math.abs(m.freeEnergyVisible + reference)).toBeLessThan(1e-11 * Math.max(1, Math.abs(reference)));
    }
  });

  it("F^h_λ = −ln 𝒵 of rgflow's {0,1} Rbm, converted to spins with its offset", () => {
    const rng = new Rng(11);
    for (const [spec, hidden] of [['ring:6', 3], ['lattice:3x3', 5], ['ring:12', 8]] as const) {
      const s = isingSystem(spec, 0.35);
      const binary = Rbm.random(s.sites, hidden, rng, 0.8);
      for (let i = 0; i < s.sites; i++) binary.visibleBias[i] = 0.5 * rng.nextGaussian();
      for (let j = 0; j < hidden; j++) binary.hiddenBias[j] = 0.5 * rng.nextGaussian();
      const m = computeMapping(s, mappingRbmFromBinary(binary));
      const logZ01 = logPartitionFunction(binary);
      expect(Math.abs(m.freeEnergyHidden + logZ01)).toBeLessThan(1e-9);
      expect(Math.abs(m.logZRbm - logZ01)).toBeLessThan(1e-9);
    }
  });

  it('the {0,1} → ±1 conversion preserves every energy: E₀₁(x, y) = E(v, h)', () => {
    const binary = Rbm.random(5, 3, new Rng(2), 1);
    binary.visibleBias.set([0.3, -0.2, 0.1, 0.7, -1]);
    binary.hiddenBias.set([0.4, -0.6, 0.2]);
    const spin = mappingRbmFromBinary(binary);
    for (let v = 0; v < 32; v++) {
      for (let h = 0; h < 8; h++) {
        const x = Array.from({ length: 5 }, (_, i) => (v >>> i) & 1);
        const y = Array.from({ length: 3 }, (_, j) => (h >>> j) & 1);
        expect(rbmEnergy(spin, v, h)).toBeCloseTo(binary.energy(x, y), 5); // W is float32
      }
    }
  });

  it('a naive double sum over (v, h) gives the same 𝒵, H^RG, ln Tr_h e^T and T table', () => {
    const s = isingSystem('lattice:2x3', 0.5);
    const rbm = randomMachine(s, 3, 9, 1);
    const m = computeMapping(s, rbm);
    const table = operatorTable(s, rbm);
    const all: number[] = [];
    for (let v = 0; v < 64; v++) {
      const row: number[] = [];
      for (let h = 0; h < 8; h++) {
        const T = -rbmEnergy(rbm, v, h) + isingHamiltonian(s, v);
        expect(Math.abs(table[v * 8 + h] - T)).toBeLessThan(1e-12);
        row.push(T);
        all.push(-rbmEnergy(rbm, v, h));
      }
      expect(Math.abs(m.lnTrace[v] - lse(row))).toBeLessThan(1e-12);
    }
    expect(Math.abs(m.logZRbm - lse(all))).toBeLessThan(1e-12);
    for (let h = 0; h < 8; h++) {
      const column = Array.from({ length: 64 }, (_, v) => -rbmEnergy(rbm, v, h));
      expect(Math.abs(m.hamiltonianRG[h] + lse(column))).toBeLessThan(1e-12);
    }
  });
});

describe('Eqs. 21 and 22 hold for every λ', () => {
  const cases: [string, number, number, number][] = [
    ['ring:5', 2, 1, 0.4],
    ['ring:10', 4, 2, 1],
    ['lattice:3x3', 5, 3, 0.6],
    ['lattice:2x4', 8, 4, 2],
    ['ring:16', 8, 5, 0.4],
    ['lattice:4x4', 8, 6, 0.8],
  ];
  it.each(cases)('%s with %i hidden units (seed %i, weights σ = %f): residuals < 1e-9', (spec, hidden, seed, scale) => {
    const s = isingSystem(spec, 0.44);
    const v = verifyMapping(s, randomMachine(s, hidden, seed, scale));
    expect(v.eq21Residual).toBeLessThan(1e-9);
    expect(v.eq22Residual).toBeLessThan(1e-9);
    expect(v.kl).toBeGreaterThan(0);
    expect(v.lnTrace.range).toBeGreaterThan(1e-3);
    expect(v.constantTrace).toBe(false);
  });

  it('KL ≥ 0 both ways, e^{−ΔF} = ⟨Tr_h e^T⟩_P and KL = −ΔF − ⟨ln Tr_h e^T⟩_P', () => {
    for (const [spec, K] of [['ring:8', 0.4], ['lattice:3x3', -0.3], ['ring:12', 2]] as const) {
      for (const seed of [1, 2, 3]) {
        const s = isingSystem(spec, K);
        const m = computeMapping(s, randomMachine(s, 4, seed, 0.7));
        expect(m.kl).toBeGreaterThanOrEqual(0);
        expect(m.klDirect).toBeGreaterThanOrEqual(0);
        expect(Math.abs(m.kl - m.klDirect)).toBeLessThan(1e-10 * Math.max(1, m.kl));
        expect(m.freeEnergyTraceResidual).toBeLessThan(1e-10);
        expect(m.partitionResidual).toBeLessThan(1e-10);
        expect(Math.abs(m.kl - (-m.deltaF - m.spread.meanP))).toBeLessThan(1e-10);
      }
    }
  });
});

describe('KL = 0 ⇔ Tr_h e^T is the same for every v', () => {
  it("the paper's decimation RBM reproduces P exactly: KL = 0, Tr_h e^T ≡ (2e^{|K|})^N ≠ 1, ΔF = −N(ln 2 + |K|)", () => {
    for (const [n, K] of [[4, 0.4], [8, 0.4], [6, 1.3], [7, -0.6], [5, 0]] as const) {
      const ring = isingSystem({ kind: 'ring', n }, K);
      const m = computeMapping(ring, bondRbm(ring));
      expect(m.kl).toBeLessThan(1e-12);
      expect(Math.abs(m.klDirect)).toBeLessThan(1e-12);
      expect(m.spread.range).toBeLessThan(1e-12);
      expect(Math.abs(m.spread.meanP - bondRbmLogTrace(ring))).toBeLessThan(1e-12);
      expect(Math.abs(m.deltaF + n * (Math.LN2 + Math.abs(K)))).toBeLessThan(1e-12);
      // its hidden spins form the decimated ring again, at the same K: H^RG(h) = −K Σ h_b h_{b+1} + const
      const hiddenRing = isingSystem({ kind: 'ring', n }, K);
      const shifted = Array.from(m.hamiltonianRG, (H, h) => H - isingHamiltonian(hiddenRing, h));
      expect(Math.max(...shifted) - Math.min(...shifted)).toBeLessThan(1e-12);
    }
  });

  it('with the offset ε = N(ln 2 + |K|) it is an exact RG: Tr_h e^T ≡ 1, ΔF = 0, KL = 0', () => {
    const ring = isingSystem('ring:8', 0.4);
    const v = verifyMapping(ring, bondRbm(ring, bondRbmLogTrace(ring)));
    expect(v.exactRg).toBe(true);
    expect(v.lnTrace.maxAbs).toBeLessThan(1e-12);
    expect(Math.abs(v.deltaF)).toBeLessThan(1e-12);
    expect(v.kl).toBeLessThan(1e-12);
  });

  it('the evidence: every constructed case has KL = 0 exactly when its trace is constant, and the one-way implications hold', () => {
    const evidence = showKlZeroIffConstantTrace({ trainSteps: 150 });
    const byName = new Map(evidence.cases.map((c) => [c.name, c]));
    expect(evidence.klZeroIffConstantTrace).toBe(true);
    expect(evidence.exactRgIffKlZeroAndDeltaFZero).toBe(true);
    expect(evidence.deltaFZeroWithoutExactRg).toBe(true);
    expect(evidence.klZeroWithoutExactRg).toBe(true);
    for (const name of ['decimation', 'decimation + offset', 'bond RBM, 2×2 lattice', 'uncoupled']) {
      const c = byName.get(name)!;
      expect(c.klZero && c.constantTrace).toBe(true);
      expect(Math.abs(c.klDirect)).toBeLessThan(1e-12);
    }
    for (const name of ['perturbed decimation', 'trained', 'trained, ΔF = 0']) {
      const c = byName.get(name)!;
      expect(c.kl).toBeGreaterThan(1e-4);
      expect(c.lnTrace.range).toBeGreaterThan(1e-2);
    }
    expect(byName.get('decimation + offset')!.exactRg).toBe(true);
    expect(byName.get('decimation')!.exactRg).toBe(false);
    const balanced = byName.get('trained, ΔF = 0')!;
    expect(Math.abs(balanced.deltaF)).toBeLessThan(1e-12);
    expect(balanced.exactRg).toBe(false);
    // the offset changes no probability: KL is that of the trained machine
    expect(Math.abs(balanced.kl - byName.get('trained')!.kl)).toBeLessThan(1e-12);
    for (const c of evidence.cases) {
      expect(c.eq21Residual).toBeLessThan(1e-9);
      expect(c.eq22Residual).toBeLessThan(1e-9);
    }
  });

  it('near KL = 0 the spread sets KL: KL ≈ ½ Var_P(ln Tr_h e^T)', () => {
    const ring = isingSystem('ring:8', 0.4);
    const rbm = bondRbm(ring);
    rbm.weights[3] += 0.01;
    const m = computeMapping(ring, rbm);
    expect(m.kl).toBeGreaterThan(0);
    expect(Math.abs(m.kl / (0.5 * m.spread.stdP ** 2) - 1)).toBeLessThan(0.05);
  });
});

describe('exact training', () => {
  it('the exact gradient of KL matches central finite differences', () => {
    const s = isingSystem('lattice:2x3', 0.4);
    const rbm = randomMachine(s, 3, 5, 0.5);
    const data = dataDistribution(s);
    const o = exactObjective(s, rbm, data);
    expect(Math.abs(o.kl - computeMapping(s, rbm, data).kl)).toBeLessThan(1e-12);
    const eps = 1e-5;
    let worst = 0;
    for (const [key, grad] of [['weights', o.gradWeights], ['hiddenBias', o.gradHiddenBias], ['visibleBias', o.gradVisibleBias]] as const) {
      for (let k = 0; k < grad.length; k++) {
        const plus = cloneMappingRbm(rbm);
        const minus = cloneMappingRbm(rbm);
        plus[key][k] += eps;
        minus[key][k] -= eps;
        const fd = (computeMapping(s, plus, data).klDirect - computeMapping(s, minus, data).klDirect) / (2 * eps);
        worst = Math.max(worst, Math.abs(fd - grad[k]));
      }
    }
    expect(worst).toBeLessThan(1e-8);
  });

  it('gradient descent lowers KL step by step, and the spread of ln Tr_h e^T with it', () => {
    const s = isingSystem('ring:8', 0.5);
    const r = trainExact(s, 4, { steps: 300, seed: 2, points: 301 });
    const kl = r.history.map((p) => p.kl);
    for (let k = 1; k < kl.length; k++) expect(kl[k]).toBeLessThanOrEqual(kl[k - 1]);
    expect(kl.at(-1)!).toBeLessThan(0.2 * kl[0]);
    expect(r.history.at(-1)!.lnTraceStdP).toBeLessThan(0.5 * r.history[0].lnTraceStdP);
    const after = verifyMapping(s, r.rbm);
    expect(Math.abs(after.kl - kl.at(-1)!)).toBeLessThan(1e-10);
    expect(after.eq21Residual).toBeLessThan(1e-9);
    // reproducible
    const again = trainExact(s, 4, { steps: 300, seed: 2, points: 301 });
    expect(Array.from(again.rbm.weights)).toEqual(Array.from(r.rbm.weights));
  });

  it('a step too large is undone: KL never rises even at lr = 5', () => {
    const s = isingSystem('lattice:3x3', 0.4);
    const r = trainExact(s, 4, { steps: 60, lr: 5, seed: 1, points: 61 });
    for (let k = 1; k < r.history.length; k++) expect(r.history[k].kl).toBeLessThanOrEqual(r.history[k - 1].kl);
    expect(r.rejectedSteps).toBeGreaterThan(0);
    expect(r.history.at(-1)!.kl).toBeLessThan(r.history[0].kl);
  });

  it('mappingExperiment reports the figures before and after training', () => {
    const report = mappingExperiment({ system: 'ring:8', K: 0.4, hidden: 4, steps: 100, seed: 1 });
    expect(report.system).toBe('ring:8');
    expect(report.before.eq21_residual).toBeLessThan(1e-9);
    expect(report.after.eq22_residual).toBeLessThan(1e-9);
    expect(report.after.kl).toBeLessThan(report.before.kl);
    expect(report.training[0]!.step).toBe(0);
    expect(report.training.at(-1)!.step).toBe(100);
    expect(Math.abs(report.training.at(-1)!.kl - report.after.kl)).toBeLessThan(1e-10);
    expect(report.free_energy_visible).toBeCloseTo(-chainLogZ(0.4, 8), 12);
    expect(() => mappingExperiment({ system: 'ring:8', K: 0.4, hidden: 9, steps: 1, seed: 1 })).toThrow(/hidden/);
  });
});

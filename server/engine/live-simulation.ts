/**
 * The state of one live session inside its worker: the sampler, the running estimates since
 * the last temperature change and the exact references for the current coupling. No timers and
 * no messaging here — worker.ts decides when to advance and when to take a frame.
 *
 * Measurements, one per sweep after the burn-in (units of J, per site, N = L²):
 *   e = −(1/N) Σ_<ij> s_i s_j,   |m| = |Σ_i s_i| / N.
 * Start: a random configuration in the disordered phase (K < K_c), all up in the ordered one.
 * From all up at K = 0.408, L = 40, |m| relaxes over thousands of Metropolis sweeps (z ≈ 2.17)
 * and the early energy estimates are biased; from random, domains grow to the correlation
 * length in a few hundred.
 *
 * Randomness: the sampler draws from Rng(seed, 0), the random start from Rng(seed, 1).
 */
import { kaufmanExact, onsagerSpontaneousMagnetization } from '../../shared/physics/exact/index.js';
import { CRITICAL_COUPLING, type Algorithm, type IsingSampler, type SamplerSnapshot } from '../../shared/physics/ising.js';
import { Rng } from '../../shared/physics/rng.js';
import { createSampler, restoreSampler } from '../../shared/physics/samplers.js';
import type { EngineFrame, ExactValues } from '../../shared/protocol/engine-events.js';
import { packLattice } from '../../shared/protocol/lattice-codec.js';
import { RunningBinnedMean, type RunningMeanSnapshot } from './running-estimate.js';

/** What a simulation is built from. */
export interface SimulationConfig {
  algorithm: Algorithm;
  L: number;
  coupling: number;
  seed: number;
  burnInSweeps: number;
}

/** The physics part of a frame (the engine adds tick, pause state and hidden layers). */
export type SimulationFrame = Omit<EngineFrame, 'tick' | 'paused' | 'layers'>;

/** Everything a LiveSimulation holds, for checkpoints. */
export interface SimulationSnapshot {
  sampler: SamplerSnapshot;
  burnInSweeps: number;
  sweepsSinceChange: number;
  energy: RunningMeanSnapshot;
  absMagnetization: RunningMeanSnapshot;
}

/** Exact references at coupling K for the periodic L×L lattice. */
export function exactValues(L: number, coupling: number): ExactValues {
  return {
    energyPerSite: kaufmanExact(L, L, coupling).energyPerSite,
    spontaneousMagnetization: onsagerSpontaneousMagnetization(coupling),
  };
}

/** Independent ±1 spins with probability ½ each. */
function randomSpins(sites: number, rng: Rng): Int8Array {
  const spins = new Int8Array(sites);
  for (let i = 0; i < sites; i++) spins[i] = rng.nextUint32() & 1 ? 1 : -1;
  return spins;
}

export class LiveSimulation {
  readonly L: number;
  private readonly sites: number;
  private sampler: IsingSampler;
  private readonly spins: Int8Array;
  private energy = new RunningBinnedMean();
  private absMagnetization = new RunningBinnedMean();
  private readonly burnInSweeps: number;
  private sweepsSinceChange = 0;
  private exact: ExactValues;

  /** A fresh chain at config.coupling, from a random start below K_c and all up above. */
  constructor(config: SimulationConfig, sampler?: IsingSampler) {
    this.L = config.L;
    this.sites = config.L * config.L;
    this.burnInSweeps = config.burnInSweeps;
    this.spins = new Int8Array(this.sites);
    this.sampler = sampler ?? createSampler({ algorithm: config.algorithm, L: config.L, coupling: config.coupling, seed: config.seed });
    this.exact = exactValues(config.L, this.sampler.coupling);
    if (!sampler && config.coupling < CRITICAL_COUPLING) this.sampler.writeSpins(randomSpins(this.sites, new Rng(config.seed, 1)));
  }

  /** Continues exactly where `snapshot()` left off. */
  static fromSnapshot(s: SimulationSnapshot): LiveSimulation {
    const sampler = restoreSampler(s.sampler);
    const { algorithm, L, coupling } = s.sampler;
    const simulation = new LiveSimulation({ algorithm, L, coupling, seed: 0, burnInSweeps: s.burnInSweeps }, sampler);
    simulation.sweepsSinceChange = s.sweepsSinceChange;
    simulation.energy = RunningBinnedMean.fromSnapshot(s.energy);
    simulation.absMagnetization = RunningBinnedMean.fromSnapshot(s.absMagnetization);
    return simulation;
  }

  snapshot(): SimulationSnapshot {
    return {
      sampler: this.sampler.snapshot(),
      burnInSweeps: this.burnInSweeps,
      sweepsSinceChange: this.sweepsSinceChange,
      energy: this.energy.snapshot(),
      absMagnetization: this.absMagnetization.snapshot(),
    };
  }

  get algorithm(): Algorithm {
    return this.sampler.algorithm;
  }

  /** Continues the same chain (configuration, generator, sweep count) with another algorithm; the estimates go on. */
  setAlgorithm(algorithm: Algorithm): void {
    if (algorithm === this.sampler.algorithm) return;
    this.sampler = restoreSampler({ ...this.sampler.snapshot(), algorithm });
  }

  /** Copies the configuration (±1, row-major) into `out`, length L². */
  readSpins(out: Int8Array): void {
    this.sampler.readSpins(out);
  }

  /** Latest e and |m| estimates and the exact values at the current coupling. */
  get estimates(): { energy: RunningBinnedMean; absMagnetization: RunningBinnedMean; exact: ExactValues } {
    return { energy: this.energy, absMagnetization: this.absMagnetization, exact: this.exact };
  }

  /** Coupling K in force. */
  get coupling(): number {
    return this.sampler.coupling;
  }

  /** Sweeps since this simulation was built. */
  get sweeps(): number {
    return this.sampler.sweeps;
  }

  /** Switch to coupling K; the configuration is kept and the estimates start over after a new burn-in. */
  setCoupling(coupling: number): void {
    const exact = exactValues(this.L, coupling);
    this.sampler.setParameters(coupling);
    this.exact = exact;
    this.energy.reset();
    this.absMagnetization.reset();
    this.sweepsSinceChange = 0;
  }

  /** Run `count` sweeps, measuring e and |m| after each one past the burn-in. */
  advance(count: number): void {
    const { sampler, sites } = this;
    for (let t = 0; t < count; t++) {
      sampler.sweep(1);
      if (++this.sweepsSinceChange <= this.burnInSweeps) continue;
      this.energy.add(-sampler.bondSum() / sites);
      this.absMagnetization.add(Math.abs(sampler.magnetizationSum()) / sites);
    }
  }

  /**
   * The current state as a frame.
   * @param sweepsPerSecond measured simulation rate to report, sweeps/s
   */
  frame(sweepsPerSecond: number): SimulationFrame {
    this.sampler.readSpins(this.spins);
    const coupling = this.sampler.coupling;
    return {
      sweeps: this.sampler.sweeps,
      sweepsSinceChange: this.sweepsSinceChange,
      lattice: packLattice(this.spins),
      coupling,
      temperature: 1 / coupling,
      energyPerSite: this.energy.estimate(),
      absMagnetization: this.absMagnetization.estimate(),
      exact: this.exact,
      sweepsPerSecond,
    };
  }
}

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
 */
import { kaufmanExact, onsagerSpontaneousMagnetization } from '../../shared/physics/exact/index.js';
import { CRITICAL_COUPLING, type IsingSampler } from '../../shared/physics/ising.js';
import { Rng } from '../../shared/physics/rng.js';
import { createSampler } from '../../shared/physics/samplers.js';
import type { EngineFrame, ExactValues } from '../../shared/protocol/events.js';
import { packLattice } from '../../shared/protocol/lattice-codec.js';
import type { EngineConfig } from '../../shared/protocol/worker-messages.js';
import { RunningBinnedMean } from './running-estimate.js';

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
  private readonly sampler: IsingSampler;
  private readonly spins: Int8Array;
  private readonly energy = new RunningBinnedMean();
  private readonly absMagnetization = new RunningBinnedMean();
  private readonly burnInSweeps: number;
  private sweepsSinceChange = 0;
  private exact: ExactValues;

  constructor(config: EngineConfig) {
    this.L = config.L;
    this.sites = config.L * config.L;
    this.burnInSweeps = config.burnInSweeps;
    this.sampler = createSampler({ algorithm: config.algorithm, L: config.L, coupling: config.coupling, seed: config.seed });
    this.spins = new Int8Array(this.sites);
    this.exact = exactValues(config.L, config.coupling);
    if (config.coupling < CRITICAL_COUPLING) this.sampler.writeSpins(randomSpins(this.sites, new Rng(config.seed, 1)));
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
  frame(sweepsPerSecond: number): EngineFrame {
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

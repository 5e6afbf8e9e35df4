/**
 * The shapes RbmTrainer reports and restores: per-epoch statistics, epoch options and the
 * checkpoint of a trainer (re-exported by trainer.ts).
 */
import type { RbmSnapshot } from './rbm.js';
import type { TrainingConfig } from './training-config.js';

/** What one epoch did. */
export interface EpochStats {
  /** 1-based number of the epoch just trained (= trainer.epoch afterwards, unless interrupted). */
  epoch: number;
  /** Rows trained on and minibatches used. */
  rows: number;
  batches: number;
  /** μ and ε used in this epoch. */
  momentum: number;
  learningRate: number;
  /**
   * Mean over rows and units of (v − v̂)², v̂ = σ(hWᵀ + c) the one-step reconstruction
   * probabilities from sampled h ~ p(h|v), each minibatch measured before its update (rbm.m's err / (rows·visible)).
   */
  reconstructionError: number;
  /** ‖W‖_F = sqrt(Σ w_ij²) after the epoch. */
  weightNorm: number;
  /** Mean of p(h_j = 1 | v) over the rows and hidden units (≈0 or ≈1: dead or saturated units). */
  meanHiddenProbability: number;
  /** True when shouldStop ended the epoch early (then trainer.epoch did not advance). */
  interrupted: boolean;
  /** No timings in shared code: the caller measures time. */
  seconds?: never;
}

/** Everything needed to continue training bit-identically. */
export interface TrainerSnapshot {
  rbm: RbmSnapshot;
  config: TrainingConfig;
  epoch: number;
  updates: number;
  weightVelocity: Float32Array;
  visibleBiasVelocity: Float32Array;
  hiddenBiasVelocity: Float32Array;
  /** Persistent chains' hidden states, batchSize × hidden {0,1}; null before PCD's first update or without PCD. */
  persistentChains: Float32Array | null;
  /** The trainer's Rng state. */
  rng: Uint32Array;
}

/** How trainEpoch walks the data and reports progress. */
export interface EpochOptions {
  /** Called after each minibatch with its 1-based index and the epoch's count. */
  onBatch?: (batch: number, batches: number) => void;
  /** Visit the rows in a fresh seeded random order (default true). */
  shuffle?: boolean;
  /** Polled after each minibatch; true ends the epoch early. */
  shouldStop?: () => boolean;
}

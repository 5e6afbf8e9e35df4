/**
 * CD-k training against the exact oracle: the positive phase is the exact data term, the
 * CD-k / PCD gradient estimate converges to the exact likelihood gradient when the chains mix
 * (learning rate 0 freezes the model so estimates can be averaged), and the update rule
 * (momentum schedule, L1) follows its equation step by step.
 */
import { describe, expect, it } from 'vitest';
import { exactLogLikelihoodGradient } from '../../../shared/learn/exact-likelihood.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import {
  DEFAULT_TRAINING_CONFIG,
  RbmTrainer,
  TrainingDivergedError,
  validateTrainingConfig,
  type TrainingConfigInput,
} from '../../../shared/learn/trainer.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createNaiveBackend } from './helpers/naive-backend.js';
import { randomBits, ringData } from './helpers/toy-data.js';

const backend = createNaiveBackend();

function toyRbm(nv: number, nh: number, seed: number, scale = 1): Rbm {
  const rng = new Rng(seed);
  const rbm = Rbm.random(nv, nh, rng, scale);
  for (let i = 0; i < nv; i++) rbm.visibleBias[i] = 0.5 * rng.nextGaussian();
  for (let j = 0; j < nh; j++) rbm.hiddenBias[j] = 0.5 * rng.nextGaussian();
  return rbm;
}

/** Largest |estimate − exact| over all parameters, estimates averaged over `batches` frozen updates. */
function gradientError(config: TrainingConfigInput, batches: number, seed: number): number {
  const rbm = toyRbm(6, 4, 1, 1.5);
  const { data, rows } = ringData(6, 0.8, 500, 2);
  const exact = exactLogLikelihoodGradient(rbm, data, rows);
  const trainer = new RbmTrainer(rbm, { ...config, batchSize: rows, learningRate: 0 }, backend, new Rng(seed));
  const sums = [new Float64Array(24), new Float64Array(6), new Float64Array(4)];
  for (let b = 0; b < batches; b++) {
    trainer.trainBatch(data, rows);
    const g = trainer.gradient;
    [g.weights, g.visibleBias, g.hiddenBias].forEach((a, k) => a.forEach((x, i) => (sums[k][i] += x / batches)));
  }
  let worst = 0;
  [exact.weights, exact.visibleBias, exact.hiddenBias].forEach((a, k) =>
    a.forEach((x, i) => (worst = Math.max(worst, Math.abs(sums[k][i] - x)))),
  );
  return worst;
}

describe('training configuration', () => {
  it('defaults are the paper\'s and rbm.m\'s', () => {
    expect(validateTrainingConfig()).toEqual({ ...DEFAULT_TRAINING_CONFIG, momentum: { initial: 0.5, final: 0.9, switchEpoch: 5 } });
    expect(DEFAULT_TRAINING_CONFIG).toMatchObject({ k: 1, batchSize: 100, learningRate: 0.1, l1: 2e-4, l2: 0, persistent: false });
  });

  it('rejects bad values and unknown options with RangeErrors naming them', () => {
    expect(() => validateTrainingConfig({ k: 0 })).toThrow(/k \(Gibbs steps\) must be an integer ≥ 1/);
    expect(() => validateTrainingConfig({ batchSize: 2.5 })).toThrow(/batchSize/);
    expect(() => validateTrainingConfig({ learningRate: NaN })).toThrow(/learningRate/);
    expect(() => validateTrainingConfig({ l1: -1 })).toThrow(/l1/);
    expect(() => validateTrainingConfig({ momentum: { final: 1 } })).toThrow(/momentum.final must lie in \[0, 1\)/);
    expect(() => validateTrainingConfig({ lr: 0.1 } as TrainingConfigInput)).toThrow(/unknown training option "lr"/);
    expect(validateTrainingConfig({ momentum: { switchEpoch: 0 } }).momentum).toEqual({ initial: 0.5, final: 0.9, switchEpoch: 0 });
  });
});

describe('the CD gradient against the exact gradient', () => {
  it('the positive phase equals the exact data term ⟨v p(h|v)⟩_data', () => {
    const rbm = toyRbm(6, 4, 3);
    const rows = 30;
    const data = randomBits(rows, 6, 4);
    const trainer = new RbmTrainer(rbm, { batchSize: rows }, backend, new Rng(5));
    trainer.positivePhase(data, rows);
    for (let j = 0; j < 4; j++) {
      let hj = 0;
      const vh = new Float64Array(6);
      for (let r = 0; r < rows; r++) {
        let z = rbm.hiddenBias[j];
        for (let i = 0; i < 6; i++) z += data[r * 6 + i] * rbm.weights[i * 4 + j];
        const p = 1 / (1 + Math.exp(-z));
        hj += p / rows;
        for (let i = 0; i < 6; i++) vh[i] += (data[r * 6 + i] * p) / rows;
      }
      expect(trainer.gradient.hiddenBias[j]).toBeCloseTo(hj, 6);
      for (let i = 0; i < 6; i++) expect(trainer.gradient.weights[i * 4 + j]).toBeCloseTo(vh[i], 6);
    }
  });

  it('CD-k with sampled visible units approaches the exact gradient as k grows; PCD chains sample the model exactly', () => {
    // Statistical error of a 40 × 500-chain average is ≈ 0.5/√20000 ≈ 0.004 per component.
    const cd1 = gradientError({ k: 1, sampleVisible: true }, 40, 6);
    const cd50 = gradientError({ k: 50, sampleVisible: true }, 40, 7);
    const pcd = gradientError({ k: 5, persistent: true }, 200, 8);
    expect(cd50).toBeLessThan(0.015);
    expect(pcd).toBeLessThan(0.01);
    expect(cd1).toBeGreaterThan(5 * cd50);
  });

  it('rbm.m\'s last step with visible probabilities keeps a mean-field bias σ(⟨v⟩W + b) ≠ ⟨σ(vW + b)⟩ at any k', () => {
    const biased = gradientError({ k: 50 }, 40, 7);
    expect(biased).toBeGreaterThan(0.02);
    expect(biased).toBeLessThan(0.1);
  });
});

describe('RbmTrainer', () => {
  it('the same seed gives bit-identical weights; another seed does not', () => {
    const { data, rows } = ringData(8, 0.5, 300, 9);
    const run = (seed: number, persistent: boolean) => {
      const rbm = Rbm.random(8, 5, new Rng(10), 0.1);
      const t = new RbmTrainer(rbm, { persistent, k: 2, batchSize: 50 }, backend, new Rng(seed));
      for (let e = 0; e < 3; e++) t.trainEpoch(data, rows);
      return rbm.weights;
    };
    expect(run(11, false)).toEqual(run(11, false));
    expect(run(11, true)).toEqual(run(11, true));
    expect(run(11, false)).not.toEqual(run(12, false));
  });

  it('a snapshot continues training bit-identically (PCD chains, velocities, Rng)', () => {
    const { data, rows } = ringData(8, 0.5, 200, 13);
    const t = new RbmTrainer(Rbm.random(8, 5, new Rng(14), 0.1), { persistent: true, batchSize: 40 }, backend, new Rng(15));
    t.trainEpoch(data, rows);
    t.trainEpoch(data, rows);
    const snap = t.snapshot();
    t.trainEpoch(data, rows);
    const resumed = RbmTrainer.fromSnapshot(snap, backend);
    expect(resumed.epoch).toBe(2);
    resumed.trainEpoch(data, rows);
    expect(resumed.rbm.snapshot()).toEqual(t.rbm.snapshot());
    expect(resumed.weightVelocity).toEqual(t.weightVelocity);
  });

  it('momentum follows Hinton\'s schedule: 0.5 for epochs 1–5, 0.9 from epoch 6', () => {
    const data = randomBits(20, 4, 16);
    const t = new RbmTrainer(Rbm.random(4, 3, new Rng(17)), { batchSize: 10 }, backend, new Rng(18));
    const used = Array.from({ length: 7 }, () => t.trainEpoch(data, 20).momentum);
    expect(used).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 0.9]);
    expect(t.epoch).toBe(7);
  });

  it('L1 moves a weight with zero gradient toward zero by ε·λ₁ per step, accumulated by the momentum in use', () => {
    // Visible unit 0 is always off in the data and its bias −60 keeps it off in the model, so
    // every w_0j has gradient 0 (to 1e−26); only the penalty moves it: Δ ← μΔ − ελ₁ sign w.
    const rows = 10;
    const data = randomBits(rows, 4, 19);
    for (let r = 0; r < rows; r++) data[r * 4] = 0;
    const rbm = Rbm.random(4, 3, new Rng(20), 0.1);
    rbm.visibleBias[0] = -60;
    rbm.weights.set([0.05, -0.04, 0.03], 0);
    const eps = 0.1;
    const l1 = 0.01;
    const t = new RbmTrainer(rbm, { batchSize: rows, learningRate: eps, l1, momentum: { initial: 0, final: 0.5, switchEpoch: 3 } }, backend, new Rng(21));
    let velocity = 0;
    let shrink = 0;
    for (let step = 1; step <= 10; step++) {
      t.trainEpoch(data, rows);
      velocity = (step <= 3 ? 0 : 0.5) * velocity - eps * l1;
      shrink -= velocity;
      expect(rbm.weights[0]).toBeCloseTo(0.05 - shrink, 6);
      expect(rbm.weights[1]).toBeCloseTo(-0.04 + shrink, 6);
      if (step <= 3) expect(shrink).toBeCloseTo(step * eps * l1, 12);
    }
    expect(shrink).toBeGreaterThan(10 * eps * l1); // momentum 0.5 amplified the last steps
  });

  it('NaN in the data stops the epoch with a TrainingDivergedError naming epoch and minibatch', () => {
    const data = randomBits(30, 4, 22);
    const t = new RbmTrainer(Rbm.random(4, 3, new Rng(23)), { batchSize: 10 }, backend, new Rng(24));
    t.trainEpoch(data, 30);
    data[25] = NaN;
    const err = (() => {
      try {
        t.trainEpoch(data, 30, { shuffle: false });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as TrainingDivergedError).epoch).toBe(2);
    expect((err as TrainingDivergedError).batch).toBe(1);
    expect((err as Error).message).toMatch(/epoch 2, minibatch 1: the input data contain NaN/);
  });

  it('a runaway learning rate overflows the weights and is reported in the epoch it happened', () => {
    const data = randomBits(20, 4, 25);
    const t = new RbmTrainer(Rbm.random(4, 3, new Rng(26), 1), { batchSize: 20, learningRate: 1e38 }, backend, new Rng(27));
    expect(() => {
      for (let e = 0; e < 100; e++) t.trainEpoch(data, 20);
    }).toThrow(/training diverged in epoch \d+.*NaN or Infinity/);
  });

  it('shouldStop ends an epoch early without counting it', () => {
    const data = randomBits(50, 4, 28);
    const t = new RbmTrainer(Rbm.random(4, 3, new Rng(29)), { batchSize: 10 }, backend, new Rng(30));
    const batches: number[] = [];
    const stats = t.trainEpoch(data, 50, { onBatch: (b) => batches.push(b), shouldStop: () => batches.length === 2 });
    expect(stats).toMatchObject({ interrupted: true, epoch: 1, rows: 20, batches: 2 });
    expect(t.epoch).toBe(0);
    expect(t.trainEpoch(data, 50)).toMatchObject({ interrupted: false, epoch: 1, rows: 50, batches: 5 });
  });
});

/**
 * Training provably learns: on exact samples of the periodic 1D Ising ring (N = 10, J = 0.6;
 * shared/physics/chain1d-sampler.ts), the exact log-likelihood of a 10-10 RBM (by enumeration)
 * climbs from −N ln 2 towards the true model's log-likelihood on the same rows, and never
 * passes the empirical-entropy bound −H(p̂).
 */
import { describe, expect, it } from 'vitest';
import { exactLogLikelihood } from '../../../shared/learn/exact-likelihood.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import { RbmTrainer, type TrainingConfigInput } from '../../../shared/learn/trainer.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createNaiveBackend } from './helpers/naive-backend.js';
import { ringData } from './helpers/toy-data.js';

const backend = createNaiveBackend();
const ring = ringData(10, 0.6, 3000, 31);

/** Exact mean log-likelihood of the training rows before training and after each listed epoch. */
function trajectory(config: TrainingConfigInput, epochs: number, checkpoints: number[], seed: number): number[] {
  const rbm = Rbm.random(10, 10, new Rng(seed), 0.01);
  const trainer = new RbmTrainer(rbm, config, backend, new Rng(seed + 1));
  const ll = [exactLogLikelihood(rbm, ring.data, ring.rows)];
  for (let e = 1; e <= epochs; e++) {
    trainer.trainEpoch(ring.data, ring.rows);
    if (checkpoints.includes(e)) ll.push(exactLogLikelihood(rbm, ring.data, ring.rows));
  }
  return ll;
}

describe('exact log-likelihood under training on 1D Ising ring samples', () => {
  it("CD-1 with the paper's defaults (momentum schedule, L1 2e-4) climbs to within 0.25 nats of the true model", () => {
    const ll = trajectory({}, 40, [5, 10, 20, 40], 40);
    expect(ll[0]).toBeCloseTo(-10 * Math.LN2, 2);
    expect(ll[2]).toBeGreaterThan(ll[0] + 1);
    const last = ll[ll.length - 1];
    expect(last).toBeGreaterThan(ring.trueLogLikelihood - 0.25);
    expect(last).toBeLessThan(ring.entropyBound);
  });

  it('persistent CD (PCD-1, ε = 0.05, μ = 0.5) climbs to within 0.4 nats of the true model', () => {
    const ll = trajectory({ persistent: true, learningRate: 0.05, momentum: { final: 0.5 } }, 60, [10, 20, 40, 60], 50);
    const last = ll[ll.length - 1];
    expect(ll[2]).toBeGreaterThan(ll[0] + 0.5);
    expect(last).toBeGreaterThan(ring.trueLogLikelihood - 0.4);
    expect(last).toBeLessThan(ring.entropyBound);
  });
});

/**
 * The stack: the paper's 1600-400-100-25 shapes through the up pass, the down pass and
 * reconstructions; greedy training equals training each layer by hand on the hidden
 * probabilities of the trained layer below; a NaN names its layer and epoch; the online
 * (minibatch-by-minibatch) trainer continues bit-identically from a snapshot.
 */
import { describe, expect, it } from 'vitest';
import { pseudoLogLikelihood } from '../../../shared/learn/monitor.js';
import { OnlineStackTrainer } from '../../../shared/learn/online-stack.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import { PAPER_LAYER_SIZES, propagateUp, RbmStack, trainStackGreedy, type LayerEpochStats } from '../../../shared/learn/stack.js';
import { RbmTrainer, TrainingDivergedError } from '../../../shared/learn/trainer.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createNaiveBackend } from './helpers/naive-backend.js';
import { randomBits } from './helpers/toy-data.js';

const backend = createNaiveBackend();

const inUnitInterval = (a: Float32Array) => a.every((x) => x > 0 && x < 1);

function caught(f: () => unknown): TrainingDivergedError {
  try {
    f();
  } catch (e) {
    if (e instanceof TrainingDivergedError) return e;
    throw e;
  }
  throw new Error('expected a TrainingDivergedError');
}

describe('RbmStack', () => {
  it('the paper\'s 1600-400-100-25 stack: up pass, down pass and reconstruction shapes, probabilities in (0, 1)', () => {
    const stack = RbmStack.create(PAPER_LAYER_SIZES, new Rng(1), 0.1);
    expect(stack.sizes).toEqual([1600, 400, 100, 25]);
    expect(stack.layers.map((l) => [l.visible, l.hidden])).toEqual([[1600, 400], [400, 100], [100, 25]]);
    const rows = 3;
    const v = randomBits(rows, 1600, 2);
    const ups = stack.upPass(backend, v, rows);
    expect(ups.map((h) => h.length)).toEqual([rows * 400, rows * 100, rows * 25]);
    expect(ups.every(inUnitInterval)).toBe(true);
    expect(stack.upPass(backend, v, rows, 1)[0]).toEqual(ups[0]);
    expect(stack.upPass(backend, v, rows, 0)).toEqual([]);
    const down = stack.downPass(backend, ups[2], rows, 3);
    expect(down.length).toBe(rows * 1600);
    expect(inUnitInterval(down)).toBe(true);
    expect(stack.reconstruct(backend, v, rows)).toEqual(down);
    expect(stack.downPass(backend, ups[0], rows, 1).length).toBe(rows * 1600);
    expect(() => stack.upPass(backend, v, rows, 4)).toThrow(RangeError);
  });

  it('rejects layers whose sizes do not chain, and round-trips through a snapshot', () => {
    expect(() => new RbmStack([new Rbm(4, 3), new Rbm(2, 2)])).toThrow(/layer 2 has 2 visible units but layer 1 has 3 hidden/);
    const stack = RbmStack.create([5, 4, 3], new Rng(3));
    expect(RbmStack.fromSnapshot(stack.snapshot()).snapshot()).toEqual(stack.snapshot());
  });

  it('greedy training of 1600-400-100-25 on a small batch runs every layer and reports its stats', () => {
    const stack = RbmStack.create(PAPER_LAYER_SIZES, new Rng(4));
    const seen: LayerEpochStats[] = [];
    const result = trainStackGreedy(stack, randomBits(10, 1600, 5), 10, {
      epochs: 1,
      config: { batchSize: 10 },
      backend,
      rng: new Rng(6),
      heldOut: { data: randomBits(5, 1600, 7), rows: 5 },
      onEpoch: (_l, s) => seen.push(s),
    });
    expect(result).toEqual({ epochs: [1, 1, 1], stopped: false });
    expect(seen.map((s) => s.layer)).toEqual([1, 2, 3]);
    for (const s of seen) {
      expect(Number.isFinite(s.reconstructionError) && Number.isFinite(s.pseudoLogLikelihood) && Number.isFinite(s.freeEnergyGap)).toBe(true);
    }
  });

  it('layer l trains on p(h(l−1) | data) of the trained layer below: greedy = layer-by-layer by hand, bit for bit', () => {
    const sizes = [6, 5, 3];
    const data = randomBits(40, 6, 8);
    const config = { batchSize: 10 };
    const stack = RbmStack.create(sizes, new Rng(9));
    const byHand = RbmStack.fromSnapshot(stack.snapshot());
    trainStackGreedy(stack, data, 40, { epochs: [3, 2], config, backend, rng: new Rng(10) });
    const rng = new Rng(10);
    let input = data;
    byHand.layers.forEach((rbm, l) => {
      const t = new RbmTrainer(rbm, config, backend, rng);
      for (let e = 0; e < [3, 2][l]; e++) {
        t.trainEpoch(input, 40);
        pseudoLogLikelihood(rbm, backend, input, 40, rng);
      }
      input = propagateUp(rbm, backend, input, 40);
    });
    expect(stack.snapshot()).toEqual(byHand.snapshot());
  });

  it('a NaN appearing in layer 2 after its epoch 2 stops training with an error naming layer 2, epoch 3', () => {
    const stack = RbmStack.create([6, 5, 3], new Rng(11));
    const err = caught(() =>
      trainStackGreedy(stack, randomBits(30, 6, 12), 30, {
        epochs: 4,
        config: { batchSize: 10 },
        backend,
        rng: new Rng(13),
        onEpoch: (layer, s) => {
          if (layer === 2 && s.epoch === 2) stack.layers[1].weights[3] = NaN;
        },
      }),
    );
    expect(err.layer).toBe(2);
    expect(err.epoch).toBe(3);
    expect(err.message).toMatch(/^training diverged in layer 2, epoch 3, minibatch 1: the weights or biases are NaN/);
  });

  it('shouldStop ends greedy training between minibatches and reports what was completed', () => {
    const stack = RbmStack.create([6, 5, 3], new Rng(14));
    let batches = 0;
    const result = trainStackGreedy(stack, randomBits(30, 6, 15), 30, {
      epochs: 2,
      config: { batchSize: 10 },
      backend,
      rng: new Rng(16),
      onBatch: () => batches++,
      shouldStop: () => batches >= 8,
    });
    expect(result).toEqual({ epochs: [2, 0], stopped: true });
    expect(batches).toBe(8);
  });
});

describe('OnlineStackTrainer', () => {
  it('trains every layer per minibatch and continues bit-identically from a snapshot', () => {
    const data = randomBits(20, 6, 17);
    const online = OnlineStackTrainer.create(RbmStack.create([6, 5, 3], new Rng(18)), { batchSize: 10, persistent: true }, backend, new Rng(19));
    const errors = online.trainBatch(data, 10);
    expect(errors).toHaveLength(2);
    online.endEpoch();
    expect(online.trainers.map((t) => t.epoch)).toEqual([1, 1]);
    const snap = online.snapshot();
    online.trainBatch(data.subarray(60), 10);
    const resumed = OnlineStackTrainer.fromSnapshot(snap, backend);
    resumed.trainBatch(data.subarray(60), 10);
    expect(resumed.stack.snapshot()).toEqual(online.stack.snapshot());
  });

  it('names the layer when a minibatch diverges', () => {
    const online = OnlineStackTrainer.create(RbmStack.create([6, 5, 3], new Rng(20)), { batchSize: 10 }, backend, new Rng(21));
    online.stack.layers[1].hiddenBias[0] = Infinity;
    const err = caught(() => online.trainBatch(randomBits(10, 6, 22), 10));
    expect([err.layer, err.epoch]).toEqual([2, 1]);
  });
});

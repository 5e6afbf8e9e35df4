/**
 * `rgflow train` end to end on a real 8×8 Ising sample: a 64-16-4 stack trained for a few
 * epochs in the worker thread with the js backend is saved, loads back, and its manifest is
 * complete; the same seed gives bit-identical weights; every bad input is a UsageError (exit 2)
 * that writes nothing; a divergence (lr = 1e300 overflows float32 in the first update; 1e30 would not: the weights saturate near 1e30, still finite) is an
 * error naming layer and epoch (exit 1) that writes nothing; cancelling writes nothing.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeNpy } from '../../../shared/data/npy.js';
import { UsageError } from '../../../server/cli/errors.js';
import { main } from '../../../server/cli/main.js';
import { runSample } from '../../../server/cli/sample.js';
import { runTrain } from '../../../server/cli/train.js';
import { loadModel } from '../../../server/learn/model-store.js';

const dir = mkdtempSync(join(tmpdir(), 'rgflow-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'samples.npy');
const quiet = { progress: () => {} };
const base = { data, layers: [64, 16, 4], epochs: 3, backend: 'js', seed: 4 };

beforeAll(async () => {
  await runSample({ L: 8, beta: 0.4, samples: 400, algorithm: 'metropolis', seed: 11, out: data }, quiet);
});

let n = 0;
const fresh = () => join(dir, `model${n++}`);
const entries = () => readdirSync(dir).sort();

describe('rgflow train (runTrain)', () => {
  it('trains 64-16-4 in a worker thread, saves a loadable model with a complete manifest, and reports per layer', async () => {
    const out = fresh();
    const messages: string[] = [];
    const fractions: number[] = [];
    const summary = await runTrain({ ...base, out }, { progress: (m, f) => (messages.push(m), fractions.push(f)) });

    expect(summary).toMatchObject({ out, layers: [64, 16, 4], epochs: [3, 3], seed: 4, samples: { total: 400, train: 360, held_out: 40 } });
    expect(summary.backend.name).toBe('js');
    expect(summary.config).toMatchObject({ batchSize: 100, learningRate: 0.1, l1: 2e-4, l2: 0, k: 1, persistent: false });
    expect(summary.per_layer.map((l) => [l.layer, l.visible, l.hidden, l.epochs])).toEqual([[1, 64, 16, 3], [2, 16, 4, 3]]);
    for (const l of summary.per_layer) {
      expect(l.seconds).toBeGreaterThan(0);
      for (const x of [l.reconstruction_error, l.pseudo_log_likelihood, l.free_energy_gap, l.reconstruction_error_eval.train, l.reconstruction_error_eval.held_out]) {
        expect(Number.isFinite(x)).toBe(true);
      }
      expect(l.reconstruction_error).toBeGreaterThan(0);
      expect(l.reconstruction_error).toBeLessThan(0.5);
      expect(l.pseudo_log_likelihood).toBeLessThan(0);
    }
    expect(summary.total_seconds).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);

    expect(messages.some((m) => /^layer 1\/2, epoch 3\/3, reconstruction error 0\.\d{4}$/.test(m))).toBe(true);
    expect(messages.some((m) => m.startsWith('layer 2/2, epoch'))).toBe(true);
    expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(fractions[fractions.length - 1]).toBe(1);

    const model = await loadModel(out);
    expect(model.manifest).toMatchObject({
      format: 'rgflow-rbm-stack',
      version: 1,
      layers: [64, 16, 4],
      lattice: { L: 8 },
      training: { epochs: [3, 3], seed: 4, backend: 'js', samples: 360, held_out: 40, holdout: 0.1, data },
      files: [
        { weights: 'layer1.W.npy', visible_bias: 'layer1.c.npy', hidden_bias: 'layer1.b.npy' },
        { weights: 'layer2.W.npy', visible_bias: 'layer2.c.npy', hidden_bias: 'layer2.b.npy' },
      ],
    });
    expect(model.manifest.training.config).toEqual(summary.config);
    expect(model.manifest.metrics).toMatchObject({ layers: summary.per_layer });
    expect(Date.parse(model.manifest.created)).toBeGreaterThan(0);
    expect(model.rbms.map((r) => [r.visible, r.hidden])).toEqual([[64, 16], [16, 4]]);
    expect(entries().filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('is reproducible: the same seed gives bit-identical weights; per-layer epochs are honoured', async () => {
    const [a, b] = [fresh(), fresh()];
    await runTrain({ ...base, epochs: [2, 1], out: a }, quiet);
    const s = await runTrain({ ...base, epochs: [2, 1], out: b }, quiet);
    expect(s.epochs).toEqual([2, 1]);
    const [ma, mb] = [await loadModel(a), await loadModel(b)];
    expect(ma.rbms).toEqual(mb.rbms);
    expect(mb.manifest.training.epochs).toEqual([2, 1]);
  });

  const bad = () => {
    const notNpy = join(dir, 'not.npy');
    writeFileSync(notNpy, 'hello');
    const threes = join(dir, 'threes.npy');
    writeFileSync(threes, encodeNpy({ dtype: '|u1', shape: [10, 64], data: new Uint8Array(640).fill(3) }));
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign, { recursive: true });
    writeFileSync(join(foreign, 'keep.txt'), 'mine');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a single layer size', { layers: [64] }, /--layers: layers must list at least two sizes/],
      ['a zero layer size', { layers: [64, 0, 4] }, /each layer size must be ≥ 1/],
      ['a fractional layer size', { layers: [64, 1.5] }, /must be an integer/],
      ['epochs = 0', { epochs: 0 }, /--epochs/],
      ['an epochs list of the wrong length', { epochs: [1, 2, 3] }, /epochs lists 3 counts for 2 RBMs/],
      ['batch = 0', { batch: 0 }, /--batch: batch must be ≥ 1/],
      ['lr = 0', { lr: 0 }, /--lr: lr must be > 0/],
      ['lr = Infinity', { lr: Infinity }, /--lr/],
      ['a negative l1', { l1: -1e-4 }, /--l1: l1 must be ≥ 0/],
      ['a negative l2', { l2: -1 }, /--l2/],
      ['k = 0', { k: 0 }, /--k: k must be ≥ 1/],
      ['a negative seed', { seed: -1 }, /--seed/],
      ['an unknown backend', { backend: 'cuda' }, /--backend: backend must be one of auto, js, wasm, native, gpu/],
      ['a holdout of 0.9', { holdout: 0.9 }, /--holdout/],
      ['a negative init scale', { initScale: -1 }, /--init-scale/],
      ['out under a missing directory', { out: join(dir, 'missing', 'm') }, /--out: .*missing does not exist/],
      ['out over a foreign directory', { out: foreign }, /--out: .*not an rgflow model; refusing/],
      ['out naming a file', { out: data }, /--out: .*not a directory/],
      ['a missing data file', { data: join(dir, 'none.npy') }, /--data: .*none.npy: no such file/],
      ['a data file that is not .npy', { data: notNpy }, /--data: .*bad magic/],
      ['data whose N does not match the first layer', { layers: [100, 10] }, /rows have 64 sites but the first layer has 100 units/],
      ['non-binary data', { data: threes }, /value 3 at sample 0, site 0 \(flat index 0\) is not 0 or 1/],
    ];
    return cases;
  };
  it.each(bad())('rejects %s with a UsageError before any work, writing nothing', async (_name, override, message) => {
    const before = entries();
    const run = runTrain({ ...base, out: join(dir, 'never'), ...override }, quiet);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
    expect(entries()).toEqual(before);
  });

  it('stops on a divergence with an error naming layer and epoch, and writes nothing', async () => {
    const before = entries();
    const run = runTrain({ ...base, lr: 1e300, out: join(dir, 'diverged') }, quiet);
    await expect(run).rejects.not.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(/^training diverged in layer 1, epoch 1(, minibatch \d+)?: .*NaN or Infinity.*try a smaller --lr \(nothing was written\)$/);
    expect(entries()).toEqual(before);
  });

  it('cancels through the AbortSignal at the next minibatch, writing nothing', async () => {
    const before = entries();
    const controller = new AbortController();
    const run = runTrain(
      { ...base, epochs: 100_000, batch: 10, out: join(dir, 'cancelled') },
      { progress: (m) => (m.includes('epoch 2/') ? controller.abort() : undefined), signal: controller.signal },
    );
    await expect(run).rejects.toThrow(/training was cancelled \(nothing was written\)/);
    expect(entries()).toEqual(before);
  });
});

describe('rgflow train through main(): exit codes and one error line', () => {
  const capture = () => {
    const err: string[] = [];
    const out: string[] = [];
    const spies = [
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
      vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
    ];
    return { err, out, restore: () => spies.forEach((s) => s.mockRestore()) };
  };

  it('--help exits 0 for train, reproduce and bench (which lists the train target)', async () => {
    for (const command of ['train', 'reproduce', 'bench']) {
      const io = capture();
      const code = await main([command, '--help']).finally(io.restore);
      expect(code).toBe(0);
      expect(io.out.join('')).toContain(`Usage: rgflow ${command}`);
      if (command === 'bench') expect(io.out.join('')).toContain('ising | train | all');
    }
  });

  it('--json prints one JSON summary on stdout and exits 0', async () => {
    const out = fresh();
    const io = capture();
    const code = await main(['train', '--data', data, '--layers', '64,16,4', '--epochs', '2,1', '--backend', 'js', '--out', out, '--json']).finally(io.restore);
    expect(code).toBe(0);
    expect(JSON.parse(io.out.join(''))).toMatchObject({ out, epochs: [2, 1], layers: [64, 16, 4] });
    expect((await loadModel(out)).manifest.layers).toEqual([64, 16, 4]);
  });

  it.each([
    [['--layers', '64,x'], /argument '64,x' is invalid/],
    [['--layers', '64'], /layers must list at least two sizes/],
    [['--lr', '-1'], /lr must be > 0/],
    [['--data', join(dir, 'none.npy')], /no such file/],
  ])('bad usage %j exits 2 with one line on stderr', async (args, message) => {
    const io = capture();
    const code = await main(['train', '--data', data, '--layers', '64,16,4', '--backend', 'js', '--out', join(dir, 'never'), ...args]).finally(io.restore);
    expect(code).toBe(2);
    expect(io.err.join('')).toMatch(message);
    expect(io.out.join('')).toBe('');
    expect(entries()).not.toContain('never');
  });

  it('a divergence exits 1 with one line naming layer and epoch', async () => {
    const io = capture();
    const code = await main(['train', '--data', data, '--layers', '64,16,4', '--lr', '1e300', '--backend', 'js', '--out', join(dir, 'never')]).finally(io.restore);
    expect(code).toBe(1);
    const lines = io.err.join('').split('\n').filter((l) => l.startsWith('rgflow:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rgflow: training diverged in layer 1, epoch 1/);
    expect(entries()).not.toContain('never');
  });
});

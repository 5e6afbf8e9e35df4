/**
 * `rgflow reproduce` end to end. The real `--quick` (2,000 samples of the 40×40 lattice at
 * K = 0.408, 10 epochs per layer of 1600-400-100-25) writes every figure and a metrics.json
 * with every field, within two minutes; the sample's energy agrees with Kaufman's exact value.
 * Smaller hidden overrides (--samples, --epochs) check the atomic replacement of an earlier
 * output, the refusal to overwrite foreign data, and bad options (UsageError, nothing written).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../server/cli/errors.js';
import { runReproduce } from '../../../server/cli/reproduce.js';
import { loadModel } from '../../../server/learn/model-store.js';

const dir = mkdtempSync(join(tmpdir(), 'rgflow-reproduce-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { progress: () => {} };
const entries = () => readdirSync(dir).sort();

/** Checks signature, chunk CRCs and that the IDAT inflates to height·(1 + 3·width) bytes; returns [width, height]. */
function checkPng(path: string): [number, number] {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8;
  let size: [number, number] = [0, 0];
  const idat: Buffer[] = [];
  while (pos < bytes.length) {
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    expect(bytes.readUInt32BE(pos + 8 + length)).toBe(crc32(bytes.subarray(pos + 4, pos + 8 + length)));
    if (type === 'IHDR') size = [bytes.readUInt32BE(pos + 8), bytes.readUInt32BE(pos + 12)];
    if (type === 'IDAT') idat.push(bytes.subarray(pos + 8, pos + 8 + length));
    pos += 12 + length;
  }
  expect(inflateSync(Buffer.concat(idat)).length).toBe(size[1] * (1 + 3 * size[0]));
  return size;
}

const finiteStat = (s: { mean: number; err: number }) => {
  expect(Number.isFinite(s.mean)).toBe(true);
  expect(s.err).toBeGreaterThan(0);
};

describe('rgflow reproduce --quick (the real one)', () => {
  it('writes every figure, the model and a complete metrics.json within two minutes', async () => {
    const out = join(dir, 'quick');
    const started = performance.now();
    const summary = await runReproduce({ out, quick: true }, quiet);
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(120);

    expect(readdirSync(out).sort()).toEqual([
      'coupling-flow.svg', 'field-size.svg', 'fields-layer1.png', 'fields-layer2.png', 'fields-layer3.png', 'metrics.json', 'model', 'reconstructions.png',
    ]);
    expect(entries()).toEqual(['quick']);
    // Fig. 3B: 25 tiles of 40×40 at 3 px in a 5×5 grid with 4 px gaps; Fig. 3C: 100 tiles in 10×10.
    expect(checkPng(summary.files.fields_layer3)).toEqual([5 * 124 + 4, 5 * 124 + 4]);
    expect(checkPng(summary.files.fields_layer2)).toEqual([10 * 124 + 4, 10 * 124 + 4]);
    expect(checkPng(summary.files.fields_layer1)).toEqual([20 * 84 + 4, 20 * 84 + 4]);
    expect(checkPng(summary.files.reconstructions)).toEqual([6 * 166 + 6, 2 * 166 + 6]);
    const fieldSize = readFileSync(summary.files.field_size, 'utf8');
    const flow = readFileSync(summary.files.coupling_flow, 'utf8');
    for (const svg of [fieldSize, flow]) expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    expect(fieldSize.match(/<title>RMS radius, \|r\|-weighted/g)).toHaveLength(3);
    expect(fieldSize.match(/<title>half-maximum radius/g)).toHaveLength(3);
    expect(flow).toContain('<title>J(0) = 1: 1, 0.662501</title>'); // ½ ln cosh 2 = 0.6625008…

    const metrics = JSON.parse(readFileSync(summary.files.metrics, 'utf8'));
    expect(metrics).toMatchObject({ format: 'rgflow-reproduce', version: 1, quick: true, seed: 1 });
    expect(metrics.ising).toMatchObject({ L: 40, coupling: 0.408, samples: 2000 });
    finiteStat(metrics.ising.energy_per_site_samples);
    finiteStat(metrics.ising.abs_magnetization_samples);
    const e = metrics.ising.energy_per_site_chain;
    expect(Math.abs(e.mean - metrics.ising.exact.energy_per_site)).toBeLessThan(5 * e.err);
    expect(metrics.ising.exact.energy_per_site).toBeCloseTo(-1.1518, 3);
    expect(metrics.training).toMatchObject({ layers: [1600, 400, 100, 25], epochs: [10, 10, 10], train_rows: 1800, held_out_rows: 200 });
    expect(typeof metrics.training.backend.name).toBe('string');
    expect(metrics.layers).toHaveLength(3);
    metrics.layers.forEach((l: Record<string, any>, i: number) => {
      expect(l.layer).toBe(i + 1);
      expect(l.units).toBe([400, 100, 25][i]);
      expect(l.receptive_field.mean_radius).toBeGreaterThan(0);
      expect(l.receptive_field.mean_radius).toBeLessThan(20 * Math.SQRT2);
      expect(l.receptive_field.spread).toBeGreaterThanOrEqual(0);
      expect(l.receptive_field.fraction_within_3).toBeGreaterThan(0);
      expect(l.receptive_field.fraction_within_3).toBeLessThanOrEqual(1);
      expect(l.receptive_field.median_radius).toBeGreaterThan(0);
      expect(l.receptive_field.radius_r2.mean).toBeGreaterThan(0);
      expect(l.receptive_field.half_max_radius.mean).toBeGreaterThanOrEqual(1 / Math.sqrt(Math.PI));
      expect(l.receptive_field.zero_fields).toBe(0);
      for (const k of ['last_epoch', 'train', 'held_out']) expect(l.reconstruction_error[k]).toBeGreaterThan(0);
      expect(Number.isFinite(l.pseudo_log_likelihood)).toBe(true);
      expect(Number.isFinite(l.free_energy_gap)).toBe(true);
      expect(l.training_seconds).toBeGreaterThan(0);
    });
    const r = metrics.reconstruction;
    expect(r).toMatchObject({ from_layer: 3, top_units: 25, compression: 64, rows: 200 });
    expect(r.binarization).toMatch(/sampled/);
    for (const kind of [r.original, r.sampled, r.thresholded]) {
      finiteStat(kind.energy_per_site);
      finiteStat(kind.abs_magnetization);
    }
    finiteStat(r.sampled.difference.energy_per_site);
    finiteStat(r.thresholded.difference.abs_magnetization);
    expect(r.site_agreement_thresholded).toBeGreaterThan(0.5);
    for (const k of ['magnetization_correlation', 'magnetization_same_sign', 'block_8x8_correlation']) {
      expect(r.macroscopic[k]).toBeGreaterThan(-1);
      expect(r.macroscopic[k]).toBeLessThanOrEqual(1);
    }
    expect(metrics.timings.total_seconds).toBeGreaterThan(0);
    expect(summary.layers).toEqual(metrics.layers);

    const model = await loadModel(join(out, 'model'));
    expect(model.manifest.layers).toEqual([1600, 400, 100, 25]);
    expect(model.manifest.lattice).toEqual({ L: 40 });
  }, 180_000);
});

describe('rgflow reproduce (small overrides)', () => {
  const small = { samples: 100, epochs: 1, backend: 'js' };

  it('replaces an earlier output atomically and refuses foreign directories', async () => {
    const out = join(dir, 'small');
    const first = await runReproduce({ out, ...small, seed: 2 }, quiet);
    const second = await runReproduce({ out, ...small, seed: 3 }, quiet);
    expect(second.seed).toBe(3);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).seed).toBe(3);
    expect(first.ising.samples).toBe(100);
    expect(entries().filter((e) => e.startsWith('.'))).toEqual([]);

    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'thesis.tex'), 'mine');
    await expect(runReproduce({ out: foreign, ...small }, quiet)).rejects.toThrow(/not rgflow reproduce output; refusing/);
    expect(readdirSync(foreign)).toEqual(['thesis.tex']);
  }, 120_000);

  it.each([
    ['a missing parent directory', { out: join(dir, 'no', 'such') }, /does not exist/],
    ['a file as --out', { out: join(dir, 'file.txt') }, /is not a directory/],
    ['too few samples', { out: join(dir, 'x'), samples: 5 }, /--samples: samples must be ≥ 20/],
    ['zero epochs', { out: join(dir, 'x'), epochs: 0 }, /--epochs/],
    ['an unknown backend', { out: join(dir, 'x'), backend: 'tpu' }, /--backend/],
    ['a negative seed', { out: join(dir, 'x'), seed: -2 }, /--seed/],
  ])('rejects %s with a UsageError, writing nothing', async (_name, options, message) => {
    writeFileSync(join(dir, 'file.txt'), 'x');
    const before = entries();
    const run = runReproduce(options, quiet);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
    expect(entries()).toEqual(before);
  });
});

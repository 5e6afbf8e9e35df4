/**
 * The model format of docs/model-format.md: a round trip preserves every parameter bit for bit;
 * saving is atomic (a write failing part-way leaves no half model and the old model intact);
 * every malformed directory is rejected by loadModel with a message naming the defect; real
 * NumPy reads the files with the snippet from the doc (skipped without python3 + numpy).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../../shared/data/npy.js';
import { Rbm, type RbmSnapshot } from '../../../shared/learn/rbm.js';
import { Rng } from '../../../shared/physics/rng.js';
import { checkModelTarget, loadModel, ModelFormatError, saveModel, type ModelMeta } from '../../../server/learn/model-store.js';

const root = mkdtempSync(join(tmpdir(), 'rgflow-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function stack(sizes: number[], seed: number): RbmSnapshot[] {
  const rng = new Rng(seed);
  return sizes.slice(1).map((h, i) => {
    const r = Rbm.random(sizes[i], h, rng, 0.1);
    for (let k = 0; k < r.visibleBias.length; k++) r.visibleBias[k] = rng.nextGaussian();
    for (let k = 0; k < r.hiddenBias.length; k++) r.hiddenBias[k] = rng.nextGaussian();
    return r.snapshot();
  });
}

const meta: ModelMeta = {
  lattice: { L: 4 },
  training: { config: { k: 1, learningRate: 0.1 }, epochs: [3, 2], seed: 5, backend: 'js' },
  metrics: { layers: [{ layer: 1, reconstruction_error: 0.2 }] },
};

let counter = 0;
const fresh = () => join(root, `m${counter++}`);
const hidden = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.'));

describe('saveModel / loadModel', () => {
  it('round-trips every weight and bias exactly, with a complete manifest', async () => {
    const dir = fresh();
    const rbms = stack([16, 6, 3], 1);
    const manifest = await saveModel(dir, rbms, meta);
    expect(manifest).toMatchObject({ format: 'rgflow-rbm-stack', version: 1, layers: [16, 6, 3], lattice: { L: 4 } });
    expect(readdirSync(dir).sort()).toEqual(['layer1.W.npy', 'layer1.b.npy', 'layer1.c.npy', 'layer2.W.npy', 'layer2.b.npy', 'layer2.c.npy', 'manifest.json']);
    const loaded = await loadModel(dir);
    expect(loaded.manifest).toEqual(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(loaded.manifest.training).toEqual(meta.training);
    expect(loaded.rbms).toEqual(rbms);
    expect(hidden(root)).toEqual([]);
  });

  it('replaces an existing model only when the new one is complete', async () => {
    const dir = fresh();
    await saveModel(dir, stack([16, 6, 3], 1), meta);
    const second = stack([16, 6, 3], 2);
    await saveModel(dir, second, meta);
    expect((await loadModel(dir)).rbms).toEqual(second);
    expect(hidden(root)).toEqual([]);
  });

  it('a write failing part-way leaves no half model and the old model intact', async () => {
    const dir = fresh();
    const old = stack([16, 6, 3], 3);
    await saveModel(dir, old, meta);
    const before = readFileSync(join(dir, 'manifest.json'), 'utf8');
    let writes = 0;
    const failing = async (path: string, bytes: Uint8Array) => {
      if (++writes === 4) throw new Error('disk full (simulated)');
      await writeFile(path, bytes);
    };
    await expect(saveModel(dir, stack([16, 6, 3], 4), meta, { writeFile: failing })).rejects.toThrow(/disk full/);
    expect(writes).toBe(4);
    expect(hidden(root)).toEqual([]);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(before);
    expect((await loadModel(dir)).rbms).toEqual(old);

    const absent = fresh();
    writes = 0;
    await expect(saveModel(absent, old, meta, { writeFile: failing })).rejects.toThrow(/disk full/);
    expect(readdirSync(root)).not.toContain(absent.split('/').pop());
    expect(hidden(root)).toEqual([]);
  });

  it('refuses to save NaN parameters, mismatched chains, or over foreign data', async () => {
    const nan = stack([16, 6, 3], 5);
    nan[1].weights[3] = NaN;
    await expect(saveModel(fresh(), nan, meta)).rejects.toThrow(/RBM 2 has NaN/);
    const broken = stack([16, 6, 3], 5);
    broken[1] = { ...broken[1], visible: 5, weights: new Float32Array(15), visibleBias: new Float32Array(5) };
    await expect(saveModel(fresh(), broken, meta)).rejects.toThrow(/RBM 2 has 5 visible units/);
    await expect(saveModel(fresh(), stack([16, 6, 3], 5), { ...meta, training: { ...meta.training, epochs: [1] } })).rejects.toThrow(/epochs/);
    const foreign = fresh();
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(saveModel(foreign, stack([16, 6, 3], 5), meta)).rejects.toThrow(/not an rgflow model/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    const file = fresh();
    writeFileSync(file, 'x');
    await expect(checkModelTarget(file)).rejects.toThrow(/not a directory/);
    await expect(checkModelTarget(join(root, 'missing', 'model'))).rejects.toThrow(/does not exist/);
    expect(hidden(root)).toEqual([]);
  });
});

describe('loadModel rejects every malformed model with ModelFormatError', () => {
  type Mutation = (dir: string, manifest: Record<string, unknown>) => void;
  const setManifest = (dir: string, m: unknown) => writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  const cases: [string, Mutation, RegExp][] = [
    ['missing manifest', (d) => rmSync(join(d, 'manifest.json')), /manifest.json: missing/],
    ['manifest not JSON', (d) => writeFileSync(join(d, 'manifest.json'), '{"format":'), /not valid JSON/],
    ['wrong format', (d, m) => setManifest(d, { ...m, format: 'other' }), /format is "other"/],
    ['future version', (d, m) => setManifest(d, { ...m, version: 2 }), /unsupported version 2/],
    ['one layer', (d, m) => setManifest(d, { ...m, layers: [16] }), /at least two/],
    ['fractional layer size', (d, m) => setManifest(d, { ...m, layers: [16, 6.5, 3] }), /positive integers/],
    ['lattice not matching layers[0]', (d, m) => setManifest(d, { ...m, lattice: { L: 5 } }), /lattice.L/],
    ['epochs of the wrong length', (d, m) => setManifest(d, { ...m, training: { ...(m.training as object), epochs: [1] } }), /training.epochs/],
    ['no seed', (d, m) => setManifest(d, { ...m, training: { ...(m.training as object), seed: 'x' } }), /training.seed/],
    ['metrics not an object', (d, m) => setManifest(d, { ...m, metrics: [] }), /metrics/],
    ['files of the wrong length', (d, m) => setManifest(d, { ...m, files: [(m.files as unknown[])[0]] }), /files must list 2/],
    ['a path in a file name', (d, m) => setManifest(d, { ...m, files: [{ ...(m.files as object[])[0], weights: '../x.npy' }, (m.files as unknown[])[1]] }), /plain .npy file name/],
    ['missing weights file', (d) => rmSync(join(d, 'layer2.W.npy')), /layer2.W.npy: missing/],
    ['truncated weights file', (d) => writeFileSync(join(d, 'layer1.W.npy'), readFileSync(join(d, 'layer1.W.npy')).subarray(0, 100)), /truncated/],
    ['not an npy', (d) => writeFileSync(join(d, 'layer1.b.npy'), 'hello world, not numpy'), /bad magic/],
    ['integer dtype', (d) => writeFileSync(join(d, 'layer1.b.npy'), encodeNpy({ dtype: '<i4', shape: [6], data: new Int32Array(6) })), /dtype <i4/],
    ['transposed weights', (d) => writeFileSync(join(d, 'layer2.W.npy'), encodeNpy({ dtype: '<f4', shape: [3, 6], data: new Float32Array(18) })), /shape \(3, 6\).*\(6, 3\)/],
    ['bias of the wrong length', (d) => writeFileSync(join(d, 'layer1.c.npy'), encodeNpy({ dtype: '<f4', shape: [15], data: new Float32Array(15) })), /shape \(15\)/],
    ['NaN in a weight', (d) => writeFileSync(join(d, 'layer1.W.npy'), encodeNpy({ dtype: '<f4', shape: [16, 6], data: new Float32Array(96).fill(NaN) })), /non-finite value NaN at flat index 0/],
    ['Infinity in a bias', (d) => writeFileSync(join(d, 'layer2.b.npy'), encodeNpy({ dtype: '<f8', shape: [3], data: Float64Array.of(0, Infinity, 0) })), /non-finite value Infinity at flat index 1/],
  ];
  it.each(cases)('%s', async (_name, mutate, message) => {
    const dir = fresh();
    await saveModel(dir, stack([16, 6, 3], 7), meta);
    mutate(dir, JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    const load = loadModel(dir);
    await expect(load).rejects.toBeInstanceOf(ModelFormatError);
    await expect(load).rejects.toThrow(message);
  });

  it('a missing directory and a regular file', async () => {
    await expect(loadModel(join(root, 'nothing-here'))).rejects.toThrow(/no such model directory/);
    const file = fresh();
    writeFileSync(file, '');
    await expect(loadModel(file)).rejects.toThrow(/not a directory/);
  });

  it('accepts float64 files (converted to float32)', async () => {
    const dir = fresh();
    const rbms = stack([16, 6, 3], 8);
    await saveModel(dir, rbms, meta);
    writeFileSync(join(dir, 'layer2.b.npy'), encodeNpy({ dtype: '<f8', shape: [3], data: Float64Array.from(rbms[1].hiddenBias) }));
    expect((await loadModel(dir)).rbms).toEqual(rbms);
  });
});

let hasNumpy = true;
try {
  execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
} catch {
  hasNumpy = false;
}

describe.skipIf(!hasNumpy)('NumPy reads the model with the snippet of docs/model-format.md (skipped without python3 + numpy)', () => {
  it('loads every layer with the right shapes and values, and the up pass runs', async () => {
    const dir = fresh();
    const rbms = stack([16, 6, 3], 9);
    await saveModel(dir, rbms, meta);
    const doc = readFileSync(new URL('../../../docs/model-format.md', import.meta.url), 'utf8');
    const snippet = /```python\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet).toBeDefined();
    const samples = join(dir, '..', `samples-${counter++}.npy`);
    writeFileSync(samples, encodeNpy({ dtype: '|u1', shape: [2, 16], data: new Uint8Array(32).fill(1) }));
    const script = `${snippet!.replace('"model"', 'sys.argv[1]').replace('"samples.npy"', 'sys.argv[2]')}
import sys
print(json.dumps({"shapes": [[list(r[k].shape) for k in ("weights", "visible_bias", "hidden_bias")] for r in rbms],
  "dtype": str(rbms[0]["weights"].dtype), "w": float(rbms[1]["weights"][2, 1]), "top": list(v.shape), "fields": list(fields.shape)}))`;
    const out = JSON.parse(execFileSync('python3', ['-c', `import sys\n${script}`, dir, samples], { encoding: 'utf8' }));
    expect(out.shapes).toEqual([[[16, 6], [16], [6]], [[6, 3], [6], [3]]]);
    expect(out.dtype).toBe('float32');
    expect(out.w).toBe(rbms[1].weights[2 * 3 + 1]);
    expect(out.top).toEqual([2, 3]);
    expect(out.fields).toEqual([16, 3]);
  });
});

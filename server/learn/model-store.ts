/**
 * The on-disk model format of a trained RBM stack (documented in docs/model-format.md):
 * a directory holding `manifest.json` and, per layer l = 1…, three float32 .npy files —
 * `layer<l>.W.npy` [visible, hidden], `layer<l>.c.npy` [visible] (visible bias),
 * `layer<l>.b.npy` [hidden] (hidden bias).
 *
 * Saving is atomic at the directory level: everything is written into a hidden sibling temp
 * directory, fsynced, then renamed into place; an existing model is moved aside first and
 * deleted only after the new one is in place. A failure at any point removes the temp
 * directory and leaves the old model (or nothing) where it was. Loading checks everything
 * and throws ModelFormatError with a message naming the file and the defect.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { encodeNpy } from '../../shared/data/npy.js';
import { readNpyFile } from './npy-file.js';
import { allFinite, type RbmSnapshot } from '../../shared/learn/rbm.js';

export const MODEL_FORMAT = 'rgflow-rbm-stack';
export const MODEL_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

/** A malformed, incomplete or unsupported model directory. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/** The .npy files of one RBM layer, as names relative to the model directory. */
export interface LayerFiles {
  weights: string;
  visible_bias: string;
  hidden_bias: string;
}

/** What the caller supplies about a model; the store adds format, version, layers, files, created. */
export interface ModelMeta {
  /** Linear size of the lattice the visible layer covers (layers[0] = L²), when there is one. */
  lattice?: { L: number };
  training: {
    /** The TrainingConfig used (k, persistent, batchSize, learningRate, momentum, l1, l2). */
    config: Record<string, unknown>;
    /** Epochs per trained layer (length = number of RBMs). */
    epochs: number[];
    seed: number;
    /** Compute backend that trained it (e.g. 'js'). */
    backend: string;
    [key: string]: unknown;
  };
  /** Per-layer and overall figures (JSON-serializable). */
  metrics: Record<string, unknown>;
}

export interface ModelManifest extends ModelMeta {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  /** Units per layer, visible first: [1600, 400, 100, 25]. */
  layers: number[];
  files: LayerFiles[];
  /** ISO 8601 time of saving. */
  created: string;
}

export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  /** One RBM per pair of adjacent layers, bottom first. */
  rbms: RbmSnapshot[];
}

export interface SaveOptions {
  /** Writes one file; replaceable so tests can make a write fail part-way. Default: write and fsync. */
  writeFile?: (path: string, bytes: Uint8Array) => Promise<void>;
}

/** The conventional file names of layer l (1-based). */
export function layerFiles(l: number): LayerFiles {
  return { weights: `layer${l}.W.npy`, visible_bias: `layer${l}.c.npy`, hidden_bias: `layer${l}.b.npy` };
}

async function writeAndSync(path: string, bytes: Uint8Array): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/** Throws unless the snapshots chain (each RBM's visible = the previous one's hidden) and are finite. */
function checkSnapshots(rbms: readonly RbmSnapshot[]): number[] {
  if (rbms.length < 1) throw new ModelFormatError('a model needs at least one RBM (two layers)');
  const layers = [rbms[0].visible];
  rbms.forEach((r, i) => {
    if (r.visible !== layers[i]) throw new ModelFormatError(`RBM ${i + 1} has ${r.visible} visible units, layer ${i + 1} has ${layers[i]}`);
    if (r.weights.length !== r.visible * r.hidden || r.visibleBias.length !== r.visible || r.hiddenBias.length !== r.hidden) {
      throw new ModelFormatError(`RBM ${i + 1}: parameter arrays do not match ${r.visible}×${r.hidden}`);
    }
    if (!allFinite(r.weights) || !allFinite(r.visibleBias) || !allFinite(r.hiddenBias)) throw new ModelFormatError(`RBM ${i + 1} has NaN or infinite parameters`);
    layers.push(r.hidden);
  });
  return layers;
}

/**
 * Refuses a target that saveModel must not replace: anything but a missing path, an empty
 * directory or an existing rgflow model. Also checks that the parent directory exists.
 */
export async function checkModelTarget(dir: string): Promise<string> {
  const path = resolve(dir);
  const parent = await stat(dirname(path)).catch(() => null);
  if (!parent?.isDirectory()) throw new ModelFormatError(`${dirname(path)} does not exist`);
  const target = await stat(path).catch(() => null);
  if (!target) return path;
  if (!target.isDirectory()) throw new ModelFormatError(`${path} exists and is not a directory`);
  const entries = await readdir(path);
  if (entries.length === 0) return path;
  const manifest = await readFile(join(path, MANIFEST_FILE), 'utf8').catch(() => null);
  let format: unknown;
  try {
    format = manifest === null ? undefined : (JSON.parse(manifest) as { format?: unknown }).format;
  } catch {
    format = undefined;
  }
  if (format !== MODEL_FORMAT) throw new ModelFormatError(`${path} is a non-empty directory that is not an rgflow model; refusing to replace it`);
  return path;
}

/**
 * Saves a stack (its RBM snapshots, bottom first) with `meta` into `dir` atomically (see the
 * file header); returns the manifest written. `dir` may be missing, empty, or an rgflow model.
 */
export async function saveModel(dir: string, rbms: readonly RbmSnapshot[], meta: ModelMeta, options: SaveOptions = {}): Promise<ModelManifest> {
  const layers = checkSnapshots(rbms);
  if (meta.training.epochs.length !== rbms.length) throw new ModelFormatError(`training.epochs has ${meta.training.epochs.length} entries for ${rbms.length} RBMs`);
  const target = await checkModelTarget(dir);
  const write = options.writeFile ?? writeAndSync;
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(dirname(target), `.${basename(target)}.tmp-${tag}`);
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    layers,
    ...(meta.lattice ? { lattice: meta.lattice } : {}),
    training: meta.training,
    metrics: meta.metrics,
    files: rbms.map((_, i) => layerFiles(i + 1)),
    created: new Date().toISOString(),
  };
  await mkdir(temp);
  try {
    for (let i = 0; i < rbms.length; i++) {
      const r = rbms[i];
      const f = manifest.files[i];
      await write(join(temp, f.weights), encodeNpy({ dtype: '<f4', shape: [r.visible, r.hidden], data: r.weights }));
      await write(join(temp, f.visible_bias), encodeNpy({ dtype: '<f4', shape: [r.visible], data: r.visibleBias }));
      await write(join(temp, f.hidden_bias), encodeNpy({ dtype: '<f4', shape: [r.hidden], data: r.hiddenBias }));
    }
    await write(join(temp, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
    await syncDir(temp);
    await replaceDir(temp, target, tag);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return manifest;
}

/**
 * Moves the complete directory `from` to `to`. An existing `to` is renamed aside first and
 * removed only after `from` is in place; if the second rename fails it is moved back.
 * Between the two renames (microseconds) `to` is missing; a crash there leaves the old model
 * at `.<name>.old-<tag>` beside it.
 */
export async function replaceDir(from: string, to: string, tag: string): Promise<void> {
  const existing = await stat(to).catch(() => null);
  if (!existing) {
    await rename(from, to);
  } else {
    const aside = join(dirname(to), `.${basename(to)}.old-${tag}`);
    await rename(to, aside);
    try {
      await rename(from, to);
    } catch (error) {
      await rename(aside, to);
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
  }
  await syncDir(dirname(to));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
/** A plain file name inside the model directory: no separators, no '..', ends in .npy. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.npy$/;

/** Checks a parsed manifest's structure; throws ModelFormatError naming the first defect. */
export function validateManifest(value: unknown, where: string): ModelManifest {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${what}`);
  };
  if (!isObject(value)) return fail('manifest is not a JSON object');
  if (value.format !== MODEL_FORMAT) fail(`format is ${JSON.stringify(value.format)}, expected "${MODEL_FORMAT}"`);
  if (value.version !== MODEL_VERSION) fail(`unsupported version ${JSON.stringify(value.version)} (this rgflow reads version ${MODEL_VERSION})`);
  const layers = value.layers;
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every(isCount)) fail('layers must be a list of at least two positive integers');
  if (value.lattice !== undefined) {
    const L = isObject(value.lattice) ? value.lattice.L : undefined;
    if (!isCount(L) || L * L !== (layers as number[])[0]) fail(`lattice.L must be a positive integer with L² = layers[0] = ${(layers as number[])[0]}`);
  }
  const training = value.training;
  if (!isObject(training)) return fail('training must be an object');
  if (!isObject(training.config)) fail('training.config must be an object');
  if (!Array.isArray(training.epochs) || training.epochs.length !== (layers as number[]).length - 1 || !training.epochs.every(isCount)) {
    fail(`training.epochs must list a positive integer for each of the ${(layers as number[]).length - 1} RBMs`);
  }
  if (typeof training.seed !== 'number' || !Number.isSafeInteger(training.seed)) fail('training.seed must be an integer');
  if (typeof training.backend !== 'string') fail('training.backend must be a string');
  if (!isObject(value.metrics)) fail('metrics must be an object');
  const files = value.files;
  if (!Array.isArray(files) || files.length !== (layers as number[]).length - 1) fail(`files must list ${(layers as number[]).length - 1} layers`);
  (files as unknown[]).forEach((f, i) => {
    if (!isObject(f)) fail(`files[${i}] must be an object`);
    for (const key of ['weights', 'visible_bias', 'hidden_bias'] as const) {
      const name = (f as Record<string, unknown>)[key];
      if (typeof name !== 'string' || !SAFE_NAME.test(name)) fail(`files[${i}].${key} must be a plain .npy file name, got ${JSON.stringify(name)}`);
    }
  });
  if (typeof value.created !== 'string') fail('created must be an ISO date string');
  return value as unknown as ModelManifest;
}

async function readArray(dir: string, name: string, shape: number[]): Promise<Float32Array> {
  const path = join(dir, name);
  const array = await readNpyFile(
    path,
    (message) => new ModelFormatError(message),
    (error) => (error.code === 'ENOENT' ? 'missing' : `cannot read (${error.code ?? error.message})`),
  );
  if (array.dtype !== '<f4' && array.dtype !== '<f8') throw new ModelFormatError(`${path}: dtype ${array.dtype}, expected float32 ('<f4') or float64 ('<f8')`);
  if (array.shape.length !== shape.length || array.shape.some((d, i) => d !== shape[i])) {
    throw new ModelFormatError(`${path}: shape (${array.shape.join(', ')}), the manifest's layers need (${shape.join(', ')})`);
  }
  const data = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ModelFormatError(`${path}: non-finite value ${data[i]} at flat index ${i}`);
  }
  return data;
}

/** Loads and validates a model directory written by saveModel (or by hand, per docs/model-format.md). */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const path = resolve(dir);
  const info = await stat(path).catch(() => null);
  if (!info) throw new ModelFormatError(`${path}: no such model directory`);
  if (!info.isDirectory()) throw new ModelFormatError(`${path}: not a directory`);
  const manifestPath = join(path, MANIFEST_FILE);
  const text = await readFile(manifestPath, 'utf8').catch(() => {
    throw new ModelFormatError(`${manifestPath}: missing (not an rgflow model directory)`);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`${manifestPath}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const manifest = validateManifest(parsed, manifestPath);
  const rbms: RbmSnapshot[] = [];
  for (let i = 0; i < manifest.files.length; i++) {
    const visible = manifest.layers[i];
    const hidden = manifest.layers[i + 1];
    const f = manifest.files[i];
    rbms.push({
      visible,
      hidden,
      weights: await readArray(path, f.weights, [visible, hidden]),
      visibleBias: await readArray(path, f.visible_bias, [visible]),
      hiddenBias: await readArray(path, f.hidden_bias, [hidden]),
    });
  }
  return { dir: path, manifest, rbms };
}

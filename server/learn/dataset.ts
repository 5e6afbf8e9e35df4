/**
 * Loads a samples .npy for training (what `rgflow sample --out` writes): a 2-D array
 * [samples, N] of 0/1 values, 1 = spin up, row-major. Any dtype the npy codec reads is accepted
 * (uint8 is the native one; other integer and float dtypes pass if every value is exactly 0 or 1).
 * The result is Float32Array, the input format of the RBM trainer.
 *
 * Held-out rule: the LAST ⌊holdout·samples⌋ rows (at least one row when holdout > 0) are held out
 * for validation (default holdout 0.1, i.e. the last 10%); the rest, in file order, are for
 * training. The last rows, not a random subset, because `rgflow sample` stores one Markov chain:
 * a contiguous tail is correlated with the training rows only across one boundary.
 */
import { stat } from 'node:fs/promises';
import type { NpyArray } from '../../shared/data/npy.js';
import { readNpyFile } from './npy-file.js';

/** Any problem with a samples file; the message names the file and the defect. */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

export const DEFAULT_HOLDOUT = 0.1;
/** Largest holdout fraction accepted. */
export const MAX_HOLDOUT = 0.5;
/** Largest samples·N held in memory as float32 (4·10⁸ bytes), so training stays far below 2 GiB. */
export const MAX_TRAINING_VALUES = 1e8;

export interface TrainingData {
  /** Total rows in the file. */
  samples: number;
  /** Visible units per row (L² for an L×L lattice). */
  N: number;
  /** √N when N is a perfect square, else null. */
  L: number | null;
  /** The file's NumPy dtype, e.g. '|u1'. */
  dtype: string;
  /** Training rows, [trainRows, N] row-major, values 0/1. */
  train: Float32Array;
  trainRows: number;
  /** Held-out rows (the file's last heldOutRows rows), [heldOutRows, N]. */
  heldOut: Float32Array;
  heldOutRows: number;
}

/** Number of held-out rows for `samples` rows and a holdout fraction (see the file header). */
export function heldOutCount(samples: number, holdout: number): number {
  if (!(holdout >= 0 && holdout <= MAX_HOLDOUT)) throw new DatasetError(`holdout must be in [0, ${MAX_HOLDOUT}], got ${holdout}`);
  return holdout > 0 ? Math.max(1, Math.floor(samples * holdout)) : 0;
}

/**
 * Checks a decoded array and converts it (see the file header); `name` labels the messages.
 * @param visible the first layer's size: N must equal it (omit to accept any N)
 */
export function toTrainingData(array: NpyArray, name: string, options: { visible?: number; holdout?: number } = {}): TrainingData {
  const { shape, data, dtype } = array;
  if (shape.length !== 2) throw new DatasetError(`${name}: expected a 2-D array [samples, sites], got shape (${shape.join(', ')})`);
  const [samples, N] = shape;
  if (samples < 1 || N < 1) throw new DatasetError(`${name}: empty array of shape (${samples}, ${N})`);
  if (options.visible !== undefined && N !== options.visible) {
    throw new DatasetError(`${name}: rows have ${N} sites but the first layer has ${options.visible} units (e.g. --layers ${N},…)`);
  }
  if (samples * N > MAX_TRAINING_VALUES) throw new DatasetError(`${name}: ${samples}×${N} values exceed the limit of ${MAX_TRAINING_VALUES}`);
  const heldOutRows = heldOutCount(samples, options.holdout ?? DEFAULT_HOLDOUT);
  const trainRows = samples - heldOutRows;
  if (trainRows < 1) throw new DatasetError(`${name}: ${samples} sample(s) leave none for training after holding out ${heldOutRows}`);

  const values = new Float32Array(samples * N);
  for (let i = 0; i < values.length; i++) {
    const v = data[i];
    if (v !== 0 && v !== 1) {
      const hint = v === -1 ? ' (spins must be stored as 0/1 with 1 = up; convert ±1 spins with (s + 1) / 2)' : '';
      throw new DatasetError(`${name}: value ${String(v)} at sample ${Math.floor(i / N)}, site ${i % N} (flat index ${i}) is not 0 or 1${hint}`);
    }
    values[i] = v;
  }
  const root = Math.round(Math.sqrt(N));
  return {
    samples,
    N,
    L: root * root === N ? root : null,
    dtype,
    train: values.subarray(0, trainRows * N),
    trainRows,
    heldOut: values.subarray(trainRows * N),
    heldOutRows,
  };
}

/**
 * Reads and checks a samples .npy file: it exists and is a readable regular file, is a valid
 * .npy, is 2-D with N = `visible` columns, holds only 0/1. Throws DatasetError otherwise.
 */
export async function loadTrainingData(path: string, options: { visible?: number; holdout?: number } = {}): Promise<TrainingData> {
  heldOutCount(1, options.holdout ?? DEFAULT_HOLDOUT);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new DatasetError(error.code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${error.code ?? error.message})`);
  });
  if (!info.isFile()) throw new DatasetError(`${path}: not a regular file`);
  if (info.size > MAX_TRAINING_VALUES * 8 + 65536) throw new DatasetError(`${path}: ${info.size} bytes is larger than any dataset rgflow trains on`);
  const array = await readNpyFile(path, (message) => new DatasetError(message));
  return toTrainingData(array, path, options);
}

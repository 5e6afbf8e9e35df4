/**
 * Reads and decodes one NumPy .npy file from disk, turning read failures and format errors
 * into the caller's own error type (a dataset error, a model-format error) with the path.
 */
import { readFile } from 'node:fs/promises';
import { decodeNpy, NpyFormatError, type NpyArray } from '../../shared/data/npy.js';

/**
 * @param fail        builds the caller's error from a message
 * @param readProblem describes why the file could not be read (default: "cannot read (CODE)")
 */
export async function readNpyFile(
  path: string,
  fail: (message: string) => Error,
  readProblem: (error: NodeJS.ErrnoException) => string = (error) => `cannot read (${error.code ?? error.message})`,
): Promise<NpyArray> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw fail(`${path}: ${readProblem(error)}`);
  });
  try {
    return decodeNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    if (error instanceof NpyFormatError) throw fail(`${path}: ${error.message}`);
    throw error;
  }
}

/**
 * `rgflow sample`: validate the options, sample the 2D Ising model, write the stored
 * configurations as a .npy file (uint8, shape [samples, L·L], 1 = up, row-major) atomically,
 * and return a JSON summary with honest error bars and the exact finite-lattice comparison
 * (Kaufman 1949) where one exists.
 */
import { constants } from 'node:fs';
import { access, open, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ALGORITHMS } from '../../shared/physics/ising.js';
import { createSampler } from '../../shared/physics/samplers.js';
import { sampleIsing } from '../../shared/physics/sampling.js';
import { kaufmanExact } from '../../shared/physics/exact/index.js';
import { npyHeader } from '../../shared/data/npy.js';
import { UsageError } from './errors.js';

/** Largest spin array (bytes = samples·L²) `rgflow sample` will hold in memory. */
export const MAX_SAMPLE_BYTES = 2e9;
export const MAX_SAMPLES = 1e7;

const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be ≥ ${min}` })
    .max(max, { error: `${name} must be ≤ ${max}` });

/**
 * Options of `rgflow sample`. L: linear size; beta: coupling K = J/k_BT (J = 1, so K = β);
 * samples: stored configurations; field: dimensionless H = h/k_BT (Metropolis samplers only);
 * out: .npy path. Cross-checks: L even for the checkerboard Metropolis samplers, and
 * samples·L² ≤ 2·10⁹ bytes.
 */
export const sampleOptionsSchema = z
  .object({
    L: int('L', 2, 65536),
    beta: z
      .number({ error: 'beta must be a number' })
      .positive({ error: 'beta must be > 0 (beta = J/k_BT)' })
      .refine(Number.isFinite, { error: 'beta must be finite' }),
    samples: int('samples', 1, MAX_SAMPLES),
    algorithm: z.enum(ALGORITHMS, { error: `algorithm must be one of ${ALGORITHMS.join(', ')}` }),
    seed: int('seed', 0),
    out: z.string({ error: 'out must be a file path' }).min(1, { error: 'out must be a non-empty file path' }).optional(),
    field: z
      .number({ error: 'field must be a number' })
      .refine(Number.isFinite, { error: 'field must be finite' })
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (o.algorithm !== 'wolff' && o.L % 2 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['L'], message: `L must be even for ${o.algorithm} (checkerboard update), got ${o.L}` });
    }
    if (o.algorithm === 'wolff' && o.field !== undefined && o.field !== 0) {
      ctx.addIssue({ code: 'custom', path: ['field'], message: 'a field is supported by the Metropolis samplers only' });
    }
    if (o.samples * o.L * o.L > MAX_SAMPLE_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['samples'],
        message: `samples·L² = ${o.samples * o.L * o.L} bytes exceeds the ${MAX_SAMPLE_BYTES} byte limit; use fewer samples or a smaller L`,
      });
    }
  });

export type SampleOptions = z.infer<typeof sampleOptionsSchema>;

interface EstimateJson {
  mean: number;
  err: number;
}

/** The JSON summary of `rgflow sample --json` (snake_case keys, sweeps and seconds as units). */
export interface SampleSummary {
  L: number;
  beta: number;
  coupling: number;
  field: number;
  algorithm: string;
  seed: number;
  samples: number;
  energy_per_site: EstimateJson;
  abs_magnetization: EstimateJson;
  specific_heat: EstimateJson;
  susceptibility: EstimateJson;
  binder: EstimateJson;
  /** τ_int of the energy over the sampling phase, in sweeps. */
  tau_int_energy: number;
  tau_int_energy_err: number;
  /** τ_int of the energy measured by the pilot, in sweeps (null if no pilot). */
  tau_int_pilot: number | null;
  sample_spacing: number;
  burn_in_sweeps: number;
  pilot_sweeps: number;
  /** Sweeps of the sampling phase (every one measured). */
  sweeps: number;
  total_sweeps: number;
  /** Wall time of burn-in, pilot and sampling (not the file write), seconds. */
  seconds: number;
  /** Elementary spin updates (Metropolis) or flipped spins (Wolff) per second, all phases. */
  flips_per_second: number;
  /** (total sweeps / seconds) / (2 τ_int). */
  independent_samples_per_second: number;
  exact: {
    source: string;
    energy_per_site: number;
    specific_heat: number;
    deviation_sigma: { energy_per_site: number; specific_heat: number };
  } | null;
  /** Why `exact` is null, when it is. */
  exact_note?: string;
  out?: string;
}

function usage(error: z.ZodError): UsageError {
  const lines = error.issues.map((i) => (i.path.length > 0 ? `--${i.path.join('.')}: ${i.message}` : i.message));
  return new UsageError(`invalid sample options: ${lines.join('; ')}`);
}

/** Fails with a UsageError unless `out` can be created: its directory exists and is writable. */
async function checkOutPath(out: string): Promise<string> {
  const path = resolve(out);
  const dir = dirname(path);
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new UsageError(`--out: directory ${dir} does not exist`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--out: directory ${dir} is not writable`);
  }
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory()) throw new UsageError(`--out: ${path} is a directory; give a file name`);
  return path;
}

/** Write header + data to a temporary file beside `path`, then rename it into place. */
async function writeNpyAtomically(path: string, header: Uint8Array, data: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx');
  try {
    await file.write(header);
    const chunk = 1 << 28;
    for (let offset = 0; offset < data.length; offset += chunk) await file.write(data.subarray(offset, offset + chunk));
    await file.sync();
    await file.close();
    await rename(temp, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Run `rgflow sample`: validate `options` (UsageError on bad input or an unusable --out, before
 * any sampling), sample with the pipeline of shared/physics/sampling.ts, write the .npy if asked,
 * and return the summary. Progress goes to `io.progress(phase message, fraction of the phase)`.
 */
export async function runSample(
  options: unknown,
  io: { progress: (message: string, fraction: number) => void },
): Promise<SampleSummary> {
  const parsed = sampleOptionsSchema.safeParse(options);
  if (!parsed.success) throw usage(parsed.error);
  const o = parsed.data;
  const out = o.out === undefined ? undefined : await checkOutPath(o.out);
  const field = o.field ?? 0;
  const coupling = o.beta;

  const started = performance.now();
  const sampler = createSampler({ algorithm: o.algorithm, L: o.L, coupling, field, seed: o.seed });
  const run = sampleIsing({
    sampler,
    samples: o.samples,
    onProgress: (p) => io.progress(`${p.phase} (${p.total} sweeps)`, p.total > 0 ? p.done / p.total : 1),
  });
  const seconds = (performance.now() - started) / 1000;
  const m = run.measurement;
  const tau = m.tauIntEnergy.tau;
  const totalSweeps = run.burnInSweeps + run.pilotSweeps + run.sweeps;

  let exact: SampleSummary['exact'] = null;
  let exactNote: string | undefined;
  if (field !== 0) exactNote = 'no exact result with a field: Kaufman 1949 solves H = 0 only';
  else {
    try {
      const k = kaufmanExact(o.L, o.L, coupling);
      exact = {
        source: 'Kaufman 1949, finite periodic L×L',
        energy_per_site: k.energyPerSite,
        specific_heat: k.specificHeatPerSite,
        deviation_sigma: {
          energy_per_site: (m.energyPerSite.mean - k.energyPerSite) / m.energyPerSite.err,
          specific_heat: (m.specificHeat.mean - k.specificHeatPerSite) / m.specificHeat.err,
        },
      };
    } catch (error) {
      exactNote = `Kaufman evaluation failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  if (out !== undefined) {
    io.progress('writing .npy', 1);
    await writeNpyAtomically(out, npyHeader('|u1', [run.samples, run.N]), run.spins);
  }

  const summary: SampleSummary = {
    L: o.L,
    beta: o.beta,
    coupling,
    field,
    algorithm: o.algorithm,
    seed: o.seed,
    samples: run.samples,
    energy_per_site: m.energyPerSite,
    abs_magnetization: m.absMagnetization,
    specific_heat: m.specificHeat,
    susceptibility: m.susceptibility,
    binder: m.binder,
    tau_int_energy: tau,
    tau_int_energy_err: m.tauIntEnergy.err,
    tau_int_pilot: Number.isFinite(run.tauIntPilot) ? run.tauIntPilot : null,
    sample_spacing: run.spacing,
    burn_in_sweeps: run.burnInSweeps,
    pilot_sweeps: run.pilotSweeps,
    sweeps: run.sweeps,
    total_sweeps: totalSweeps,
    seconds,
    flips_per_second: sampler.spinUpdates / seconds,
    independent_samples_per_second: totalSweeps / seconds / (2 * tau),
    exact,
  };
  if (exactNote !== undefined) summary.exact_note = exactNote;
  if (out !== undefined) summary.out = out;
  return summary;
}

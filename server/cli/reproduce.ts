/**
 * `rgflow reproduce`: the paper's Fig. 2C and Fig. 3 from scratch. Samples the 2D Ising model
 * (K = 0.408, L = 40, multi-spin Metropolis), trains the 1600-400-100-25 stack greedily in a
 * worker thread, and writes into --out (built in a hidden temp directory, renamed at the end):
 *
 *   fields-layer1.png, fields-layer2.png (Fig. 3C), fields-layer3.png (Fig. 3B)   receptive fields
 *   field-size.svg (Fig. 3D)       receptive-field size against layer, two measures with spread as bars
 *                                  (server/learn/reproduce-metrics.ts says why two)
 *   coupling-flow.svg (Fig. 2C)    1D decimation flow J(n), tanh J(n+1) = tanh² J(n)
 *   reconstructions.png (Fig. 3E)  the first 6 held-out samples over their reconstructions from the 25 top units
 *   metrics.json                   every number below, with errors; model/  the trained stack
 *
 * Reconstruction metrics use all held-out rows (the last 10%). Energy per site and |m| of a
 * reconstruction are measured on binary spins SAMPLED from its probabilities, v_i ~ Bernoulli(p_i),
 * with Rng(seed, stream 2); the 0.5-threshold variant is reported beside it. Errors are standard
 * errors over samples (stored samples are ⌈2τ_int⌉ sweeps apart, so nearly independent).
 */
import { basename, dirname, join, resolve } from 'node:path';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RbmStack } from '../../shared/learn/stack.js';
import { receptiveFields } from '../../shared/learn/receptive-field.js';
import { DEFAULT_TRAINING_CONFIG } from '../../shared/learn/training-config.js';
import { kaufmanExact } from '../../shared/physics/exact/index.js';
import { Rng } from '../../shared/physics/rng.js';
import { createSampler } from '../../shared/physics/samplers.js';
import { sampleIsing } from '../../shared/physics/sampling.js';
import { TRAIN_BACKEND_REQUESTS } from '../../shared/protocol/train-messages.js';
import { heldOutCount } from '../learn/dataset.js';
import { renderFieldGrid } from '../learn/figures/field-grid.js';
import { couplingFlowPlot, fieldSizePlot } from '../learn/figures/plots.js';
import { encodePng } from '../learn/figures/png.js';
import { renderReconstructions } from '../learn/figures/reconstructions.js';
import { replaceDir, saveModel } from '../learn/model-store.js';
import { compareObservables, configurationObservables, fieldSizeMetrics, macroscopicAgreement, meanErr } from '../learn/reproduce-metrics.js';
import { UsageError } from './errors.js';
import { layerSummaryJson, trainWithProgress, usageFromZod, type TrainIo } from './train.js';

export const REPRODUCE_FORMAT = 'rgflow-reproduce';
/** The paper's experiment (Sec. IV.2, Appendix A). */
export const PAPER = { L: 40, coupling: 0.408, layers: [1600, 400, 100, 25], samples: 20_000, epochs: 200 } as const;
export const QUICK = { samples: 2000, epochs: 10 } as const;
const HOLDOUT = 0.1;
const FIGURE_SAMPLES = 6;
const FIELD_RADIUS = 3;

export const reproduceOptionsSchema = z.object({
  out: z.string({ error: 'out must be a directory path' }).min(1, { error: 'out must be a non-empty path' }),
  quick: z.boolean().default(false),
  /** Hidden overrides (tests): stored samples and epochs per layer. */
  samples: z.number().int({ error: 'samples must be an integer' }).min(20, { error: 'samples must be ≥ 20' }).max(100_000).optional(),
  epochs: z.number().int({ error: 'epochs must be an integer' }).min(1, { error: 'epochs must be ≥ 1' }).max(10_000).optional(),
  seed: z.number().int({ error: 'seed must be an integer' }).min(0, { error: 'seed must be ≥ 0' }).default(1),
  backend: z.enum(TRAIN_BACKEND_REQUESTS, { error: `backend must be one of ${TRAIN_BACKEND_REQUESTS.join(', ')}` }).default('auto'),
});

/** Missing, empty, or an earlier reproduce output: anything else is refused. */
async function checkResultsTarget(out: string): Promise<string> {
  const abs = resolve(out);
  const parent = await stat(dirname(abs)).catch(() => null);
  if (!parent?.isDirectory()) throw new UsageError(`--out: directory ${dirname(abs)} does not exist`);
  try {
    await access(dirname(abs), constants.W_OK);
  } catch {
    throw new UsageError(`--out: directory ${dirname(abs)} is not writable`);
  }
  const target = await stat(abs).catch(() => null);
  if (!target) return abs;
  if (!target.isDirectory()) throw new UsageError(`--out: ${abs} exists and is not a directory`);
  if ((await readdir(abs)).length === 0) return abs;
  const metrics = await readFile(join(abs, 'metrics.json'), 'utf8').catch(() => '');
  if (!metrics.includes(`"format": "${REPRODUCE_FORMAT}"`)) throw new UsageError(`--out: ${abs} is a non-empty directory that is not rgflow reproduce output; refusing to replace it`);
  return abs;
}

/**
 * Run `rgflow reproduce` (see the file header). Validation (UsageError) happens before any work;
 * a failure after it leaves --out untouched.
 */
export async function runReproduce(options: unknown, io: TrainIo) {
  const parsed = reproduceOptionsSchema.safeParse(options);
  if (!parsed.success) throw usageFromZod('reproduce', parsed.error);
  const o = parsed.data;
  const out = await checkResultsTarget(o.out);
  const samples = o.samples ?? (o.quick ? QUICK.samples : PAPER.samples);
  const epochCount = o.epochs ?? (o.quick ? QUICK.epochs : PAPER.epochs);
  const { L, coupling, layers } = PAPER;
  const N = L * L;
  const epochs = layers.slice(1).map(() => epochCount);
  const config = { ...DEFAULT_TRAINING_CONFIG, momentum: { ...DEFAULT_TRAINING_CONFIG.momentum } };
  const t0 = performance.now();

  // 1. Samples.
  const sampler = createSampler({ algorithm: 'metropolis', L, coupling, seed: o.seed });
  const run = sampleIsing({ sampler, samples, onProgress: (p) => io.progress(`sampling: ${p.phase}`, 0) });
  const heldOutRows = heldOutCount(samples, HOLDOUT);
  const trainRows = samples - heldOutRows;
  const all = Float32Array.from(run.spins);
  const heldOutSpins = run.spins.subarray(trainRows * N);
  const stored = configurationObservables(run.spins, samples, L);
  const exact = kaufmanExact(L, L, coupling);
  const t1 = performance.now();

  // 2. Training in a worker thread; reconstructions of every held-out row from the top.
  const result = await trainWithProgress(
    { data: all.subarray(0, trainRows * N), trainRows, heldOut: all.subarray(trainRows * N), heldOutRows, layers: [...layers], config, epochs, seed: o.seed, backend: o.backend, reconstructRows: heldOutRows },
    io,
  );
  const t2 = performance.now();
  io.progress('analysis: receptive fields, reconstructions, figures', 1);

  // 3. Receptive fields (Appendix B) and their sizes.
  const stack = RbmStack.fromSnapshot(result.snapshot);
  const fields = stack.layers.map((_, l) => receptiveFields(stack, l + 1));
  const perLayer = result.layers.map((summary, l) => {
    const s = layerSummaryJson(summary);
    return {
      layer: l + 1,
      units: layers[l + 1],
      receptive_field: fieldSizeMetrics(fields[l], layers[l + 1], L, FIELD_RADIUS),
      reconstruction_error: { last_epoch: s.reconstruction_error, train: s.reconstruction_error_eval.train, held_out: s.reconstruction_error_eval.held_out },
      pseudo_log_likelihood: s.pseudo_log_likelihood,
      free_energy_gap: s.free_energy_gap,
      training_seconds: s.seconds,
    };
  });

  // 4. Reconstructions from the 25 top units against the originals (held-out rows).
  const p = result.reconstructions ?? new Float32Array(0);
  const rng = new Rng(o.seed, 2);
  const sampled = p.map((q) => (rng.nextFloat() < q ? 1 : 0));
  const original = configurationObservables(heldOutSpins, heldOutRows, L);
  const fromSamples = configurationObservables(sampled, heldOutRows, L);
  const fromThreshold = configurationObservables(p, heldOutRows, L);
  let agree = 0;
  for (let i = 0; i < p.length; i++) if ((p[i] > 0.5 ? 1 : 0) === heldOutSpins[i]) agree++;

  // 5. Files, built in a temp directory and renamed into place.
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(dirname(out), `.${basename(out)}.tmp-${tag}`);
  const files = {
    fields_layer1: 'fields-layer1.png',
    fields_layer2: 'fields-layer2.png',
    fields_layer3: 'fields-layer3.png',
    field_size: 'field-size.svg',
    coupling_flow: 'coupling-flow.svg',
    reconstructions: 'reconstructions.png',
    metrics: 'metrics.json',
    model: 'model',
  };
  const metrics = {
    format: REPRODUCE_FORMAT,
    version: 1,
    paper: 'Mehta & Schwab 2014, arXiv:1410.3831: Fig. 2C, Fig. 3B–E',
    quick: o.quick,
    seed: o.seed,
    ising: {
      L,
      coupling,
      algorithm: 'metropolis (multi-spin checkerboard)',
      samples,
      sample_spacing_sweeps: run.spacing,
      tau_int_energy_sweeps: run.measurement.tauIntEnergy.tau,
      energy_per_site_chain: run.measurement.energyPerSite,
      energy_per_site_samples: meanErr(stored.energy),
      abs_magnetization_samples: meanErr(stored.absM),
      exact: { source: 'Kaufman 1949, finite periodic 40×40', energy_per_site: exact.energyPerSite },
    },
    training: { layers: [...layers], epochs, config, train_rows: trainRows, held_out_rows: heldOutRows, backend: result.backend, seconds: result.seconds },
    layers: perLayer,
    reconstruction: {
      from_layer: layers.length - 1,
      top_units: layers[layers.length - 1],
      compression: N / layers[layers.length - 1],
      rows: heldOutRows,
      binarization: `sampled: v_i ~ Bernoulli(p_i) with Rng(seed ${o.seed}, stream 2); "thresholded": v_i = [p_i > 0.5]`,
      original: { energy_per_site: meanErr(original.energy), abs_magnetization: meanErr(original.absM) },
      sampled: compareObservables(original, fromSamples),
      thresholded: compareObservables(original, fromThreshold),
      site_agreement_thresholded: agree / Math.max(1, p.length),
      macroscopic: macroscopicAgreement(heldOutSpins, p, heldOutRows, L),
    },
    files,
    timings: { sampling_seconds: (t1 - t0) / 1000, training_seconds: (t2 - t1) / 1000, total_seconds: 0 },
  };

  await mkdir(temp);
  try {
    const unitsOf = (l: number) => layers[l + 1];
    for (let l = 0; l < 3; l++) {
      const name = [files.fields_layer1, files.fields_layer2, files.fields_layer3][l];
      await writeFile(join(temp, name), encodePng(renderFieldGrid(fields[l], L, unitsOf(l), { scale: l === 0 ? 2 : 3 })));
    }
    const sizes = perLayer.map(({ receptive_field: f }) => ({ radius: { mean: f.mean_radius, spread: f.spread }, halfMaxRadius: f.half_max_radius }));
    await writeFile(join(temp, files.field_size), fieldSizePlot(sizes, L));
    await writeFile(join(temp, files.coupling_flow), couplingFlowPlot());
    const shown = Math.min(FIGURE_SAMPLES, heldOutRows);
    await writeFile(join(temp, files.reconstructions), encodePng(renderReconstructions(heldOutSpins, p, L, shown)));
    await saveModel(join(temp, files.model), result.snapshot.layers, {
      lattice: { L },
      training: { config: config as unknown as Record<string, unknown>, epochs, seed: o.seed, backend: result.backend.name, samples: trainRows, held_out: heldOutRows, coupling },
      metrics: { layers: perLayer },
    });
    metrics.timings.total_seconds = (performance.now() - t0) / 1000;
    await writeFile(join(temp, files.metrics), `${JSON.stringify(metrics, null, 2)}\n`);
    await replaceDir(temp, out, tag);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return { out, ...metrics, files: Object.fromEntries(Object.entries(files).map(([k, f]) => [k, join(out, f)])) };
}

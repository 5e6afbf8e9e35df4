/**
 * `rgflow flow2d`: a trained 2D model (a directory written by `rgflow train`) read as an RG flow.
 * Configurations are sampled at K and at K2 (default 2K_c − K, the mirror image across K_c) by
 * the project's sampler (sampleIsing: burn-in, pilot, spacing 2τ_int), then
 *
 *  1. K_eff(l) ± err for every layer l = 0 (the lattice) … n: each hidden layer's units placed
 *     on the coarse side × side lattice by their receptive-field centres, the nearest-neighbour
 *     correlation of their sampled states inverted through Kaufman's exact finite-lattice energy
 *     (shared/rg/effective-coupling-2d.ts);
 *  2. the RBM flow of Iso, Shiba & Yokoo (2018) through layer 1's RBM, v → h → v′ sampled,
 *     `steps` times, with T_eff ± err of the flowed configurations from their energy per site
 *     (shared/rg/rbm-flow.ts).
 *
 * Registered in server/cli/main.ts by `registerFlow2d(program)`. Values are parsed here, not by
 * commander, so every bad value is one line (`rgflow: invalid flow2d options: …`) and exit 2.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { ComputeBackend } from '../../shared/learn/backend.js';
import { ALGORITHMS, CRITICAL_COUPLING, type Algorithm } from '../../shared/physics/ising.js';
import { TRAIN_BACKEND_REQUESTS } from '../../shared/protocol/train-messages.js';
import type { LayerCoupling2d, NonSquareLayer } from '../../shared/rg/effective-coupling-2d.js';
import type { FlowPoint } from '../../shared/rg/rbm-flow.js';
import { UsageError } from './errors.js';
import { formatEstimate } from './format.js';
import { createProgress } from './progress.js';
import { parseFlagNumber } from './args.js';

/** Largest number of spins (samples·L², per coupling) flow2d will hold. */
export const MAX_FLOW2D_SPINS = 2e8;
export const MAX_FLOW2D_STEPS = 1000;

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be ≥ ${min}` })
    .max(max, { error: `${name} must be ≤ ${max}` });
const coupling = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .refine(Number.isFinite, { error: `${name} must be finite` })
    .refine((K) => K > 0 && K <= 5, { error: `${name} must lie in (0, 5]` });

/** Options of `rgflow flow2d` after parsing. */
export const flow2dOptionsSchema = z
  .object({
    model: z.string({ error: 'model must be a directory path' }).min(1, { error: 'model must be a non-empty path' }),
    samples: int('samples', 2, 1_000_000),
    K: coupling('K'),
    K2: coupling('K2'),
    steps: int('steps', 0, MAX_FLOW2D_STEPS),
    seed: int('seed', 0, Number.MAX_SAFE_INTEGER),
    algorithm: z.enum(ALGORITHMS, { error: `algorithm must be one of ${ALGORITHMS.join(', ')}` }),
    backend: z.enum(TRAIN_BACKEND_REQUESTS, { error: `backend must be one of ${TRAIN_BACKEND_REQUESTS.join(', ')}` }),
  })
  .superRefine((o, ctx) => {
    if (o.K2 === o.K) ctx.addIssue({ code: 'custom', path: ['K2'], message: `K2 must differ from K (both ${o.K})` });
  });

export type Flow2dOptions = z.infer<typeof flow2dOptionsSchema>;

interface EstimateJson {
  mean: number;
  err: number;
}

/** One layer's K_eff in the JSON summary. */
export interface Flow2dLayerJson {
  layer: number;
  units: number;
  /** Coarse lattice side; null for a layer that is not square. */
  side: number | null;
  K_eff: EstimateJson | null;
  /** The nearest-neighbour correlation behind K_eff. */
  c: EstimateJson | null;
  /** τ_int of the per-sample correlations (samples). */
  tau_int: number | null;
  /** Coarse spacing L/side and the centre-to-site displacement (visible lattice spacings). */
  spacing: number | null;
  mean_displacement: number | null;
  max_displacement: number | null;
  unplaced: number | null;
  reason?: string;
}

/** One step of an ISY flow in the JSON summary. */
export interface Flow2dStepJson {
  step: number;
  T_eff: EstimateJson | null;
  K_eff: EstimateJson;
  energy_per_site: EstimateJson;
  abs_magnetization: EstimateJson;
  /** 1/K from Onsager's infinite-lattice energy, for comparison. */
  T_eff_onsager: number | null;
}

/** Everything measured at one coupling. */
export interface Flow2dRunJson {
  K: number;
  T: number;
  /** Which side of K_c the data lie on. */
  phase: 'disordered (K < K_c)' | 'ordered (K > K_c)' | 'critical';
  sampling: { algorithm: Algorithm; spacing: number; tau_int_energy: number; energy_per_site: EstimateJson; energy_exact: number };
  layers: Flow2dLayerJson[];
  flow: Flow2dStepJson[];
}

/** The JSON summary of `rgflow flow2d --json`. */
export interface Flow2dSummary {
  model: string;
  L: number;
  layers: number[];
  samples: number;
  steps: number;
  seed: number;
  backend: string;
  K_c: number;
  runs: Flow2dRunJson[];
  seconds: number;
  note: string;
}


/** The default second coupling: K mirrored across K_c, 2K_c − K. */
export function mirroredCoupling(K: number): number {
  return 2 * CRITICAL_COUPLING - K;
}

const parseNumber = (flag: string, value: unknown): number => parseFlagNumber('flow2d', flag, value);

/**
 * Parses and checks raw option values (strings from commander, or numbers); UsageError with one
 * line naming every bad flag.
 */
export function parseFlow2dOptions(raw: Record<string, unknown>): Flow2dOptions {
  if (raw.model === undefined || raw.model === true) throw new UsageError('invalid flow2d options: --model <dir> is required');
  const K = parseNumber('K', raw.K ?? 0.408);
  const candidate = {
    model: raw.model,
    samples: parseNumber('samples', raw.samples ?? 2000),
    K,
    K2: raw.K2 === undefined ? mirroredCoupling(K) : parseNumber('K2', raw.K2),
    steps: parseNumber('steps', raw.steps ?? 10),
    seed: parseNumber('seed', raw.seed ?? 1),
    algorithm: raw.algorithm ?? 'wolff',
    backend: raw.backend ?? 'auto',
  };
  const parsed = flow2dOptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => (i.path.length > 0 ? `--${i.path.join('.')}: ${i.message}` : i.message));
    if (raw.K2 === undefined && parsed.error.issues.some((i) => i.path[0] === 'K2')) lines.push(`(the default --K2 = 2K_c − K = ${candidate.K2.toFixed(4)}; give --K2)`);
    throw new UsageError(`invalid flow2d options: ${lines.join('; ')}`);
  }
  return parsed.data; // the even L of the Metropolis samplers is checked once the model's L is known
}

const phaseOf = (K: number): Flow2dRunJson['phase'] =>
  Math.abs(K - CRITICAL_COUPLING) < 1e-12 ? 'critical' : K < CRITICAL_COUPLING ? 'disordered (K < K_c)' : 'ordered (K > K_c)';

function layerJson(l: LayerCoupling2d | NonSquareLayer): Flow2dLayerJson {
  if (l.kEff === null) {
    const n = l as NonSquareLayer;
    return { layer: n.layer, units: n.units, side: null, K_eff: null, c: null, tau_int: null, spacing: null, mean_displacement: null, max_displacement: null, unplaced: null, reason: n.reason };
  }
  const m = l as LayerCoupling2d;
  return {
    layer: m.layer,
    units: m.units,
    side: m.side,
    K_eff: { mean: m.kEff, err: m.err },
    c: { mean: m.correlation, err: m.correlationErr },
    tau_int: m.tauInt,
    spacing: m.spacing,
    mean_displacement: m.meanDisplacement,
    max_displacement: m.maxDisplacement,
    unplaced: m.unplaced,
  };
}

function stepJson(p: FlowPoint): Flow2dStepJson {
  return {
    step: p.step,
    T_eff: p.tEff === null ? null : { mean: p.tEff, err: p.tErr! },
    K_eff: { mean: p.kEff, err: p.kErr },
    energy_per_site: p.energy,
    abs_magnetization: p.absMagnetization,
    T_eff_onsager: p.tEffOnsager,
  };
}

/**
 * Run `rgflow flow2d` on raw option values: UsageError on bad input (before any sampling), then
 * for K and K2: sample, K_eff per layer, the ISY flow of layer 1. Progress goes to io.progress.
 */
export async function runFlow2d(raw: Record<string, unknown>, io: { progress: (message: string, fraction: number) => void }): Promise<Flow2dSummary> {
  const o = parseFlow2dOptions(raw);
  // Loaded here, not at the top: registering the command must not load the compute backends.
  const [{ loadModel, ModelFormatError }, { createBackend }, { Rbm }, { RbmStack }, { Rng }, { createSampler }, { sampleIsing }, { kaufmanExact }, { stackCouplings }, { rbmFlow }] =
    await Promise.all([
      import('../learn/model-store.js'),
      import('../compute/select.js'),
      import('../../shared/learn/rbm.js'),
      import('../../shared/learn/stack.js'),
      import('../../shared/physics/rng.js'),
      import('../../shared/physics/samplers.js'),
      import('../../shared/physics/sampling.js'),
      import('../../shared/physics/exact/kaufman.js'),
      import('../../shared/rg/effective-coupling-2d.js'),
      import('../../shared/rg/rbm-flow.js'),
    ]);
  let model;
  try {
    model = await loadModel(o.model);
  } catch (error) {
    if (error instanceof ModelFormatError) throw new UsageError(`--model: ${error.message}`);
    throw error;
  }
  const sizes = model.manifest.layers;
  const L = Math.round(Math.sqrt(sizes[0]));
  if (L * L !== sizes[0] || L < 2) throw new UsageError(`--model: ${sizes[0]} visible units do not form an L × L lattice`);
  if (o.algorithm !== 'wolff' && L % 2 !== 0) throw new UsageError(`--algorithm: ${o.algorithm} needs an even L, the model's lattice has L = ${L}; use wolff`);
  if (o.samples * sizes[0] > MAX_FLOW2D_SPINS) throw new UsageError(`--samples: samples·L² = ${o.samples * sizes[0]} exceeds ${MAX_FLOW2D_SPINS}; use fewer samples`);

  const started = performance.now();
  const stack = new RbmStack(model.rbms.map((r) => Rbm.fromSnapshot(r)));
  let backend: ComputeBackend | undefined;
  try {
    backend = (await createBackend(o.backend)).backend;
    const runs: Flow2dRunJson[] = [];
    for (const [index, K] of [o.K, o.K2].entries()) {
      const label = `K = ${K.toFixed(4)}`;
      const run = sampleIsing({
        sampler: createSampler({ algorithm: o.algorithm, L, coupling: K, seed: o.seed + index }),
        samples: o.samples,
        onProgress: (p) => io.progress(`${label}: ${p.phase}`, p.total > 0 ? p.done / p.total : 0),
      });
      io.progress(`${label}: K_eff of ${stack.layers.length + 1} layers`, 0);
      const layers = stackCouplings(stack, run.spins, o.samples, { backend, rng: new Rng(o.seed, 100 + index) });
      io.progress(`${label}: RBM flow, ${o.steps} steps`, 0);
      const flow = rbmFlow(stack.layers[0], run.spins, o.steps, { backend, rng: new Rng(o.seed, 200 + index) });
      runs.push({
        K,
        T: 1 / K,
        phase: phaseOf(K),
        sampling: {
          algorithm: o.algorithm,
          spacing: run.spacing,
          tau_int_energy: run.tauIntPilot,
          energy_per_site: run.measurement.energyPerSite,
          energy_exact: kaufmanExact(L, L, K).energyPerSite,
        },
        layers: layers.map(layerJson),
        flow: flow.map(stepJson),
      });
    }
    return {
      model: model.dir,
      L,
      layers: sizes,
      samples: o.samples,
      steps: o.steps,
      seed: o.seed,
      backend: backend.name,
      K_c: CRITICAL_COUPLING,
      runs,
      seconds: (performance.now() - started) / 1000,
      note:
        'K_eff(l): hidden units placed on the coarse side×side lattice by their receptive-field centres (optimal assignment; mean_displacement ' +
        'says how well the fields tile it; units oriented by the sign of their field), states sampled up the stack, the mean nearest-neighbour ' +
        'correlation inverted through Kaufman’s exact u(K) of the side×side lattice; err from the per-sample spread (binning). K_eff is the ' +
        'nearest-neighbour coupling that reproduces c, not an exact renormalized coupling. Flow: Iso, Shiba & Yokoo (2018), v → h → v′ sampled ' +
        'through layer 1’s RBM; T_eff = 1/K from the flowed configurations’ energy per site through Kaufman’s u(K) of the L×L lattice ' +
        '(an energy thermometer only; |m| beside it).',
    };
  } finally {
    backend?.dispose();
  }
}

const sigmaOf = (e: EstimateJson | null): string => (e ? formatEstimate(e) : '—');

/** The human-readable rendering of a summary. */
export function formatFlow2d(s: Flow2dSummary): string {
  const out = [`model ${s.model}: ${s.layers.join('-')} on an ${s.L}×${s.L} lattice; ${s.samples} samples per coupling, backend ${s.backend}, seed ${s.seed}`];
  for (const r of s.runs) {
    out.push(
      '',
      `K = ${r.K.toFixed(4)} (T = ${r.T.toFixed(3)}), ${r.phase}: ${r.sampling.algorithm}, spacing ${r.sampling.spacing} sweeps; e = ${formatEstimate(r.sampling.energy_per_site)} (exact ${r.sampling.energy_exact.toFixed(5)})`,
      '  layer  units  side  K_eff               c                    displacement (mean/max, spacing a)',
    );
    for (const l of r.layers) {
      const where = l.K_eff === null ? (l.reason ?? '—') : l.layer === 0 ? 'the lattice' : `${l.mean_displacement!.toFixed(2)} / ${l.max_displacement!.toFixed(2)}, a = ${l.spacing!.toFixed(2)}`;
      out.push(`  ${String(l.layer).padStart(5)}  ${String(l.units).padStart(5)}  ${String(l.side ?? '—').padStart(4)}  ${sigmaOf(l.K_eff).padEnd(18)}  ${sigmaOf(l.c).padEnd(19)}  ${where}`);
    }
    out.push(`  RBM flow through layer 1 (Iso–Shiba–Yokoo, sampled v → h → v′):`);
    out.push('   step  T_eff              K_eff              |m|');
    for (const p of r.flow) out.push(`  ${String(p.step).padStart(5)}  ${sigmaOf(p.T_eff).padEnd(17)}  ${formatEstimate(p.K_eff).padEnd(17)}  ${formatEstimate(p.abs_magnetization)}`);
  }
  out.push('', `K_c = ${s.K_c.toFixed(6)} (T_c = ${(1 / s.K_c).toFixed(4)}). ${s.seconds.toFixed(1)} s`);
  return `${out.join('\n')}\n`;
}

/** Adds `rgflow flow2d` to the program (call once, after the program's output and exit settings). */
export function registerFlow2d(program: Command): void {
  program
    .command('flow2d')
    .description('a trained 2D model as an RG flow: K_eff per layer (units on the coarse lattice by receptive-field centre) and the RBM flow of layer 1 (Iso, Shiba & Yokoo 2018), at K and at K2 across K_c')
    .option('--model <dir>', 'model directory written by `rgflow train` (required)')
    .option('--samples <n>', 'configurations sampled at each coupling (≥ 2)', '2000')
    .option('--K <K>', 'coupling K = J/k_BT of the first data set, in (0, 5]', '0.408')
    .option('--K2 <K>', 'coupling of the second data set (default 2K_c − K: the mirror image across K_c)')
    .option('--steps <n>', `RBM flow steps, 0…${MAX_FLOW2D_STEPS}`, '10')
    .option('--seed <n>', 'random seed (sampling, hidden states, flow)', '1')
    .option('--algorithm <name>', `Monte Carlo update: ${ALGORITHMS.join(' | ')}`, 'wolff')
    .option('--backend <name>', `compute backend: ${TRAIN_BACKEND_REQUESTS.join(' | ')}`, 'auto')
    .option('--json', 'print one JSON object on stdout')
    .showHelpAfterError(false)
    .action(async (opts: Record<string, unknown>) => {
      const progress = createProgress();
      const summary = await runFlow2d(opts, { progress: (message, fraction) => progress.update(message, fraction) }).finally(() => progress.done());
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(formatFlow2d(summary));
    });
}

/**
 * `rgflow flow1d`: the paper's Fig. 2 measured. Exactly sampled periodic 1D Ising rings at J are
 * passed up the decimation network (layer n keeps every other spin of layer n − 1); for every
 * layer the nearest-neighbour correlation c(n) and J(n) = atanh c(n), with standard errors over
 * chains, stand beside the exact flow tanh J(n) = tanh² J(n−1) (Eq. 24) and the exact finite-ring
 * value. With --train, an RBM trained by CD on such rings is read the same way (shared/rg/chain-rbm.ts).
 *
 * Registered in server/cli/main.ts by `registerFlow1d(program)`. Values are parsed here, not by
 * commander, so that every bad value is one line (`rgflow: invalid flow1d options: …`) and exit 2.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { decimationRbm, MAX_LAYERS, measureFlow1d, spinRbmToBernoulli, type FlowLayer } from '../../shared/rg/decimation1d.js';
import { readHiddenChain, trainChainRbm, type ChainRbmResult, type HiddenChainReading } from '../../shared/rg/chain-rbm.js';
import { Rng } from '../../shared/physics/rng.js';
import { DEFAULT_TRAINING_CONFIG } from '../../shared/learn/training-config.js';
import { UsageError } from './errors.js';
import { createProgress } from './progress.js';
import { formatEstimate } from './format.js';
import { parseFlagNumber } from './args.js';

/** Most spins `flow1d` will sample in one run (chains·N), about 100 s at 10⁷ spins/s. */
export const MAX_FLOW_SPINS = 1e9;

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be ≥ ${min}` })
    .max(max, { error: `${name} must be ≤ ${max}` });

/** Options of `rgflow flow1d` after parsing (numbers). J is βJ, dimensionless. */
export const flow1dOptionsSchema = z
  .object({
    J: z
      .number({ error: 'J must be a number' })
      .refine(Number.isFinite, { error: 'J must be finite' })
      .refine((J) => J > 0 && J <= 10, { error: 'J must lie in (0, 10]' }),
    layers: int('layers', 0, MAX_LAYERS),
    chains: int('chains', 2, 1e6),
    N: int('N', 2, 2 ** 20),
    seed: int('seed', 0, Number.MAX_SAFE_INTEGER),
    train: z.boolean(),
    trainN: int('train-N', 4, 256),
    trainEpochs: int('train-epochs', 1, 2000),
    trainSamples: int('train-samples', 1, 100_000),
  })
  .superRefine((o, ctx) => {
    const step = 2 ** o.layers;
    if (o.N % step !== 0) ctx.addIssue({ code: 'custom', path: ['N'], message: `N = ${o.N} must be divisible by 2^layers = ${step}` });
    else if (o.N / step < 2) ctx.addIssue({ code: 'custom', path: ['N'], message: `N/2^layers = ${o.N / step}: the top layer needs ≥ 2 spins` });
    if (o.chains * o.N > MAX_FLOW_SPINS) {
      ctx.addIssue({ code: 'custom', path: ['chains'], message: `chains·N = ${o.chains * o.N} exceeds ${MAX_FLOW_SPINS} spins; use fewer chains or a smaller N` });
    }
    if (o.trainN % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['trainN'], message: `train-N must be even, got ${o.trainN}` });
  });

export type Flow1dOptions = z.infer<typeof flow1dOptionsSchema>;

interface EstimateJson {
  mean: number;
  err: number;
}

/** One layer of the JSON summary. */
export interface Flow1dLayerJson {
  layer: number;
  spins: number;
  /** J(n) from Eq. 24. */
  J_exact: number;
  /** atanh of the exact ⟨h_i h_{i+1}⟩ on this finite ring (what J_measured estimates). */
  J_exact_ring: number;
  c_exact_ring: number;
  /** tanh J(n), the infinite chain. */
  c_exact_infinite: number;
  c: EstimateJson;
  /** atanh c ± δc/(1 − c²); null when every sampled bond was aligned (c = 1). */
  J_measured: EstimateJson | null;
  /** With J_measured null: a 95% lower bound on J(n). */
  J_lower_bound_95: number | null;
  /** (c − c_exact_ring)/δc. */
  deviation_sigma: number | null;
  /** (J_measured − J_exact)/δJ, finite-ring shift included. */
  deviation_sigma_recursion: number | null;
}

/** The --train part of the JSON summary. */
export interface Flow1dTrainJson {
  J: number;
  N: number;
  hidden: number;
  epochs: number;
  samples: number;
  test_chains: number;
  seed: number;
  training: string;
  reconstruction_error: number;
  J1_exact: number;
  J1_exact_ring: number;
  max_width: number;
  localized_units: number;
  localized_fraction: number;
  flipped_units: number;
  centre_gap: { mean: number; min: number; max: number } | null;
  c: EstimateJson | null;
  J_eff: EstimateJson | null;
  deviation_sigma: number | null;
  effective_distance: EstimateJson | null;
  mean_abs_hidden_magnetization: number | null;
  units: { unit: number; centre: number | null; width: number | null; orientation: number; peak_weight: number; localized: boolean }[];
  /**
   * The exact decimation RBM of decimation1d.ts (weights J, K, J with K = 2J + 12) read by the same
   * procedure on its own fresh rings: a check of the reading itself (expect J_eff = J(1), distance 2).
   */
  control_exact_rbm: { K: number; localized_units: number; c: EstimateJson | null; J_eff: EstimateJson | null; deviation_sigma: number | null; effective_distance: EstimateJson | null };
  seconds: number;
  note: string;
}

/** The JSON summary of `rgflow flow1d --json`. */
export interface Flow1dSummary {
  J: number;
  N: number;
  layers: number;
  chains: number;
  seed: number;
  sampler: string;
  flow: Flow1dLayerJson[];
  seconds: number;
  note: string;
  train?: Flow1dTrainJson;
}

const d = DEFAULT_TRAINING_CONFIG;
const TRAINING_DESCRIPTION =
  `CD-${d.k}, minibatch ${d.batchSize}, learning rate ${d.learningRate}, momentum ${d.momentum.initial}→${d.momentum.final} after ${d.momentum.switchEpoch} epochs, ` +
  `L1 ${d.l1}, initial weights N(0, 0.01²) (the paper’s settings, shared/learn/training-config.ts)`;

/** Largest field width (sites) that counts as a localized hidden unit in the --train analysis. */
const MAX_WIDTH = 3;

/** The command-line spelling of an option key. */
function flagName(key: string): string {
  return ({ trainN: 'train-N', trainEpochs: 'train-epochs', trainSamples: 'train-samples' } as Record<string, string>)[key] ?? key;
}


const parseNumber = (flag: string, value: unknown): number => parseFlagNumber('flow1d', flag, value);

/**
 * Parses and checks raw option values (strings from commander, or numbers); UsageError with one
 * line naming every bad flag.
 */
export function parseFlow1dOptions(raw: Record<string, unknown>): Flow1dOptions {
  if (raw.J === undefined) throw new UsageError('invalid flow1d options: --J is required');
  if (raw.layers === undefined) throw new UsageError('invalid flow1d options: --layers is required');
  if (raw.train !== true) {
    const stray = (['trainN', 'trainEpochs', 'trainSamples'] as const).filter((k) => raw[k] !== undefined);
    if (stray.length > 0) {
      const flags = stray.map((k) => `--${flagName(k)}`);
      throw new UsageError(`invalid flow1d options: ${flags.join(', ')} ${stray.length === 1 ? 'needs' : 'need'} --train`);
    }
  }
  const candidate = {
    J: parseNumber('J', raw.J),
    layers: parseNumber('layers', raw.layers),
    chains: parseNumber('chains', raw.chains ?? 2000),
    N: parseNumber('N', raw.N ?? 1024),
    seed: parseNumber('seed', raw.seed ?? 1),
    train: raw.train === true,
    trainN: parseNumber('train-N', raw.trainN ?? 32),
    trainEpochs: parseNumber('train-epochs', raw.trainEpochs ?? 60),
    trainSamples: parseNumber('train-samples', raw.trainSamples ?? 4000),
  };
  const parsed = flow1dOptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => (i.path.length > 0 ? `--${flagName(String(i.path[0]))}: ${i.message}` : i.message));
    throw new UsageError(`invalid flow1d options: ${lines.join('; ')}`);
  }
  return parsed.data;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function layerJson(l: FlowLayer): Flow1dLayerJson {
  return {
    layer: l.layer,
    spins: l.spins,
    J_exact: l.JExact,
    J_exact_ring: l.JExactRing,
    c_exact_ring: l.cExactRing,
    c_exact_infinite: l.cExactInfinite,
    c: l.c,
    J_measured: l.J,
    J_lower_bound_95: l.JLowerBound95,
    deviation_sigma: l.deviationSigma,
    deviation_sigma_recursion: l.deviationSigmaRecursion,
  };
}

function trainJson(r: ChainRbmResult, control: HiddenChainReading, K: number, seconds: number): Flow1dTrainJson {
  return {
    J: r.J,
    N: r.N,
    hidden: r.hidden,
    epochs: r.epochs,
    samples: r.samples,
    test_chains: r.testChains,
    seed: r.seed,
    training: TRAINING_DESCRIPTION,
    reconstruction_error: r.reconstructionError,
    J1_exact: r.J1Exact,
    J1_exact_ring: r.J1ExactRing,
    max_width: r.maxWidth,
    localized_units: r.localizedUnits,
    localized_fraction: r.localizedFraction,
    flipped_units: r.flippedUnits,
    centre_gap: r.centreGap,
    c: r.c,
    J_eff: r.JEff,
    deviation_sigma: r.deviationSigma,
    effective_distance: r.effectiveDistance,
    mean_abs_hidden_magnetization: finiteOrNull(r.meanAbsHiddenMagnetization),
    units: r.units.map((u) => ({
      unit: u.unit,
      centre: finiteOrNull(u.centre),
      width: finiteOrNull(u.width),
      orientation: u.orientation,
      peak_weight: u.peakWeight,
      localized: u.localized,
    })),
    control_exact_rbm: {
      K,
      localized_units: control.localizedUnits,
      c: control.c,
      J_eff: control.JEff,
      deviation_sigma: control.deviationSigma,
      effective_distance: control.effectiveDistance,
    },
    seconds,
    note:
      'An unconstrained RBM is not built to decimate: it is trained to reproduce the chains (KL, Eq. 16) and its units may vote over blocks, ' +
      'overlap, leave gaps or stay flat. J_eff is the coupling of its localized hidden units read as a chain in centre order ' +
      '(units oriented by the sign of their weights, states drawn from p(h|v) on fresh chains); its error is over those test chains for this ' +
      'one trained model, not over training runs. Exact decimation gives J_eff = J(1), centre gaps 2 and effective distance 2.',
  };
}

/**
 * Run `rgflow flow1d` on raw option values: UsageError on bad input (before any work), then the
 * measurement and, with train, the RBM comparison. Progress goes to io.progress.
 */
export async function runFlow1d(
  raw: Record<string, unknown>,
  io: { progress: (message: string, fraction: number) => void },
): Promise<Flow1dSummary> {
  const o = parseFlow1dOptions(raw);
  const started = performance.now();
  const m = measureFlow1d({
    J: o.J,
    layers: o.layers,
    chains: o.chains,
    N: o.N,
    seed: o.seed,
    onProgress: (done, total) => io.progress(`sampling ${total} rings of ${o.N} spins, ${o.layers} decimations`, done / total),
  });
  const summary: Flow1dSummary = {
    J: o.J,
    N: o.N,
    layers: o.layers,
    chains: o.chains,
    seed: o.seed,
    sampler: 'exact periodic-ring sampler (shared/physics/chain1d-sampler.ts); layer n keeps the even sites of layer n−1',
    flow: m.flow.map(layerJson),
    seconds: (performance.now() - started) / 1000,
    note:
      'c(n) is the mean over chains of each chain’s bond average ⟨h_i h_{i+1}⟩, its error the standard error over chains; ' +
      'J(n) = atanh c(n) with δJ = δc/(1 − c²). deviation_sigma compares c(n) with the exact ring of spins(n) spins at J(n); ' +
      'layers share the same chains, so their errors are correlated.',
  };
  if (o.train) {
    const t0 = performance.now();
    const r = trainChainRbm({
      J: o.J,
      N: o.trainN,
      epochs: o.trainEpochs,
      samples: o.trainSamples,
      testChains: o.chains,
      seed: o.seed,
      maxWidth: MAX_WIDTH,
      onEpoch: (e, total) => io.progress(`training RBM ${o.trainN}→${o.trainN / 2} by CD-1 (${total} epochs)`, e / total),
    });
    const K = 2 * o.J + 12;
    const control = readHiddenChain(spinRbmToBernoulli(decimationRbm(o.trainN, o.J, K)), { J: o.J, chains: o.chains, rng: new Rng(o.seed, 3), maxWidth: MAX_WIDTH });
    summary.train = trainJson(r, control, K, (performance.now() - t0) / 1000);
  }
  return summary;
}

const pad = (s: string, width: number): string => s.padStart(width);

const sigma = (z: number | null): string => (z === null ? '—' : `${z >= 0 ? '+' : ''}${z.toFixed(1)}σ`);

/** The human-readable table of a summary. */
export function formatFlow1d(s: Flow1dSummary): string {
  const rows = s.flow.map((l) => [
    String(l.layer),
    String(l.spins),
    l.J_exact.toPrecision(6),
    l.J_measured ? formatEstimate(l.J_measured) : l.J_lower_bound_95 !== null ? `> ${l.J_lower_bound_95.toFixed(3)} (95%)` : '—',
    formatEstimate(l.c),
    l.c_exact_ring.toPrecision(6),
    sigma(l.deviation_sigma),
  ]);
  const head = ['n', 'spins', 'J(n) exact', 'J(n) measured', 'c(n) measured', 'c(n) exact', 'dev'];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => `  ${cells.map((c, k) => pad(c, widths[k])).join('  ')}`;
  const out = [
    `1D Ising ring, N = ${s.N}, J = ${s.J}: ${s.chains} exact chains (seed ${s.seed}) passed up ${s.layers} decimation layer${s.layers === 1 ? '' : 's'}`,
    line(head),
    ...rows.map(line),
    `  J(n): tanh J(n) = tanh² J(n−1) (Eq. 24); measured J(n) = atanh c(n); c(n) exact and dev: the finite ring of that layer. ${s.seconds.toFixed(2)} s`,
  ];
  const t = s.train;
  if (t) {
    const gap = t.centre_gap ? `centre gaps ${t.centre_gap.mean.toFixed(2)} mean (${t.centre_gap.min.toFixed(2)} … ${t.centre_gap.max.toFixed(2)}), decimation: 2` : 'fewer than 2 localized units';
    out.push(
      '',
      `RBM ${t.N}→${t.hidden} trained by CD-1 on ${t.samples} rings of N = ${t.N} at J = ${t.J}, ${t.epochs} epochs; read on ${t.test_chains} fresh rings (${t.seconds.toFixed(1)} s)`,
      `  localized units     ${t.localized_units} / ${t.hidden} (${(100 * t.localized_fraction).toFixed(0)}%, width ≤ ${t.max_width} sites), ${t.flipped_units} flipped; ${gap}`,
      `  J_eff hidden chain  ${t.J_eff ? formatEstimate(t.J_eff) : '—'}   exact J(1) = ${t.J1_exact.toPrecision(6)} (ring of ${t.N / 2}: ${t.J1_exact_ring.toPrecision(6)})   dev ${sigma(t.deviation_sigma)}`,
      `  c hidden chain      ${t.c ? formatEstimate(t.c) : '—'}   effective distance ${t.effective_distance ? formatEstimate(t.effective_distance) : '—'} sites (decimation: 2)`,
      `  control             the exact decimation RBM (J, K = ${t.control_exact_rbm.K}, J) read the same way: J_eff = ${t.control_exact_rbm.J_eff ? formatEstimate(t.control_exact_rbm.J_eff) : '—'}, dev ${sigma(t.control_exact_rbm.deviation_sigma)}`,
      '  caveat: an unconstrained RBM is trained to reproduce the chains (KL, Eq. 16), not to decimate; J_eff reads its localized',
      '  units as a chain (oriented, in centre order); the error is over test rings for this one model, not over training runs.',
    );
  }
  return `${out.join('\n')}\n`;
}

/** Adds `rgflow flow1d` to the program (call once, after the program's output and exit settings). */
export function registerFlow1d(program: Command): void {
  program
    .command('flow1d')
    .description("the 1D decimation network of Fig. 2B measured: exact rings at J passed up n layers, J(n) against Eq. 24 (--train: a CD-trained RBM beside it)")
    .option('--J <J>', 'coupling J/k_BT of the sampled ring, in (0, 10] (required)')
    .option('--layers <n>', `decimation layers, 0…${MAX_LAYERS} (required)`)
    .option('--chains <n>', 'independent exact chains, ≥ 2 (default 2000)')
    .option('--N <n>', 'ring length, divisible by 2^layers (default 1024)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--train', 'also train a Bernoulli RBM on rings at J and read its hidden layer as a chain')
    .option('--train-N <n>', 'with --train: ring length = visible units, even, 4…256; hidden = N/2 (default 32)')
    .option('--train-epochs <n>', 'with --train: CD-1 epochs (default 60)')
    .option('--train-samples <n>', 'with --train: training rings (default 4000)')
    .option('--json', 'print one JSON object on stdout')
    .showHelpAfterError(false)
    .action(async (opts: Record<string, unknown>) => {
      const progress = createProgress();
      const summary = await runFlow1d(opts, { progress: (message, fraction) => progress.update(message, fraction) }).finally(() => progress.done());
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(formatFlow1d(summary));
    });
}

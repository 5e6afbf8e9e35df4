/**
 * `rgflow mapping`: the exact mapping between variational RG and an RBM (Mehta & Schwab § III),
 * verified numerically on a small periodic Ising system by enumeration. A random RBM (seeded)
 * is measured, trained by exact gradient descent on KL(P‖p_λ), and measured again: the Eq. 21
 * and Eq. 22 residuals, F^v, F^h_λ, ΔF, KL and the spread of ln Tr_h e^T (shared/rg/exact-mapping.ts).
 *
 *   rgflow mapping [--system ring:12|lattice:4x4] [--K 0.4] [--hidden 6] [--steps 500] [--seed 1] [--lr 0.2] [--json]
 *
 * --json prints one JSON object (MappingReport) on stdout; progress goes to stderr. Bad flags:
 * one line on stderr, exit code 2 (UsageError, or commander's own parse error).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import {
  MAX_MAPPING_COUPLING,
  MAX_MAPPING_HIDDEN,
  MAX_MAPPING_SITES,
  mappingExperiment,
  parseSystemSpec,
  type MappingFiguresJson,
  type MappingReport,
} from '../../shared/rg/exact-mapping.js';
import { UsageError } from './errors.js';
import { createProgress } from './progress.js';
import { integerArg, numberArg } from './args.js';

/** Bounds of one run: the CLI's are the enumeration limits; the HTTP route passes tighter ones. */
export interface MappingLimits {
  maxSites: number;
  maxHidden: number;
  maxSteps: number;
  /**
   * Largest mappingWork(sites, hidden, steps), a count of the inner-loop operations of a run
   * (≈ 2–8 ns each on one core); Infinity for none.
   */
  maxWork: number;
}

export const CLI_MAPPING_LIMITS: MappingLimits = { maxSites: MAX_MAPPING_SITES, maxHidden: MAX_MAPPING_HIDDEN, maxSteps: 100_000, maxWork: Infinity };

/**
 * The cost that MappingLimits.maxWork bounds: exact training visits all 2^sites configurations
 * per step with ≈ (sites + 8)·hidden + 16 operations each (fields, tanh, gradient), and the two
 * verifications visit all 2^(sites + hidden) pairs (≈ 8 operations each).
 */
export function mappingWork(sites: number, hidden: number, steps: number): number {
  return 2 ** sites * (steps * ((sites + 8) * hidden + 16) + 16 * 2 ** hidden);
}

const finite = (name: string) =>
  z.number({ error: `${name} must be a finite number` }).refine(Number.isFinite, { error: `${name} must be a finite number` });
const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be ≥ ${min}` })
    .max(max, { error: `${name} must be ≤ ${max}` });

/** Options of one mapping run, validated against `limits`. */
export function mappingOptionsSchema(limits: MappingLimits) {
  return z
    .object({
      system: z.string({ error: 'system must be ring:N or lattice:RxC' }).superRefine((spec, ctx) => {
        try {
          const s = parseSystemSpec(spec);
          const sites = s.kind === 'ring' ? s.n : s.rows * s.cols;
          if (sites > limits.maxSites) ctx.addIssue({ code: 'custom', message: `at most ${limits.maxSites} spins here, got ${spec} (${sites})` });
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        }
      }),
      K: finite('K').refine((k) => Math.abs(k) <= MAX_MAPPING_COUPLING, { error: `K must be in [−${MAX_MAPPING_COUPLING}, ${MAX_MAPPING_COUPLING}]` }),
      hidden: int('hidden', 1, limits.maxHidden),
      steps: int('steps', 0, limits.maxSteps),
      seed: int('seed', 0, 2 ** 32 - 1),
      lr: finite('lr')
        .refine((x) => x > 0 && x <= 10, { error: 'lr must be in (0, 10]' })
        .optional(),
    })
    .strict()
    .superRefine((o, ctx) => {
      let sites = 0;
      try {
        const s = parseSystemSpec(o.system);
        sites = s.kind === 'ring' ? s.n : s.rows * s.cols;
      } catch {
        return; // reported above
      }
      const work = mappingWork(sites, o.hidden, o.steps);
      if (work > limits.maxWork) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps'],
          message: `this run would take ≈ ${work.toExponential(1)} operations, more than the ${limits.maxWork.toExponential(1)} allowed here; use fewer steps, spins or hidden units`,
        });
      }
    });
}

export type MappingOptions = z.infer<ReturnType<typeof mappingOptionsSchema>>;

/** "--hidden: hidden must be ≤ 8; --steps: …" from zod issues. */
export function describeMappingIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `--${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/**
 * Validates `options` (UsageError on anything out of `limits`) and runs the experiment.
 * Progress goes to `progress(message, fraction)`.
 */
export function runMapping(options: unknown, progress?: (message: string, fraction: number) => void, limits: MappingLimits = CLI_MAPPING_LIMITS): MappingReport {
  const parsed = mappingOptionsSchema(limits).safeParse(options);
  if (!parsed.success) throw new UsageError(`invalid mapping options: ${describeMappingIssues(parsed.error)}`);
  try {
    return mappingExperiment(parsed.data, progress);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}



function sci(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toFixed(4);
}

/** The text rendering of a report (without --json). */
export function formatMappingReport(r: MappingReport): string {
  const rows: [string, (f: MappingFiguresJson) => string][] = [
    ['Eq. 21  max_h |H^RG[h] − H^RBM[h]|', (f) => sci(f.eq21_residual)],
    ['Eq. 22  max_v |ln Tr_h e^T − (H − H^RBM[v])|', (f) => sci(f.eq22_residual)],
    ['F^h_λ = −ln Tr_h e^{−H^RG}', (f) => sci(f.free_energy_hidden)],
    ['ΔF = F^h_λ − F^v', (f) => sci(f.delta_f)],
    ['KL(P‖p_λ)  (nats)', (f) => sci(f.kl)],
    ['ln Tr_h e^T   min over v', (f) => sci(f.ln_trace.min)],
    ['              max over v', (f) => sci(f.ln_trace.max)],
    ['              spread (max − min)', (f) => sci(f.ln_trace.range)],
    ['              std under P', (f) => sci(f.ln_trace.std_p)],
    ['constant trace (⇔ KL = 0)', (f) => (f.constant_trace ? 'yes' : 'no')],
    ['exact RG (Tr_h e^T ≡ 1)', (f) => (f.exact_rg ? 'yes' : 'no')],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = [
    `exact mapping, ${r.system} (${r.sites} spins, ${r.bonds} bonds), K = ${r.K}, ${r.hidden} hidden spins; ${r.steps} exact gradient steps (lr ≤ ${r.lr}, seed ${r.seed})`,
    `  ${r.conventions}`,
    `  F^v = −ln Z = ${sci(r.free_energy_visible)}`,
    `  ${''.padEnd(width)}${'before'.padStart(12)}${'after'.padStart(12)}`,
    ...rows.map(([label, get]) => `  ${label.padEnd(width)}${get(r.before).padStart(12)}${get(r.after).padStart(12)}`),
    `  ${r.seconds.toFixed(2)} s${r.rejected_steps > 0 ? `, ${r.rejected_steps} steps undone (they would have raised KL)` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Adds `rgflow mapping` to the program (call after the program's exitOverride/configureOutput). */
export function registerMapping(program: Command): void {
  program
    .command('mapping')
    .description('verify the exact RG ↔ RBM mapping (Eqs. 21–22) by enumeration, before and after exact training on KL')
    .option('--system <spec>', `ring:N (N ≤ ${MAX_MAPPING_SITES}) or lattice:RxC (R·C ≤ ${MAX_MAPPING_SITES}), periodic`, 'ring:12')
    .option('--K <K>', 'coupling K = J/k_BT of the data P(v) ∝ e^{K Σ v_i v_j}', numberArg, 0.4)
    .option('--hidden <n>', `hidden spins (1–${MAX_MAPPING_HIDDEN})`, integerArg, 6)
    .option('--steps <n>', 'exact gradient steps on KL(P‖p_λ)', integerArg, 500)
    .option('--seed <n>', 'seed of the initial weights', integerArg, 1)
    .option('--lr <rate>', 'largest learning rate (a step that would raise KL is undone and the rate halved)', numberArg, 0.2)
    .option('--json', 'print the report as one JSON object on stdout')
    .action((opts: { system: string; K: number; hidden: number; steps: number; seed: number; lr: number; json?: boolean }) => {
      const progress = createProgress();
      let report: MappingReport;
      try {
        report = runMapping(
          { system: opts.system, K: opts.K, hidden: opts.hidden, steps: opts.steps, seed: opts.seed, lr: opts.lr },
          (message, fraction) => progress.update(message, fraction),
        );
      } finally {
        progress.done();
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(formatMappingReport(report));
    });
}

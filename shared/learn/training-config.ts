/**
 * The hyper-parameters of contrastive-divergence training and their validation. Defaults are
 * the paper's (Appendix A: minibatches of 100, momentum, L1 = 2e-4 instead of weight decay)
 * and Hinton & Salakhutdinov's rbm.m (learning rate 0.1, momentum 0.5 → 0.9 after 5 epochs,
 * CD-1 with probabilities for the reconstructed visible units).
 */

/** Momentum μ(e) = initial while fewer than switchEpoch epochs are complete, final afterwards. */
export interface MomentumSchedule {
  /** μ during the first switchEpoch epochs, in [0, 1). */
  initial: number;
  /** μ from epoch switchEpoch + 1 on (1-based), in [0, 1). */
  final: number;
  /** Completed epochs after which μ switches (rbm.m: `if epoch>5`, i.e. 5). */
  switchEpoch: number;
}

/** The complete hyper-parameters of one layer's CD training (see DEFAULT_TRAINING_CONFIG). */
export interface TrainingConfig {
  /** Gibbs steps of the negative phase (CD-k / PCD-k), integer ≥ 1. */
  k: number;
  /** Persistent CD (Tieleman 2008): batchSize fantasy chains carried across minibatches. */
  persistent: boolean;
  /** Rows per minibatch, B. */
  batchSize: number;
  /** ε, the step size of the weight and bias updates (≥ 0; 0 freezes the model). */
  learningRate: number;
  momentum: MomentumSchedule;
  /** L1 strength λ₁: the update subtracts ε·λ₁·sign(w) from every weight (biases exempt). */
  l1: number;
  /** L2 strength λ₂ (weight decay): the update subtracts ε·λ₂·w from every weight. */
  l2: number;
  /**
   * Sample the visible units of plain CD's last Gibbs step too (default false: probabilities
   * there, as in rbm.m). Inner steps of CD-k and persistent chains always sample them.
   */
  sampleVisible?: boolean;
}

/** The paper's / rbm.m's settings. */
export const DEFAULT_TRAINING_CONFIG: Readonly<TrainingConfig> = Object.freeze({
  k: 1,
  persistent: false,
  batchSize: 100,
  learningRate: 0.1,
  momentum: Object.freeze({ initial: 0.5, final: 0.9, switchEpoch: 5 }),
  l1: 2e-4,
  l2: 0,
  sampleVisible: false,
});

/** What a caller may pass: any subset of the options, the momentum schedule also in part. */
export type TrainingConfigInput = Partial<Omit<TrainingConfig, 'momentum'>> & { momentum?: Partial<MomentumSchedule> };

const KEYS = Object.keys(DEFAULT_TRAINING_CONFIG);
const MOMENTUM_KEYS = Object.keys(DEFAULT_TRAINING_CONFIG.momentum);

function integerAtLeast(name: string, x: unknown, min: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(x)}`);
  return x;
}

function finiteAtLeastZero(name: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(x)}`);
  return x;
}

function momentumValue(name: string, x: unknown): number {
  if (typeof x !== 'number' || !(x >= 0 && x < 1)) throw new RangeError(`${name} must lie in [0, 1), got ${String(x)}`);
  return x;
}

function flag(name: string, x: unknown): boolean {
  if (typeof x !== 'boolean') throw new RangeError(`${name} must be true or false, got ${String(x)}`);
  return x;
}

/**
 * A complete, checked TrainingConfig: the defaults overlaid with `partial`. Throws RangeError
 * naming the option for unknown keys and out-of-range values (k < 1, batchSize < 1, negative
 * or non-finite rates and penalties, momentum outside [0, 1)).
 */
export function validateTrainingConfig(partial: TrainingConfigInput = {}): TrainingConfig {
  for (const key of Object.keys(partial)) {
    if (!KEYS.includes(key)) throw new RangeError(`unknown training option "${key}" (known: ${KEYS.join(', ')})`);
  }
  const m = partial.momentum ?? {};
  for (const key of Object.keys(m)) {
    if (!MOMENTUM_KEYS.includes(key)) throw new RangeError(`unknown momentum option "${key}" (known: ${MOMENTUM_KEYS.join(', ')})`);
  }
  const d = DEFAULT_TRAINING_CONFIG;
  return {
    k: integerAtLeast('k (Gibbs steps)', partial.k ?? d.k, 1),
    persistent: flag('persistent', partial.persistent ?? d.persistent),
    batchSize: integerAtLeast('batchSize', partial.batchSize ?? d.batchSize, 1),
    learningRate: finiteAtLeastZero('learningRate', partial.learningRate ?? d.learningRate),
    momentum: {
      initial: momentumValue('momentum.initial', m.initial ?? d.momentum.initial),
      final: momentumValue('momentum.final', m.final ?? d.momentum.final),
      switchEpoch: integerAtLeast('momentum.switchEpoch', m.switchEpoch ?? d.momentum.switchEpoch, 0),
    },
    l1: finiteAtLeastZero('l1', partial.l1 ?? d.l1),
    l2: finiteAtLeastZero('l2', partial.l2 ?? d.l2),
    sampleVisible: flag('sampleVisible', partial.sampleVisible ?? d.sampleVisible),
  };
}

/** μ for the epoch that follows `completedEpochs` finished epochs (0-based count). */
export function momentumAt(schedule: MomentumSchedule, completedEpochs: number): number {
  return completedEpochs < schedule.switchEpoch ? schedule.initial : schedule.final;
}

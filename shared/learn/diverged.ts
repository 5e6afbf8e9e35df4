/**
 * The error training throws when a parameter or a reconstruction turns NaN or ±Infinity.
 * The trainer knows the epoch (and minibatch); the stack adds the layer.
 */

/** Training produced NaN or ±Infinity. epoch, layer and batch are 1-based; layer is set by the stack. */
export class TrainingDivergedError extends Error {
  readonly epoch: number;
  readonly layer: number | undefined;
  /** 1-based minibatch within the epoch, when the divergence showed inside one. */
  readonly batch: number | undefined;
  /** What was found, without the where. */
  readonly detail: string;

  /** detail: what was found; epoch (and batch): where; the message reads "training diverged in layer L, epoch E, minibatch B: detail". */
  constructor(detail: string, epoch: number, layer?: number, batch?: number) {
    const where = `${layer === undefined ? '' : `layer ${layer}, `}epoch ${epoch}${batch === undefined ? '' : `, minibatch ${batch}`}`;
    super(`training diverged in ${where}: ${detail}`);
    this.name = 'TrainingDivergedError';
    this.detail = detail;
    this.epoch = epoch;
    this.layer = layer;
    this.batch = batch;
  }

  /** The same error with the layer named. */
  withLayer(layer: number): TrainingDivergedError {
    return new TrainingDivergedError(this.detail, this.epoch, layer, this.batch);
  }
}

/**
 * Validation schemas for the engine settings a host may send: hyper-parameters changed while
 * the run goes on, and the settings of a reset (a new lattice size or architecture is a reset).
 * Per-field ranges from ENGINE_LIMITS; objects are strict (unknown keys, `__proto__` included,
 * fail) and numbers finite. Cross-field rules (weight-matrix size, buffer bytes, batch ≤ buffer)
 * are checked by server/engine/engine-config.ts, which every setting passes through anyway.
 */
import { z } from 'zod';
import { ALGORITHMS } from '../physics/ising.js';
import { ENGINE_LIMITS as LIM } from './engine-events.js';

const integerIn = (r: { min: number; max: number }) => z.number().int().min(r.min).max(r.max);
const numberIn = (r: { min: number; max: number }) => z.number().min(r.min).max(r.max);

/** A hidden layer's unit count: side² with side in ENGINE_LIMITS.layerSide. */
const layerUnits = z
  .number()
  .int()
  .refine((n) => {
    const side = Math.round(Math.sqrt(n));
    return side * side === n && side >= LIM.layerSide.min && side <= LIM.layerSide.max;
  }, `a layer must have side² units with side in [${LIM.layerSide.min}, ${LIM.layerSide.max}]`);

const hyperparameterFields = {
  learningRate: numberIn(LIM.learningRate),
  l1: numberIn(LIM.l1),
  k: integerIn(LIM.k),
  persistent: z.boolean(),
  algorithm: z.enum(ALGORITHMS),
};

/** `setHyperparameters`: any non-empty subset of learningRate, l1, k, persistent, algorithm. */
export const hyperparameterSchema = z
  .strictObject(hyperparameterFields)
  .partial()
  .refine((h) => Object.keys(h).length > 0, 'name at least one hyper-parameter');

/** `reset`: the settings of the new run, any subset (the rest stay as they are); `{}` restarts from the seed. */
export const resetSettingsSchema = z
  .strictObject({
    ...hyperparameterFields,
    L: integerIn(LIM.L).refine((L) => L % 2 === 0, 'L must be even'),
    layers: z.array(layerUnits).min(LIM.layerCount.min).max(LIM.layerCount.max),
    batchSize: integerIn(LIM.batchSize),
    bufferSize: integerIn(LIM.bufferSize),
    sweepsPerTick: integerIn(LIM.sweepsPerTick),
    trainEvery: integerIn(LIM.trainEvery),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  })
  .partial();

/** `step`: ticks to run while paused. */
export const stepSchema = z.strictObject({ ticks: integerIn(LIM.stepTicks) });

export type HyperparameterInput = z.infer<typeof hyperparameterSchema>;
export type ResetSettingsInput = z.infer<typeof resetSettingsSchema>;

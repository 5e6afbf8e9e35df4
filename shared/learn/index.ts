/**
 * The learning half of rgflow: RBMs trained by contrastive divergence, greedy stacks, exact
 * likelihoods of small models, monitoring, and the paper's effective receptive fields.
 */
export * from './backend.js';
export * from './rbm.js';
export * from './training-config.js';
export * from './diverged.js';
export { RbmTrainer, sumOfSquares } from './trainer.js';
export * from './trainer-types.js';
export * from './monitor.js';
export * from './exact-likelihood.js';
export * from './stack.js';
export * from './online-stack.js';
export * from './receptive-field.js';

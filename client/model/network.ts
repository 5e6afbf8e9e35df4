/**
 * The network as the page draws it, decoded from a `weights` snapshot: per layer the
 * dequantized W(l) (n(l−1) × n(l), row-major), its biases, the effective receptive fields
 * r(l) = W(1)⋯W(l) (n(0) × n(l); r(1) = W(1), r(l ≥ 2) as sent), each unit's field centre on
 * the L×L torus (where the 3D view places it), and the top-down reconstruction of the
 * compression strip. Pure functions over typed arrays; no DOM.
 */
import type { FieldCentre } from '../../shared/learn/receptive-field.js';
import { strongPartCentres } from '../../shared/rg/effective-coupling-2d.js';
import type { WeightsPayload } from '../../shared/protocol/engine-events.js';
import { asFloat32, asInt8, dequantize } from '../../shared/protocol/weights-codec.js';

export interface DecodedLayer {
  /** n(l−1). */
  visible: number;
  /** n(l). */
  hidden: number;
  /** W(l), visible × hidden, row-major: entry i·hidden + j couples unit i below to unit j. */
  weights: Float32Array;
  /** c(l), length visible. */
  visibleBias: Float32Array;
  /** b(l), length hidden. */
  hiddenBias: Float32Array;
}

export interface DecodedNetwork {
  tick: number;
  /** Linear size of the visible lattice, n(0) = L². */
  L: number;
  /** Layers 1…n, bottom first. */
  layers: DecodedLayer[];
  /** r(l) for l = 1…n (index l − 1), n(0) × n(l), row-major. */
  fields: Float32Array[];
  /** Unit j of layer l sits at centres[l − 1][j] (lattice spacings, NaN for a zero field). */
  centres: FieldCentre[][];
}

/** Decodes a snapshot of a network over an L×L lattice. */
export function decodeNetwork(payload: WeightsPayload, L: number): DecodedNetwork {
  const layers = payload.layers.map((layer) => ({
    visible: layer.visible,
    hidden: layer.hidden,
    weights: dequantize(asInt8(layer.weights), layer.scale),
    visibleBias: asFloat32(layer.visibleBias).slice(),
    hiddenBias: asFloat32(layer.hiddenBias).slice(),
  }));
  const fields: Float32Array[] = [];
  if (layers[0]) fields.push(layers[0].weights);
  for (let l = 2; l <= layers.length; l++) {
    const sent = payload.receptiveFields.find((field) => field.layer === l);
    fields.push(sent ? dequantize(asInt8(sent.values), sent.scale) : new Float32Array(L * L * layers[l - 1]!.hidden));
  }
  const centres = fields.map((field, index) => unitCentres(field, layers[index]!.hidden, L));
  return { tick: payload.tick, L, layers, fields, centres };
}

/** Column `unit` of an n(0) × units field matrix. */
export function fieldOf(fields: Float32Array, units: number, unit: number, out = new Float32Array(fields.length / units)): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = fields[i * units + unit]!;
  return out;
}

/**
 * Where each unit's field is concentrated: the circular mean position of its strong part
 * (|r| above half its maximum), not of the whole field, whose faint background would pull every
 * centre toward the middle (the whole-field centroid is what shared/learn reports as a metric).
 */
export function unitCentres(fields: Float32Array, units: number, L: number): FieldCentre[] {
  // The same rule as the coupling trajectories' placement (shared/rg/effective-coupling-2d.ts).
  const { x, y } = strongPartCentres(fields, units, L);
  return Array.from({ length: units }, (_, j) => ({ x: x[j]!, y: y[j]! }));
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Mean-field top-down pass (the compression strip): from the top layer's ±1 states h(n), the
 * probabilities p(v = 1 | h) layer by layer down to the lattice, p(l−1) = σ(W(l) h(l) + c(l))
 * with h(l) as {0,1} (the RBMs' units). Returns n(0) probabilities that a spin is up.
 */
export function reconstruct(network: DecodedNetwork, topStates: Int8Array): Float32Array {
  let above = Float32Array.from(topStates, (s) => (s > 0 ? 1 : 0));
  for (let l = network.layers.length - 1; l >= 0; l--) {
    const { visible, hidden, weights, visibleBias } = network.layers[l]!;
    const below = new Float32Array(visible);
    for (let i = 0; i < visible; i++) {
      let sum = visibleBias[i]!;
      const row = i * hidden;
      for (let j = 0; j < hidden; j++) sum += weights[row + j]! * above[j]!;
      below[i] = sigmoid(sum);
    }
    above = below;
  }
  return above;
}

/**
 * The `count` strongest connections of unit `unit` of layer `layer` (1-based) to the layer
 * below, strongest first: the unit below and the weight.
 */
export function strongestConnections(network: DecodedNetwork, layer: number, unit: number, count: number): { from: number; weight: number }[] {
  const { visible, hidden, weights } = network.layers[layer - 1]!;
  const all: { from: number; weight: number }[] = [];
  for (let i = 0; i < visible; i++) all.push({ from: i, weight: weights[i * hidden + unit]! });
  all.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  return all.slice(0, count);
}

// Layers of the split network (bottom per party, interactive layer and top at the guest) as tfjs variables.
import * as tf from '@tensorflow/tfjs';
import { VerticalError } from '../VerticalError.ts';
import { MAX_HOSTS } from '../roles.ts';

/** Sizes and optimiser of a split NN run, agreed by all parties. */
export interface SplitNnConfig {
  /** Aligned training rows. */
  rows: number;
  guestFeatures: number;
  /** Features of the host, or of each host in role order (`host`, `host-2`, …). */
  hostFeatures: number | readonly number[];
  /** Width k of each bottom model's output (the embedding). Default 32. */
  embeddingUnits?: number;
  /** Width o of the interactive layer; o < k keeps a_h·W_h from determining a_h. Default 16. */
  interactiveUnits?: number;
  classes?: number;
  batchSize?: number;
  /** Adam step size. Default 0.003. */
  learningRate?: number;
  /** Seed of the initial weights (each layer derives its own). Default 1. */
  seed?: number;
}

/** A config with every default filled in; `hostFeatures` always a list, one entry per host. */
export type ResolvedSplitNnConfig = Required<Omit<SplitNnConfig, 'hostFeatures'>> & { hostFeatures: number[] };

/** @example resolveSplitNnConfig({ rows: 3000, guestFeatures: 392, hostFeatures: 392 }) */
export function resolveSplitNnConfig(config: SplitNnConfig): ResolvedSplitNnConfig {
  const hostFeatures = typeof config.hostFeatures === 'number' ? [config.hostFeatures] : config.hostFeatures;
  if (!Array.isArray(hostFeatures) || hostFeatures.length < 1 || hostFeatures.length > MAX_HOSTS) {
    throw new VerticalError('VFL_BAD_PARAMETER', `hostFeatures must be a number or a list of 1 to ${MAX_HOSTS}`);
  }
  const r = { embeddingUnits: 32, interactiveUnits: 16, classes: 10, batchSize: 64, learningRate: 0.003, seed: 1, ...config, hostFeatures: [...hostFeatures] };
  for (const key of ['rows', 'guestFeatures', 'embeddingUnits', 'interactiveUnits', 'classes', 'batchSize'] as const) {
    if (!Number.isInteger(r[key]) || r[key] < 1) throw new VerticalError('VFL_BAD_PARAMETER', `${key} must be a positive integer`);
  }
  if (r.hostFeatures.some((d) => !Number.isInteger(d) || d < 1)) throw new VerticalError('VFL_BAD_PARAMETER', 'hostFeatures must be positive integers');
  if (!(r.learningRate > 0)) throw new VerticalError('VFL_BAD_PARAMETER', 'learningRate must be > 0');
  return r;
}

/** Rows [start, end) of step `step`: batches in the aligned order, epoch after epoch. */
export function splitNnBatch(step: number, config: ResolvedSplitNnConfig): { start: number; end: number } {
  const perEpoch = Math.ceil(config.rows / config.batchSize);
  const start = (step % perEpoch) * config.batchSize;
  return { start, end: Math.min(config.rows, start + config.batchSize) };
}

/** A dense layer's variables. */
export interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** Which initial weights each layer draws: the same seeds give the same start at every party and in the baselines. */
export const LAYER_SEEDS = { guestBottom: 0, hostBottom: 1, interactiveGuest: 2, interactiveHost: 3, top: 4 } as const;

/**
 * Seed of host `index`'s bottom model or interactive weight W_h. The first host keeps the
 * two-party seeds; later hosts are offset by 1000 each, so no two layers of a run start alike.
 * @example hostLayerSeed(config.seed, 'hostBottom', 1)
 */
export function hostLayerSeed(seed: number, layer: 'hostBottom' | 'interactiveHost', index: number): number {
  return seed * 8 + LAYER_SEEDS[layer] + 1000 * index;
}

/** Glorot-uniform kernel and zero bias. */
export function dense(inputs: number, units: number, seed: number, withBias = true): Dense {
  const init = tf.initializers.glorotUniform({ seed });
  return {
    kernel: tf.variable(init.apply([inputs, units]) as tf.Tensor2D),
    bias: tf.variable(tf.zeros(withBias ? [units] : [1])),
  };
}

/** relu(x·W + b): a bottom model. */
export function bottomForward(layer: Dense, x: tf.Tensor2D): tf.Tensor2D {
  return tf.relu(tf.add(tf.matMul(x, layer.kernel), layer.bias)) as tf.Tensor2D;
}

/** Mean softmax cross-entropy and the count of correct argmax predictions. */
export function crossEntropy(logits: tf.Tensor2D, labels: Uint8Array, classes: number): tf.Scalar {
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
  return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
}

/** Rows of `features` as a 2-D tensor. */
export function rowsTensor(features: Float32Array, start: number, end: number, width: number): tf.Tensor2D {
  return tf.tensor2d(features.subarray(start * width, end * width), [end - start, width]);
}

/** Indices of the largest logit per row. */
export function argmaxRows(logits: tf.Tensor2D): Int32Array {
  return tf.tidy(() => tf.argMax(logits, 1).dataSync() as Int32Array);
}

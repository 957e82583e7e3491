// Plaintext Taylor-approximated logistic regression on vertically split rows: the reference and the baseline.
import { batchOfStep, resolveHeteroLrConfig } from './config.ts';
import type { HeteroLrConfig, ResolvedHeteroLrConfig } from './config.ts';

/** One more host's columns of the same rows. */
export interface LrHostColumns {
  features: Float32Array;
  featureCount: number;
}

/** Aligned rows of a vertical LR problem (guest and one or more hosts), in one process (tests, benchmarks, baselines). */
export interface VerticalLrData {
  guestFeatures: Float32Array;
  guestFeatureCount: number;
  /** The first host's columns. */
  hostFeatures: Float32Array;
  hostFeatureCount: number;
  /** Hosts after the first (`host-2`, …), if any. */
  otherHosts?: readonly LrHostColumns[];
  /** 0/1 labels, at the guest. */
  labels: Uint8Array;
}

/** Every host's columns, the first host first. */
export function lrHosts(data: Omit<VerticalLrData, 'labels'>): LrHostColumns[] {
  return [{ features: data.hostFeatures, featureCount: data.hostFeatureCount }, ...(data.otherHosts ?? [])];
}

/** Gradients and mean loss of one batch. */
export interface TaylorBatch {
  /** Guest features' gradient, then the intercept's. */
  guest: Float64Array;
  /** The first host's gradient (`hosts[0]`). */
  host: Float64Array;
  /** Every host's gradient, in host order. */
  hosts: Float64Array[];
  loss: number;
}

const asList = (w: Float64Array | readonly Float64Array[]): readonly Float64Array[] => (w instanceof Float64Array ? [w] : w);

/**
 * Mean gradient and loss of the Taylor loss l ≈ log 2 − ½·y·z + ⅛·z² (y ∈ {−1, +1}) over rows
 * [start, end), with the L2 term on every weight but the intercept: exactly what hetero LR
 * computes under encryption, so the two must agree within fixed-point error. `hostWeights` is one
 * array per host (a single array for one host).
 * @example const { guest, host } = taylorLrBatch(data, wg, wh, 0, 64, 0);
 */
export function taylorLrBatch(
  data: VerticalLrData,
  guestWeights: Float64Array,
  hostWeights: Float64Array | readonly Float64Array[],
  start: number,
  end: number,
  l2: number,
): TaylorBatch {
  const dg = data.guestFeatureCount;
  const hosts = lrHosts(data);
  const wh = asList(hostWeights);
  const guest = new Float64Array(dg + 1);
  const grads = hosts.map((h) => new Float64Array(h.featureCount));
  let loss = 0;
  for (let i = start; i < end; i++) {
    let z = guestWeights[dg]!;
    for (let j = 0; j < dg; j++) z += guestWeights[j]! * data.guestFeatures[i * dg + j]!;
    hosts.forEach((h, p) => {
      for (let j = 0; j < h.featureCount; j++) z += wh[p]![j]! * h.features[i * h.featureCount + j]!;
    });
    const y = data.labels[i] === 1 ? 1 : -1;
    const d = 0.25 * z - 0.5 * y;
    loss += Math.log(2) - 0.5 * y * z + 0.125 * z * z;
    for (let j = 0; j < dg; j++) guest[j]! += d * data.guestFeatures[i * dg + j]!;
    guest[dg]! += d;
    hosts.forEach((h, p) => {
      for (let j = 0; j < h.featureCount; j++) grads[p]![j]! += d * h.features[i * h.featureCount + j]!;
    });
  }
  const rows = end - start;
  for (let j = 0; j <= dg; j++) guest[j] = guest[j]! / rows + (j < dg ? l2 * guestWeights[j]! : 0);
  grads.forEach((g, p) => {
    for (let j = 0; j < g.length; j++) g[j] = g[j]! / rows + l2 * wh[p]![j]!;
  });
  return { guest, host: grads[0]!, hosts: grads, loss: loss / rows };
}

/**
 * The same training as hetero LR, step for step, in plaintext with all features in one place:
 * the "centralised" reference of the encrypted run (and the plaintext side of bench/vertical.ts).
 * @example const plain = new PlainTaylorLr(data, { rows: 1000 }); plain.step();
 */
export class PlainTaylorLr {
  readonly config: ResolvedHeteroLrConfig;
  readonly guestWeights: Float64Array;
  /** The first host's weights (`allHostWeights[0]`). */
  readonly hostWeights: Float64Array;
  /** Every host's weights, in host order. */
  readonly allHostWeights: Float64Array[];
  private stepCount = 0;

  constructor(
    private readonly data: VerticalLrData,
    config: HeteroLrConfig,
  ) {
    this.config = resolveHeteroLrConfig(config);
    this.guestWeights = new Float64Array(data.guestFeatureCount + 1);
    this.allHostWeights = lrHosts(data).map((h) => new Float64Array(h.featureCount));
    this.hostWeights = this.allHostWeights[0]!;
  }

  /** One SGD step; returns the batch's mean loss before the update. */
  step(): number {
    const { start, end } = batchOfStep(this.stepCount++, this.config);
    const g = taylorLrBatch(this.data, this.guestWeights, this.allHostWeights, start, end, this.config.l2);
    for (let j = 0; j < g.guest.length; j++) this.guestWeights[j]! -= this.config.learningRate * g.guest[j]!;
    g.hosts.forEach((gh, p) => {
      for (let j = 0; j < gh.length; j++) this.allHostWeights[p]![j]! -= this.config.learningRate * gh[j]!;
    });
    return g.loss;
  }
}

/** P(y = 1) for rows split vertically, with every party's weights. @example lrProbabilities(test, wg, wh) */
export function lrProbabilities(data: Omit<VerticalLrData, 'labels'>, guestWeights: Float64Array, hostWeights: Float64Array | readonly Float64Array[]): Float64Array {
  const dg = data.guestFeatureCount;
  const hosts = lrHosts(data);
  const wh = asList(hostWeights);
  const rows = data.guestFeatures.length / dg;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = guestWeights[dg]!;
    for (let j = 0; j < dg; j++) z += guestWeights[j]! * data.guestFeatures[i * dg + j]!;
    hosts.forEach((h, p) => {
      for (let j = 0; j < h.featureCount; j++) z += wh[p]![j]! * h.features[i * h.featureCount + j]!;
    });
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

/** Fraction of rows whose probability falls on the side of its 0/1 label. */
export function binaryAccuracy(probabilities: Float64Array, labels: Uint8Array): number {
  let right = 0;
  probabilities.forEach((p, i) => {
    if ((p >= 0.5 ? 1 : 0) === labels[i]) right++;
  });
  return probabilities.length === 0 ? 0 : right / probabilities.length;
}

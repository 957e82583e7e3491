// Plaintext Taylor-approximated logistic regression on vertically split rows: the reference and the baseline.
import { batchOfStep, resolveHeteroLrConfig } from './config.ts';
import type { HeteroLrConfig, ResolvedHeteroLrConfig } from './config.ts';

/** Aligned rows of a two-party vertical LR problem, in one process (tests, benchmarks, baselines). */
export interface VerticalLrData {
  guestFeatures: Float32Array;
  guestFeatureCount: number;
  hostFeatures: Float32Array;
  hostFeatureCount: number;
  /** 0/1 labels, at the guest. */
  labels: Uint8Array;
}

/** Gradients and mean loss of one batch. */
export interface TaylorBatch {
  /** Guest features' gradient, then the intercept's. */
  guest: Float64Array;
  host: Float64Array;
  loss: number;
}

/**
 * Mean gradient and loss of the Taylor loss l ≈ log 2 − ½·y·z + ⅛·z² (y ∈ {−1, +1}) over rows
 * [start, end), with the L2 term on every weight but the intercept: exactly what hetero LR
 * computes under encryption, so the two must agree within fixed-point error.
 * @example const { guest, host } = taylorLrBatch(data, wg, wh, 0, 64, 0);
 */
export function taylorLrBatch(
  data: VerticalLrData,
  guestWeights: Float64Array,
  hostWeights: Float64Array,
  start: number,
  end: number,
  l2: number,
): TaylorBatch {
  const dg = data.guestFeatureCount;
  const dh = data.hostFeatureCount;
  const guest = new Float64Array(dg + 1);
  const host = new Float64Array(dh);
  let loss = 0;
  for (let i = start; i < end; i++) {
    let z = guestWeights[dg]!;
    for (let j = 0; j < dg; j++) z += guestWeights[j]! * data.guestFeatures[i * dg + j]!;
    for (let j = 0; j < dh; j++) z += hostWeights[j]! * data.hostFeatures[i * dh + j]!;
    const y = data.labels[i] === 1 ? 1 : -1;
    const d = 0.25 * z - 0.5 * y;
    loss += Math.log(2) - 0.5 * y * z + 0.125 * z * z;
    for (let j = 0; j < dg; j++) guest[j]! += d * data.guestFeatures[i * dg + j]!;
    guest[dg]! += d;
    for (let j = 0; j < dh; j++) host[j]! += d * data.hostFeatures[i * dh + j]!;
  }
  const rows = end - start;
  for (let j = 0; j <= dg; j++) guest[j] = guest[j]! / rows + (j < dg ? l2 * guestWeights[j]! : 0);
  for (let j = 0; j < dh; j++) host[j] = host[j]! / rows + l2 * hostWeights[j]!;
  return { guest, host, loss: loss / rows };
}

/**
 * The same training as hetero LR, step for step, in plaintext with all features in one place:
 * the "centralised" reference of the encrypted run (and the plaintext side of bench/vertical.ts).
 * @example const plain = new PlainTaylorLr(data, { rows: 1000 }); plain.step();
 */
export class PlainTaylorLr {
  readonly config: ResolvedHeteroLrConfig;
  readonly guestWeights: Float64Array;
  readonly hostWeights: Float64Array;
  private stepCount = 0;

  constructor(
    private readonly data: VerticalLrData,
    config: HeteroLrConfig,
  ) {
    this.config = resolveHeteroLrConfig(config);
    this.guestWeights = new Float64Array(data.guestFeatureCount + 1);
    this.hostWeights = new Float64Array(data.hostFeatureCount);
  }

  /** One SGD step; returns the batch's mean loss before the update. */
  step(): number {
    const { start, end } = batchOfStep(this.stepCount++, this.config);
    const g = taylorLrBatch(this.data, this.guestWeights, this.hostWeights, start, end, this.config.l2);
    for (let j = 0; j < g.guest.length; j++) this.guestWeights[j]! -= this.config.learningRate * g.guest[j]!;
    for (let j = 0; j < g.host.length; j++) this.hostWeights[j]! -= this.config.learningRate * g.host[j]!;
    return g.loss;
  }
}

/** P(y = 1) for rows split vertically, with both parties' weights. @example lrProbabilities(test, wg, wh) */
export function lrProbabilities(data: Omit<VerticalLrData, 'labels'>, guestWeights: Float64Array, hostWeights: Float64Array): Float64Array {
  const dg = data.guestFeatureCount;
  const dh = data.hostFeatureCount;
  const rows = data.guestFeatures.length / dg;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = guestWeights[dg]!;
    for (let j = 0; j < dg; j++) z += guestWeights[j]! * data.guestFeatures[i * dg + j]!;
    for (let j = 0; j < dh; j++) z += hostWeights[j]! * data.hostFeatures[i * dh + j]!;
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

// Plaintext FTL: the same two networks, batches and objective as the encrypted protocol, in one process (baseline and reference).
import { ftlBatch, resolveFtlConfig } from './config.ts';
import type { FtlConfig, ResolvedFtlConfig } from './config.ts';
import { ftlGradients, ftlScores, guestGradient, phiOf } from './ftlMath.ts';
import type { FtlGradients } from './ftlMath.ts';
import { RepresentationNet } from './representation.ts';

/** What FTL trains on: the guest's rows and labels, the host's overlap rows, which guest row each overlap row is. */
export interface FtlData {
  guestFeatures: Float32Array;
  guestFeatureCount: number;
  labels: Uint8Array;
  /** Host features of the overlap rows, in the aligned order. */
  hostOverlap: Float32Array;
  hostFeatureCount: number;
  /** Guest row of each overlap row, in the same order. */
  overlapRows: readonly number[];
}

/**
 * FTL without encryption: what the encrypted guest and host compute together, with identical
 * initial weights (same seeds), so a run of each can be compared step by step.
 * @example
 * const plain = new PlainFtl(data, { dim: 8 });
 * for (let s = 0; s < plain.stepsPerEpoch; s++) plain.step();
 * const scores = plain.scores(hostRowsToLabel);
 */
export class PlainFtl {
  readonly config: ResolvedFtlConfig;
  readonly guestNet: RepresentationNet;
  readonly hostNet: RepresentationNet;
  stepCount = 0;

  constructor(readonly data: FtlData, config: FtlConfig = {}) {
    this.config = resolveFtlConfig(config);
    const { hidden, dim, seed } = this.config;
    this.guestNet = new RepresentationNet(data.guestFeatureCount, hidden, dim, seed * 2 + 1);
    this.hostNet = new RepresentationNet(data.hostFeatureCount, hidden, dim, seed * 2 + 2);
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.data.overlapRows.length / this.config.batchSize);
  }

  /** The gradients of the next step without applying them (what the encrypted parties must reproduce). */
  gradients(): FtlGradients & { guest: Float64Array } {
    return this.compute().grads;
  }

  /** One SGD step of both networks; returns the step's loss. */
  step(): number {
    const { grads, guestPass, hostPass } = this.compute();
    this.guestNet.backward(guestPass, grads.guest, this.config.learningRate);
    this.hostNet.backward(hostPass, grads.host, this.config.learningRate);
    this.stepCount++;
    return grads.loss;
  }

  /** Φ_A over every guest row. */
  phi(): Float64Array {
    const { guestFeatures, labels } = this.data;
    return phiOf(this.guestNet.forward(guestFeatures, labels.length).output, labels, this.config.dim);
  }

  /** φ(u_B) of host rows (rows × hostFeatureCount): > 0 predicts label 1. */
  scores(hostFeatures: Float32Array): Float64Array {
    const rows = hostFeatures.length / this.data.hostFeatureCount;
    return ftlScores(this.phi(), this.hostNet.forward(hostFeatures, rows).output, this.config.dim);
  }

  private compute() {
    const { guestFeatures, labels, hostOverlap, hostFeatureCount, overlapRows } = this.data;
    const { dim, gamma, batchSize } = this.config;
    const guestPass = this.guestNet.forward(guestFeatures, labels.length);
    const phi = phiOf(guestPass.output, labels, dim);
    const { from, to } = ftlBatch(this.stepCount, overlapRows.length, batchSize);
    const hostPass = this.hostNet.forward(hostOverlap.subarray(from * hostFeatureCount, to * hostFeatureCount), to - from);
    const batchRows = overlapRows.slice(from, to);
    const uA = new Float64Array(batchRows.length * dim);
    batchRows.forEach((row, i) => uA.set(guestPass.output.subarray(row * dim, (row + 1) * dim), i * dim));
    const batchLabels = Uint8Array.from(batchRows, (row) => labels[row]!);
    const g = ftlGradients(phi, uA, batchLabels, hostPass.output, dim, gamma);
    const guest = guestGradient(g.byPhi, g.guestAlignment, labels, batchRows, dim);
    return { grads: { ...g, guest }, guestPass, hostPass };
  }
}

/** Share of scores whose sign matches the 0/1 label (score > 0 ⇒ 1). @example scoreAccuracy(plain.scores(rows), labels) */
export function scoreAccuracy(scores: Float64Array, labels: Uint8Array): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if ((scores[i]! > 0 ? 1 : 0) === labels[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}

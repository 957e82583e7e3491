// The active party (guest) of hetero LR: holds the labels; turns encrypted host scores into encrypted residuals.
import type { PaillierCiphertext } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import type { HeteroLrConfig } from './config.ts';
import { ciphertextsFromWire, ciphertextsToWire, FEATURE_FRACTION_BITS, RESIDUAL_FRACTION_BITS, SCORE_FRACTION_BITS, toFixed } from './encoding.ts';
import { encryptedDot } from './encryptedDot.ts';
import { expectMessage } from './messages.ts';
import type { HeteroLrLossMessage, HeteroLrMaskedGradientMessage, HeteroLrResidualsMessage } from './messages.ts';
import { HeteroLrPartyState } from './partyState.ts';

const LOG_2 = Math.log(2);

/**
 * Guest of FATE-style hetero logistic regression with the Taylor-approximated loss
 * l(z) ≈ log 2 − ½·y·z + ⅛·z² (y ∈ {−1, +1}, z = w_g·x_g + b + w_h·x_h), whose derivative in z is
 * the residual d = ¼·z − ½·y (z sums the partial scores of every host). Per step: the hosts' scores → `residuals()` ([[d]] → host, [[loss]] →
 * arbiter); `gradient()` → arbiter; the reply → `applyGradient()`. The guest only ever holds the
 * host's scores encrypted. Its weights are its features' plus an intercept (the last weight).
 * @example
 * const guest = new HeteroLrGuest(alignedFeatures, 98, alignedLabels, { rows: 1000 });
 * guest.receivePublicKey(arbiter.publicKeyMessage());
 * const { toHost, toArbiter } = guest.residuals(scoresFromHost);
 */
export class HeteroLrGuest extends HeteroLrPartyState {
  private readonly labels: Uint8Array;
  private residualsOfStep: PaillierCiphertext[] | undefined;

  constructor(features: Float32Array, featureCount: number, labels: Uint8Array, config: HeteroLrConfig) {
    super('guest', features, featureCount, config, featureCount + 1);
    if (labels.length !== this.config.rows || labels.some((y) => y > 1)) {
      throw new VerticalError('VFL_BAD_PARAMETER', `labels must be ${this.config.rows} values in {0, 1}`);
    }
    this.labels = labels;
  }

  /**
   * Step part 1: from the hosts' [[u_p]] (one scores message per host, in host order; a single
   * message for one host), [[U]] = Π [[u_p]] and the encrypted residuals
   * [[d_i]] = [[¼·U_i]] + ¼·u_g,i − ½·y_i for every host, and the encrypted batch loss for the
   * arbiter. With k > 1 hosts the loss needs the hosts' cross terms (one message from each host but
   * the first, see HeteroLrHost.crossTerms). VFL_BAD_CIPHERTEXT on a bad score.
   */
  residuals(hostScores: unknown, crossTerms: readonly unknown[] = []): { toHost: HeteroLrResidualsMessage; toArbiter: HeteroLrLossMessage } {
    const key = this.requireKey();
    const messages = Array.isArray(hostScores) ? hostScores : [hostScores];
    if (messages.length === 0) throw new VerticalError('VFL_BAD_PARAMETER', 'at least one host’s scores are needed');
    if (crossTerms.length !== messages.length - 1) throw new VerticalError('VFL_MALFORMED', `expected cross terms from ${messages.length - 1} hosts`);
    const parsed = messages.map((message) => expectMessage(message, 'hetero-lr.host-scores', this.stepInternal));
    const crossParsed = crossTerms.map((message) => expectMessage(message, 'hetero-lr.cross-terms', this.stepInternal));
    if (this.residualsOfStep) throw new VerticalError('VFL_OUT_OF_ORDER', 'residuals of this step were already computed');
    const { start, end } = this.batch();
    const perHost = parsed.map((m) => ciphertextsFromWire(m.scores, end - start, key, 'scores'));
    const squaredNorms = parsed.map((m) => ciphertextsFromWire([m.squaredNorm], 1, key, 'squaredNorm')[0]!);
    const hostCross = crossParsed.map((m) => ciphertextsFromWire([m.terms], 1, key, 'terms')[0]!);
    const scores = perHost[0]!.map((c, k) => perHost.slice(1).reduce((acc, other) => key.add(acc, other[k]!), c));
    const u = this.partialScores(this.features, start, end);
    const quarterShift = 1n << BigInt(SCORE_FRACTION_BITS - 2);
    const coefficients: bigint[] = [];
    let constant = 0;
    const residuals = scores.map((c, k) => {
      const ug = u[k]! + this.weightsInternal[this.featureCount]!;
      const y = this.labels[start + k] === 1 ? 1 : -1;
      const offset = 0.25 * ug - 0.5 * y;
      coefficients.push(toFixed(offset, SCORE_FRACTION_BITS));
      constant += LOG_2 - 0.5 * y * ug + 0.125 * ug * ug;
      // Re-randomised by a fresh E(0): otherwise a host holding [[U]] could divide it out and read the offset.
      return key.add(key.addPlaintext(key.multiplyScalar(c, quarterShift), toFixed(offset, RESIDUAL_FRACTION_BITS)), this.pool!.encrypt(0n));
    });
    // Σ l_i = Σ (log 2 − ½y·u_g + ⅛u_g²) + Σ (¼u_g − ½y)·U + ⅛Σ U², with
    // ⅛U² = ⅛Σ_p u_p² + ¼Σ_{p<q} u_p·u_q: the last three stay encrypted.
    const cross = encryptedDot(key, scores, coefficients);
    const withSquares = [...squaredNorms, ...hostCross].reduce((acc, c) => (acc === undefined ? c : key.add(acc, c)), cross)!;
    const loss = key.addPlaintext(withSquares, toFixed(constant, RESIDUAL_FRACTION_BITS));
    this.residualsOfStep = residuals;
    const step = this.stepInternal;
    return {
      toHost: { type: 'hetero-lr.residuals', step, residuals: ciphertextsToWire(residuals, key) },
      toArbiter: { type: 'hetero-lr.encrypted-loss', step, rows: end - start, loss: ciphertextsToWire([loss], key)[0]! },
    };
  }

  /** Step part 2: the guest's encrypted gradient (features, then intercept) under one-time masks. */
  gradient(): HeteroLrMaskedGradientMessage {
    const key = this.requireKey();
    const residuals = this.residualsOfStep;
    if (!residuals) throw new VerticalError('VFL_OUT_OF_ORDER', 'gradient before this step’s residuals');
    const { start, end } = this.batch();
    const d = this.featureCount;
    const encrypted: (PaillierCiphertext | undefined)[] = [];
    for (let j = 0; j < d; j++) {
      const column: bigint[] = [];
      for (let i = start; i < end; i++) column.push(toFixed(this.features[i * d + j]!, FEATURE_FRACTION_BITS));
      encrypted.push(encryptedDot(key, residuals, column));
    }
    encrypted.push(key.multiplyScalar(key.sum(residuals), 1n << BigInt(FEATURE_FRACTION_BITS)));
    return this.maskGradient(encrypted);
  }

  /**
   * P(y = 1) of rows given every host's plaintext prediction scores for the same rows (one
   * message, or one per host).
   * @example const p = guest.predict(host.predictionScores(hostTest), guestTest);
   */
  predict(hostPredictions: unknown, features: Float32Array): Float64Array {
    const rows = features.length / this.featureCount;
    if (!Number.isInteger(rows)) throw new VerticalError('VFL_BAD_PARAMETER', 'features must be rows × featureCount');
    const hostSum = new Float64Array(rows);
    for (const message of Array.isArray(hostPredictions) ? hostPredictions : [hostPredictions]) {
      const hostScores = expectMessage(message, 'hetero-lr.host-prediction').scores;
      if (!Array.isArray(hostScores) || hostScores.length !== rows || hostScores.some((s) => typeof s !== 'number' || !Number.isFinite(s))) {
        throw new VerticalError('VFL_MALFORMED', `expected ${rows} finite host scores`);
      }
      hostScores.forEach((s, i) => (hostSum[i]! += s as number));
    }
    const u = this.partialScores(features, 0, rows);
    const bias = this.weightsInternal[this.featureCount]!;
    return u.map((s, i) => 1 / (1 + Math.exp(-(s + bias + hostSum[i]!))));
  }

  protected override isPenalised(j: number): boolean {
    return j < this.featureCount;
  }

  protected onStepDone(): void {
    this.residualsOfStep = undefined;
  }
}

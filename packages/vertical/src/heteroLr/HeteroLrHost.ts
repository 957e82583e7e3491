// The passive party (host) of hetero LR: features, no labels; sends encrypted partial scores.
import type { PaillierCiphertext } from '@flotilla/privacy';
import type { HeteroLrConfig } from './config.ts';
import { ciphertextsFromWire, ciphertextsToWire, FEATURE_FRACTION_BITS, RESIDUAL_FRACTION_BITS, SCORE_FRACTION_BITS, toFixed } from './encoding.ts';
import { encryptedDot } from './encryptedDot.ts';
import { expectMessage } from './messages.ts';
import type { HeteroLrHostPredictionMessage, HeteroLrHostScoresMessage, HeteroLrMaskedGradientMessage } from './messages.ts';
import { HeteroLrPartyState } from './partyState.ts';
import { VerticalError } from '../VerticalError.ts';

/**
 * Host of FATE-style hetero logistic regression (Hardy et al., arXiv:1711.10677; FATE's
 * HeteroLRHost). Per step: `scores()` → guest; the guest's residuals → `gradient()` → arbiter;
 * the arbiter's reply → `applyGradient()`. The host sees its own features, weights and gradient,
 * and only ciphertexts from the guest: never a label, a guest score or a residual in the clear.
 * @example
 * const host = new HeteroLrHost(alignedFeatures, 98, { rows: 1000 });
 * host.receivePublicKey(arbiter.publicKeyMessage());
 * toGuest(host.scores());
 * toArbiter(host.gradient(residualsFromGuest));
 * host.applyGradient(replyFromArbiter);
 */
export class HeteroLrHost extends HeteroLrPartyState {
  private scoresSent = false;

  constructor(features: Float32Array, featureCount: number, config: HeteroLrConfig) {
    super('host', features, featureCount, config, featureCount);
  }

  /** Step part 1: [[u_h,i]] for the batch rows and [[Σ u_h,i² / 8]] (the host part of the Taylor loss). */
  scores(): HeteroLrHostScoresMessage {
    const key = this.requireKey();
    if (this.scoresSent) throw new VerticalError('VFL_OUT_OF_ORDER', 'scores of this step were already sent');
    const { start, end } = this.batch();
    const u = this.partialScores(this.features, start, end);
    const scores = Array.from(u, (s) => this.pool!.encrypt(((toFixed(s, SCORE_FRACTION_BITS) % key.n) + key.n) % key.n));
    const squares = u.reduce((acc, s) => acc + s * s, 0) / 8;
    const squaredNorm = this.pool!.encrypt(toFixed(squares, RESIDUAL_FRACTION_BITS) % key.n);
    this.scoresSent = true;
    return {
      type: 'hetero-lr.host-scores',
      step: this.stepInternal,
      scores: ciphertextsToWire(scores, key),
      squaredNorm: ciphertextsToWire([squaredNorm], key)[0]!,
    };
  }

  /**
   * Step part 2: from the guest's [[d_i]], the host's encrypted gradient [[Σ_i d_i·x_ij]] under
   * one-time masks, for the arbiter. Every residual is validated (VFL_BAD_CIPHERTEXT otherwise).
   */
  gradient(message: unknown): HeteroLrMaskedGradientMessage {
    const key = this.requireKey();
    const m = expectMessage(message, 'hetero-lr.residuals', this.stepInternal);
    if (!this.scoresSent) throw new VerticalError('VFL_OUT_OF_ORDER', 'residuals before this step’s scores');
    const { start, end } = this.batch();
    const residuals: PaillierCiphertext[] = ciphertextsFromWire(m.residuals, end - start, key, 'residuals');
    const d = this.featureCount;
    const encrypted = [];
    for (let j = 0; j < d; j++) {
      const column: bigint[] = [];
      for (let i = start; i < end; i++) column.push(toFixed(this.features[i * d + j]!, FEATURE_FRACTION_BITS));
      encrypted.push(encryptedDot(key, residuals, column));
    }
    return this.maskGradient(encrypted);
  }

  /**
   * Plaintext partial scores of rows to predict (FATE's predict does the same): the guest then
   * adds its own and applies the sigmoid. Only for scoring, never during training.
   * @example guest.predict(host.predictionScores(testFeatures), guestTestFeatures)
   */
  predictionScores(features: Float32Array): HeteroLrHostPredictionMessage {
    if (features.length % this.featureCount !== 0) throw new VerticalError('VFL_BAD_PARAMETER', 'features must be rows × featureCount');
    return { type: 'hetero-lr.host-prediction', scores: Array.from(this.partialScores(features, 0, features.length / this.featureCount)) };
  }

  protected onStepDone(): void {
    this.scoresSent = false;
  }
}

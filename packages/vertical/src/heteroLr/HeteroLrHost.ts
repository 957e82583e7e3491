// The passive party (host) of hetero LR: features, no labels; sends encrypted partial scores.
import type { PaillierCiphertext } from '@flotilla/privacy';
import type { HeteroLrConfig } from './config.ts';
import { ciphertextsFromWire, ciphertextsToWire, FEATURE_FRACTION_BITS, RESIDUAL_FRACTION_BITS, SCORE_FRACTION_BITS, toFixed } from './encoding.ts';
import { encryptedDot } from './encryptedDot.ts';
import { expectMessage } from './messages.ts';
import type { HeteroLrCrossTermsMessage, HeteroLrHostPredictionMessage, HeteroLrHostScoresMessage, HeteroLrMaskedGradientMessage } from './messages.ts';
import { HeteroLrPartyState } from './partyState.ts';
import { VerticalError } from '../VerticalError.ts';
import type { HostRole } from '../roles.ts';

/**
 * Host of FATE-style hetero logistic regression (Hardy et al., arXiv:1711.10677; FATE's
 * HeteroLRHost). Per step: `scores()` → guest; the guest's residuals → `gradient()` → arbiter;
 * the arbiter's reply → `applyGradient()`. The host sees its own features, weights and gradient,
 * and only ciphertexts from the guest: never a label, a guest score or a residual in the clear.
 * With several hosts each is its own `HeteroLrHost` (role `host`, `host-2`, …); from the second
 * on, a host also turns the earlier hosts' encrypted scores into `crossTerms()` for the loss.
 * @example
 * const host = new HeteroLrHost(alignedFeatures, 98, { rows: 1000 });
 * host.receivePublicKey(arbiter.publicKeyMessage());
 * toGuest(host.scores());
 * toArbiter(host.gradient(residualsFromGuest));
 * host.applyGradient(replyFromArbiter);
 */
export class HeteroLrHost extends HeteroLrPartyState {
  /** This step's own partial scores, once sent (the cross terms need them). */
  private scoresOfStep: Float64Array | undefined;
  private crossTermsSent = false;

  constructor(features: Float32Array, featureCount: number, config: HeteroLrConfig, role: HostRole = 'host') {
    super(role, features, featureCount, config, featureCount);
  }

  /** Step part 1: [[u_h,i]] for the batch rows and [[Σ u_h,i² / 8]] (the host part of the Taylor loss). */
  scores(): HeteroLrHostScoresMessage {
    const key = this.requireKey();
    if (this.scoresOfStep) throw new VerticalError('VFL_OUT_OF_ORDER', 'scores of this step were already sent');
    const { start, end } = this.batch();
    const u = this.partialScores(this.features, start, end);
    const scores = Array.from(u, (s) => this.pool!.encrypt(((toFixed(s, SCORE_FRACTION_BITS) % key.n) + key.n) % key.n));
    const squares = u.reduce((acc, s) => acc + s * s, 0) / 8;
    const squaredNorm = this.pool!.encrypt(toFixed(squares, RESIDUAL_FRACTION_BITS) % key.n);
    this.scoresOfStep = u;
    return {
      type: 'hetero-lr.host-scores',
      step: this.stepInternal,
      scores: ciphertextsToWire(scores, key),
      squaredNorm: ciphertextsToWire([squaredNorm], key)[0]!,
    };
  }

  /**
   * Step part 1b (hosts after the first): from the earlier hosts' encrypted scores of this step,
   * [[¼·Σ_i Σ_rows u_i·u_own]] for the guest's loss. Each [[u_i]] is raised to round(u_own/4·2^F),
   * so the result sits at the loss's scale 2^(2F). What this host reads is ciphertext only (under
   * the arbiter's key), and what it sends is folded by the guest into the one encrypted batch loss
   * the arbiter already decrypts: no party learns anything it did not learn with one host.
   */
  crossTerms(earlierScores: readonly unknown[]): HeteroLrCrossTermsMessage {
    const key = this.requireKey();
    const own = this.scoresOfStep;
    if (!own) throw new VerticalError('VFL_OUT_OF_ORDER', 'cross terms before this step’s scores');
    if (this.crossTermsSent) throw new VerticalError('VFL_OUT_OF_ORDER', 'cross terms of this step were already sent');
    if (earlierScores.length === 0) throw new VerticalError('VFL_BAD_PARAMETER', 'the first host has no cross terms');
    const weights = Array.from(own, (u) => toFixed(u / 4, SCORE_FRACTION_BITS));
    let sum: PaillierCiphertext | undefined;
    for (const message of earlierScores) {
      const m = expectMessage(message, 'hetero-lr.host-scores', this.stepInternal);
      const scores = ciphertextsFromWire(m.scores, own.length, key, 'scores');
      const term = encryptedDot(key, scores, weights);
      if (term !== undefined) sum = sum === undefined ? term : key.add(sum, term);
    }
    // All-zero own scores (the first step, weights at 0): the cross terms are an encrypted 0.
    const terms = sum === undefined ? this.pool!.encrypt(0n) : key.add(sum, this.pool!.encrypt(0n));
    this.crossTermsSent = true;
    return { type: 'hetero-lr.cross-terms', step: this.stepInternal, terms: ciphertextsToWire([terms], key)[0]! };
  }

  /**
   * Step part 2: from the guest's [[d_i]], the host's encrypted gradient [[Σ_i d_i·x_ij]] under
   * one-time masks, for the arbiter. Every residual is validated (VFL_BAD_CIPHERTEXT otherwise).
   */
  gradient(message: unknown): HeteroLrMaskedGradientMessage {
    const key = this.requireKey();
    const m = expectMessage(message, 'hetero-lr.residuals', this.stepInternal);
    if (!this.scoresOfStep) throw new VerticalError('VFL_OUT_OF_ORDER', 'residuals before this step’s scores');
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
    this.scoresOfStep = undefined;
    this.crossTermsSent = false;
  }
}

// Messages of hetero logistic regression: plain serialisable objects (ciphertexts as hex), and their checks.
import type { SerializedPaillierPublicKey } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import type { HostRole } from '../roles.ts';

/** Which party owns a gradient. */
export type HeteroLrRole = 'guest' | HostRole;

/** Arbiter → guest and hosts: the Paillier public key of this training run. */
export interface HeteroLrPublicKeyMessage {
  type: 'hetero-lr.public-key';
  key: SerializedPaillierPublicKey;
}

/** Host → guest: [[u_h]] = [[w_h·x_h]] for every row of the step's batch, and [[Σ u_h² / 8]] for the loss. */
export interface HeteroLrHostScoresMessage {
  type: 'hetero-lr.host-scores';
  step: number;
  scores: string[];
  squaredNorm: string;
}

/**
 * Host j (the second host on) → guest: [[¼·Σ_{i<j} Σ_rows u_i·u_j]], the host×host cross terms of
 * ⅛·(Σ u_p)² in the Taylor loss. Host j forms them from the earlier hosts' encrypted scores by
 * scalar multiplication with its own plaintext scores; it never sees another host's score in the clear.
 */
export interface HeteroLrCrossTermsMessage {
  type: 'hetero-lr.cross-terms';
  step: number;
  terms: string;
}

/** Guest → host: the encrypted residuals [[d]] = [[0.25·(w·x) − 0.5·y]], y ∈ {−1, +1}, one per row. */
export interface HeteroLrResidualsMessage {
  type: 'hetero-lr.residuals';
  step: number;
  residuals: string[];
}

/** Guest → arbiter: the encrypted Taylor loss summed over the batch. */
export interface HeteroLrLossMessage {
  type: 'hetero-lr.encrypted-loss';
  step: number;
  rows: number;
  loss: string;
}

/** Guest or host → arbiter: [[Σ d·x + r]], its gradient under a uniform mask r ∈ Z_n. */
export interface HeteroLrMaskedGradientMessage {
  type: 'hetero-lr.masked-gradient';
  step: number;
  party: HeteroLrRole;
  gradient: string[];
}

/** Arbiter → the same party: the decrypted masked values (hex residues in Z_n), still masked. */
export interface HeteroLrDecryptedGradientMessage {
  type: 'hetero-lr.decrypted-gradient';
  step: number;
  party: HeteroLrRole;
  values: string[];
}

/** Host → guest at prediction time only (as in FATE's predict): plaintext partial scores of rows to score. */
export interface HeteroLrHostPredictionMessage {
  type: 'hetero-lr.host-prediction';
  scores: number[];
}

/** Any hetero LR message. */
export type HeteroLrMessage =
  | HeteroLrPublicKeyMessage
  | HeteroLrHostScoresMessage
  | HeteroLrCrossTermsMessage
  | HeteroLrResidualsMessage
  | HeteroLrLossMessage
  | HeteroLrMaskedGradientMessage
  | HeteroLrDecryptedGradientMessage
  | HeteroLrHostPredictionMessage;

/**
 * Checks that `message` is an object of the given type and, when `step` is given, of that step;
 * returns it as a record for field checks. VFL_MALFORMED / VFL_OUT_OF_ORDER otherwise.
 * @example const m = expectMessage(input, 'hetero-lr.residuals', this.step);
 */
export function expectMessage(message: unknown, type: HeteroLrMessage['type'], step?: number): Record<string, unknown> {
  const m = message as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || m.type !== type) throw new VerticalError('VFL_MALFORMED', `expected a ${type} message`);
  if (step !== undefined) {
    if (typeof m.step !== 'number' || !Number.isInteger(m.step)) throw new VerticalError('VFL_MALFORMED', 'step must be an integer');
    if (m.step !== step) throw new VerticalError('VFL_OUT_OF_ORDER', `message for step ${m.step}, expected step ${step}`);
  }
  return m;
}

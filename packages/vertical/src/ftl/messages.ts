// The FTL protocol's messages between guest and host (no arbiter: each party holds its own Paillier key).
import type { SerializedPaillierPublicKey } from '@flotilla/privacy';
import type { FtlConfig } from './config.ts';

/** Guest → host, once after alignment: the agreed config, the guest's public key and the overlap's size. */
export interface FtlSetupMessage {
  type: 'ftl.setup';
  config: FtlConfig;
  overlapRows: number;
  epochs: number;
  key: SerializedPaillierPublicKey;
}

/** Host → guest, once: the host's public key. */
export interface FtlHostKeyMessage {
  type: 'ftl.host-key';
  key: SerializedPaillierPublicKey;
}

/**
 * Host → guest, per step: [[u_B,i]]_B of the batch's rows and the columns of [[Σ_i u_B,i u_B,iᵀ]]_B,
 * hex. Every d-vector is packed: ceil(d / slots) ciphertexts, 80-bit signed slots (see wire.ts).
 */
export interface FtlHostComponentsMessage {
  type: 'ftl.host-components';
  step: number;
  uB: string[];
  uBuB: string[];
}

/**
 * Guest → host, per step, under the guest's key (packed vectors): [[(1/b)(−½ y_i Φ_A − 2γ u_A,i)]]_A
 * per batch row and the columns of [[Φ_A Φ_Aᵀ / 4b]]_A: what the host needs for ∂L/∂u_B.
 */
export interface FtlGuestComponentsMessage {
  type: 'ftl.guest-components';
  step: number;
  rowTerms: string[];
  quadratic: string[];
}

/**
 * Either way, per step: the sender's gradient terms encrypted under the receiver's key (packed)
 * plus a uniform mask in Z_n per ciphertext. Host → guest: [[∂L/∂u_B,i + r]]_A per batch row.
 * Guest → host: [[V + r]]_B, [[W + r]]_B (∂L/∂Φ_A = V + W) and [[(2γ/b)(u_A,i − u_B,i) + r]]_B per row.
 */
export interface FtlMaskedGradientMessage {
  type: 'ftl.masked-gradient';
  step: number;
  values: string[];
}

/** Reply to a masked gradient: each entry decrypted (still masked: uniform in Z_n to the decrypter), hex. */
export interface FtlDecryptedGradientMessage {
  type: 'ftl.decrypted-gradient';
  step: number;
  values: string[];
}

/** Guest → host, to score the host's rows: [[Φ_A]]_A (d). `session` names the scoring (an epoch's). */
export interface FtlPredictorMessage {
  type: 'ftl.predictor';
  session: string;
  phi: string[];
}

/** Host → guest: [[Φ_A·u_B,j + r_j]]_A for each row j to score. */
export interface FtlMaskedScoresMessage {
  type: 'ftl.masked-scores';
  session: string;
  values: string[];
}

/** Guest → host: the masked scores decrypted; the host removes its masks and reads φ(u_B,j). */
export interface FtlDecryptedScoresMessage {
  type: 'ftl.decrypted-scores';
  session: string;
  values: string[];
}

/** Any FTL protocol message. */
export type FtlMessage =
  | FtlSetupMessage
  | FtlHostKeyMessage
  | FtlHostComponentsMessage
  | FtlGuestComponentsMessage
  | FtlMaskedGradientMessage
  | FtlDecryptedGradientMessage
  | FtlPredictorMessage
  | FtlMaskedScoresMessage
  | FtlDecryptedScoresMessage;

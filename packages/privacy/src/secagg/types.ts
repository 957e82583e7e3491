// Parameters and wire messages of secure aggregation: plain objects with byte-array fields.
import type { CryptoBackendChoice } from '../crypto/backend.ts';

/**
 * `full`: every client masks with every other (Bonawitz et al., CCS 2017).
 * `plus`: each client masks with and shares to `neighbours` peers of a random Harary graph
 * (SecAgg+, Bell et al., CCS 2020); `neighbours` is even and O(log n).
 */
export type SecAggMode = { readonly kind: 'full' } | { readonly kind: 'plus'; readonly neighbours: number };

/** What client and server agree on before a round (sent in the training plan). */
export interface SecAggParams {
  /** Words of the input vector (the encoded update plus, e.g., one weight coordinate). */
  readonly vectorLength: number;
  /**
   * Shamir threshold t. `full`: t of all advertising clients reconstruct a secret; `plus`: t of a
   * client's k + 1 holders (its neighbours and itself). Every stage aborts below t.
   */
  readonly threshold: number;
  readonly mode: SecAggMode;
  /** Binds keys and ciphertexts to one round (e.g. the UTF-8 bytes of the round id). */
  readonly sessionId: Uint8Array;
  /** Crypto implementation; `auto` (default) prefers WebCrypto. Tests and benches pin it. */
  readonly backend?: CryptoBackendChoice;
}

/** Stages of a round, in order; `failed` after an abort. The dashboard shows these. */
export type SecAggStage = 'advertise' | 'share' | 'mask' | 'unmask' | 'done' | 'failed';

/** Round 0, client → server: two X25519 public keys (c for encryption, s for masking). */
export interface AdvertiseKeysMessage {
  readonly id: number;
  readonly encryptionPublicKey: Uint8Array;
  readonly maskingPublicKey: Uint8Array;
}

export interface PeerKeys {
  readonly id: number;
  readonly encryptionPublicKey: Uint8Array;
  readonly maskingPublicKey: Uint8Array;
}

/**
 * Round 0, server → client: U1 (sorted ids), the keys of the client's share holders (everyone in
 * `full`, its graph neighbours and itself in `plus`) and, in `plus`, the public graph seed.
 */
export interface KeysBroadcastMessage {
  readonly participants: readonly number[];
  readonly peers: readonly PeerKeys[];
  readonly graphSeed?: Uint8Array;
}

/** AES-GCM box of (from ‖ to ‖ share of s_from^SK ‖ share of b_from) only `to` can open. */
export interface EncryptedShare {
  readonly from: number;
  readonly to: number;
  readonly ciphertext: Uint8Array;
}

/** Round 1, client → server. */
export interface ShareKeysMessage {
  readonly id: number;
  readonly shares: readonly EncryptedShare[];
}

/** Round 1, server → client: the boxes addressed to it by the clients in U2. */
export interface SharesDeliveryMessage {
  readonly shares: readonly EncryptedShare[];
}

/** Round 2, client → server: y_u = x_u + PRG(b_u) + Σ_{v>u} PRG(s_uv) − Σ_{v<u} PRG(s_uv) mod 2^32. */
export interface MaskedInputMessage {
  readonly id: number;
  readonly masked: Uint32Array;
}

/** Round 2, server → client: U3, the clients whose masked input arrived. */
export interface UnmaskRequestMessage {
  readonly survivors: readonly number[];
}

/** One revealed share of the secret of client `of`, as a 33-byte field element. */
export interface RevealedShare {
  readonly of: number;
  readonly share: Uint8Array;
}

/** Round 3, client → server: b-shares of survivors, s^SK-shares of dropouts, never both for one peer. */
export interface UnmaskMessage {
  readonly id: number;
  readonly selfMaskShares: readonly RevealedShare[];
  readonly secretKeyShares: readonly RevealedShare[];
}

/** The server's output: Σ_{u ∈ U3} x_u mod 2^32 and who took part at each stage. */
export interface SecAggResult {
  readonly sum: Uint32Array;
  /** U3: the clients whose inputs are in the sum (the summand count for decoding). */
  readonly survivors: readonly number[];
  readonly dropped: {
    readonly beforeSharing: readonly number[];
    readonly afterSharing: readonly number[];
    readonly afterUpload: readonly number[];
  };
}

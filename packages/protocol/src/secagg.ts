// Schemas of the secure-aggregation messages (four stages: keys, shares, masked input, unmasking).
// Byte fields are base64 (RFC 4648, with padding) in JSON; the masked input is a binary frame.

import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Round = Type.Integer({ minimum: 0 });
/** A client's number in one SecAgg round, also its Shamir x-coordinate: 1 … 2^31 − 1. */
const Party = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });
/** Base64 of at most `bytes` bytes. */
const B64 = (bytes: number) => Type.String({ maxLength: 4 * Math.ceil(bytes / 3), pattern: '^[A-Za-z0-9+/]*={0,2}$' });
const Key = B64(32);
/** Share box: nonce ‖ AES-GCM(from ‖ to ‖ two 33-byte shares) ‖ tag, 102 bytes. */
const Box = B64(128);
const Share = B64(33);
const MAX_PARTIES = 10_000;

/** What the round plan tells a selected client when its task requires secure aggregation. */
export const SecAggPlan = Type.Object({
  /** This client's party number in the round. */
  party: Party,
  mode: Type.Union([Type.Literal('full'), Type.Literal('plus')]),
  /** SecAgg+ neighbourhood size k. */
  neighbours: Type.Optional(Type.Integer({ minimum: 2 })),
  threshold: Type.Integer({ minimum: 2 }),
  /** Binds keys and boxes to this round (base64, 16 bytes). */
  sessionId: B64(64),
  /** Words of the masked vector: the model's parameters (plus the unclipped bit under adaptive clipping) plus one for the weight. */
  vectorLength: Type.Integer({ minimum: 2 }),
  /** Fixed point: per-coordinate clipping range, scale, and how many vectors may be summed. */
  clip: Type.Number({ exclusiveMinimum: 0 }),
  scale: Type.Number({ exclusiveMinimum: 0 }),
  maxSummands: Type.Integer({ minimum: 1 }),
  /** Weights (example counts) are clamped to maxWeight; 1 under DP (each client counts once). */
  maxWeight: Type.Integer({ minimum: 1 }),
  /** Differential privacy: clip the update to this L2 norm S first … */
  clipNorm: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** … then add Gaussian noise of this std to every coordinate (distributed noise). */
  noiseStd: Type.Optional(Type.Number({ minimum: 0 })),
  /**
   * Adaptive clipping: one more value after the update, 1 if its norm was ≤ clipNorm else 0, plus
   * Gaussian noise of this std, so that only the noised count of unclipped updates is unmasked.
   */
  countNoiseStd: Type.Optional(Type.Number({ minimum: 0 })),
  /**
   * Quantised fixed point (the task's uplink is int8): `scale` is (2^(bits−1) − 1)/clip, values are
   * rounded stochastically (unless `stochastic` is false) and the masked values are sent mod
   * 2^ringBits, packed ringBits bits each; the weight word stays 32 bits. Absent: 32-bit words.
   */
  quantised: Type.Optional(Type.Object({
    bits: Type.Integer({ minimum: 2, maximum: 16 }),
    ringBits: Type.Integer({ minimum: 2, maximum: 32 }),
    stochastic: Type.Boolean(),
  })),
});
export type SecAggPlan = Static<typeof SecAggPlan>;

// ── client → coordinator ─────────────────────────────────────────────────────────────────────

/** Stage 0: the client's two X25519 public keys (c for the share boxes, s for the masks). */
export const SecAggAdvertise = Type.Object({
  type: Type.Literal('secagg.advertise'),
  taskId: Id,
  round: Round,
  encryptionPublicKey: Key,
  maskingPublicKey: Key,
}, { additionalProperties: false });
export type SecAggAdvertise = Static<typeof SecAggAdvertise>;

/** Stage 1: one sealed pair of Shamir shares per holder, relayed unopened. */
export const SecAggShares = Type.Object({
  type: Type.Literal('secagg.shares'),
  taskId: Id,
  round: Round,
  shares: Type.Array(Type.Object({ to: Party, ciphertext: Box }, { additionalProperties: false }), { maxItems: MAX_PARTIES }),
}, { additionalProperties: false });
export type SecAggShares = Static<typeof SecAggShares>;

/**
 * Stage 2 (binary frame whose payload is `vectorLength` u32 words): y = x + masks mod 2^32. Under a
 * quantised plan, `ringBits` m: the frame packs each value word mod 2^m in m bits (the weight word
 * in 32), which the coordinator sums to the same result mod 2^m since 2^m divides 2^32.
 */
export const SecAggMasked = Type.Object({
  type: Type.Literal('secagg.masked'),
  taskId: Id,
  round: Round,
  modelVersion: Type.Integer({ minimum: 0 }),
  ringBits: Type.Optional(Type.Integer({ minimum: 2, maximum: 32 })),
}, { additionalProperties: false });
export type SecAggMasked = Static<typeof SecAggMasked>;

const Revealed = Type.Array(Type.Object({ of: Party, share: Share }, { additionalProperties: false }), { maxItems: MAX_PARTIES });

/** Stage 3: self-mask shares of survivors and key shares of dropouts, never both for one party. */
export const SecAggReveal = Type.Object({
  type: Type.Literal('secagg.reveal'),
  taskId: Id,
  round: Round,
  selfMaskShares: Revealed,
  secretKeyShares: Revealed,
}, { additionalProperties: false });
export type SecAggReveal = Static<typeof SecAggReveal>;

// ── coordinator → client ─────────────────────────────────────────────────────────────────────

/** End of stage 0: U1 and the keys of this client's share holders (and the SecAgg+ graph seed). */
export const SecAggKeys = Type.Object({
  type: Type.Literal('secagg.keys'),
  taskId: Id,
  round: Round,
  participants: Type.Array(Party, { maxItems: MAX_PARTIES }),
  peers: Type.Array(Type.Object({ id: Party, encryptionPublicKey: Key, maskingPublicKey: Key }), { maxItems: MAX_PARTIES }),
  graphSeed: Type.Optional(B64(32)),
});
export type SecAggKeys = Static<typeof SecAggKeys>;

/** End of stage 1: the boxes addressed to this client by the clients in U2. */
export const SecAggDeliver = Type.Object({
  type: Type.Literal('secagg.deliver'),
  taskId: Id,
  round: Round,
  shares: Type.Array(Type.Object({ from: Party, ciphertext: Box }), { maxItems: MAX_PARTIES }),
});
export type SecAggDeliver = Static<typeof SecAggDeliver>;

/** End of stage 2: U3, the clients whose masked input is in the sum. */
export const SecAggUnmask = Type.Object({
  type: Type.Literal('secagg.unmask'),
  taskId: Id,
  round: Round,
  survivors: Type.Array(Party, { maxItems: MAX_PARTIES }),
});
export type SecAggUnmask = Static<typeof SecAggUnmask>;

/** Standard base64 of bytes (both ends: browsers and Node have btoa/atob). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

/** Bytes of a base64 string already checked by its schema. */
export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

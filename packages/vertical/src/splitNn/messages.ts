// Messages of the split NN with a masked interactive layer: plain serialisable objects.
import { VerticalError } from '../VerticalError.ts';
import type { RingMatrixWire } from './ring.ts';

/** Arbiter → host: masks for its embedding (forward, m×k) and its transposed embedding (backward, k×m). */
export interface SplitNnHostTriplesMessage {
  type: 'split-nn.host-triples';
  session: string;
  forward: { a: RingMatrixWire; z: RingMatrixWire };
  backward?: { a: RingMatrixWire; z: RingMatrixWire };
}

/** Arbiter → guest: masks for W_h (forward, k×o) and for δ (backward, m×o), for host `host` (index, 0 if absent). */
export interface SplitNnGuestTriplesMessage {
  type: 'split-nn.guest-triples';
  session: string;
  host?: number;
  forward: { b: RingMatrixWire; z: RingMatrixWire };
  backward?: { b: RingMatrixWire; z: RingMatrixWire };
}

/** Host → guest: its embedding a_h minus a uniform mask (and a_hᵀ under another mask when training). */
export interface SplitNnHostOpenMessage {
  type: 'split-nn.host-open';
  session: string;
  embedding: RingMatrixWire;
  embeddingTransposed?: RingMatrixWire;
}

/** Guest → host: the interactive weight W_h minus a uniform mask. */
export interface SplitNnGuestOpenMessage {
  type: 'split-nn.guest-open';
  session: string;
  weight: RingMatrixWire;
}

/** Host → guest: the host's additive share of a_h·W_h. */
export interface SplitNnHostShareMessage {
  type: 'split-nn.host-share';
  session: string;
  share: RingMatrixWire;
}

/** Guest → host: ∂L/∂a_h (what the host's bottom model trains on) and δ = ∂L/∂z_h minus a uniform mask. */
export interface SplitNnBackwardMessage {
  type: 'split-nn.backward';
  session: string;
  embeddingGradient: number[];
  delta: RingMatrixWire;
}

/** Host → guest: the host's additive share of a_hᵀ·δ, the gradient of W_h. */
export interface SplitNnHostBackwardShareMessage {
  type: 'split-nn.host-backward-share';
  session: string;
  share: RingMatrixWire;
}

/** Any split NN message. */
export type SplitNnMessage =
  | SplitNnHostTriplesMessage
  | SplitNnGuestTriplesMessage
  | SplitNnHostOpenMessage
  | SplitNnGuestOpenMessage
  | SplitNnHostShareMessage
  | SplitNnBackwardMessage
  | SplitNnHostBackwardShareMessage;

/** Session name of training step `step`. */
export const trainSession = (step: number): string => `train-${step}`;

/** Checks type and session; VFL_MALFORMED / VFL_OUT_OF_ORDER otherwise. */
export function expectSplitMessage(message: unknown, type: SplitNnMessage['type'], session: string): Record<string, unknown> {
  const m = message as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || m.type !== type) throw new VerticalError('VFL_MALFORMED', `expected a ${type} message`);
  if (m.session !== session) throw new VerticalError('VFL_OUT_OF_ORDER', `message for session ${String(m.session)}, expected ${session}`);
  return m;
}

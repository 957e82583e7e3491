// Messages exchanged by PSI parties, and their structural validation.
import { POINT_BYTES } from './ristrettoBlinding.ts';
import { PsiError } from './errors.ts';
import { recordKeys } from './bytes.ts';

/** A party's own IDs hashed and blinded, H(x)^a, shuffled. Sent to the peer. */
export interface PsiBlindedSet {
  type: 'psi.blinded';
  count: number;
  /** count × 32 bytes of ristretto255 encodings. */
  points: Uint8Array;
}

/** The peer's blinded set raised to our secret, H(y)^{ba}, in the order the peer sent it. */
export interface PsiReblindedSet {
  type: 'psi.reblinded';
  count: number;
  points: Uint8Array;
}

/** Sent by the label holder of a multi-party alignment: the pair's keys of the final rows, in order. */
export interface PsiAlignmentMessage {
  type: 'psi.alignment';
  count: number;
  keys: Uint8Array;
}

/** Default cap on a received set, against memory exhaustion by a peer. */
export const DEFAULT_MAX_SET_SIZE = 10_000_000;

/**
 * Checks shape, size cap and distinctness of a set of 32-byte records and returns their hex keys.
 * Duplicates are refused: an honest peer never sends two equal records.
 * @example const keys = checkRecords(message, 'psi.blinded', 1_000_000);
 */
export function checkRecords(
  message: PsiBlindedSet | PsiReblindedSet | PsiAlignmentMessage,
  type: string,
  maxCount: number,
): string[] {
  const m = message as unknown as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || m.type !== type) throw new PsiError('PSI_MALFORMED', `expected a ${type} message`);
  const count = m.count;
  const bytes = type === 'psi.alignment' ? m.keys : m.points;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new PsiError('PSI_MALFORMED', 'count must be a natural number');
  if (count > maxCount) throw new PsiError('PSI_TOO_LARGE', `set of ${count} exceeds the limit ${maxCount}`);
  if (!(bytes instanceof Uint8Array) || bytes.length !== count * POINT_BYTES) {
    throw new PsiError('PSI_MALFORMED', `expected ${count} records of ${POINT_BYTES} bytes`);
  }
  const keys = recordKeys(bytes, POINT_BYTES);
  if (new Set(keys).size !== keys.length) throw new PsiError('PSI_MALFORMED', 'duplicate records');
  return keys;
}

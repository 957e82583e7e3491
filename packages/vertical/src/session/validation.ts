// Which aligned rows a party trains on and which it scores: a simulation's test rows, or the last aligned rows of an own table.
import { VerticalError } from '../VerticalError.ts';
import type { VerticalPartyTable } from '@flotilla/data';

/** Rows as features (rows × featureCount) and, at the label holder, labels. */
export interface PartyRows {
  rows: number;
  features: Float32Array;
  labels?: Uint8Array;
}

/** Default share of the aligned rows held out for validation in an own-data job. */
export const DEFAULT_VALIDATION_FRACTION = 0.2;

/**
 * Splits a party's aligned rows (in the intersection's agreed order) into training and
 * validation rows. With `fraction` (an own-data job) the LAST ceil(fraction·n) aligned rows are
 * validation: the order is sorted by double-blinded keys, so this is a pseudo-random cut that
 * every party makes on the same people without exchanging anything. Without it (a simulation) all
 * aligned rows train and the table's explicit test rows are scored.
 * @example const { train, validation } = trainAndValidation(table, alignedRows(table, psi), 0.2);
 */
export function trainAndValidation(
  table: VerticalPartyTable,
  aligned: { features: Float32Array; labels?: Uint8Array },
  fraction: number | undefined,
): { train: PartyRows; validation: PartyRows } {
  const d = table.featureCount;
  const n = aligned.features.length / d;
  if (fraction === undefined) {
    if (!table.testFeatures || (table.labels && !table.testLabels)) {
      throw new VerticalError('VFL_BAD_PARAMETER', 'a simulation job scores the table’s test rows, and this table has none');
    }
    const validation: PartyRows = { rows: table.testFeatures.length / d, features: table.testFeatures };
    if (table.testLabels) validation.labels = table.testLabels;
    return { train: { rows: n, ...aligned }, validation };
  }
  if (!(fraction > 0 && fraction <= 0.5)) throw new VerticalError('VFL_BAD_PARAMETER', `validationFraction must be in (0, 0.5], got ${fraction}`);
  const held = Math.ceil(fraction * n);
  if (n - held < 1) throw new VerticalError('VFL_BAD_PARAMETER', `only ${n} aligned row(s): too few to hold out validation rows`);
  const cut = n - held;
  const part = (from: number, to: number): PartyRows => {
    const rows: PartyRows = { rows: to - from, features: aligned.features.subarray(from * d, to * d) };
    if (aligned.labels) rows.labels = aligned.labels.subarray(from, to);
    return rows;
  };
  return { train: part(0, cut), validation: part(cut, n) };
}

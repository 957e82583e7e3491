// A party's own CSV table in the party worker: read from the picked file here, parsed, never sent anywhere.
import { parsePartyCsv } from '@flotilla/data';
import type { VerticalAlgorithm, VerticalPartyTable } from '@flotilla/vertical';

/** What the page picked: the file and the names of its ID and label columns. */
export interface OwnTableChoice {
  file: Blob;
  idColumn: string;
  labelColumn: string;
}

/** The shape the page shows of a loaded table (no value of it). */
export interface TableSummary {
  rows: number;
  featureColumns: number;
  /** Class names in class order (guest only). */
  classes?: string[];
}

/**
 * Parses the picked file as the role's table: the guest's labels as the job's algorithm needs
 * them (two classes for hetero LR, K for the split NN). Throws a PartyTableError (VFL_CSV_*) on a bad file.
 * @example const { table, summary } = await loadOwnTable(choice, 'guest', 'hetero-lr');
 */
export async function loadOwnTable(choice: OwnTableChoice, role: 'guest' | 'host', algorithm: VerticalAlgorithm): Promise<{ table: VerticalPartyTable; summary: TableSummary }> {
  const table = parsePartyCsv(await choice.file.text(), {
    idColumn: choice.idColumn || 'id',
    ...(role === 'guest' ? { labels: algorithm === 'split-nn' ? 'classes' : 'binary', ...(choice.labelColumn ? { labelColumn: choice.labelColumn } : {}) } : {}),
  });
  const summary: TableSummary = { rows: table.ids.length, featureColumns: table.featureCount };
  if (table.classNames) summary.classes = table.classNames;
  return { table, summary };
}

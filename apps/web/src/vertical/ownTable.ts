// A party's own CSV table in the party worker: read from the picked file here, parsed, never sent anywhere.
import { assignClasses, parsePartyCsv } from '@flotilla/data';
import type { PartyCsvTable } from '@flotilla/data';
import type { VerticalAlgorithm } from '@flotilla/vertical';

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
  /** Class names in class order (guest, once the job's algorithm is known). */
  classes?: string[];
}

/**
 * Parses the picked file as the role's table, before joining, so that a bad file never touches
 * the job; the guest's label values become classes in {@link labelOwnTable}. Throws a
 * PartyTableError (VFL_CSV_*) on a bad file.
 * @example const table = await readOwnTable(choice, 'guest');
 */
export async function readOwnTable(choice: OwnTableChoice, role: string): Promise<PartyCsvTable> {
  return parsePartyCsv(await choice.file.text(), {
    idColumn: choice.idColumn || 'id',
    ...(role === 'guest' ? { labels: 'later', ...(choice.labelColumn ? { labelColumn: choice.labelColumn } : {}) } : {}),
  });
}

/** The guest's classes as the job's algorithm needs them: two for hetero LR, K for the split NN (VFL_CSV_CLASSES otherwise). */
export function labelOwnTable(table: PartyCsvTable, role: string, algorithm: VerticalAlgorithm): PartyCsvTable {
  return role === 'guest' ? assignClasses(table, algorithm === 'split-nn' ? 'classes' : 'binary') : table;
}

/** Rows, feature columns and (once assigned) class names: what the page shows of a table. */
export function summarise(table: PartyCsvTable): TableSummary {
  const summary: TableSummary = { rows: table.ids.length, featureColumns: table.featureCount };
  if (table.classNames) summary.classes = table.classNames;
  return summary;
}

// A vertical party's own table from CSV: a header, an ID column, numeric features and, at the guest, a label column.
import { PartyTableError } from './errors.ts';
import type { VerticalPartyTable } from './partyTable.ts';

/** Options of {@link parsePartyCsv}. */
export interface PartyCsvOptions {
  /** Name of the ID column. Default 'id'. */
  idColumn?: string;
  /** Name of the label column (guest only). Default 'label', else 'y'. */
  labelColumn?: string;
  /**
   * The guest's task: 'binary' (hetero LR: exactly two classes, mapped to 0/1) or 'classes'
   * (split NN: K classes 0..K−1); 'later' reads the label column as written, for
   * {@link assignClasses} once the task is known. Omitted: a host table, every non-ID column a feature.
   */
  labels?: LabelTask | 'later';
  /** z-score each feature column from this table's own rows (constant column → 0). Default true. */
  standardise?: boolean;
  /** Most data rows accepted. Default {@link MAX_PARTY_ROWS}. */
  maxRows?: number;
}

/** A parsed party table, with what the party is shown about it. */
export interface PartyCsvTable extends VerticalPartyTable {
  /** Feature column names in feature order. */
  featureNames: string[];
  /** Label values (as written) in class order: class k is `classNames[k]` (guest only). */
  classNames?: string[];
  /** The label column as written and its name (guest only), until classes are assigned. */
  labelValues?: string[];
  labelColumn?: string;
}

/** How a guest's labels become classes: two for hetero LR, K for the split NN. */
export type LabelTask = 'binary' | 'classes';

/** Default cap on a table's data rows. */
export const MAX_PARTY_ROWS = 1_000_000;
/** Cap on rows × features, so a wide table cannot take the tab's memory (4 bytes a value). */
const MAX_VALUES = 100_000_000;
/** Labels are bytes; the split NN's top layer has one unit per class. */
const MAX_CLASSES = 256;

/** Cells of one line; a field may be "quoted" (with "" for a quote) so IDs may hold commas. */
function cellsOf(line: string): string[] {
  if (!line.includes('"')) return line.split(',').map((c) => c.trim());
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"', i++);
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (cells.push(cell.trim()), cell = '');
    else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/**
 * Class of each label value: 0/1, −1/1 and false/true map to 0/1; other values in sorted order
 * (numerically when all are numbers). For 'classes', integers 0..K−1 keep their value.
 */
function classMapping(values: Set<string>, task: LabelTask, column: string): string[] {
  const all = [...values];
  if (task === 'binary' && all.length !== 2) {
    throw new PartyTableError('VFL_CSV_CLASSES', `label column "${column}" has ${all.length} distinct value(s), hetero LR needs exactly 2`);
  }
  if (all.length < 2) throw new PartyTableError('VFL_CSV_CLASSES', `label column "${column}" has ${all.length} distinct value(s), at least 2 are needed`);
  const lower = all.map((v) => v.toLowerCase()).sort();
  if (all.length === 2 && lower[0] === 'false' && lower[1] === 'true') return all[0]!.toLowerCase() === 'false' ? all : [all[1]!, all[0]!];
  const numeric = all.every((v) => v !== '' && Number.isFinite(Number(v)));
  if (task === 'classes' && numeric && all.every((v) => Number.isInteger(Number(v)) && Number(v) >= 0)) {
    const k = Math.max(...all.map(Number)) + 1;
    if (k > MAX_CLASSES) throw new PartyTableError('VFL_CSV_CLASSES', `label column "${column}": class ${k - 1} is above ${MAX_CLASSES - 1}`);
    const names = Array.from({ length: k }, (_, i) => String(i));
    // Keep the values as written ("07" stays "07") where present.
    for (const v of all) names[Number(v)] = v;
    return names;
  }
  if (all.length > MAX_CLASSES) throw new PartyTableError('VFL_CSV_CLASSES', `label column "${column}" has ${all.length} classes, at most ${MAX_CLASSES}`);
  return numeric ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

/** In place: each column to mean 0, standard deviation 1 (population); a constant column to 0. */
function standardiseColumns(features: Float32Array, rows: number, width: number): void {
  for (let c = 0; c < width; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += features[r * width + c]!;
    const mean = sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += (features[r * width + c]! - mean) ** 2;
    const sd = Math.sqrt(squares / rows);
    const scale = sd > 1e-12 ? 1 / sd : 0;
    for (let r = 0; r < rows; r++) features[r * width + c] = (features[r * width + c]! - mean) * scale;
  }
}

/**
 * Parses a party's CSV table. Line 1 is the header; the ID column and (guest) label column are
 * found by name, every other column is a numeric feature. Errors are {@link PartyTableError}s
 * naming line and column. Standardising uses only this party's rows, so it reveals nothing.
 * @example
 * const guest = parsePartyCsv('id,age,income,label\na7,41,3.2,1\nb2,23,1.1,0\n', { labels: 'binary' });
 * guest.featureNames; // ['age', 'income']
 */
export function parsePartyCsv(text: string, options: PartyCsvOptions = {}): PartyCsvTable {
  const lines = text.split(/\r?\n/);
  const data: { line: number; cells: string[] }[] = [];
  const maxRows = options.maxRows ?? MAX_PARTY_ROWS;
  let header: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = i === 0 ? lines[0]!.replace(/^\uFEFF/, '') : lines[i]!;
    if (raw.trim() === '') continue;
    if (!header) header = cellsOf(raw);
    else {
      if (data.length === maxRows) throw new PartyTableError('VFL_CSV_TOO_LARGE', `line ${i + 1}: more than ${maxRows} data rows`);
      data.push({ line: i + 1, cells: cellsOf(raw) });
    }
  }
  if (!header) throw new PartyTableError('VFL_CSV_EMPTY', 'the file is empty: a header row (ID column, features, label at the guest) is needed');
  header.forEach((name, c) => {
    if (name === '') throw new PartyTableError('VFL_CSV_HEADER', `line 1, column ${c + 1}: empty column name`);
    if (header!.indexOf(name) !== c) throw new PartyTableError('VFL_CSV_HEADER', `line 1, column ${c + 1}: column "${name}" appears twice`);
  });
  const idName = options.idColumn ?? 'id';
  const idAt = header.indexOf(idName);
  if (idAt < 0) throw new PartyTableError('VFL_CSV_MISSING_COLUMN', `line 1: no ID column "${idName}" (columns: ${header.slice(0, 10).join(', ')})`);
  let labelAt = -1;
  if (options.labels) {
    const names = options.labelColumn !== undefined ? [options.labelColumn] : ['label', 'y'];
    labelAt = header.findIndex((name) => names.includes(name));
    if (labelAt < 0) throw new PartyTableError('VFL_CSV_MISSING_COLUMN', `line 1: no label column ${names.map((n) => `"${n}"`).join(' or ')}`);
  }
  const featureAt = header.map((_, c) => c).filter((c) => c !== idAt && c !== labelAt);
  if (featureAt.length === 0) throw new PartyTableError('VFL_CSV_NO_FEATURES', 'line 1: no feature columns besides the ID and label');
  if (data.length === 0) throw new PartyTableError('VFL_CSV_EMPTY', 'no data rows after the header');
  const width = featureAt.length;
  if (data.length * width > MAX_VALUES) throw new PartyTableError('VFL_CSV_TOO_LARGE', `${data.length} rows × ${width} features is more than ${MAX_VALUES} values`);

  const ids: string[] = [];
  const seen = new Map<string, number>();
  const features = new Float32Array(data.length * width);
  const rawLabels: string[] = [];
  data.forEach(({ line, cells }, r) => {
    if (cells.length !== header.length) throw new PartyTableError('VFL_CSV_RAGGED_ROW', `line ${line}: ${cells.length} cells, the header has ${header.length}`);
    const id = cells[idAt]!;
    if (id === '') throw new PartyTableError('VFL_CSV_BAD_CELL', `line ${line}, column ${idAt + 1} ("${idName}"): empty ID`);
    const first = seen.get(id);
    if (first !== undefined) throw new PartyTableError('VFL_CSV_DUPLICATE_ID', `line ${line}: ID "${id.slice(0, 40)}" already on line ${first}`);
    seen.set(id, line);
    ids.push(id);
    featureAt.forEach((c, k) => {
      const cell = cells[c]!;
      const x = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(x)) {
        throw new PartyTableError('VFL_CSV_BAD_CELL', `line ${line}, column ${c + 1} ("${header[c]}"): ${cell === '' ? 'empty cell' : `"${cell.slice(0, 20)}" is not a number`}`);
      }
      features[r * width + k] = x;
    });
    if (labelAt >= 0) {
      if (cells[labelAt] === '') throw new PartyTableError('VFL_CSV_BAD_CELL', `line ${line}, column ${labelAt + 1} ("${header[labelAt]}"): empty label`);
      rawLabels.push(cells[labelAt]!);
    }
  });
  if (options.standardise ?? true) standardiseColumns(features, data.length, width);
  const table: PartyCsvTable = { ids, features, featureCount: width, featureNames: featureAt.map((c) => header[c]!) };
  if (!options.labels) return table;
  table.labelValues = rawLabels;
  table.labelColumn = header[labelAt]!;
  return options.labels === 'later' ? table : assignClasses(table, options.labels);
}

/**
 * Maps a guest table's label values (read with `labels: 'later'`) to classes for `task`, in
 * place: VFL_CSV_CLASSES unless there are 2 values for 'binary', at least 2 for 'classes'.
 * @example const table = parsePartyCsv(text, { labels: 'later' }); assignClasses(table, welcome.algorithm === 'split-nn' ? 'classes' : 'binary');
 */
export function assignClasses(table: PartyCsvTable, task: LabelTask): PartyCsvTable {
  const values = table.labelValues;
  if (!values) throw new PartyTableError('VFL_CSV_MISSING_COLUMN', 'this table was read without its label column');
  const classNames = classMapping(new Set(values), task, table.labelColumn ?? 'label');
  const classOf = new Map(classNames.map((name, k) => [name, k]));
  table.labels = Uint8Array.from(values, (v) => classOf.get(v)!);
  table.classNames = classNames;
  table.classes = classNames.length;
  return table;
}

/** A CSV field: quoted when it holds a comma, a quote or surrounding spaces. */
const field = (s: string): string => (/[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * A table as CSV in the layout {@link parsePartyCsv} reads: `id`, the features (named
 * `featureNames`, default f1…fd, six significant digits) and, when it has labels, `label`.
 * @example writeFileSync('host.csv', formatPartyCsv(host));
 */
export function formatPartyCsv(table: VerticalPartyTable, featureNames?: readonly string[]): string {
  const d = table.featureCount;
  const names = featureNames ?? Array.from({ length: d }, (_, k) => `f${k + 1}`);
  const out = [['id', ...names, ...(table.labels ? ['label'] : [])].map(field).join(',')];
  table.ids.forEach((id, r) => {
    const cells = [field(id)];
    for (let k = 0; k < d; k++) cells.push(String(Number(table.features[r * d + k]!.toPrecision(6))));
    if (table.labels) cells.push(String(table.labels[r]));
    out.push(cells.join(','));
  });
  return `${out.join('\n')}\n`;
}

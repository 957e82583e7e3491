// Plain-text corpora as next-symbol datasets (LEAF's Shakespeare): a vocabulary by frequency, then sliding windows.

import type { TextSchema } from '@flotilla/protocol';
import { checkBytes, DEFAULT_IMPORT_LIMITS } from './csv.ts';
import type { Dataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';

/** Options of {@link inferTextSchema}. */
export interface InferTextOptions {
  readonly level: 'char' | 'token';
  /** Symbols of context before the predicted one (LEAF's Shakespeare uses 80 characters). */
  readonly sequenceLength: number;
  /** Size of the vocabulary including the unknown symbol; the most frequent symbols are kept. */
  readonly maxVocabulary: number;
  readonly file?: string;
  /** Default 64 MiB. */
  readonly maxBytes?: number;
}

/** Options of {@link importTextDataset}. */
export interface ImportTextOptions {
  /** Symbols between the starts of consecutive windows; default 1 (every position, as LEAF). */
  readonly stride?: number;
  /** Names the client this corpus belongs to (one speaker, one user): fills `clientIds`. */
  readonly clientId?: string;
  readonly file?: string;
  readonly maxBytes?: number;
  /** Default 1,000,000 examples. */
  readonly maxRows?: number;
}

/** The unknown symbol's spelling, unless a token of the corpus already has it. */
export const UNKNOWN_SYMBOL = '<unk>';
const MAX_SYMBOL = 64;
const MAX_VOCABULARY = 50_000;

/**
 * Splits text into symbols as the schema's level says: characters (code points) or
 * whitespace-separated tokens. Line endings are read as '\n' and a leading BOM is dropped,
 * so a corpus saved on Windows gives the same symbols.
 * @example textSymbols('to be\r\n', 'token') // ['to', 'be']
 */
export function textSymbols(text: string, level: 'char' | 'token'): string[] {
  const clean = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  return level === 'char' ? Array.from(clean) : clean.split(/\s+/).filter((t) => t !== '');
}

/**
 * Builds a text schema from a corpus: the unknown symbol at index 0, then the `maxVocabulary − 1`
 * most frequent symbols (ties broken by code-unit order, so the vocabulary is reproducible).
 * Tokens longer than 64 characters never enter it. Throws {@link DatasetImportError}
 * ('DATA_TEXT_TOO_SHORT', 'DATA_TEXT_VOCABULARY', 'DATA_TOO_LARGE').
 * @example inferTextSchema(play, { level: 'char', sequenceLength: 80, maxVocabulary: 80 }).vocabulary[0] // '<unk>'
 */
export function inferTextSchema(text: string, options: InferTextOptions): TextSchema {
  const { level, sequenceLength, maxVocabulary, file } = options;
  if (!(Number.isSafeInteger(sequenceLength) && sequenceLength >= 1 && sequenceLength <= 512)) throw new RangeError(`sequenceLength must be an integer in [1, 512], got ${sequenceLength}`);
  if (!(Number.isSafeInteger(maxVocabulary) && maxVocabulary >= 2 && maxVocabulary <= MAX_VOCABULARY)) {
    throw new DatasetImportError('DATA_TEXT_VOCABULARY', `maxVocabulary must be an integer in [2, ${MAX_VOCABULARY}], got ${maxVocabulary}`, { file });
  }
  checkBytes(text, options.maxBytes ?? DEFAULT_IMPORT_LIMITS.maxBytes, file);
  const symbols = textSymbols(text, level);
  if (symbols.length <= sequenceLength) throw tooShort(symbols.length, sequenceLength, file);
  const counts = new Map<string, number>();
  for (const s of symbols) if (s.length <= MAX_SYMBOL) counts.set(s, (counts.get(s) ?? 0) + 1);
  const kept = [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxVocabulary - 1)
    .map(([s]) => s);
  let unknown = UNKNOWN_SYMBOL;
  for (let k = 1; kept.includes(unknown); k++) unknown = `${UNKNOWN_SYMBOL.slice(0, -1)}${k}>`;
  // A corpus made only of over-long tokens still needs a second symbol for the schema's minimum.
  const vocabulary = kept.length === 0 ? [unknown, '\n'] : [unknown, ...kept];
  return { kind: 'text', level, vocabulary, unknown: 0, sequenceLength };
}

/**
 * Encodes a corpus as (window → next symbol) examples: windows of `schema.sequenceLength` symbol
 * indices starting every `stride` symbols, the label the index of the symbol after the window;
 * symbols outside the vocabulary become `schema.unknown`.
 * @example
 * const data = importTextDataset(hamlet, schema, { clientId: 'HAMLET' });
 * data.features.length // data.count × 80
 */
export function importTextDataset(text: string, schema: TextSchema, options: ImportTextOptions = {}): Dataset {
  const { file, clientId } = options;
  const stride = options.stride ?? 1;
  if (!(Number.isSafeInteger(stride) && stride >= 1)) throw new RangeError(`stride must be an integer ≥ 1, got ${stride}`);
  checkBytes(text, options.maxBytes ?? DEFAULT_IMPORT_LIMITS.maxBytes, file);
  const length = schema.sequenceLength;
  const index = new Map(schema.vocabulary.map((s, i) => [s, i]));
  const ids = textSymbols(text, schema.level).map((s) => index.get(s) ?? schema.unknown);
  if (ids.length <= length) throw tooShort(ids.length, length, file);
  const count = Math.floor((ids.length - length - 1) / stride) + 1;
  const maxRows = options.maxRows ?? DEFAULT_IMPORT_LIMITS.maxRows;
  if (count > maxRows) throw new DatasetImportError('DATA_TOO_LARGE', `${count} examples exceed the limit of ${maxRows}; raise the stride`, { file });
  const features = new Float32Array(count * length);
  const labels = new Int32Array(count);
  for (let e = 0; e < count; e++) {
    const start = e * stride;
    for (let j = 0; j < length; j++) features[e * length + j] = ids[start + j]!;
    labels[e] = ids[start + length]!;
  }
  const dataset: Dataset = { schema, count, features, labels };
  return clientId === undefined ? dataset : { ...dataset, clientIds: new Array<string>(count).fill(clientId) };
}

function tooShort(symbols: number, sequenceLength: number, file: string | undefined): DatasetImportError {
  return new DatasetImportError('DATA_TEXT_TOO_SHORT', `${symbols} symbols cannot make one example of ${sequenceLength} symbols and the next`, { file });
}

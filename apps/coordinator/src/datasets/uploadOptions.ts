// The options of a dataset upload: one TypeBox shape for the multipart fields, the CLI's flags and
// the dashboard's form, parsed from the strings a multipart body carries.

import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DataSchema, ErrorCodes, FlotillaError, checkDataSchema } from '@flotilla/protocol';

const Column = Type.String({ minLength: 1, maxLength: 128 });
const Names = Type.Array(Column, { minItems: 1, maxItems: 10_000 });

/**
 * What an operator may say about the files besides the files: which columns mean what (csv), the
 * class names (idx, images), how text is cut (text), or a whole schema that skips inference.
 */
export const DatasetUploadOptions = Type.Object({
  /** csv: the label column (required unless `schema` is given). */
  label: Type.Optional(Column),
  /** csv: the column naming the client each row belongs to (natural partition). */
  clientColumn: Type.Optional(Column),
  /** csv, text: the client the whole file belongs to. */
  clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** csv: classification (default) or regression. */
  task: Type.Optional(Type.Union([Type.Literal('classification'), Type.Literal('regression')])),
  /** csv regression: the metric reported (default mse). */
  metric: Type.Optional(Type.Union([Type.Literal('mse'), Type.Literal('mae')])),
  /** csv: columns read as categories even when numeric; columns that are neither feature nor label. */
  categorical: Type.Optional(Names),
  ignore: Type.Optional(Names),
  /** idx, images: class names in label order (default '0'..'k-1' for IDX). */
  classes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 2, maxItems: 1000 })),
  /** images: the size every image is resized to (default 32×32) and its channels (default 3, RGB). */
  height: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  width: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  channels: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3)])),
  /** images: paths are client/class/file, the top folder naming each image's client (natural partition). */
  clientLevel: Type.Optional(Type.Boolean()),
  /** images: refuse an image of another size than height × width instead of resizing it. */
  strict: Type.Optional(Type.Boolean()),
  /** text: characters (default) or whitespace-separated tokens. */
  level: Type.Optional(Type.Union([Type.Literal('char'), Type.Literal('token')])),
  /** text: symbols of context (default 80, LEAF's Shakespeare). */
  sequenceLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 })),
  /** text: vocabulary size including the unknown symbol (default 100). */
  maxVocabulary: Type.Optional(Type.Integer({ minimum: 2, maximum: 50_000 })),
  /** text: symbols between two windows (default 1). */
  stride: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  /** A complete schema: the files are read with it instead of one inferred from them. */
  schema: Type.Optional(DataSchema),
  /** Read the files with a registered dataset's schema: how a test set gets its training set's statistics and classes. */
  schemaFrom: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
}, { additionalProperties: false });
export type DatasetUploadOptions = Static<typeof DatasetUploadOptions>;

const LISTS = new Set(['categorical', 'ignore', 'classes']);
const NUMBERS = new Set(['sequenceLength', 'maxVocabulary', 'stride', 'height', 'width', 'channels']);
const FLAGS = new Set(['clientLevel', 'strict']);

/**
 * Reads multipart text fields into options: lists are comma-separated, numbers decimal, `schema`
 * JSON. Throws FLT_DATASET_INVALID naming the field.
 * @example parseUploadFields({ label: 'y', categorical: 'sex,smoker' }) // { label: 'y', categorical: ['sex', 'smoker'] }
 */
export function parseUploadFields(fields: Readonly<Record<string, string>>): DatasetUploadOptions {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(fields)) {
    const text = raw.trim();
    if (text === '') continue;
    if (LISTS.has(key)) out[key] = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    else if (NUMBERS.has(key)) out[key] = /^\d+$/.test(text) ? Number(text) : text;
    else if (FLAGS.has(key)) out[key] = text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
    else if (key === 'schema') out[key] = parseJson(text);
    else out[key] = text;
  }
  return checkUploadOptions(out);
}

/**
 * Validates options given as JSON (or parsed from fields).
 * @example checkUploadOptions({ level: 'char', sequenceLength: 40 });
 */
export function checkUploadOptions(options: unknown): DatasetUploadOptions {
  if (!Value.Check(DatasetUploadOptions, options)) {
    const first = Value.Errors(DatasetUploadOptions, options).First();
    throw new FlotillaError(ErrorCodes.DATASET_INVALID, `dataset option ${first?.path || '/'}: ${first?.message ?? 'invalid'}`);
  }
  if (options.schema !== undefined) {
    const problem = checkDataSchema(options.schema);
    if (problem !== null) throw new FlotillaError(ErrorCodes.DATASET_INVALID, `dataset option /schema${problem}`);
  }
  if (options.schema !== undefined && options.schemaFrom !== undefined) throw new FlotillaError(ErrorCodes.DATASET_INVALID, 'give schema or schemaFrom, not both');
  if (options.clientLevel === true && options.clientId !== undefined) throw new FlotillaError(ErrorCodes.DATASET_INVALID, 'give clientLevel or clientId, not both');
  if (options.clientColumn !== undefined && options.clientId !== undefined) {
    throw new FlotillaError(ErrorCodes.DATASET_INVALID, 'give clientColumn or clientId, not both');
  }
  return options;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FlotillaError(ErrorCodes.DATASET_INVALID, 'dataset option /schema is not valid JSON');
  }
}

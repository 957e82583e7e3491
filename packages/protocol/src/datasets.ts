// The dataset registry's REST shapes: a registered dataset as the API, the dashboard and the CLI see it.

import { Type, type Static } from '@sinclair/typebox';
import { DataSchema, schemaInputShape } from './dataSchema.ts';

/** One source file of a dataset, by the role its format gives it (csv: table; idx: images, labels; …). */
export const DatasetFile = Type.Object({
  role: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ maxLength: 255 }),
  bytes: Type.Integer({ minimum: 0 }),
  /** SHA-256 of the bytes as uploaded, lowercase hex. */
  sha256: Type.String({ minLength: 64, maxLength: 64 }),
});
export type DatasetFile = Static<typeof DatasetFile>;

/**
 * A dataset the coordinator holds: the built-in MNIST splits (`builtin`, read-only) or one an
 * operator registered. Its id is derived from the content hashes of its files and the import
 * options, so registering the same files twice gives the same record.
 */
export const DatasetRecord = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  /** The importer: csv, idx, text, images, or `builtin`. */
  format: Type.String({ minLength: 1, maxLength: 32 }),
  builtin: Type.Boolean(),
  schema: DataSchema,
  count: Type.Integer({ minimum: 0 }),
  /** Distinct client ids (a client column, or a client id given at upload); null when rows name no client. */
  numClients: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** Examples per class, in the schema's class order; null for a regression or a text corpus. */
  classCounts: Type.Union([Type.Array(Type.Integer({ minimum: 0 })), Type.Null()]),
  /** Bytes of the source files as uploaded. */
  bytes: Type.Integer({ minimum: 0 }),
  files: Type.Array(DatasetFile),
  /** The import options the dataset was read with (label column, client column, level, …). */
  options: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.Integer({ minimum: 0 }),
});
export type DatasetRecord = Static<typeof DatasetRecord>;

/**
 * One line on what an example of a schema is, as the dashboard and the CLI show it.
 * @example describeSchema(MNIST_SCHEMA) // 'image 28×28×1 → 10 classes'
 */
export function describeSchema(schema: DataSchema): string {
  switch (schema.kind) {
    case 'image':
      return `image ${schema.height}×${schema.width}×${schema.channels} → ${schema.classes.length} classes`;
    case 'tabular': {
      const target = schema.target.type === 'classification' ? `${schema.target.classes.length} classes` : `regression (${schema.target.metric})`;
      return `tabular ${schema.features.length} columns (${schemaInputShape(schema)[0]} inputs) → ${target}`;
    }
    case 'text':
      return `text ${schema.level} × ${schema.sequenceLength} → ${schema.vocabulary.length} symbols`;
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

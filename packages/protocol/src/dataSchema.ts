// What one example of a task is: an image, a row of a table or a text sequence. The schema drives
// the model's input and output, the clients' loaders and preprocessing, and the checks that refuse
// data that does not fit; it travels in the task config, so every party reads the same one.

import { Type, type Static } from '@sinclair/typebox';

const Name = Type.String({ minLength: 1, maxLength: 128 });
const ClassLabels = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 2, maxItems: 1000 });

/** Per-channel standardisation applied after pixels are scaled to [0, 1]. */
export const ChannelNormalization = Type.Object({
  mean: Type.Array(Type.Number(), { minItems: 1, maxItems: 3 }),
  std: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1, maxItems: 3 }),
});

export const ImageSchema = Type.Object({
  kind: Type.Literal('image'),
  height: Type.Integer({ minimum: 1, maximum: 1024 }),
  width: Type.Integer({ minimum: 1, maximum: 1024 }),
  /** 1 (grayscale) or 3 (RGB): images of other channel counts are converted on the client. */
  channels: Type.Union([Type.Literal(1), Type.Literal(3)]),
  /** Class names in label order: label k is `classes[k]`. */
  classes: ClassLabels,
  normalization: Type.Optional(ChannelNormalization),
}, { description: 'one image of height × width × channels, pixels scaled to [0, 1], one of `classes`' });
export type ImageSchema = Static<typeof ImageSchema>;

/** A numeric feature; z-scored with `mean` and `std` where they are given (statistics of the training data). */
export const NumericColumn = Type.Object({
  name: Name,
  kind: Type.Literal('numeric'),
  mean: Type.Optional(Type.Number()),
  std: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});
export type NumericColumn = Static<typeof NumericColumn>;

/** A categorical feature, one-hot encoded over `categories`; a value outside them is refused. */
export const CategoricalColumn = Type.Object({
  name: Name,
  kind: Type.Literal('categorical'),
  categories: Type.Array(Type.String({ maxLength: 128 }), { minItems: 1, maxItems: 1000 }),
});
export type CategoricalColumn = Static<typeof CategoricalColumn>;

export const FeatureColumn = Type.Union([NumericColumn, CategoricalColumn]);
export type FeatureColumn = Static<typeof FeatureColumn>;

export const TabularTarget = Type.Union([
  Type.Object({ type: Type.Literal('classification'), classes: ClassLabels }),
  /** Regression of one numeric label, reported as mean squared or mean absolute error. */
  Type.Object({ type: Type.Literal('regression'), metric: Type.Union([Type.Literal('mse'), Type.Literal('mae')]) }),
]);
export type TabularTarget = Static<typeof TabularTarget>;

export const TabularSchema = Type.Object({
  kind: Type.Literal('tabular'),
  features: Type.Array(FeatureColumn, { minItems: 1, maxItems: 10_000 }),
  /** The column holding the label; it is not a feature. */
  label: Name,
  target: TabularTarget,
}, { description: 'one row of named numeric and categorical features and a label' });
export type TabularSchema = Static<typeof TabularSchema>;

export const TextSchema = Type.Object({
  kind: Type.Literal('text'),
  /** Characters (LEAF's Shakespeare) or whitespace-separated tokens. */
  level: Type.Union([Type.Literal('char'), Type.Literal('token')]),
  /** Symbols by index; `unknown` indexes the one that stands for anything outside the vocabulary. */
  vocabulary: Type.Array(Type.String({ maxLength: 64 }), { minItems: 2, maxItems: 50_000 }),
  unknown: Type.Integer({ minimum: 0 }),
  /** Symbols of context; the example's label is the symbol that follows them. */
  sequenceLength: Type.Integer({ minimum: 1, maximum: 512 }),
}, { description: 'next-symbol prediction over sequences of `sequenceLength` symbols' });
export type TextSchema = Static<typeof TextSchema>;

export const DataSchema = Type.Union([ImageSchema, TabularSchema, TextSchema]);
export type DataSchema = Static<typeof DataSchema>;

/** MNIST's schema: 28×28 grayscale digits 0–9; tasks stored before schemas existed have it. */
export const MNIST_SCHEMA: ImageSchema = Object.freeze({
  kind: 'image', height: 28, width: 28, channels: 1, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
}) as ImageSchema;

/**
 * The shape of one encoded example as a model sees it: [height, width, channels] for an image,
 * [width of the encoded row] for a table (a numeric column is one value, a categorical one a
 * one-hot block), [sequenceLength] symbol indices for text.
 * @example schemaInputShape(MNIST_SCHEMA) // [28, 28, 1]
 */
export function schemaInputShape(schema: DataSchema): number[] {
  switch (schema.kind) {
    case 'image':
      return [schema.height, schema.width, schema.channels];
    case 'tabular':
      return [schema.features.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.categories.length), 0)];
    case 'text':
      return [schema.sequenceLength];
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Units of the model's output: one per class, one for a regression, one per vocabulary symbol.
 * @example schemaOutputSize(MNIST_SCHEMA) // 10
 */
export function schemaOutputSize(schema: DataSchema): number {
  switch (schema.kind) {
    case 'image':
      return schema.classes.length;
    case 'tabular':
      return schema.target.type === 'classification' ? schema.target.classes.length : 1;
    case 'text':
      return schema.vocabulary.length;
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

const duplicate = (values: readonly string[]): string | undefined => values.find((v, i) => values.indexOf(v) !== i);

/**
 * What the TypeBox shape cannot say: names and classes unique, statistics that match the shape,
 * the unknown symbol inside the vocabulary. Returns the first problem with its path, or null.
 * @example checkDataSchema({ ...MNIST_SCHEMA, classes: ['a', 'a'] }) // '/classes: "a" appears twice'
 */
export function checkDataSchema(schema: DataSchema): string | null {
  switch (schema.kind) {
    case 'image': {
      const repeated = duplicate(schema.classes);
      if (repeated !== undefined) return `/classes: "${repeated}" appears twice`;
      const norm = schema.normalization;
      if (norm && (norm.mean.length !== schema.channels || norm.std.length !== schema.channels)) {
        return `/normalization: mean and std need one value per channel (${schema.channels})`;
      }
      return null;
    }
    case 'tabular': {
      const names = schema.features.map((c) => c.name);
      const repeated = duplicate(names);
      if (repeated !== undefined) return `/features: column "${repeated}" appears twice`;
      if (names.includes(schema.label)) return `/label: "${schema.label}" is also a feature column`;
      for (const [i, column] of schema.features.entries()) {
        if (column.kind === 'categorical' && duplicate(column.categories) !== undefined) {
          return `/features/${i}/categories: "${duplicate(column.categories)}" appears twice`;
        }
        if (column.kind === 'numeric' && (column.mean === undefined) !== (column.std === undefined)) {
          return `/features/${i}: mean and std go together`;
        }
      }
      if (schema.target.type === 'classification' && duplicate(schema.target.classes) !== undefined) {
        return `/target/classes: "${duplicate(schema.target.classes)}" appears twice`;
      }
      return null;
    }
    case 'text': {
      if (schema.unknown >= schema.vocabulary.length) return `/unknown: ${schema.unknown} is outside the vocabulary of ${schema.vocabulary.length}`;
      const repeated = duplicate(schema.vocabulary);
      if (repeated !== undefined) return `/vocabulary: "${repeated}" appears twice`;
      if (schema.level === 'char' && schema.vocabulary.some((s, i) => i !== schema.unknown && [...s].length !== 1)) {
        return '/vocabulary: a character-level vocabulary holds single characters (besides the unknown symbol)';
      }
      return null;
    }
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

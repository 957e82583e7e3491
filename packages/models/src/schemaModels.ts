// Models built from a task's data schema: one registry of architectures (MLP, CNN, logistic
// regression, LSTM, GRU), each saying which kinds of example it accepts and which options it takes.

import * as tf from '@tensorflow/tfjs';
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { schemaInputShape, schemaOutputSize, type DataSchema } from '@flotilla/protocol';
import { ModelError } from './errors.ts';

/** Options of the MLP: hidden layer widths, input to output. */
export const MlpOptions = Type.Object({
  hiddenUnits: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 4096 }), { minItems: 1, maxItems: 8 })),
});
/** Options of the CNN: filters of its two conv+pool blocks and width of its dense layer. */
export const CnnOptions = Type.Object({
  filters: Type.Optional(Type.Tuple([Type.Integer({ minimum: 1, maximum: 256 }), Type.Integer({ minimum: 1, maximum: 256 })])),
  denseUnits: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  /** How the last feature map reaches the dense layer: all of it (default), or its per-filter mean (for large images). */
  pooling: Type.Optional(Type.Union([Type.Literal('flatten'), Type.Literal('global')])),
});

/** Largest dense layer after the CNN's feature map, in weights: past it a tab cannot train the model. */
export const MAX_CNN_DENSE_WEIGHTS = 16_000_000;
/**
 * Most weights a schema model may hold, checked before it is built: past it the worker and every
 * tab would allocate hundreds of megabytes (a 10,000-column table under a 4096-unit MLP is 41M).
 */
export const MAX_SCHEMA_MODEL_WEIGHTS = 16_000_000;
/**
 * Most units of the recurrent layer: its orthogonal initialiser is cubic in them (256 units take
 * seconds, 1024 minutes), and every client builds the model too.
 */
export const MAX_RNN_UNITS = 256;
/** Options of the recurrent text models: embedding width and units of the one recurrent layer. */
export const RnnOptions = Type.Object({
  embeddingSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 })),
  units: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RNN_UNITS })),
});
const NoOptions = Type.Object({});

/** Every option any architecture takes; each entry reads only its own (see its `parameters`). */
export type SchemaModelOptions = Static<typeof MlpOptions> & Static<typeof CnnOptions> & Static<typeof RnnOptions>;

/** What the model's output is trained against: class probabilities, or one number (`metric` is the schema's). */
export type SchemaObjective =
  | { loss: 'categoricalCrossentropy'; metric: 'accuracy' }
  | { loss: 'meanSquaredError'; metric: 'mse' | 'mae' };

/** One architecture of the registry. `build` gets options already checked against `parameters`. */
export type SchemaModelEntry = {
  name: SchemaModelName;
  description: string;
  kinds: ReadonlyArray<DataSchema['kind']>;
  parameters: TObject;
  build(schema: DataSchema, options: SchemaModelOptions, seed: number | undefined): tf.LayersModel;
};

export type SchemaModelName = 'mlp' | 'cnn' | 'logreg' | 'lstm' | 'gru';

// Each layer gets its own seed: one seed for all would give same-shaped layers identical weights.
const seeded = (seed: number | undefined, layer: number): { seed?: number } => (seed === undefined ? {} : { seed: seed * 31 + layer });
const glorot = (seed: number | undefined, layer: number) => tf.initializers.glorotUniform(seeded(seed, layer));

// The last layer: softmax over classes or symbols, or one linear unit for a regression.
function head(schema: DataSchema, seed: number | undefined, layer: number): tf.layers.Layer {
  const regression = schema.kind === 'tabular' && schema.target.type === 'regression';
  return tf.layers.dense({
    name: 'output', units: schemaOutputSize(schema), activation: regression ? 'linear' : 'softmax', kernelInitializer: glorot(seed, layer),
  });
}

// Images are [height, width, channels]: the dense models flatten them first, so the model takes
// the schema's input shape exactly and the shape check stays one comparison.
function flattenIfImage(schema: DataSchema): tf.layers.Layer[] {
  return schema.kind === 'image' ? [tf.layers.flatten({ name: 'flatten', inputShape: schemaInputShape(schema) })] : [];
}

// Weights of a stack of dense layers (kernel and bias each) from `widths[0]` inputs.
function denseWeights(widths: readonly number[]): number {
  let total = 0;
  for (let i = 1; i < widths.length; i++) total += widths[i - 1]! * widths[i]! + widths[i]!;
  return total;
}

function checkSize(name: string, weights: number): void {
  if (weights > MAX_SCHEMA_MODEL_WEIGHTS) {
    throw new ModelError('MODEL_SPEC_INVALID', `the ${name} would hold ${weights} weights (limit ${MAX_SCHEMA_MODEL_WEIGHTS}); use fewer units or fewer features`);
  }
}

function mlp(schema: DataSchema, options: SchemaModelOptions, seed: number | undefined): tf.LayersModel {
  const input = schemaInputShape(schema);
  const inputSize = input.reduce((a, b) => a * b, 1);
  checkSize('MLP', denseWeights([inputSize, ...(options.hiddenUnits ?? [64, 32]), schemaOutputSize(schema)]));
  const hidden = (options.hiddenUnits ?? [64, 32]).map((units, i) =>
    tf.layers.dense({ name: `hidden${i + 1}`, units, activation: 'relu', kernelInitializer: glorot(seed, i + 1), ...(i === 0 && schema.kind !== 'image' ? { inputShape: input } : {}) }),
  );
  return tf.sequential({ name: 'mlp', layers: [...flattenIfImage(schema), ...hidden, head(schema, seed, hidden.length + 1)] });
}

function logreg(schema: DataSchema, _options: SchemaModelOptions, seed: number | undefined): tf.LayersModel {
  checkSize('logistic regression', denseWeights([schemaInputShape(schema).reduce((a, b) => a * b, 1), schemaOutputSize(schema)]));
  const output = tf.layers.dense({
    name: 'output', units: schemaOutputSize(schema), activation: 'softmax', kernelInitializer: glorot(seed, 1),
    ...(schema.kind === 'image' ? {} : { inputShape: schemaInputShape(schema) }),
  });
  return tf.sequential({ name: 'logreg', layers: [...flattenIfImage(schema), output] });
}

// Two 3×3 conv + 2×2 max-pool blocks and a dense layer, after McMahan et al.'s CNN but smaller.
// 'same' pooling keeps odd and tiny sizes (64×48, 5×5, even 1×1) valid: the output is ceil(n/2).
function cnn(schema: DataSchema, options: SchemaModelOptions, seed: number | undefined): tf.LayersModel {
  const [f1, f2] = options.filters ?? [16, 32];
  const [height = 1, width = 1] = schemaInputShape(schema);
  const global = options.pooling === 'global';
  // Checked before building: a 1024×1024 image flattens to 2M features, 134M weights at 64 units.
  const denseWeights = (global ? f2 : Math.ceil(height / 4) * Math.ceil(width / 4) * f2) * (options.denseUnits ?? 64);
  if (denseWeights > MAX_CNN_DENSE_WEIGHTS) {
    throw new ModelError('MODEL_SPEC_INVALID', `the CNN's dense layer would hold ${denseWeights} weights (limit ${MAX_CNN_DENSE_WEIGHTS}); use pooling 'global' or fewer filters`);
  }
  return tf.sequential({
    name: 'cnn',
    layers: [
      tf.layers.conv2d({
        name: 'conv1', inputShape: schemaInputShape(schema), filters: f1, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: glorot(seed, 1),
      }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2, padding: 'same' }),
      tf.layers.conv2d({ name: 'conv2', filters: f2, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: glorot(seed, 2) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2, padding: 'same' }),
      global ? tf.layers.globalAveragePooling2d({ name: 'global_pool' }) : tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc', units: options.denseUnits ?? 64, activation: 'relu', kernelInitializer: glorot(seed, 3) }),
      head(schema, seed, 4),
    ],
  });
}

// Next-symbol prediction as LEAF's Shakespeare model (embedding, recurrent layer, softmax over the
// vocabulary), smaller: one recurrent layer. The embedding casts the float symbol indices to int32.
function rnn(cell: 'lstm' | 'gru') {
  return (schema: DataSchema, options: SchemaModelOptions, seed: number | undefined): tf.LayersModel => {
    if (schema.kind !== 'text') throw new ModelError('MODEL_SPEC_INVALID', `${cell} takes text, not ${schema.kind}`);
    const units = options.units ?? 64;
    const embedding = options.embeddingSize ?? 8;
    const gates = cell === 'lstm' ? 4 : 3;
    // Embedding table, the recurrent layer's kernels and biases, the softmax over the vocabulary.
    checkSize(cell.toUpperCase(), schema.vocabulary.length * embedding + gates * units * (embedding + units + 2) + denseWeights([units, schema.vocabulary.length]));
    const config = {
      name: cell, units: options.units ?? 64, kernelInitializer: glorot(seed, 2),
      recurrentInitializer: tf.initializers.orthogonal({ gain: 1, ...seeded(seed, 3) }),
    };
    return tf.sequential({
      name: cell,
      layers: [
        tf.layers.embedding({
          name: 'embedding', inputShape: [schema.sequenceLength], inputDim: schema.vocabulary.length, outputDim: options.embeddingSize ?? 8,
          embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, ...seeded(seed, 1) }),
        }),
        cell === 'lstm' ? tf.layers.lstm(config) : tf.layers.gru(config),
        head(schema, seed, 4),
      ],
    });
  };
}

/**
 * The architectures a task can build from its schema, by name, in order of preference: for each
 * kind of schema the first that takes it is the default. Forms and CLI help list `description`
 * and `parameters`; {@link modelsFor} says which apply to a schema.
 * @example Object.values(SCHEMA_MODELS).filter((m) => m.kinds.includes('image')).map((m) => m.name) // ['cnn', 'mlp', 'logreg']
 */
export const SCHEMA_MODELS: Readonly<Record<SchemaModelName, SchemaModelEntry>> = Object.freeze({
  cnn: { name: 'cnn', description: 'two 3×3 conv + max-pool blocks, a dense layer, softmax', kinds: ['image'], parameters: CnnOptions, build: cnn },
  mlp: { name: 'mlp', description: 'fully connected ReLU layers (default 64, 32), softmax or one linear unit', kinds: ['tabular', 'image'], parameters: MlpOptions, build: mlp },
  logreg: { name: 'logreg', description: 'multinomial logistic regression', kinds: ['image', 'tabular'], parameters: NoOptions, build: logreg },
  lstm: { name: 'lstm', description: 'symbol embedding, one LSTM layer, softmax over the vocabulary', kinds: ['text'], parameters: RnnOptions, build: rnn('lstm') },
  gru: { name: 'gru', description: 'symbol embedding, one GRU layer, softmax over the vocabulary', kinds: ['text'], parameters: RnnOptions, build: rnn('gru') },
});

/**
 * Names of the architectures that fit a schema, the default first. Logistic regression is
 * classification only, so a regression table gets just the MLP.
 * @example modelsFor(MNIST_SCHEMA) // ['cnn', 'mlp', 'logreg']
 */
export function modelsFor(schema: DataSchema): SchemaModelName[] {
  const regression = schema.kind === 'tabular' && schema.target.type === 'regression';
  return Object.values(SCHEMA_MODELS)
    .filter((entry) => entry.kinds.includes(schema.kind) && !(regression && entry.name === 'logreg'))
    .map((entry) => entry.name);
}

/**
 * The loss a model for this schema is trained with and the metric reported: cross-entropy and
 * accuracy for classes and symbols, squared error and the schema's MSE or MAE for a regression.
 * @example schemaObjective(MNIST_SCHEMA) // { loss: 'categoricalCrossentropy', metric: 'accuracy' }
 */
export function schemaObjective(schema: DataSchema): SchemaObjective {
  if (schema.kind === 'tabular' && schema.target.type === 'regression') return { loss: 'meanSquaredError', metric: schema.target.metric };
  return { loss: 'categoricalCrossentropy', metric: 'accuracy' };
}

/**
 * Builds a fresh model whose input is the schema's encoded example (`schemaInputShape`) and whose
 * output is `schemaOutputSize` units. `model` picks the architecture (default: the first of
 * {@link modelsFor}); the other options are that architecture's. With a seed, initialisation is
 * deterministic, as `createModel`'s. Throws `ModelError('MODEL_SPEC_INVALID')` for an
 * architecture that does not fit the schema or options outside its parameter schema.
 * @example
 * const model = buildModelForSchema(tableSchema, { model: 'mlp', hiddenUnits: [32], seed: 7 });
 */
export function buildModelForSchema(
  schema: DataSchema, options: SchemaModelOptions & { model?: SchemaModelName; seed?: number } = {},
): tf.LayersModel {
  const { model: name = modelsFor(schema)[0], seed, ...rest } = options;
  const entry = name === undefined ? undefined : SCHEMA_MODELS[name];
  if (entry === undefined || !modelsFor(schema).includes(entry.name)) {
    throw new ModelError('MODEL_SPEC_INVALID', `model ${JSON.stringify(name)} does not fit a ${schema.kind} schema; choose one of ${modelsFor(schema).join(', ')}`);
  }
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const unknown = Object.keys(given).filter((key) => !(key in entry.parameters.properties));
  if (unknown.length > 0 || !Value.Check(entry.parameters, given)) {
    const problem = unknown.length > 0 ? `${entry.name} takes no option ${unknown.join(', ')}` : [...Value.Errors(entry.parameters, given)].map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new ModelError('MODEL_SPEC_INVALID', `invalid options for ${entry.name}: ${problem}`);
  }
  return entry.build(schema, given as SchemaModelOptions, seed);
}

// The model zoo: McMahan et al.'s MNIST 2NN and CNN, logistic regression, and bring-your-own tfjs.

import * as tf from '@tensorflow/tfjs';
import { MNIST_SCHEMA, schemaInputShape, type DataSchema, type ModelSpec as ProtocolModelSpec } from '@flotilla/protocol';
import { ModelError } from './errors.ts';
import { freezeLayers } from './freeze.ts';
import { buildModelForSchema } from './schemaModels.ts';

/**
 * Which model a task trains: `@flotilla/protocol`'s `ModelSpec`. `tfjs` carries the
 * `modelTopology` of a TensorFlow.js layers model.json (Keras-style JSON); `schema` builds an
 * architecture of SCHEMA_MODELS from the task's data schema. Any of them may freeze layers.
 */
export type ModelSpec = ProtocolModelSpec;

/**
 * Builds a fresh model for a spec. With a seed, initialisation is deterministic: the same spec and
 * seed give bit-identical weights on any backend (tfjs draws seeded initial values in JS), so
 * every client and the coordinator can start from the same round-0 model without shipping it.
 * A `tfjs` model must end in a softmax over the classes, as `trainLocal` minimises
 * cross-entropy on probabilities. Async because tfjs deserialises a topology asynchronously.
 * @example
 * const model = await createModel({ kind: 'mnist-2nn' }, 42);
 * model.countParams(); // 199210
 */
export async function createModel(spec: ModelSpec, seed?: number, schema: DataSchema = MNIST_SCHEMA): Promise<tf.LayersModel> {
  const model = await buildModel(spec, seed, schema);
  // Frozen before anyone reads flat weights: freezing reorders `model.weights` (see freezeLayers).
  if (spec.freeze) {
    try {
      freezeLayers(model, spec.freeze);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }
  return model;
}

async function buildModel(spec: ModelSpec, seed: number | undefined, schema: DataSchema): Promise<tf.LayersModel> {
  switch (spec.kind) {
    case 'mnist-2nn':
      return mnist2nn(seed);
    case 'mnist-cnn':
      return mnistCnn(seed);
    case 'logreg':
      return logreg(spec.inputs, spec.classes, seed);
    case 'tfjs':
      return fromTopology(spec.modelTopology, seed);
    case 'schema':
      return buildModelForSchema(schema, { ...spec.options, model: spec.architecture, ...(seed === undefined ? {} : { seed }) });
    default: {
      const never: never = spec;
      throw new ModelError('MODEL_SPEC_INVALID', `unknown model kind ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The shape of one example, without the batch dimension; images are fed flat in this layout.
 * @example modelInputShape({ kind: 'mnist-cnn' }); // [28, 28, 1]
 */
export function modelInputShape(spec: ModelSpec, schema: DataSchema = MNIST_SCHEMA): number[] {
  switch (spec.kind) {
    case 'mnist-2nn':
      return [784];
    case 'mnist-cnn':
      return [28, 28, 1];
    case 'logreg':
      return [spec.inputs];
    case 'tfjs':
      return topologyInputShape(spec.modelTopology);
    case 'schema':
      return schemaInputShape(schema);
    default: {
      const never: never = spec;
      throw new ModelError('MODEL_SPEC_INVALID', `unknown model kind ${JSON.stringify(never)}`);
    }
  }
}

// Each layer gets its own seed: one seed for all would give same-shaped layers identical weights.
function kernelInit(seed: number | undefined, layer: number): ReturnType<typeof tf.initializers.glorotUniform> | 'glorotUniform' {
  return seed === undefined ? 'glorotUniform' : tf.initializers.glorotUniform({ seed: seed * 31 + layer });
}

// McMahan et al. 2017 (arXiv:1602.05629) §3: "a simple multilayer-perceptron with 2-hidden layers
// with 200 units each using ReLu activations (199,210 total parameters)".
function mnist2nn(seed?: number): tf.LayersModel {
  return tf.sequential({
    name: 'mnist_2nn',
    layers: [
      tf.layers.dense({ name: 'hidden1', inputShape: [784], units: 200, activation: 'relu', kernelInitializer: kernelInit(seed, 1) }),
      tf.layers.dense({ name: 'hidden2', units: 200, activation: 'relu', kernelInitializer: kernelInit(seed, 2) }),
      tf.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: kernelInit(seed, 3) }),
    ],
  });
}

// Same paper: two 5×5 convolutions (32 and 64 channels, each followed by 2×2 max pooling), a 512-unit
// ReLU layer and a softmax output (1,663,370 parameters, which requires 'same' padding).
function mnistCnn(seed?: number): tf.LayersModel {
  return tf.sequential({
    name: 'mnist_cnn',
    layers: [
      tf.layers.conv2d({
        name: 'conv1', inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu',
        kernelInitializer: kernelInit(seed, 1),
      }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
      tf.layers.conv2d({
        name: 'conv2', filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: kernelInit(seed, 2),
      }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc', units: 512, activation: 'relu', kernelInitializer: kernelInit(seed, 3) }),
      tf.layers.dense({ name: 'output', units: 10, activation: 'softmax', kernelInitializer: kernelInit(seed, 4) }),
    ],
  });
}

function logreg(inputs: number, classes: number, seed?: number): tf.LayersModel {
  if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(classes) || classes < 2) {
    throw new ModelError('MODEL_SPEC_INVALID', `logreg needs integer inputs ≥ 1 and classes ≥ 2, got ${inputs}, ${classes}`);
  }
  return tf.sequential({
    name: 'logreg',
    layers: [
      tf.layers.dense({ name: 'output', inputShape: [inputs], units: classes, activation: 'softmax', kernelInitializer: kernelInit(seed, 1) }),
    ],
  });
}

async function fromTopology(modelTopology: unknown, seed?: number): Promise<tf.LayersModel> {
  if (!isRecord(modelTopology)) {
    throw new ModelError('MODEL_SPEC_INVALID', 'a tfjs model spec needs the modelTopology object of a model.json');
  }
  const topology = seed === undefined ? modelTopology : seedInitializers(structuredClone(modelTopology), seed);
  try {
    return await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] } as never);
  } catch (err) {
    throw new ModelError('MODEL_SPEC_INVALID', `cannot build the tfjs model: ${(err as Error).message}`);
  }
}

// A model.json's initializers usually carry `seed: null`; giving each a distinct seed makes the
// user's own architecture initialise deterministically too. Seeds are ignored by Zeros/Ones.
function seedInitializers(node: unknown, seed: number): unknown {
  let counter = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (!isRecord(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (key.endsWith('_initializer') && isRecord(child) && isRecord(child['config'])) {
        child['config']['seed'] = seed * 31 + ++counter;
      } else {
        visit(child);
      }
    }
  };
  visit(node);
  return node;
}

// Mirrors how tfjs reads a topology: Keras .h5 conversions nest it under `model_config`; the input
// shape sits on the InputLayer (functional) or the first layer (Sequential), as batch_input_shape
// (Keras 2) or batch_shape (Keras 3).
function topologyInputShape(modelTopology: unknown): number[] {
  const root = isRecord(modelTopology) && isRecord(modelTopology['model_config']) ? modelTopology['model_config'] : modelTopology;
  const config = isRecord(root) ? root['config'] : undefined;
  const layers = isRecord(config) && Array.isArray(config['layers']) ? (config['layers'] as unknown[]) : [];
  const input = layers.find((l) => isRecord(l) && l['class_name'] === 'InputLayer') ?? layers[0];
  const layerConfig = isRecord(input) && isRecord(input['config']) ? input['config'] : {};
  const batchShape = layerConfig['batch_input_shape'] ?? layerConfig['batch_shape'] ?? (isRecord(config) ? config['build_input_shape'] : undefined);
  if (Array.isArray(batchShape) && batchShape.length > 1 && batchShape.slice(1).every((d) => Number.isInteger(d) && d > 0)) {
    return batchShape.slice(1) as number[];
  }
  throw new ModelError('MODEL_SPEC_INVALID', 'cannot find a fully defined input shape in the model topology');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Does a model fit a task's data schema? Checked when the task is created, so a model that cannot
// take the task's examples or give its outputs is refused then, never in round 1.

import * as tf from '@tensorflow/tfjs';
import { schemaInputShape, schemaOutputSize, type DataSchema } from '@flotilla/protocol';
import { ModelError } from './errors.ts';
import { createModel, type ModelSpec } from './zoo.ts';

const show = (shape: ReadonlyArray<number | null>): string => `[${shape.map((d) => d ?? '?').join(', ')}]`;
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Throws `ModelError('MODEL_SCHEMA_MISMATCH')`, naming expected and actual shapes, unless the model
 * has one input taking the schema's encoded example, one output of `schemaOutputSize` units, and
 * an output activation that fits: softmax for classes and symbols (training minimises
 * cross-entropy on probabilities), anything but softmax for a regression's single unit (a softmax
 * of one unit is always 1). An image model may also take the image flat (H·W·C values, as
 * McMahan's 2NN takes MNIST): examples travel flat in the same layout either way.
 * @example checkModelAgainstSchema(await createModel({ kind: 'mnist-2nn' }), MNIST_SCHEMA); // passes
 */
export function checkModelAgainstSchema(model: tf.LayersModel, schema: DataSchema): void {
  const fail = (what: string): never => {
    throw new ModelError('MODEL_SCHEMA_MISMATCH', `the model does not fit the ${schema.kind} schema: ${what}`);
  };
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    fail(`it needs one input and one output, it has ${model.inputs.length} and ${model.outputs.length}`);
  }
  const expectedInput = schemaInputShape(schema);
  const input = model.inputs[0]!.shape.slice(1);
  const exact = input.length === expectedInput.length && input.every((d, i) => d === expectedInput[i]);
  const flatImage = schema.kind === 'image' && input.length === 1 && input[0] === size(expectedInput);
  if (!exact && !flatImage) {
    const alternative = schema.kind === 'image' ? ` or [${size(expectedInput)}]` : '';
    fail(`input shape expected ${show(expectedInput)}${alternative} per example, the model takes ${show(input)}`);
  }
  const output = model.outputs[0]!.shape.slice(1);
  const units = schemaOutputSize(schema);
  if (output.length !== 1 || output[0] !== units) {
    fail(`output expected [${units}] per example (${outputMeaning(schema)}), the model gives ${show(output)}`);
  }
  const activation = outputActivation(model);
  const regression = schema.kind === 'tabular' && schema.target.type === 'regression';
  if (!regression && activation !== 'softmax') fail(`the output must be a softmax over ${outputMeaning(schema)}, the last activation is ${activation ?? 'none'}`);
  if (regression && activation === 'softmax') fail('a regression output cannot be a softmax (one unit would always be 1)');
}

/**
 * {@link checkModelAgainstSchema} for a model spec (a zoo model, or an uploaded topology): builds
 * it, checks it and disposes it. A topology that does not build gives `MODEL_SPEC_INVALID`.
 * @example await checkSpecAgainstSchema(task.model, task.data.schema);
 */
export async function checkSpecAgainstSchema(spec: ModelSpec, schema: DataSchema): Promise<void> {
  const model = await createModel(spec, 0, schema);
  try {
    checkModelAgainstSchema(model, schema);
  } finally {
    model.dispose();
  }
}

function outputMeaning(schema: DataSchema): string {
  switch (schema.kind) {
    case 'image':
      return `${schema.classes.length} classes`;
    case 'tabular':
      return schema.target.type === 'classification' ? `${schema.target.classes.length} classes` : 'one regression value';
    case 'text':
      return `a vocabulary of ${schema.vocabulary.length} symbols`;
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

// The activation of the layer that produces the output: a Dense's own, or an Activation layer's.
function outputActivation(model: tf.LayersModel): string | undefined {
  const layer = model.outputLayers[0] ?? model.layers.at(-1);
  const activation = layer?.getConfig()['activation'];
  return typeof activation === 'string' ? activation : undefined;
}

// What the dashboard says of a task's data and evaluation, as text: the schema in one line, and
// the plain sentences for what is not there (a central test set, a baseline).

import { hasCentralTestSet, type DataSchema } from '@flotilla/protocol';
import type { TaskView } from './api.ts';

/**
 * One line on what an example is.
 * @example describeSchema(MNIST_SCHEMA) // 'image 28×28×1, 10 classes (0, 1, 2, …)'
 */
export function describeSchema(schema: DataSchema): string {
  const list = (items: readonly string[]) => (items.length > 6 ? `${items.slice(0, 6).join(', ')}, …` : items.join(', '));
  switch (schema.kind) {
    case 'image':
      return `image ${schema.height}×${schema.width}×${schema.channels}, ${schema.classes.length} classes (${list(schema.classes)})`;
    case 'tabular': {
      const target = schema.target.type === 'classification'
        ? `${schema.target.classes.length} classes (${list(schema.target.classes)})`
        : `regression (${schema.target.metric})`;
      return `table of ${schema.features.length} columns (${list(schema.features.map((f) => `${f.name}${f.kind === 'categorical' ? ' [cat]' : ''}`))}) → ${schema.label}: ${target}`;
    }
    case 'text':
      return `${schema.level}-level text, ${schema.sequenceLength} symbols of context, vocabulary of ${schema.vocabulary.length}`;
    default: {
      const never: never = schema;
      throw new Error(`unknown schema ${JSON.stringify(never)}`);
    }
  }
}

/** The sentences the panel says when something a user might expect is not there. */
export function evaluationNotes(task: TaskView): string[] {
  const notes: string[] = [];
  const central = hasCentralTestSet(task.config.data);
  const federated = task.config.evaluation?.federated.enabled === true;
  if (!central) notes.push('This task has no central test set: its model is evaluated only on the clients\' held-out data.');
  if (!task.baseline) notes.push('There is no centralized baseline for this task (the coordinator does not hold the union of its data, or the baseline is off), so there is no δ.');
  if (!central && !federated) notes.push('Federated evaluation is off as well: no accuracy is measured anywhere for this task.');
  return notes;
}

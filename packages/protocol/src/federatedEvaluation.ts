// What federated evaluation reports to operators: the summary of one round's evaluation (the
// round view's `federated`, the `evaluation.completed` event) and one client's outcome in it.

import { Type, type Static } from '@sinclair/typebox';
import { EvaluationMetrics } from './messages.ts';
import { BUILTIN_MNIST, type DataSpec } from './task.ts';
import { PersonalizationSummary } from './personalization.ts';

const Metric = Type.Union([Type.Literal('accuracy'), Type.Literal('mse'), Type.Literal('mae')]);
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

/** The spread of the task's metric over the clients that reported, each counting once (the fairness view). */
export const MetricSpread = Type.Object({
  min: Type.Number(), p10: Type.Number(), median: Type.Number(), max: Type.Number(),
  /** Population standard deviation over clients. */
  std: Type.Number(),
});
export type MetricSpread = Static<typeof MetricSpread>;

/** One federated evaluation of a committed model version (round 0: the initial model). */
export const FederatedSummary = Type.Object({
  round: Type.Integer({ minimum: 0 }),
  modelVersion: Type.Integer({ minimum: 0 }),
  /** What the task is judged by: accuracy, or a regression's mse or mae. */
  metric: Metric,
  asked: Type.Integer({ minimum: 0 }),
  /** Clients whose report counted. */
  clients: Type.Integer({ minimum: 0 }),
  /** Asked clients that failed, were rejected, left or missed the deadline. */
  failed: Type.Integer({ minimum: 0 }),
  examples: Type.Integer({ minimum: 0 }),
  /** Example-weighted over the reports; null when no client reported. */
  loss: Nullable(Type.Number()),
  accuracy: Nullable(Type.Number()),
  mse: Nullable(Type.Number()),
  mae: Nullable(Type.Number()),
  spread: Type.Union([MetricSpread, Type.Null()]),
  /** A personalised task's clients' personal (and local-only) models against the global one. */
  personalization: Type.Optional(PersonalizationSummary),
});
export type FederatedSummary = Static<typeof FederatedSummary>;

export const EvaluationClientOutcome = Type.Union([
  Type.Literal('reported'), Type.Literal('failed'), Type.Literal('rejected'), Type.Literal('disconnected'), Type.Literal('deadline'),
]);
export type EvaluationClientOutcome = Static<typeof EvaluationClientOutcome>;

/** One asked client in an evaluation: its report, or why there is none (with the error code). */
export const EvaluationClientView = Type.Object({
  clientId: Type.String(),
  outcome: EvaluationClientOutcome,
  code: Type.Union([Type.String(), Type.Null()]),
  numExamples: Type.Union([Type.Integer(), Type.Null()]),
  metrics: Type.Union([EvaluationMetrics, Type.Null()]),
});
export type EvaluationClientView = Static<typeof EvaluationClientView>;

/** `GET /api/tasks/:id/evaluations` lists these, by round. */
export const EvaluationView = Type.Object({
  taskId: Type.String(),
  round: Type.Integer({ minimum: 0 }),
  modelVersion: Type.Integer({ minimum: 0 }),
  startedAt: Type.Integer(),
  endedAt: Type.Integer(),
  summary: FederatedSummary,
  clients: Type.Array(EvaluationClientView),
});
export type EvaluationView = Static<typeof EvaluationView>;

/**
 * Which example kinds each schema architecture takes: forms offer only those that fit the task's
 * schema without loading packages/models (and TensorFlow.js) into the page. packages/models'
 * SCHEMA_MODELS is checked against it by a test.
 * @example SCHEMA_ARCHITECTURE_KINDS.cnn // ['image']
 */
export const SCHEMA_ARCHITECTURE_KINDS = {
  mlp: ['tabular', 'image'],
  cnn: ['image'],
  logreg: ['image', 'tabular'],
  lstm: ['text'],
  gru: ['text'],
} as const satisfies Record<'mlp' | 'cnn' | 'logreg' | 'lstm' | 'gru', readonly ('image' | 'tabular' | 'text')[]>;

/**
 * Does the coordinator evaluate a task's model on a test set of its own? Where the operator named
 * one, and for MNIST tasks stored before schemas and test sets existed (always evaluated on
 * MNIST's test digits). A task with its own schema and no test set is evaluated only where its
 * data lives.
 * @example hasCentralTestSet({ dataset: 'mnist' }) // true
 */
export function hasCentralTestSet(data: Pick<DataSpec, 'schema' | 'dataset' | 'testDataset'>): boolean {
  if (data.testDataset !== undefined) return true;
  return data.schema === undefined && (data.dataset ?? BUILTIN_MNIST) === BUILTIN_MNIST;
}

/** A pretrained model stored by `POST /api/models`: what the create form offers as freeze points. */
export const ModelUploadView = Type.Object({
  /** SHA-256 of model.json and weights.bin: the same files are the same upload. */
  id: Type.String(),
  modelTopology: Type.Unknown(),
  params: Type.Integer({ minimum: 0 }),
  inputShape: Type.Array(Type.Integer()),
  outputShape: Type.Array(Type.Integer()),
  layers: Type.Array(Type.Object({ name: Type.String(), params: Type.Integer({ minimum: 0 }), trainable: Type.Boolean() })),
  bytes: Type.Integer({ minimum: 0 }),
  createdAt: Type.Integer(),
});
export type ModelUploadView = Static<typeof ModelUploadView>;

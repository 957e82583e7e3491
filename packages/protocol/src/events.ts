// The coordinator's event stream (`GET /api/events`, server-sent events) as TypeBox schemas: the
// payload of each event type, keyed by type, and the envelope every event carries. The event bus
// takes its type names from here; dashboards and the fleet read the payloads by these types.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TaskConfig, TaskState } from './task.ts';
import { FederatedSummary } from './federatedEvaluation.ts';
import { RoundPhase, RoundSummaryView, ClientOutcome, VerticalJobState } from './views.ts';
import { CurrentBufferView } from './asynchronousViews.ts';
import { ContributionRoundView } from './contribution.ts';

const Round = Type.Integer({ minimum: 1 });
const Open = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties);

/**
 * The payload of each event type. Open objects: an engine may add a field before it is listed.
 * A new event type is one entry here: the bus refuses, at compile time, a type not listed and a
 * payload that does not fit its entry.
 */
export const EventPayloads = Type.Object({
  'client.joined': Open({ clientId: Type.String(), kind: Type.String(), backend: Type.String(), examplesPerSec: Type.Union([Type.Number(), Type.Null()]), resumed: Type.Boolean() }),
  'client.left': Open({ clientId: Type.String() }),
  /** A client's part in a round failed, or it could not evaluate a model it was asked to (`evaluation-failed`). */
  'client.error': Open({ round: Type.Integer({ minimum: 0 }), clientId: Type.String(), outcome: Type.Union([ClientOutcome, Type.Literal('evaluation-failed')]), code: Type.Union([Type.String(), Type.Null()]) }),
  /** Ephemeral: a training client's progress through its local epochs. */
  'client.progress': Open({ clientId: Type.String(), round: Round, epoch: Type.Integer(), epochs: Type.Integer(), batch: Type.Integer(), batches: Type.Integer(), loss: Type.Number() }),
  'task.created': Open({ name: Type.String(), config: TaskConfig }),
  'task.state': Open({ state: TaskState, reason: Type.Optional(Type.Union([Type.String(), Type.Null()])) }),
  'round.started': Open({ round: Round, selected: Type.Integer(), goal: Type.Integer(), deadline: Type.Number(), modelVersion: Type.Integer(), secure: Type.Boolean() }),
  /** Ephemeral: the round in flight moved to another phase. */
  'round.phase': Open({ round: Round, phase: RoundPhase }),
  /** A report arrived; under secure aggregation it is `masked` and carries no example count or loss. */
  'round.report': Open({
    round: Round, clientId: Type.String(), reported: Type.Integer(), goal: Type.Integer(),
    numExamples: Type.Optional(Type.Integer()), loss: Type.Optional(Type.Number()), masked: Type.Optional(Type.Boolean()),
    /** Device-aware work: steps asked for and done. */
    plannedSteps: Type.Optional(Type.Integer()), localSteps: Type.Optional(Type.Integer()),
  }),
  'round.dropout': Open({ round: Round, clientId: Type.String(), reason: Type.Union([Type.Literal('disconnected'), Type.Literal('deadline')]) }),
  'round.committed': RoundSummaryView,
  'round.abandoned': RoundSummaryView,
  /** An asynchronous commit's central evaluation, which trails the commit: the round's summary with its test metrics. */
  'round.evaluated': RoundSummaryView,
  /** Ephemeral: an asynchronous task's buffer changed (an update folded in, a plan sent, a commit); `staleness` of the update folded in. */
  'buffer.update': Type.Composite([CurrentBufferView, Open({ clientId: Type.Optional(Type.String()), staleness: Type.Optional(Type.Integer({ minimum: 0 })) })]),
  /** A round's contribution valuation finished (it trails the round's commit). */
  'contribution.round': ContributionRoundView,
  /** Ephemeral: a round's valuation in progress, `evaluations` sub-models evaluated so far for `players` reports. */
  'contribution.progress': Open({ round: Round, evaluations: Type.Integer({ minimum: 0 }), players: Type.Integer({ minimum: 1 }), method: Type.String() }),
  /** A round's valuation failed (its model was committed all the same); the round has no values. */
  'contribution.failed': Open({ round: Round, code: Type.String(), reason: Type.String() }),
  'baseline.progress': Open({ epoch: Type.Integer(), trainLoss: Type.Number(), valAccuracy: Type.Union([Type.Number(), Type.Null()]), valLoss: Type.Number(), maxEpochs: Type.Integer() }),
  'baseline.done': Open({
    accuracy: Type.Union([Type.Number(), Type.Null()]), loss: Type.Union([Type.Number(), Type.Null()]), epochs: Type.Integer(),
    evaluatedOn: Type.Optional(Type.Union([Type.Literal('test-set'), Type.Literal('client-holdout'), Type.Null()])),
  }),
  'vertical.state': Open({ jobId: Type.String(), state: VerticalJobState, reason: Type.Optional(Type.String()), code: Type.Optional(Type.String()) }),
  /** A vertical job's epoch as far as its parties reported it (FTL: the guest's loss, the host's accuracy on its rows outside the overlap). */
  'vertical.epoch': Open({ jobId: Type.String(), epoch: Type.Integer(), epochs: Type.Integer(), loss: Type.Optional(Type.Number()), accuracy: Type.Optional(Type.Number()) }),
  /** A model worker failed a job; a fresh worker takes the next one. */
  'model.worker': Open({
    code: Type.String(), job: Type.Union([Type.String(), Type.Null()]), worker: Type.String({ description: 'which worker: quick (evaluation, exports), baseline or contribution (valuations)' }),
    reason: Type.String(), round: Type.Optional(Type.Integer()),
  }),
  'dataset.imported': Open({ id: Type.String(), name: Type.String(), format: Type.String(), count: Type.Integer(), numClients: Type.Union([Type.Integer(), Type.Null()]), bytes: Type.Integer() }),
  'dataset.deleted': Open({ id: Type.String() }),
  'evaluation.started': Open({ round: Type.Integer({ minimum: 0 }), modelVersion: Type.Integer(), asked: Type.Integer(), deadline: Type.Number() }),
  'evaluation.report': Open({ round: Type.Integer({ minimum: 0 }), clientId: Type.String(), numExamples: Type.Integer(), loss: Type.Number(), reported: Type.Integer(), asked: Type.Integer() }),
  'evaluation.completed': FederatedSummary,
  'model.uploaded': Open({ id: Type.String(), params: Type.Integer(), bytes: Type.Integer() }),
});
export type EventPayloads = Static<typeof EventPayloads>;

export const EventType = Type.KeyOf(EventPayloads);
export type EventType = Static<typeof EventType>;

/**
 * One event as the stream sends it (the SSE `data:` line): the payload's fields, the task it is
 * about, when it happened and its sequence number (null for ephemeral events, never replayed).
 * The type is the SSE `event:` line.
 */
export const EventEnvelope = Type.Object({
  taskId: Type.Union([Type.String(), Type.Null()]),
  at: Type.Number({ description: 'milliseconds since the epoch' }),
  seq: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
});
export type EventEnvelope = Static<typeof EventEnvelope>;

/** A received event of type K: its payload and the envelope's fields. */
export type StreamEvent<K extends EventType> = EventPayloads[K] & EventEnvelope;

// What the REST views and the event stream show of a buffered asynchronous (FedBuff) task: each
// commit's buffer and staleness, and the buffer filling now.

import { Type, type Static } from '@sinclair/typebox';

/** One committed version's buffer (a round record's `asynchronous` field; round = commit number). */
export const AsyncCommitView = Type.Object({
  /** K: the updates this commit folded in. */
  bufferSize: Type.Integer({ minimum: 0 }),
  /** Mean and largest staleness τ (versions committed since the one an update trained from) in the buffer. */
  meanStaleness: Type.Number({ minimum: 0 }),
  maxStaleness: Type.Integer({ minimum: 0 }),
  /** `stalenessHistogram[τ]`: how many of the buffer's updates were τ versions stale. */
  stalenessHistogram: Type.Array(Type.Integer({ minimum: 0 })),
  /** Updates refused with FLT_STALE_UPDATE while this buffer filled. */
  refusedStale: Type.Integer({ minimum: 0 }),
  /** Updates per contributing client (a fast client may contribute several to one buffer). */
  updatesByClient: Type.Record(Type.String(), Type.Integer({ minimum: 1 })),
});
export type AsyncCommitView = Static<typeof AsyncCommitView>;

/** The buffer filling now (TaskView.currentBuffer, `buffer.update` events). */
export const CurrentBufferView = Type.Object({
  /** The version the buffer will be applied to; its commit makes version + 1. */
  modelVersion: Type.Integer({ minimum: 0 }),
  filled: Type.Integer({ minimum: 0 }),
  bufferSize: Type.Integer({ minimum: 1 }),
  /** Clients training now, of `concurrency` at most. */
  inFlight: Type.Integer({ minimum: 0 }),
  concurrency: Type.Integer({ minimum: 1 }),
  meanStaleness: Type.Number({ minimum: 0 }),
  maxStaleness: Type.Integer({ minimum: 0 }),
  refusedStale: Type.Integer({ minimum: 0 }),
  /** Stale refusals since the task (re)started on this coordinator. */
  refusedStaleTotal: Type.Integer({ minimum: 0 }),
});
export type CurrentBufferView = Static<typeof CurrentBufferView>;

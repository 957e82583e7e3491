// Partial example-weighted sums: what an edge folds its clients' updates into, how it publishes
// one (vector in the object store, announcement on the stream with a message id, so a resend is
// dropped as a duplicate), and how the root reads it back.

import { EDGE_BUS, decodeJson, encodeJson, type EdgeBusConnection, type PartialAnnouncement } from './edgeBus.ts';

/**
 * Σ nₖΔₖ over one edge's reports of one round, in Float64 like FedAvgAccumulator, with Σ nₖ and
 * who is in it: memory O(model) whatever the number of clients.
 * @example const p = new PartialSum(4); p.add('c1', Float32Array.of(1, 2, 3, 4), 10);
 */
export class PartialSum {
  readonly sum: Float64Array;
  examples = 0;
  readonly clients: string[] = [];

  constructor(readonly length: number) {
    this.sum = new Float64Array(length);
  }

  get count(): number {
    return this.clients.length;
  }

  add(clientId: string, update: Float32Array, numExamples: number): void {
    if (update.length !== this.length) throw new Error(`update of ${update.length} values, the model has ${this.length}`);
    const { sum } = this;
    for (let i = 0; i < sum.length; i++) sum[i]! += numExamples * update[i]!;
    this.examples += numExamples;
    this.clients.push(clientId);
  }
}

/**
 * Publishes an edge's partial sum of a round: the vector first, then the announcement with message
 * id `<task>.<round>.<edge>`. Returns whether the stream dropped it as a duplicate (a resend).
 * @example const { duplicate } = await publishPartial(bus, taskId, 3, 'edge-a', partial);
 */
export async function publishPartial(bus: EdgeBusConnection, taskId: string, round: number, edgeId: string, partial: PartialSum): Promise<{ duplicate: boolean }> {
  const object = EDGE_BUS.partialId(taskId, round, edgeId);
  // The first vector stays, as the stream keeps the first announcement: a resend never overwrites what the root may be reading.
  if (!(await bus.partials.info(object))) {
    await bus.partials.putBlob({ name: object }, new Uint8Array(partial.sum.buffer, partial.sum.byteOffset, partial.sum.byteLength));
  }
  const announcement: PartialAnnouncement = { taskId, round, edgeId, count: partial.count, examples: partial.examples, clients: partial.clients, object };
  const ack = await bus.js.publish(EDGE_BUS.partialSubject(taskId, round, edgeId), encodeJson(announcement), { msgID: object });
  return { duplicate: ack.duplicate };
}

/** A partial sum as the root reads it from the stream. */
export interface ReceivedPartial {
  announcement: PartialAnnouncement;
  sum: Float64Array;
  /** The stream sequence of its announcement: one per partial, whatever the resends. */
  seq: number;
}

/**
 * The partial sum an edge published for a round, or null while there is none.
 * @example const partial = await readPartial(bus, taskId, 3, 'edge-a');
 */
export async function readPartial(bus: EdgeBusConnection, taskId: string, round: number, edgeId: string): Promise<ReceivedPartial | null> {
  const message = await bus.jsm.streams.getMessage(EDGE_BUS.partialStream, { last_by_subj: EDGE_BUS.partialSubject(taskId, round, edgeId) });
  if (!message) return null;
  const announcement = decodeJson<PartialAnnouncement>(message.data);
  const bytes = await bus.partials.getBlob(announcement.object);
  if (!bytes) return null;
  // A copy into a buffer of its own: the blob is a Node Buffer inside a larger pool, at any offset.
  return { announcement, sum: new Float64Array(new Uint8Array(bytes).buffer), seq: message.seq };
}

/**
 * How many announcements the stream holds for a round of a task (every edge): a duplicate adds none.
 * @example await countPartials(bus, taskId, 2) // 2 with two edges, however often they resent
 */
export async function countPartials(bus: EdgeBusConnection, taskId: string, round: number): Promise<number> {
  const info = await bus.jsm.streams.info(EDGE_BUS.partialStream, { subjects_filter: `flotilla.partials.${taskId}.${round}.>` });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

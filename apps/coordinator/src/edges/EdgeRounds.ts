// An edge's share of the rounds: the task facts it validates updates against (asked of the root
// once per task), the partial sum of each round it folds accepted updates into, and the flush
// that publishes a round's sum once it holds every report the root counted from this edge.

import type { FastifyBaseLogger } from 'fastify';
import { ErrorCodes, FlotillaError, type ErrorCode, type TaskConfig } from '@flotilla/protocol';
import { EDGE_BUS, decodeJson, encodeJson, type EdgeBusConnection, type FlushRound, type RootReply } from './edgeBus.ts';
import { PartialSum, publishPartial } from './partialSums.ts';

export interface TaskFacts { config: TaskConfig; shapes: number[][]; length: number }

/** How long a flush waits for updates the root counted but whose OK this edge has not yet handled. */
const FOLD_WAIT_MS = 10_000;

/**
 * Sends a request to the root and returns its body, or throws the FlotillaError it answered with.
 * @example const facts = await askRoot<TaskFacts>(bus, EDGE_BUS.task, { taskId });
 */
export async function askRoot<T>(bus: EdgeBusConnection, subject: string, body: unknown, timeoutMs = 10_000): Promise<T> {
  let reply: RootReply<T>;
  try {
    reply = decodeJson<RootReply<T>>((await bus.nc.request(subject, encodeJson(body), { timeout: timeoutMs })).data);
  } catch {
    throw new FlotillaError(ErrorCodes.INTERNAL, 'the root did not answer', false);
  }
  if (!reply.ok) throw new FlotillaError(reply.code as ErrorCode, reply.message, reply.fatal);
  return reply.body;
}

/**
 * Partial sums by task and round, and the flushes that publish them.
 * @example rounds.fold(taskId, round, clientId, flat, numExamples); // after the root said it counts
 */
export class EdgeRounds {
  private readonly facts = new Map<string, Promise<TaskFacts>>();
  private readonly partials = new Map<string, PartialSum>();
  /** Each task's last published sum, so a repeated flush resends it (and the stream drops the copy). */
  private readonly published = new Map<string, { round: number; partial: PartialSum }>();
  private readonly flushing = new Set<string>();
  private readonly folded: (() => void)[] = [];
  /** Every publish's outcome (tests and logs read it): a resend the stream dropped says duplicate. */
  readonly publishes: { taskId: string; round: number; duplicate: boolean }[] = [];

  constructor(private readonly bus: EdgeBusConnection, readonly edgeId: string, private readonly log: FastifyBaseLogger) {}

  /** The task's configuration and shapes (asked of the root once; a refusal is not kept). */
  taskFacts(taskId: string): Promise<TaskFacts> {
    let facts = this.facts.get(taskId);
    if (!facts) {
      facts = askRoot<{ config: TaskConfig; shapes: number[][] }>(this.bus, EDGE_BUS.task, { taskId })
        .then(({ config, shapes }) => ({ config, shapes, length: shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0) }));
      facts.catch(() => this.facts.delete(taskId));
      this.facts.set(taskId, facts);
    }
    return facts;
  }

  /** Adds an update the root counted to its round's partial sum. */
  fold(taskId: string, round: number, clientId: string, update: Float32Array, numExamples: number): void {
    const key = `${taskId}.${round}`;
    let partial = this.partials.get(key);
    if (!partial) {
      // A round the root abandoned before its flush left its sum here: a newer round of the task retires it.
      for (const old of this.partials.keys()) if (old.startsWith(`${taskId}.`) && old !== key) this.partials.delete(old);
      partial = new PartialSum(update.length);
      this.partials.set(key, partial);
    }
    partial.add(clientId, update, numExamples);
    for (const wake of this.folded.splice(0)) wake();
  }

  /** A round closed at the root: publish its sum once it holds the reports counted from this edge. */
  async flush({ taskId, round, expected }: FlushRound): Promise<void> {
    const key = `${taskId}.${round}`;
    const want = expected[this.edgeId] ?? 0;
    if (want === 0 || this.flushing.has(key)) return;
    this.flushing.add(key);
    try {
      const done = this.published.get(taskId);
      if (done?.round === round) return await this.publish(taskId, round, done.partial);
      const until = Date.now() + FOLD_WAIT_MS;
      while ((this.partials.get(key)?.count ?? 0) < want && Date.now() < until) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          this.folded.push(() => { clearTimeout(timer); resolve(); });
        });
      }
      const partial = this.partials.get(key);
      if (!partial) return;
      this.partials.delete(key);
      this.published.set(taskId, { round, partial });
      await this.publish(taskId, round, partial);
    } finally {
      this.flushing.delete(key);
    }
  }

  private async publish(taskId: string, round: number, partial: PartialSum): Promise<void> {
    try {
      const { duplicate } = await publishPartial(this.bus, taskId, round, this.edgeId, partial);
      this.publishes.push({ taskId, round, duplicate });
      if (this.publishes.length > 100) this.publishes.shift();
      this.log.info({ taskId, round, reports: partial.count, examples: partial.examples, duplicate }, duplicate ? 'partial sum resent: the stream dropped the duplicate' : 'partial sum published');
    } catch (err) {
      // The root asks again each second while it waits; the message id makes the retry safe.
      this.log.warn({ err, taskId, round }, 'cannot publish a partial sum yet');
    }
  }
}

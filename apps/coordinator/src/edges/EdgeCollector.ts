// The root's collector of a round across edge aggregators: it counts the reports the edges
// forward (their tensors stay at the edge), folds its own clients' updates, then combines every
// edge's partial sum from the stream into the example-weighted mean and applies the server rule.

import { hasMeanUpdateStep, type FitFailure } from '@flotilla/core';
import { ErrorCodes, FlotillaError, type NamedTensor, type RoundPlan, type Update } from '@flotilla/protocol';
import { acceptClearReport } from '../engine/clearReport.ts';
import type { ConnectedClient } from '../engine/ClientRegistry.ts';
import type { Aggregated, CollectorContext, UpdateCollector, UploadEnd } from '../engine/collectors.ts';
import { updateExampleLimits } from '../engine/exampleCounts.ts';
import { finishAggregation } from '../engine/PlainCollector.ts';
import type { SecAggClientMessage } from '../engine/SecureRound.ts';
import { acceptClearUpdate } from '../engine/updateAcceptance.ts';
import { validateUpdate } from '../engine/validateUpdate.ts';
import { workPlannerFor } from '../engine/workPlan.ts';
import { PartialSum, type ReceivedPartial } from './partialSums.ts';

/** What each edge's partial sum of a round must hold: the reports the root counted from it. */
export interface ExpectedPartial { count: number; examples: number }

/** Where the root gets the edges' partial sums of a round (RootBridge: flush, then the stream). */
export interface PartialSource {
  /** Records a round in flight (the key-value bucket of rounds): who was selected, its goal and deadline. */
  noteRound(taskId: string, state: { round: number; phase: string; selected: number; goal: number; deadline: number }): void;
  collect(taskId: string, round: number, expected: ReadonlyMap<string, ExpectedPartial>): Promise<Map<string, ReceivedPartial | null>>;
}

/**
 * A round's collector at the root of edges. An edge validates an update's tensors and asks the
 * root (acceptUpdate without tensors) whether it counts; only then does the edge fold it.
 * @example
 * const collector = new EdgeCollector(ctx, bridge);
 * if ((await collector.upload()).kind === 'closed') next = await collector.aggregate(failures);
 */
export class EdgeCollector implements UpdateCollector {
  // To the engine it collects in the clear; the plan decorators treat it as they treat 'plain'.
  readonly kind = 'plain';
  private readonly expected = new Map<string, ExpectedPartial>();
  private local: PartialSum | null = null;

  constructor(private readonly ctx: CollectorContext, private readonly source: PartialSource) {
    if (!hasMeanUpdateStep(ctx.strategy)) throw new Error(`${ctx.strategy.name} cannot combine partial sums`);
  }

  bindPlan(plan: RoundPlan): RoundPlan {
    return plan;
  }

  acceptUpdate(client: ConnectedClient, message: Update, tensors: NamedTensor[], bytes: number): void {
    acceptClearReport(this.ctx, client, message, bytes, () => {
      if (client.edge === undefined) {
        const result = acceptClearUpdate(this.ctx, client, message, tensors);
        this.local ??= new PartialSum(this.ctx.global.length);
        this.local.add(client.id, result.update, result.numExamples);
        return result;
      }
      // The edge checked the tensors (codec, shapes, finite, norm); the example count is the root's
      // to check (no tensors, no shapes: validateUpdate checks the count alone).
      validateUpdate(message, [], { shapes: [], maxUpdateNorm: Infinity, ...updateExampleLimits(this.ctx.exampleCounts, client) });
      const { planned, localSteps } = workPlannerFor(this.ctx.config).accept(client.id, message);
      this.ctx.sampleDp?.recordUpdate(client.id, message.numExamples);
      const seen = this.expected.get(client.edge) ?? { count: 0, examples: 0 };
      this.expected.set(client.edge, { count: seen.count + 1, examples: seen.examples + message.numExamples });
      return { plannedSteps: planned, localSteps };
    });
  }

  acceptSecAgg(_client: ConnectedClient, message: SecAggClientMessage): void {
    throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not a secure round in flight`);
  }

  left(): void {
    // Nothing waits on a client here: the round's own bookkeeping settles it.
  }

  async upload(): Promise<UploadEnd> {
    const { rs } = this.ctx;
    this.ctx.onPhase('reporting');
    this.source.noteRound(this.ctx.taskId, { round: rs.round, phase: 'reporting', selected: rs.selected.size, goal: rs.goal, deadline: rs.deadline });
    return (await this.ctx.rs.closed) === 'aborted' ? { kind: 'aborted' } : { kind: 'closed' };
  }

  /**
   * Σ over edges of Σ nₖΔₖ, divided by Σ nₖ: the same example-weighted mean one process forms, up
   * to the order of float additions. An edge whose sum is missing or does not hold what the root
   * counted abandons the round (FLT_EDGE_LOST): a mean without it would weigh reports that are not there.
   */
  async aggregate(_failures: readonly FitFailure[]): Promise<Aggregated> {
    const { ctx } = this;
    ctx.onPhase('aggregation');
    const partials = this.expected.size > 0 ? await this.source.collect(ctx.taskId, ctx.rs.round, this.expected) : new Map<string, ReceivedPartial | null>();
    const sum = new Float64Array(ctx.global.length);
    let examples = 0;
    const add = (part: Float64Array, n: number) => {
      for (let i = 0; i < sum.length; i++) sum[i]! += part[i]!;
      examples += n;
    };
    for (const [edge, want] of this.expected) {
      const got = partials.get(edge) ?? null;
      if (!got) return { kind: 'failed', reason: `${ErrorCodes.EDGE_LOST}: edge ${edge}'s partial sum of ${want.count} reports never arrived` };
      const { count, examples: n } = got.announcement;
      if (count !== want.count || n !== want.examples || got.sum.length !== sum.length) {
        return { kind: 'failed', reason: `${ErrorCodes.EDGE_LOST}: edge ${edge}'s partial sum holds ${count} reports of ${n} examples, the root counted ${want.count} of ${want.examples}` };
      }
      add(got.sum, n);
    }
    if (this.local) add(this.local.sum, this.local.examples);
    if (examples === 0) return { kind: 'failed', reason: 'no examples reported' };
    const mean = new Float32Array(sum.length);
    for (let i = 0; i < sum.length; i++) mean[i] = sum[i]! / examples;
    const strategy = ctx.strategy;
    if (!hasMeanUpdateStep(strategy)) return { kind: 'failed', reason: `${strategy.name} cannot combine partial sums` };
    return finishAggregation(() => strategy.applyMeanUpdate(ctx.global, mean));
  }
}

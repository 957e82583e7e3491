// Collects a round's updates in the clear: each validated update streams into the strategy's
// aggregation as it arrives (memory O(model) for FedAvg), and the round closes at its goal or deadline.

import type { FitAggregation, FitFailure } from '@flotilla/core';
import { ErrorCodes, FlotillaError, type NamedTensor, type RoundPlan, type Update } from '@flotilla/protocol';
import { acceptClearReport } from './clearReport.ts';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { Aggregated, CollectorContext, UpdateCollector, UploadEnd } from './collectors.ts';
import type { SecAggClientMessage } from './SecureRound.ts';
import { acceptClearUpdate } from './updateAcceptance.ts';

/**
 * The collector of a round without secure aggregation.
 * @example
 * const collector = new PlainCollector(ctx);
 * collector.acceptUpdate(client, update, tensors, bytes); // from the socket, for each report
 * if ((await collector.upload()).kind === 'closed') next = await collector.aggregate(failures);
 */
export class PlainCollector implements UpdateCollector {
  readonly kind = 'plain';
  private readonly aggregation: FitAggregation;

  constructor(private readonly ctx: CollectorContext) {
    this.aggregation = ctx.strategy.beginAggregation(ctx.rs.round, ctx.global);
  }

  bindPlan(plan: RoundPlan): RoundPlan {
    return plan;
  }

  acceptUpdate(client: ConnectedClient, message: Update, tensors: NamedTensor[], bytes: number): void {
    acceptClearReport(this.ctx, client, message, bytes, () => {
      const result = acceptClearUpdate(this.ctx, client, message, tensors);
      this.ctx.keepUpdate?.(client.id, message.numExamples, result.update);
      this.aggregation.add(result);
      return result;
    });
  }

  acceptSecAgg(_client: ConnectedClient, message: SecAggClientMessage): void {
    throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not a secure round in flight`);
  }

  left(): void {
    // Nothing waits on a client here: the round's own bookkeeping settles it.
  }

  async upload(): Promise<UploadEnd> {
    this.ctx.onPhase('reporting');
    return (await this.ctx.rs.closed) === 'aborted' ? { kind: 'aborted' } : { kind: 'closed' };
  }

  async aggregate(failures: readonly FitFailure[]): Promise<Aggregated> {
    this.ctx.onPhase('aggregation');
    return finishAggregation(() => this.aggregation.finish(failures));
  }
}

/**
 * Runs a strategy's finish: a precondition failing (Krum's n ≥ 2f + 3, …) or the strategy keeping
 * the model fails the commit with a reason, it does not end the task.
 * @example return finishAggregation(() => aggregation.finish(failures));
 */
export function finishAggregation(finish: () => Float32Array | null): Aggregated {
  let weights: Float32Array | null;
  try {
    weights = finish();
  } catch (err) {
    return { kind: 'failed', reason: `aggregation failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  return weights ? { kind: 'aggregated', weights } : { kind: 'failed', reason: 'the strategy kept the model' };
}

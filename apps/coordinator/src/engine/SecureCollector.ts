// Collects a round's updates under secure aggregation: the SecureRound's stages up to the masked
// upload, then the unmasking, and the unmasked sum handed to the strategy.

import type { FitAggregation, FitFailure } from '@flotilla/core';
import { ErrorCodes, FlotillaError, type RoundPlan } from '@flotilla/protocol';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { Aggregated, CollectorContext, UpdateCollector, UploadEnd } from './collectors.ts';
import { finishAggregation } from './PlainCollector.ts';
import { SecureRound, type SecAggClientMessage } from './SecureRound.ts';

const reasonOf = (err: unknown): string => {
  const code = err instanceof FlotillaError ? `${err.code}: ` : '';
  return `secure aggregation: ${code}${err instanceof Error ? err.message : String(err)}`;
};

/**
 * The collector of a round under secure aggregation (Bonawitz et al. 2017): clear updates are
 * refused with FLT_SECAGG_REQUIRED, SecAgg messages drive the stages.
 * @example
 * const collector = SecureCollector.open(ctx); // throws 'secure aggregation: …' when the selection cannot meet the threshold
 * const upload = await collector.upload();     // keys, shares, masked upload
 * const result = await collector.aggregate(failures); // unmasking, then the strategy
 */
export class SecureCollector implements UpdateCollector {
  readonly kind = 'secure';

  private constructor(private readonly ctx: CollectorContext, private readonly aggregation: FitAggregation, private readonly secure: SecureRound) {}

  /** Opens the SecureRound of the context's round; an Error says why it cannot run (no plan has gone out). */
  static open(ctx: CollectorContext): SecureCollector {
    const aggregation = ctx.strategy.beginAggregation(ctx.rs.round, ctx.global);
    let secure: SecureRound | null;
    try {
      secure = SecureRound.open(ctx.deps, ctx.taskId, ctx.config, ctx.rs, ctx.global.length, ctx.strategy);
    } catch (err) {
      // E.g. a threshold the selected clients cannot meet.
      throw new Error(`secure aggregation: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!secure) throw new Error('secure aggregation: the task does not enable it');
    return new SecureCollector(ctx, aggregation, secure);
  }

  bindPlan(plan: RoundPlan, clientId: string): RoundPlan {
    return this.secure.bindPlan(plan, clientId);
  }

  acceptUpdate(): void {
    throw new FlotillaError(ErrorCodes.SECAGG_REQUIRED, 'this round requires secure aggregation: send a masked input, not an update');
  }

  acceptSecAgg(client: ConnectedClient, message: SecAggClientMessage, words: Uint32Array | undefined, bytes: number): void {
    const { rs, sampleDp } = this.ctx;
    if (message.round !== rs.round) throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not a secure round in flight`);
    rs.countUp(client.id, bytes);
    this.secure.handle(client.id, message, words, rs.modelVersion);
    // A masked report is spent like a clear one, at the example count its plan bound (DP-SGD).
    const bound = message.type === 'secagg.masked' ? this.secure.boundExamplesOf(client.id) : null;
    if (bound !== null) sampleDp?.recordUpdate(client.id, bound);
  }

  left(clientId: string): void {
    this.secure.left(clientId);
  }

  async upload(): Promise<UploadEnd> {
    const reason = await this.secure.collect((phase) => this.ctx.onPhase(phase));
    if (reason === 'aborted') return { kind: 'aborted' };
    if (reason === 'failed') return { kind: 'failed', reason: `secure aggregation: ${this.secure.failure}` };
    return { kind: 'closed' };
  }

  async aggregate(failures: readonly FitFailure[]): Promise<Aggregated> {
    let unmasked: Awaited<ReturnType<SecureRound['unmask']>>;
    try {
      unmasked = await this.secure.unmask((phase) => this.ctx.onPhase(phase));
    } catch (err) {
      return { kind: 'failed', reason: reasonOf(err) };
    }
    this.ctx.onPhase('aggregation');
    return finishAggregation(() => SecureRound.finish(this.ctx.strategy, this.aggregation, this.ctx.global, unmasked, failures));
  }
}

// The steps every collector of clear updates takes around its own: the round's checks (open, selected,
// first report, same model), the byte count, the failure record, the report and its event.

import { ErrorCodes, FlotillaError, type Update } from '@flotilla/protocol';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { CollectorContext } from './collectors.ts';

/** The work a client planned and did for its report, as the round records it. */
export interface ReportSteps { plannedSteps: number; localSteps: number }

/**
 * Takes one clear update into the round: refuses it with a coded error when the round is closed, the
 * client was not selected, it already reported, or it trained from another model; counts its bytes;
 * runs `fold` (which validates and keeps the update); records a refusal from `fold` as the client's
 * failure; then records the report and publishes `round.report`.
 * @example acceptClearReport(this.ctx, client, message, bytes, () => { const r = acceptClearUpdate(this.ctx, client, message, tensors); aggregation.add(r); return r; });
 */
export function acceptClearReport(ctx: CollectorContext, client: ConnectedClient, message: Update, bytes: number, fold: () => ReportSteps): void {
  const { rs, deps } = ctx;
  if (!rs.isOpen || message.round !== rs.round) {
    deps.metrics.lateReports.inc();
    throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not open for reports`);
  }
  if (!rs.selected.has(client.id)) throw new FlotillaError(ErrorCodes.NOT_SELECTED, `client ${client.id} was not selected in round ${rs.round}`);
  if (rs.isSettled(client.id)) throw new FlotillaError(ErrorCodes.DUPLICATE_REPORT, `client ${client.id} already reported in round ${rs.round}`);
  if (message.modelVersion !== rs.modelVersion) {
    throw new FlotillaError(ErrorCodes.STALE_ROUND, `update trained from model ${message.modelVersion}, the round uses ${rs.modelVersion}`);
  }
  rs.countUp(client.id, bytes);
  let steps: ReportSteps;
  try {
    const done = fold();
    steps = { plannedSteps: done.plannedSteps, localSteps: done.localSteps };
  } catch (err) {
    ctx.recordFailure(client.id, 'rejected', err instanceof FlotillaError ? err.code : ErrorCodes.INTERNAL);
    throw err;
  }
  rs.addReport(client.id, { numExamples: message.numExamples, trainLoss: message.metrics.loss, ...steps });
  deps.bus.publish('round.report', ctx.taskId, {
    round: rs.round, clientId: client.id, numExamples: message.numExamples, loss: message.metrics.loss, reported: rs.reports.size, goal: rs.goal, ...steps,
  });
}

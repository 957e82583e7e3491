// Acceptance of one clear update, shared by every collector that takes them (a round's, FedBuff's
// buffer): the checks against the model and the example-count rule, and DP-SGD's spending.

import type { FitResult } from '@flotilla/core';
import type { NamedTensor, Update } from '@flotilla/protocol';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { CollectorContext } from './collectors.ts';
import { updateExampleLimits } from './exampleCounts.ts';
import { validateUpdate } from './validateUpdate.ts';
import { workPlannerFor } from './workPlan.ts';
import { assertPlannedCodec, uplinkFor } from './uplinkCodec.ts';

/**
 * The update as a report a strategy's aggregation can add, or a thrown FlotillaError naming what
 * is wrong (another codec than planned, wrong tensors, a non-finite value, a norm or an example count
 * out of bounds; under FedPer / FedRep the body's tensors alone, put back at full length). An update
 * that passes is spent under DP-SGD before any aggregation sees it, even if the commit then fails.
 * @example aggregation.add(acceptClearUpdate(ctx, client, message, tensors));
 */
export function acceptClearUpdate(
  ctx: Pick<CollectorContext, 'shapes' | 'config' | 'exampleCounts' | 'sampleDp' | 'personal'>, client: ConnectedClient, message: Update, tensors: readonly NamedTensor[],
): FitResult & { localSteps: number; plannedSteps: number } {
  assertPlannedCodec(tensors, uplinkFor(ctx.config, client));
  const valid = validateUpdate(message, tensors, {
    shapes: ctx.personal?.bodyShapes ?? ctx.shapes, maxUpdateNorm: ctx.config.limits.maxUpdateNorm, ...updateExampleLimits(ctx.exampleCounts, client),
  });
  const update = ctx.personal ? ctx.personal.expand(valid) : valid;
  // The steps FedNova normalises by, checked against the plan; the client's speed is learnt from them.
  const { planned, localSteps } = workPlannerFor(ctx.config).accept(client.id, message);
  ctx.sampleDp?.recordUpdate(client.id, message.numExamples);
  return { clientId: client.id, numExamples: message.numExamples, update, metrics: message.metrics, localSteps, plannedSteps: planned };
}

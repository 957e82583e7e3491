// The uplink codec on the engine's seams: the plan decorator that names each client's update codec
// (negotiated in uplinkCodec.ts); update acceptance checks an update against the same choice.

import type { PlanDecoratorEntry } from './planDecorators.ts';
import { withUplink } from './uplinkCodec.ts';

/**
 * The `uplink` plan decorator: a clear or buffered plan gains the client's codec (nothing for
 * float32). Masked plans keep SecAgg's own fixed-point words: a lossy uplink under secure
 * aggregation is refused at creation (communicationConfig.ts).
 * @example PLAN_DECORATORS // [workPlan, uplinkPlan, personalPlan]
 */
export const uplinkPlan: PlanDecoratorEntry = {
  name: 'uplink',
  create: ({ config }) => (config.communication
    ? (plan, { client, collector }) => (collector === 'secure' ? plan : { ...plan, fit: withUplink(plan.fit, config, client) })
    : null),
};

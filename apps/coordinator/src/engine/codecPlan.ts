// The codecs in each client's plan: the uplink codec negotiated for it (uplinkCodec.ts) and the
// downlink codec of the weights it fetches (downlink.ts). Registered in planDecorators.ts.

import { downlinkField } from './downlink.ts';
import type { PlanDecoratorEntry } from './planDecorators.ts';
import { withUplink } from './uplinkCodec.ts';

/**
 * Adds `fit.uplink` (clear updates only: a secure round's int8 is the quantised ring of its
 * `secureAggregation` block, SecureRound.ts) and `downlink`
 * to a task's plans; absent for a task without communication settings.
 * @example PLAN_DECORATORS = [codecPlan]
 */
export const codecPlan: PlanDecoratorEntry = {
  name: 'codecs',
  create: ({ config }) => {
    if (!config.communication) return null;
    const downlink = downlinkField(config);
    return (plan, ctx) => ({
      ...plan, ...downlink, fit: ctx.collector === 'secure' ? plan.fit : withUplink(plan.fit, config, ctx.client),
    });
  },
};

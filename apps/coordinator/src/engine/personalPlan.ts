// The personalisation plan decorator: every fit plan of a personalised task tells the client its
// personalisation (mode, head, epochs, λ), so it trains its personal models beside the update.

import type { PlanDecoratorEntry } from './planDecorators.ts';
import { personalizationOf } from './personalLayout.ts';

/**
 * Adds `fit.personalization` to each plan of a task that has one (absent otherwise).
 * @example PLAN_DECORATORS = [personalizationPlan]
 */
export const personalizationPlan: PlanDecoratorEntry = {
  name: 'personalization',
  create({ config }) {
    const personalization = personalizationOf(config);
    return personalization ? (plan) => ({ ...plan, fit: { ...plan.fit, personalization } }) : null;
  },
};

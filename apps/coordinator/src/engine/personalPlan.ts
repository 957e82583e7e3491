// Personalisation on the engine's seams: the plan decorator that tells each client the task's
// personalisation, and the task's one FedPer / FedRep layout that update acceptance (body-only
// updates) and the runner's frozen-weight mask (the global head kept) share.

import type { TaskConfig } from '@flotilla/protocol';
import type { ModelLayout } from './modelLayout.ts';
import type { PlanDecoratorEntry } from './planDecorators.ts';
import { personalLayout, personalizationOf, type PersonalLayout } from './personalLayout.ts';

// Keyed by the runner's config object, which lives as long as the runner (as workPlan.ts keys its
// planner): the runner resolves the layout once, acceptance reads it, no engine interface widens.
const layouts = new WeakMap<TaskConfig, PersonalLayout | null>();

/**
 * Resolves and remembers the personal layout of the task whose runner holds this config (null
 * unless FedPer / FedRep); the runner calls it once with the model's layout.
 * @example const personal = bindPersonalLayout(task.config, layout); const trainable = personal?.trainable ?? layout.trainable;
 */
export function bindPersonalLayout(config: TaskConfig, layout: ModelLayout): PersonalLayout | null {
  const personal = personalLayout(config, layout);
  layouts.set(config, personal);
  return personal;
}

/**
 * The personal layout bound for this config, or null (no runner bound one, or no head).
 * @example const shapes = personalLayoutOf(ctx.config)?.bodyShapes ?? ctx.shapes;
 */
export function personalLayoutOf(config: TaskConfig): PersonalLayout | null {
  return layouts.get(config) ?? null;
}

/**
 * The `personalization` plan decorator: every plan (clear, masked or buffered) names the task's
 * personalisation, so each client trains and keeps its personal state as the mode says.
 * @example PLAN_DECORATORS // [workPlan, uplinkPlan, personalPlan]
 */
export const personalPlan: PlanDecoratorEntry = {
  name: 'personalization',
  create: ({ config }) => {
    const personalization = personalizationOf(config);
    return personalization ? (plan) => ({ ...plan, fit: { ...plan.fit, personalization } }) : null;
  },
};

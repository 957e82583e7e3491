// Device-aware work on the engine's seams: the plan decorator that sizes each client's local
// steps, and the task's one WorkPlanner that selection and update acceptance consult too.

import type { TaskConfig } from '@flotilla/protocol';
import type { PlanDecoratorEntry } from './planDecorators.ts';
import { WorkPlanner } from './workPlanner.ts';

// Keyed by the runner's config object, which lives as long as the runner: the decorator, the
// selection and the acceptance of a task share one planner (its speeds and the plans in flight)
// without widening the engine's interfaces.
const planners = new WeakMap<TaskConfig, WorkPlanner>();

/**
 * The work planner of the task whose runner holds this config (created on first use).
 * @example const steps = workPlannerFor(ctx.config).accept(client.id, message);
 */
export function workPlannerFor(config: TaskConfig): WorkPlanner {
  let planner = planners.get(config);
  if (!planner) {
    planner = new WorkPlanner(config);
    planners.set(config, planner);
  }
  return planner;
}

/**
 * The `work` plan decorator: every clear plan goes through the planner (which notes when it left,
 * to measure the client's round trip); under adaptive work it gains `localSteps` and `acceptPartial`.
 * @example PLAN_DECORATORS // [workPlan, …]
 */
export const workPlan: PlanDecoratorEntry = {
  name: 'work',
  create: ({ config }) => {
    const planner = workPlannerFor(config);
    return (plan, { client, collector }) => (client && collector !== 'secure' ? planner.bindPlan(plan, client) : plan);
  },
};

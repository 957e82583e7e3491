// The plan seam: each client's round plan is the task's base plan passed through the registered
// decorators (device-aware work, the uplink codec, personalisation …), then bound by the collector.

import type { RoundPlan, TaskConfig } from '@flotilla/protocol';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { CollectorKind } from './collectors.ts';
import type { EngineDeps } from './deps.ts';
import { workPlan } from './workPlan.ts';
import { codecPlan } from './codecPlan.ts';
import { personalizationPlan } from './personalPlan.ts';

/** What a decorator may read about the plan it decorates. */
export interface PlanContext {
  readonly round: number;
  /** The client the plan goes to; undefined when it left between selection and sending. */
  readonly client: ConnectedClient | undefined;
  readonly clientId: string;
  /** How this commit's updates are collected (a codec must know whether they are masked). */
  readonly collector: CollectorKind;
}

/** Adds what one concern needs to one client's plan; returns a new plan, never mutates `plan`. */
export type PlanDecorator = (plan: RoundPlan, ctx: PlanContext) => RoundPlan;

/** What a decorator is built from: once per runner, so it may keep per-task state (a codec's versions held). */
export interface PlanDecoratorSource {
  readonly taskId: string;
  readonly config: TaskConfig;
  readonly deps: EngineDeps;
}

/** One registered concern: its name (for logs and tests) and its builder, null where the task does not use it. */
export interface PlanDecoratorEntry {
  readonly name: string;
  create(source: PlanDecoratorSource): PlanDecorator | null;
}

/**
 * The registered plan decorators, applied in this order. Extension point: device-aware work (W)
 * adds `localSteps` / `acceptPartial`, codecs (C) `uplink` / `downlink`, personalisation (P)
 * `personalization`; each adds one entry here, in its own module.
 * @example
 * export const workPlan: PlanDecoratorEntry = { name: 'work', create: ({ config }) => config.fit.work?.kind === 'adaptive' ? sizeWork : null };
 */
export const PLAN_DECORATORS: readonly PlanDecoratorEntry[] = [workPlan, codecPlan, personalizationPlan];

/**
 * The decorators a task uses, in registry order, composed into one.
 * @example const decorate = planDecorators(source); const plan = decorate(base, { round, client, clientId, collector: 'plain' });
 */
export function planDecorators(source: PlanDecoratorSource, entries: readonly PlanDecoratorEntry[] = PLAN_DECORATORS): PlanDecorator {
  const active = entries.flatMap((entry) => {
    const decorator = entry.create(source);
    return decorator ? [decorator] : [];
  });
  return (plan, ctx) => active.reduce((p, decorate) => decorate(p, ctx), plan);
}

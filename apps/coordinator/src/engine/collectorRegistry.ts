// The registry of update collectors: which one a task's commit uses, asked in order.

import type { CollectorContext, CollectorEntry, UpdateCollector } from './collectors.ts';
import { PlainCollector } from './PlainCollector.ts';
import { SecureCollector } from './SecureCollector.ts';
import { secureAggregationOf } from './SecureRound.ts';

/** Entries in the order they are asked; the last applies to every task. */
export const COLLECTORS: readonly CollectorEntry[] = [
  { kind: 'secure', applies: (config) => secureAggregationOf(config) !== null, open: (ctx) => SecureCollector.open(ctx) },
  { kind: 'plain', applies: () => true, open: (ctx) => new PlainCollector(ctx) },
];

/**
 * The collector of the first entry that applies to the task; throws (from its `open`) an Error
 * saying why the round cannot run.
 * @example const collector = openCollector(ctx); // SecureCollector when the task enables secure aggregation
 */
export function openCollector(ctx: CollectorContext, entries: readonly CollectorEntry[] = COLLECTORS): UpdateCollector {
  // The root of edge aggregators combines their partial sums (edges/EdgeCollector.ts).
  if (ctx.deps.hierarchy) return ctx.deps.hierarchy.openCollector(ctx);
  const entry = entries.find((e) => e.applies(ctx.config));
  if (!entry) throw new Error('no update collector applies to this task');
  return entry.open(ctx);
}

// The fleet's flags for contribution assessment (issue #14): --contribution METHOD creates the task
// with Shapley-value contribution (and --validation-examples, --contribution-policy refine it),
// --duplicate K gives client K client 0's partition (two clients holding the same data); the
// noisy-label client is `--byzantine F --attack labelshuffle`.

import { Value } from '@sinclair/typebox/value';
import { ContributionMethod, ContributionSpec, type TaskConfigInput } from '@flotilla/protocol';

/** The `parseArgs` options these flags add (all strings, checked by `applyContribution`). */
export const CONTRIBUTION_OPTIONS = {
  contribution: { type: 'string' },
  'validation-examples': { type: 'string' },
  'contribution-policy': { type: 'string' },
  duplicate: { type: 'string' },
} as const;

export type ContributionValues = { [K in keyof typeof CONTRIBUTION_OPTIONS]?: string };

const METHODS = ContributionMethod.anyOf.map((m) => m.const as string);

/**
 * Refines `task` in place with `--contribution` (and its refinements), and returns the client whose
 * data duplicates client 0's (`--duplicate K`), or null. A refinement without `--contribution`, a
 * method or value outside the contract, and a K that is not another client of the fleet are
 * refused with `refuse`'s usage error.
 * @example const duplicate = applyContribution(task, { contribution: 'gtg', duplicate: '3' }, 10, (m) => new UsageError(m)); // 3
 */
export function applyContribution(task: TaskConfigInput, v: ContributionValues, clients: number, refuse: (message: string) => Error): number | null {
  const refinement = (['validation-examples', 'contribution-policy'] as const).find((k) => v[k] !== undefined);
  if (refinement && v.contribution === undefined) throw refuse(`--${refinement} refines contribution assessment: add --contribution ${METHODS.join('|')}`);
  if (v.contribution !== undefined) {
    if (!METHODS.includes(v.contribution)) throw refuse(`--contribution must be ${METHODS.join(' | ')}, got ${v.contribution}`);
    const examples = v['validation-examples'];
    const raw = {
      enabled: true, method: v.contribution,
      validation: examples === undefined ? {} : { examples: Number(examples) },
      ...(v['contribution-policy'] === undefined ? {} : { selection: { policy: v['contribution-policy'] } }),
    };
    const spec = Value.Default(ContributionSpec, raw);
    if (!Value.Check(ContributionSpec, spec)) {
      const first = Value.Errors(ContributionSpec, spec).First();
      const flag = first?.path.startsWith('/validation') ? '--validation-examples' : first?.path.startsWith('/selection') ? '--contribution-policy' : '--contribution';
      throw refuse(`${flag}: ${first?.message ?? 'is invalid'}`);
    }
    task.contribution = spec as ContributionSpec;
  }
  if (v.duplicate === undefined) return null;
  // Client K still announces partition K, whose example count the coordinator checks: sizes must match.
  if (task.data?.partition?.kind === 'dirichlet') throw refuse('--duplicate needs partitions of equal size (iid or shards): client K announces partition K with partition 0\'s examples');
  const k = Number(v.duplicate);
  if (!Number.isInteger(k) || k < 1 || k >= clients) throw refuse(`--duplicate names a client 1…${clients - 1} that trains on client 0's data, got ${v.duplicate}`);
  return k;
}

export const CONTRIBUTION_USAGE = `  --contribution M         value each client's updates: ${METHODS.join(' | ')} (GTG-Shapley, exact Shapley,
                           leave-one-out); the fleet prints the standings at the end
  --validation-examples N  with --contribution: examples the coordinator holds back to value updates on (default 1000)
  --contribution-policy P  with --contribution: uniform | downweight | exclude clients whose value stays negative
  --duplicate K            client K trains on client 0's partition (two clients holding the same data;
                           iid or shards, whose partitions are of equal size)
`;

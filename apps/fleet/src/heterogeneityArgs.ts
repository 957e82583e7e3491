// The fleet's flags for issue #13's task settings beyond --uplink/--downlink (codecArgs.ts) and
// --async K[:C]: --codec (the update codec, as --uplink), the asynchronous buffer's staleness
// (--max-staleness, --staleness), device-aware work (--work, --selection) and personal models
// (--personalization, --head-layers, --lambda), each refining the task the other flags built.

import { Value } from '@sinclair/typebox/value';
import { AsynchronousSpec, PersonalizationSpec, WorkSpec, type TaskConfigInput } from '@flotilla/protocol';
import { parseCodecArg } from './codecArgs.ts';

/** The `parseArgs` options these flags add (all strings, checked by `heterogeneityConfig`). */
export const HETEROGENEITY_OPTIONS = {
  codec: { type: 'string' },
  'max-staleness': { type: 'string' },
  staleness: { type: 'string' },
  work: { type: 'string' },
  selection: { type: 'string' },
  personalization: { type: 'string' },
  'head-layers': { type: 'string' },
  lambda: { type: 'string' },
} as const;

export type HeterogeneityValues = { [K in keyof typeof HETEROGENEITY_OPTIONS]?: string } & { uplink?: string };

function checked<T>(schema: Parameters<typeof Value.Check>[0], raw: unknown, flag: string, refuse: (message: string) => Error): T {
  const value = Value.Default(schema, structuredClone(raw));
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw refuse(`${flag}: ${first?.path.slice(1) || 'value'} ${first?.message ?? 'is invalid'}`);
  }
  return value as T;
}

const number = (flag: string, text: string | undefined, refuse: (message: string) => Error, integer = false): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw refuse(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got ${text}`);
  return n;
};

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/**
 * Refines `task` (built from the other flags) in place: `--codec` sets the uplink codec as
 * `--uplink` does (not both), `--max-staleness` / `--staleness` the buffer of `--async`, `--work`
 * / `--selection` the fit's work, `--personalization` (with `--head-layers`, `--lambda`) the
 * personal models. A flag that only refines another one left out, and a value outside the
 * contract's bounds, is refused with `refuse`'s usage error.
 * @example applyHeterogeneity(task, { codec: 'int8', work: 'adaptive' }, (m) => new UsageError(m));
 */
export function applyHeterogeneity(task: TaskConfigInput, v: HeterogeneityValues, refuse: (message: string) => Error): void {
  if (v.codec !== undefined) {
    if (v.uplink !== undefined) throw refuse('--codec is the update codec, as --uplink: give one of them');
    let uplink;
    try {
      uplink = parseCodecArg(v.codec);
    } catch (err) {
      throw refuse(`--codec: ${(err as Error).message}`);
    }
    task.communication = { downlink: { codec: 'float32' }, downlinkDelta: false, ...task.communication, uplink };
  }
  const asyncOnly = (['max-staleness', 'staleness'] as const).find((k) => v[k] !== undefined);
  if (asyncOnly) {
    if (!task.asynchronous) throw refuse(`--${asyncOnly} sets the buffer of asynchronous training: add --async K[:C]`);
    const [weighting, exponent] = v.staleness?.split(':') ?? [];
    task.asynchronous = checked<AsynchronousSpec>(AsynchronousSpec, {
      ...task.asynchronous,
      ...defined({
        maxStaleness: number('max-staleness', v['max-staleness'], refuse, true),
        stalenessWeighting: weighting || undefined, stalenessExponent: number('staleness', exponent, refuse),
      }),
    }, `--${asyncOnly}`, refuse);
  }
  if (v.selection !== undefined && v.work === undefined) throw refuse('--selection chooses clients for device-aware work: add --work adaptive (or fixed)');
  if (v.work !== undefined) {
    task.fit = { ...task.fit, work: checked<WorkSpec>(WorkSpec, { kind: v.work, ...defined({ selection: v.selection }) }, '--work', refuse) };
  }
  const personalOnly = (['head-layers', 'lambda'] as const).find((k) => v[k] !== undefined);
  if (personalOnly && v.personalization === undefined) throw refuse(`--${personalOnly} sets personal models: add --personalization MODE`);
  if (v.personalization !== undefined) {
    const headLayers = number('head-layers', v['head-layers'], refuse, true);
    const split = v.personalization === 'fedper' || v.personalization === 'fedrep';
    if (headLayers !== undefined && !split) throw refuse(`--head-layers names the personal layers of fedper or fedrep, not ${v.personalization}`);
    task.personalization = checked<PersonalizationSpec>(PersonalizationSpec, {
      mode: v.personalization,
      // FedPer and FedRep need a head: the last layer unless told otherwise.
      ...(split ? { head: { lastLayers: headLayers ?? 1 } } : {}),
      ...defined({ lambda: number('lambda', v.lambda, refuse) }),
    }, '--personalization', refuse);
  }
}

export const HETEROGENEITY_USAGE = `  --codec C                the update codec, as --uplink C
  --max-staleness S        with --async: refuse updates more than S versions stale (default 20)
  --staleness W[:EXP]      with --async: staleness weighting constant | polynomial | hinge (default polynomial:0.5)
  --work fixed|adaptive    local work sized to each device's speed so it finishes in time (FedNova-normalised)
  --selection S            uniform | likelyToFinish (prefer clients whose speed says they finish)
  --personalization MODE   none | finetune | fedper | fedrep | ditto (personal models kept on the clients)
  --head-layers N          fedper / fedrep: the last N layers are personal (default 1)
  --lambda L               ditto: the pull of the personal model towards the global one (default 0.1)
`;

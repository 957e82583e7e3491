// Which weights are personal under FedPer / FedRep, shared by the coordinator (which expects the
// body only in an update) and the client (which keeps the head): both resolve a task's `head`
// against the same list of the model's layers, so they agree on the tensors without sending it.

import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, FlotillaError } from './errors.ts';
import type { PersonalizationSpec } from './heterogeneity.ts';

/** A layer that owns weights: its name and the indices of its tensors in the flat weight order. */
export interface WeightLayer {
  name: string;
  tensors: number[];
}

/** The personal head: its layers and their tensor indices (ascending). */
export interface PersonalHead {
  layers: string[];
  tensors: number[];
}

/** Does this mode keep some layers (the head) on the client and send the body only? */
export function keepsHead(mode: PersonalizationSpec['mode']): boolean {
  return mode === 'fedper' || mode === 'fedrep';
}

/**
 * The head named by `head` among the model's weight layers (layers without weights, such as a
 * flatten, do not count for `lastLayers`). Throws FLT_INVALID_TASK when a name is no weight layer,
 * when the head is missing, or when it would leave no body to share.
 * @example resolveHead([{ name: 'hidden1', tensors: [0, 1] }, { name: 'output', tensors: [2, 3] }], { lastLayers: 1 }) // { layers: ['output'], tensors: [2, 3] }
 */
export function resolveHead(layers: readonly WeightLayer[], head: PersonalizationSpec['head']): PersonalHead {
  const invalid = (message: string) => new FlotillaError(ErrorCodes.INVALID_TASK, `personalization.head: ${message}`);
  if (!head) throw invalid('fedper and fedrep need a head: { lastLayers: n } or { names: [...] }');
  const all = layers.map((l) => l.name);
  let chosen: WeightLayer[];
  if ('lastLayers' in head) {
    if (head.lastLayers >= layers.length) throw invalid(`the last ${head.lastLayers} of the model's ${layers.length} weight layers (${all.join(', ')}) leave no body to share`);
    chosen = layers.slice(layers.length - head.lastLayers);
  } else {
    const unknown = head.names.filter((n) => !all.includes(n));
    if (unknown.length > 0) throw invalid(`no weight layer named ${unknown.join(', ')}; the model's weight layers are ${all.join(', ')}`);
    chosen = layers.filter((l) => head.names.includes(l.name));
    if (chosen.length === layers.length) throw invalid(`layers ${head.names.join(', ')} are the whole model: no body is left to share`);
  }
  return { layers: chosen.map((l) => l.name), tensors: chosen.flatMap((l) => l.tensors).sort((a, b) => a - b) };
}

/**
 * One client's models on its held-out split in a federated evaluation of a personalised task:
 * the task's metric for the global, the personal and (with `localBaseline`) the local-only model.
 */
export const PersonalClientView = Type.Object({
  clientId: Type.String(),
  global: Type.Number(),
  personal: Type.Number(),
  localOnly: Type.Union([Type.Number(), Type.Null()]),
});
export type PersonalClientView = Static<typeof PersonalClientView>;

/**
 * The personalisation part of an evaluation's summary, over the clients that reported a personal
 * model: the share whose personal model beats the global one, the share that beats both the
 * global and the local-only one (null without local-only reports), and the mean gain (personal −
 * global accuracy; for a regression, global − personal error, so a gain is always better).
 */
export const PersonalizationSummary = Type.Object({
  mode: Type.Union([Type.Literal('finetune'), Type.Literal('fedper'), Type.Literal('fedrep'), Type.Literal('ditto')]),
  clients: Type.Integer({ minimum: 0 }),
  beatsGlobal: Type.Union([Type.Number(), Type.Null()]),
  beatsBoth: Type.Union([Type.Number(), Type.Null()]),
  meanGain: Type.Union([Type.Number(), Type.Null()]),
  meanGlobal: Type.Union([Type.Number(), Type.Null()]),
  meanPersonal: Type.Union([Type.Number(), Type.Null()]),
  meanLocalOnly: Type.Union([Type.Number(), Type.Null()]),
  perClient: Type.Array(PersonalClientView),
});
export type PersonalizationSummary = Static<typeof PersonalizationSummary>;

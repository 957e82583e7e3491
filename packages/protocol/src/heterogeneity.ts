// What a task does about clients that differ: buffered asynchronous aggregation (FedBuff),
// local work sized to each device, and personal models.

import { Type, type Static } from '@sinclair/typebox';

/**
 * Buffered asynchronous aggregation (FedBuff, Nguyen et al., AISTATS 2022): up to `concurrency`
 * clients train at once, each on the newest version when it starts; the coordinator folds each
 * update into a buffer, weighted by s(τ) for its staleness τ = versions committed since the one it
 * trained from, and commits a version every `bufferSize` updates. Updates staler than
 * `maxStaleness` are refused with FLT_STALE_UPDATE. `stop.maxRounds` counts commits.
 * `constant`: s = 1; `polynomial`: s = (1 + τ)^(−exponent); `hinge`: 1 up to `hingeAt`, then
 * 1 / (exponent·(τ − hingeAt) + 1).
 */
export const AsynchronousSpec = Type.Object({
  enabled: Type.Boolean({ default: false }),
  bufferSize: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
  concurrency: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
  maxStaleness: Type.Integer({ minimum: 0, maximum: 10_000, default: 20 }),
  stalenessWeighting: Type.Union([Type.Literal('constant'), Type.Literal('polynomial'), Type.Literal('hinge')], { default: 'polynomial' }),
  stalenessExponent: Type.Number({ minimum: 0, maximum: 10, default: 0.5 }),
  hingeAt: Type.Integer({ minimum: 0, default: 10 }),
  /** Server learning rate on the buffer's weighted mean update (FedBuff's η_g). */
  serverLearningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 1 }),
});
export type AsynchronousSpec = Static<typeof AsynchronousSpec>;

/**
 * How much local work each client is asked for. `fixed`: `fit.epochs` for everyone. `adaptive`:
 * the coordinator sizes each client's local steps from its measured speed so it finishes within
 * `deadlineFraction` of the round deadline, between `minSteps` and `fit.epochs` epochs' worth;
 * updates are normalised by the steps actually done (FedNova, Wang et al. 2020) and a client may
 * report partial work when its deadline nears (FedProx's inexact solutions).
 * `selection`: `uniform`, or `likelyToFinish` to prefer clients whose speed says they finish.
 */
export const WorkSpec = Type.Object({
  kind: Type.Union([Type.Literal('fixed'), Type.Literal('adaptive')], { default: 'fixed' }),
  deadlineFraction: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.8 }),
  minSteps: Type.Integer({ minimum: 1, default: 1 }),
  acceptPartial: Type.Boolean({ default: true }),
  selection: Type.Union([Type.Literal('uniform'), Type.Literal('likelyToFinish')], { default: 'uniform' }),
});
export type WorkSpec = Static<typeof WorkSpec>;

/**
 * Personal models. `finetune`: each client fine-tunes the global model for `fineTuneEpochs` on
 * its own training split before evaluating. `fedper` (Arivazhagan et al. 2019) / `fedrep`
 * (Collins et al. 2021): the `head` layers are personal, trained and kept on the client and never
 * sent; FedRep trains the head for `headEpochs` with the body frozen, then the body. `ditto`
 * (Li et al. 2021): a whole personal model trained with a proximal pull of strength `lambda`
 * towards the global one, kept on the client. Clients evaluate the global and the personal model
 * (and, with `localBaseline`, a model trained on their data alone with the same budget).
 */
export const PersonalizationSpec = Type.Object({
  mode: Type.Union([
    Type.Literal('none'), Type.Literal('finetune'), Type.Literal('fedper'), Type.Literal('fedrep'), Type.Literal('ditto'),
  ], { default: 'none' }),
  /** The personal layers for fedper / fedrep: the last N layers, or layers by name. */
  head: Type.Optional(Type.Union([
    Type.Object({ lastLayers: Type.Integer({ minimum: 1, maximum: 100 }) }, { additionalProperties: false }),
    Type.Object({ names: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
  ])),
  fineTuneEpochs: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
  headEpochs: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
  lambda: Type.Number({ minimum: 0, maximum: 100, default: 0.1 }),
  localBaseline: Type.Boolean({ default: true }),
});
export type PersonalizationSpec = Static<typeof PersonalizationSpec>;

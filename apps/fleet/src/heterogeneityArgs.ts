// The fleet's flags for issue #13's task settings: the update and model codecs (--codec,
// --downlink-codec, --downlink-delta), buffered asynchronous rounds (--async …), device-aware work
// (--work, --selection) and personal models (--personalization …), as the task sections they set.

import { Value } from '@sinclair/typebox/value';
import {
  AsynchronousSpec, CodecSpec, CommunicationSpec, PersonalizationSpec, WorkSpec, type TaskConfigInput,
} from '@flotilla/protocol';

/** The `parseArgs` options these flags add (all strings or booleans, checked by `heterogeneityConfig`). */
export const HETEROGENEITY_OPTIONS = {
  codec: { type: 'string' },
  'downlink-codec': { type: 'string' },
  'downlink-delta': { type: 'boolean', default: false },
  async: { type: 'boolean', default: false },
  'buffer-size': { type: 'string' },
  concurrency: { type: 'string' },
  'max-staleness': { type: 'string' },
  staleness: { type: 'string' },
  work: { type: 'string' },
  selection: { type: 'string' },
  personalization: { type: 'string' },
  'head-layers': { type: 'string' },
  lambda: { type: 'string' },
} as const;

export type HeterogeneityValues = {
  [K in keyof typeof HETEROGENEITY_OPTIONS]?: (typeof HETEROGENEITY_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

/**
 * The codecs `--codec` takes, each with its one optional `:VALUE` (the parameter it sets): the
 * codec names of the contract (CodecSpec), so a codec added there fails this table's type.
 */
const CODEC_FORMS: { [C in CodecSpec['codec']]: { value: string | null; spec(value: string | undefined): unknown } } = {
  float32: { value: null, spec: () => ({ codec: 'float32' }) },
  float16: { value: null, spec: () => ({ codec: 'float16' }) },
  int8: { value: 'tensor|channel', spec: (v) => ({ codec: 'int8', ...(v === undefined ? {} : { granularity: v }) }) },
  topk: { value: 'FRACTION', spec: (v) => ({ codec: 'topk', ...(v === undefined ? {} : { fraction: Number(v) }) }) },
  qsgd: { value: 'LEVELS', spec: (v) => ({ codec: 'qsgd', ...(v === undefined ? {} : { levels: Number(v) }) }) },
};

/** `NAME[:VALUE]` for each codec, as the help lists them. */
export const CODEC_USAGE = Object.entries(CODEC_FORMS).map(([name, f]) => (f.value === null ? name : `${name}[:${f.value}]`)).join(' | ');

/**
 * A codec from its CLI form, its other parameters defaulted (int8: per tensor, stochastic; topk:
 * 1 %, error feedback; qsgd: 16 levels); `refuse` makes the caller's usage error.
 * @example parseCodec('topk:0.01', (m) => new Error(m)) // { codec: 'topk', fraction: 0.01, errorFeedback: true }
 */
export function parseCodec(text: string, refuse: (message: string) => Error, flag = '--codec'): CodecSpec {
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  const value = colon === -1 ? undefined : text.slice(colon + 1);
  if (!Object.hasOwn(CODEC_FORMS, name)) throw refuse(`${flag} must be ${CODEC_USAGE}, got ${text}`);
  const form = CODEC_FORMS[name as CodecSpec['codec']];
  if (value !== undefined && form.value === null) throw refuse(`${flag} ${name} takes no value, got ${text}`);
  return checked(CodecSpec, form.spec(value), flag, refuse);
}

function checked<T>(schema: Parameters<typeof Value.Check>[0], raw: unknown, flag: string, refuse: (message: string) => Error): T {
  const value = Value.Default(schema, structuredClone(raw));
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw refuse(`${flag}: ${first?.path.slice(1) || 'value'} ${first?.message ?? 'is invalid'}`);
  }
  return value as T;
}

const integer = (flag: string, text: string | undefined, refuse: (message: string) => Error): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n)) throw refuse(`--${flag} must be an integer, got ${text}`);
  return n;
};
const number = (flag: string, text: string | undefined, refuse: (message: string) => Error): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw refuse(`--${flag} must be a number, got ${text}`);
  return n;
};

/**
 * The task sections the flags set (`communication`, `asynchronous`, `fit.work`, `personalization`),
 * nothing for flags left out; a flag that only refines another (`--buffer-size` without `--async`)
 * is refused, as a value outside the contract's bounds is.
 * @example heterogeneityConfig({ codec: 'int8', async: true, 'buffer-size': '4' }, refuse)
 */
export function heterogeneityConfig(v: HeterogeneityValues, refuse: (message: string) => Error): TaskConfigInput {
  const task: TaskConfigInput = {};
  if (v.codec !== undefined || v['downlink-codec'] !== undefined || v['downlink-delta']) {
    task.communication = checked<CommunicationSpec>(CommunicationSpec, {
      uplink: v.codec === undefined ? { codec: 'float32' } : parseCodec(v.codec, refuse),
      downlink: v['downlink-codec'] === undefined ? { codec: 'float32' } : parseCodec(v['downlink-codec'], refuse, '--downlink-codec'),
      downlinkDelta: Boolean(v['downlink-delta']),
    }, '--codec', refuse);
  }
  const asyncOnly = (['buffer-size', 'concurrency', 'max-staleness', 'staleness'] as const).find((k) => v[k] !== undefined);
  if (asyncOnly && !v.async) throw refuse(`--${asyncOnly} sets buffered asynchronous rounds: add --async`);
  if (v.async) {
    const [weighting, exponent] = (v.staleness ?? '').split(':');
    task.asynchronous = checked<AsynchronousSpec>(AsynchronousSpec, {
      enabled: true,
      ...defined({
        bufferSize: integer('buffer-size', v['buffer-size'], refuse), concurrency: integer('concurrency', v.concurrency, refuse),
        maxStaleness: integer('max-staleness', v['max-staleness'], refuse),
        stalenessWeighting: weighting || undefined, stalenessExponent: number('staleness', exponent, refuse),
      }),
    }, '--async', refuse);
  }
  if (v.selection !== undefined && v.work === undefined) throw refuse('--selection chooses clients for device-aware work: add --work adaptive (or fixed)');
  if (v.work !== undefined) {
    task.fit = { work: checked<WorkSpec>(WorkSpec, { kind: v.work, ...defined({ selection: v.selection }) }, '--work', refuse) };
  }
  const personalOnly = (['head-layers', 'lambda'] as const).find((k) => v[k] !== undefined);
  if (personalOnly && v.personalization === undefined) throw refuse(`--${personalOnly} sets personal models: add --personalization MODE`);
  if (v.personalization !== undefined) {
    const headLayers = integer('head-layers', v['head-layers'], refuse);
    const split = v.personalization === 'fedper' || v.personalization === 'fedrep';
    task.personalization = checked<PersonalizationSpec>(PersonalizationSpec, {
      mode: v.personalization,
      // FedPer and FedRep need a head: the last layer unless told otherwise.
      ...(split ? { head: { lastLayers: headLayers ?? 1 } } : {}),
      ...defined({ lambda: number('lambda', v.lambda, refuse) }),
    }, '--personalization', refuse);
    if (headLayers !== undefined && !split) throw refuse(`--head-layers names the personal layers of fedper or fedrep, not ${v.personalization}`);
  }
  return task;
}

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

export const HETEROGENEITY_USAGE = `  --codec C                the update codec (uplink): ${CODEC_USAGE}
                           (int8: per-tensor or per-channel scale; topk keeps FRACTION (default 0.01) with error feedback)
  --downlink-codec C       the model's codec (downlink), same forms (default float32)
  --downlink-delta         a client holding an older version fetches the difference, where smaller
  --async                  buffered asynchronous rounds (FedBuff): a version every K updates, no waiting for stragglers
  --buffer-size K --concurrency N --max-staleness S   (defaults 10, 20, 20; --rounds counts versions)
  --staleness W[:EXP]      staleness weighting constant | polynomial | hinge (default polynomial:0.5)
  --work fixed|adaptive    local work sized to each device's speed so it finishes in time (FedNova-normalised)
  --selection S            uniform | likelyToFinish (prefer clients whose speed says they finish)
  --personalization MODE   none | finetune | fedper | fedrep | ditto (personal models kept on the clients)
  --head-layers N          fedper / fedrep: the last N layers are personal (default 1)
  --lambda L               ditto: the pull of the personal model towards the global one (default 0.1)
`;

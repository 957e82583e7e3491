// Partition specs: the three federated splits, their validation, and the CLI text form.

import { PartitionError } from './errors.ts';

/** Every client gets an equal, uniformly random block (examplesPerClient defaults to ⌊n / numClients⌋). */
export interface IidPartitionSpec {
  readonly kind: 'iid';
  readonly numClients: number;
  readonly seed: number;
  readonly examplesPerClient?: number;
}

/** McMahan et al. 2017's pathological non-IID split: label-sorted shards, a few per client. */
export interface ShardsPartitionSpec {
  readonly kind: 'shards';
  readonly numClients: number;
  readonly seed: number;
  /** Default 2. */
  readonly shardsPerClient?: number;
  /** Default ⌊n / (numClients · shardsPerClient)⌋. */
  readonly shardSize?: number;
}

/** Hsu et al. 2019 label skew: each class is split over clients by proportions drawn from Dir(α). */
export interface DirichletPartitionSpec {
  readonly kind: 'dirichlet';
  readonly numClients: number;
  readonly seed: number;
  /** Concentration; small (0.1) is very skewed, large (100) is close to IID. */
  readonly alpha: number;
  /** Cap on each client's total; omitted means no cap. */
  readonly examplesPerClient?: number;
}

/**
 * How to split a labelled dataset across clients; the same spec and labels always give the same split.
 * @example const spec: PartitionSpec = { kind: 'shards', numClients: 100, seed: 1 }; // 200 shards × 300 on MNIST
 */
export type PartitionSpec = IidPartitionSpec | ShardsPartitionSpec | DirichletPartitionSpec;

/** Default shards per client in McMahan et al. 2017. */
export const DEFAULT_SHARDS_PER_CLIENT = 2;

/**
 * Checks a spec, and if `numExamples` is given, that the dataset is large enough for it.
 * Throws {@link PartitionError} with code 'PARTITION_INVALID'.
 * @example validatePartitionSpec({ kind: 'iid', numClients: 100, seed: 1, examplesPerClient: 600 }, 60000);
 */
export function validatePartitionSpec(spec: PartitionSpec, numExamples?: number): void {
  if (typeof spec !== 'object' || spec === null) throw invalid('partition spec must be an object');
  requirePositiveInteger('numClients', spec.numClients);
  if (!Number.isSafeInteger(spec.seed)) throw invalid(`seed must be an integer, got ${spec.seed}`);

  switch (spec.kind) {
    case 'iid':
      if (spec.examplesPerClient !== undefined) requirePositiveInteger('examplesPerClient', spec.examplesPerClient);
      break;
    case 'shards':
      if (spec.shardsPerClient !== undefined) requirePositiveInteger('shardsPerClient', spec.shardsPerClient);
      if (spec.shardSize !== undefined) requirePositiveInteger('shardSize', spec.shardSize);
      break;
    case 'dirichlet':
      if (!(Number.isFinite(spec.alpha) && spec.alpha > 0)) throw invalid(`alpha must be a positive number, got ${spec.alpha}`);
      if (spec.examplesPerClient !== undefined) requirePositiveInteger('examplesPerClient', spec.examplesPerClient);
      break;
    default: {
      const unknown: never = spec;
      throw invalid(`unknown partition kind '${String((unknown as { kind?: unknown }).kind)}'`);
    }
  }
  if (numExamples === undefined) return;

  const n = numExamples;
  if (n < spec.numClients) throw invalid(`${spec.numClients} clients need at least one example each, only ${n} examples`);
  if (spec.kind === 'iid' && spec.examplesPerClient !== undefined && spec.examplesPerClient * spec.numClients > n) {
    throw invalid(`iid needs ${spec.numClients} × ${spec.examplesPerClient} examples, only ${n}`);
  }
  if (spec.kind === 'shards') {
    const { shardsPerClient, shardSize } = resolveShards(spec, n);
    if (shardSize < 1 || spec.numClients * shardsPerClient * shardSize > n) {
      throw invalid(`shards needs ${spec.numClients} × ${shardsPerClient} shards of ${Math.max(shardSize, 1)} examples, only ${n}`);
    }
  }
}

/** Fills in the shard defaults for a dataset of `n` examples. */
export function resolveShards(spec: ShardsPartitionSpec, n: number): { shardsPerClient: number; shardSize: number } {
  const shardsPerClient = spec.shardsPerClient ?? DEFAULT_SHARDS_PER_CLIENT;
  const shardSize = spec.shardSize ?? Math.floor(n / (spec.numClients * shardsPerClient));
  return { shardsPerClient, shardSize };
}

/**
 * Parses the CLI form of a spec: `iid`, `shards`, `shards:<perClient>` or `dirichlet:<alpha>`.
 * @example parsePartitionSpec('dirichlet:0.5', 100, 42); // { kind: 'dirichlet', numClients: 100, seed: 42, alpha: 0.5 }
 */
export function parsePartitionSpec(text: string, numClients: number, seed: number): PartitionSpec {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const kind = colon === -1 ? trimmed : trimmed.slice(0, colon);
  const arg = colon === -1 ? undefined : trimmed.slice(colon + 1);
  let spec: PartitionSpec;
  switch (kind) {
    case 'iid':
      if (arg !== undefined) throw invalid(`'iid' takes no argument, got '${text}'`);
      spec = { kind: 'iid', numClients, seed };
      break;
    case 'shards':
      spec = arg === undefined
        ? { kind: 'shards', numClients, seed }
        : { kind: 'shards', numClients, seed, shardsPerClient: parseNumber(arg, text) };
      break;
    case 'dirichlet':
      if (arg === undefined) throw invalid(`'dirichlet' needs a concentration, e.g. 'dirichlet:0.5', got '${text}'`);
      spec = { kind: 'dirichlet', numClients, seed, alpha: parseNumber(arg, text) };
      break;
    default:
      throw invalid(`unknown partition '${text}', expected iid, shards, shards:<n> or dirichlet:<alpha>`);
  }
  validatePartitionSpec(spec);
  return spec;
}

function parseNumber(arg: string, text: string): number {
  // Number('') is 0 and Number(' 2') is 2; CLI input deserves the stricter reading.
  if (!/^[0-9]*\.?[0-9]+(e[-+]?[0-9]+)?$/i.test(arg)) throw invalid(`'${arg}' in '${text}' is not a number`);
  return Number(arg);
}

function requirePositiveInteger(name: string, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 1)) throw invalid(`${name} must be an integer ≥ 1, got ${value}`);
}

function invalid(message: string): PartitionError {
  return new PartitionError('PARTITION_INVALID', message);
}

// How many examples a client may claim in a task: its weight in FedAvg and, under secure
// aggregation, a word of the masked sum. Capped per task, and exact where the task is a
// simulation whose partitions the coordinator can compute.

import { PartitionError, holdoutSeed, labelPartition, loadMnistLabels, partitionDataset, partitionIndices, splitClientExamples } from '@flotilla/data';
import { BUILTIN_MNIST, DEFAULT_MAX_EXAMPLES_PER_CLIENT, ErrorCodes, FlotillaError, type TaskConfig } from '@flotilla/protocol';
import type { DatasetRegistry } from '../datasets/DatasetRegistry.ts';

/** What a task lets one client claim: a cap, and in a simulation each partition's exact size. */
export interface ExampleCountRule {
  /** `limits.maxExamplesPerClient`. */
  cap: number;
  /** Examples of partition i (a simulation task), or null when clients bring their own data. */
  partitionSizes: readonly number[] | null;
  /**
   * Partition i before its held-out share is split off, where clients hold one out: what a client
   * announces in its first hello, before the welcome tells it the task's share (it then says hello
   * again with its training part). Absent: nothing is held out.
   */
  wholeSizes?: readonly number[];
  /** The share each client holds out (`data.clientTestFraction`); absent or 0: none. */
  heldOut?: number;
}

/** The task's cap on one client's example count (tasks stored before it existed get the default). */
export function maxExamplesPerClient(config: TaskConfig): number {
  return config.limits.maxExamplesPerClient ?? DEFAULT_MAX_EXAMPLES_PER_CLIENT;
}

/** The cap alone: what is known before a simulation's partitions are computed. */
export function capOnly(config: TaskConfig): ExampleCountRule {
  const heldOut = config.data.clientTestFraction ?? 0;
  return { cap: maxExamplesPerClient(config), partitionSizes: null, ...(heldOut > 0 ? { heldOut } : {}) };
}

/**
 * The task's rule. A simulation task's partitions depend only on its spec and its dataset's labels,
 * so the coordinator computes their sizes (a few ms) as every simulated client does. Where clients
 * hold out a share for federated evaluation, a partition's size is its training part (what a
 * client trains on and reports), split by the holdoutSeed rule.
 * @example const rule = await exampleCountRule(config, datasets); // { cap: 60000, partitionSizes: [120, 120, …] }
 */
export async function exampleCountRule(config: TaskConfig, datasets?: Pick<DatasetRegistry, 'load'>): Promise<ExampleCountRule> {
  const { data } = config;
  if (!data.simulation || data.dataset === undefined) return capOnly(config);
  let partitionSizes: number[];
  let wholeSizes: number[] | undefined;
  try {
    const parts = data.dataset === BUILTIN_MNIST
      ? partitionIndices(labelPartition(data.partition), await loadMnistLabels('train'))
      : partitionDataset(data.partition, await datasets!.load(data.dataset));
    const fraction = data.clientTestFraction ?? 0;
    partitionSizes = parts.map((p, k) => (fraction > 0 ? splitClientExamples(p, fraction, holdoutSeed(config.seed, k)).train.length : p.length));
    if (fraction > 0) wholeSizes = parts.map((p) => p.length);
  } catch (err) {
    // A spec MNIST cannot satisfy serves no partition either (the simulation route refuses it): the cap alone applies.
    if (err instanceof PartitionError) return capOnly(config);
    throw err;
  }
  // Clients without a partition index (a person's own data in a simulation task) keep the cap alone.
  return { ...capOnly(config), partitionSizes, ...(wholeSizes === undefined ? {} : { wholeSizes }) };
}

/** What a client announced at hello. */
export interface DeclaredExamples {
  numExamples: number | null;
  partitionIndex: number | null;
  /** The count is its training part (see Hello.trainSplit). */
  trainSplit?: boolean;
}

/**
 * True when a client that announced its whole data will say hello again with its training part
 * (it splits off the task's held-out share once welcomed): asked to train or evaluate now, it
 * would drop out of the round as it reconnects.
 * @example willReannounce({ cap: 100, partitionSizes: null, heldOut: 0.2 }, { numExamples: 50, partitionIndex: null }) // true
 */
export function willReannounce(rule: ExampleCountRule, client: DeclaredExamples): boolean {
  if (!rule.heldOut || client.trainSplit || client.numExamples === null || client.numExamples === 0) return false;
  return splitClientExamples(new Uint32Array(client.numExamples), rule.heldOut, 0).train.length < client.numExamples;
}

/**
 * The example count this client's updates must report exactly (its partition's size: trainers
 * count each example once, whatever the epochs), or null when only the cap applies.
 */
export function expectedExamples(rule: ExampleCountRule, client: DeclaredExamples): number | null {
  if (rule.partitionSizes === null || client.partitionIndex === null) return null;
  return rule.partitionSizes[client.partitionIndex] ?? null;
}

/**
 * Throws FLT_BAD_EXAMPLE_COUNT when a declaration breaks the rule: more than the cap, a
 * partition the task does not have, or a count other than that partition's size.
 * @example checkDeclaredExamples(rule, { numExamples: 1e9, partitionIndex: null }); // throws
 */
export function checkDeclaredExamples(rule: ExampleCountRule, client: DeclaredExamples, atHello = false): void {
  const { numExamples, partitionIndex } = client;
  if (numExamples !== null && numExamples > rule.cap) {
    throw new FlotillaError(ErrorCodes.BAD_EXAMPLE_COUNT, `declares ${numExamples} examples, this task allows at most ${rule.cap} per client`);
  }
  if (rule.partitionSizes === null || partitionIndex === null) return;
  const size = rule.partitionSizes[partitionIndex];
  if (size === undefined) {
    throw new FlotillaError(ErrorCodes.BAD_EXAMPLE_COUNT, `declares partition ${partitionIndex}, this simulation has partitions 0..${rule.partitionSizes.length - 1}`);
  }
  // A first hello may announce the whole partition; such a client is selected only once it announced its training part.
  if (numExamples !== null && numExamples !== size && !(atHello && numExamples === rule.wholeSizes?.[partitionIndex])) {
    throw new FlotillaError(ErrorCodes.BAD_EXAMPLE_COUNT, `declares ${numExamples} examples for partition ${partitionIndex}, which holds ${size}`);
  }
}

/** True when the client may be selected under the rule (its declaration passes the checks above). */
export function admissible(rule: ExampleCountRule, client: DeclaredExamples): boolean {
  if (willReannounce(rule, client)) return false;
  try {
    checkDeclaredExamples(rule, client);
    return true;
  } catch {
    return false;
  }
}

/** Limits on an update's example count for `validateUpdate`: at most the cap and the declaration, exactly the partition's size. */
export function updateExampleLimits(rule: ExampleCountRule, client: DeclaredExamples): { maxExamples: number; exactExamples: number | null } {
  return { maxExamples: Math.min(rule.cap, client.numExamples ?? rule.cap), exactExamples: expectedExamples(rule, client) };
}

/** The task lookups a hello check needs (the TaskManager). */
export interface HelloTasks {
  activeTaskId(): string | null;
  get(id: string): { config: TaskConfig };
  runner(id: string): { exampleCounts: ExampleCountRule } | undefined;
}

/**
 * Refuses (fatally: the same hello would be refused again) a hello whose example count breaks the
 * rule of the task it joins, the one it names or else the active one. Before the task's runner
 * has computed a simulation's partitions only the cap is checked; selection checks the rest.
 */
export function checkHelloExamples(tasks: HelloTasks, hello: { taskId?: string; numExamples?: number; partitionIndex?: number }): void {
  const taskId = hello.taskId ?? tasks.activeTaskId();
  if (taskId === null) return;
  const rule = tasks.runner(taskId)?.exampleCounts ?? capOnly(tasks.get(taskId).config);
  try {
    checkDeclaredExamples(rule, { numExamples: hello.numExamples ?? null, partitionIndex: hello.partitionIndex ?? null }, true);
  } catch (err) {
    if (err instanceof FlotillaError) throw new FlotillaError(err.code, err.message, true);
    throw err;
  }
}

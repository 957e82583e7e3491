// Federated partitioners (IID, label shards, Dirichlet label skew) over a class-label array, deterministic by seed.

import { createRng, shuffleInPlace, type Rng } from '@flotilla/core';
import { sampleSymmetricDirichlet } from './dirichlet.ts';
import { PartitionError } from './errors.ts';
import {
  resolveShards,
  validatePartitionSpec,
  type DirichletPartitionSpec,
  type IidPartitionSpec,
  type PartitionSpec,
  type ShardsPartitionSpec,
} from './partitionSpec.ts';

/** Class indices of a dataset: MNIST's bytes, or the Int32Array labels of any classification dataset. */
export type ClassLabels = Uint8Array | Int32Array;

/** Largest class index the label-sorting partitioners accept (a 50,000-symbol vocabulary fits). */
export const MAX_PARTITION_CLASS = 1_000_000;

/**
 * Splits examples across `spec.numClients` clients; returns each client's example indices,
 * sorted ascending (trainers shuffle per epoch; sorted indices gather with better locality).
 * Clients are disjoint and never empty. Throws {@link PartitionError} ('PARTITION_INVALID').
 * @example
 * const parts = partitionIndices({ kind: 'shards', numClients: 100, seed: 1 }, train.labels);
 * parts[0].length; // 600: two shards of 300, mostly two digits
 */
export function partitionIndices(spec: PartitionSpec, labels: ClassLabels): Uint32Array[] {
  validatePartitionSpec(spec, labels.length);
  if (spec.kind !== 'iid' && labels instanceof Int32Array) checkClassLabels(labels);
  const rng = createRng(spec.seed);
  switch (spec.kind) {
    case 'iid':
      return partitionIid(spec, labels.length, rng);
    case 'shards':
      return partitionShards(spec, labels, rng);
    case 'dirichlet':
      return partitionDirichlet(spec, labels, rng);
    default: {
      const unreachable: never = spec;
      throw new PartitionError('PARTITION_INVALID', `unknown partition ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * One client's indices under `spec`: what a simulated device loads. Equal to
 * `partitionIndices(spec, labels)[clientIndex]`, so every device agrees on who holds what.
 * @example const mine = clientPartition({ kind: 'dirichlet', numClients: 50, seed: 7, alpha: 0.3 }, labels, 12);
 */
export function clientPartition(spec: PartitionSpec, labels: ClassLabels, clientIndex: number): Uint32Array {
  const part = Number.isSafeInteger(clientIndex) ? partitionIndices(spec, labels)[clientIndex] : undefined;
  if (part === undefined) {
    throw new PartitionError('PARTITION_INVALID', `client index must be an integer in [0, ${spec.numClients}), got ${clientIndex}`);
  }
  return part;
}

function partitionIid(spec: IidPartitionSpec, n: number, rng: Rng): Uint32Array[] {
  const perClient = spec.examplesPerClient ?? Math.floor(n / spec.numClients);
  const order = shuffleInPlace(range(n), rng);
  const parts: Uint32Array[] = [];
  for (let c = 0; c < spec.numClients; c++) {
    parts.push(order.slice(c * perClient, (c + 1) * perClient).sort());
  }
  return parts;
}

// McMahan et al. 2017 (arXiv:1602.05629) §3: sort by label, cut into shards, hand each client
// a few at random. A shard that straddles a label boundary holds two digits, so on MNIST
// (class sizes are not multiples of 300) a handful of clients see three or four digits.
function partitionShards(spec: ShardsPartitionSpec, labels: ClassLabels, rng: Rng): Uint32Array[] {
  const { shardsPerClient, shardSize } = resolveShards(spec, labels.length);
  const byLabel = sortByLabel(labels).order;
  const shardIds = shuffleInPlace(range(Math.floor(labels.length / shardSize)), rng);
  const parts: Uint32Array[] = [];
  for (let c = 0; c < spec.numClients; c++) {
    const part = new Uint32Array(shardsPerClient * shardSize);
    for (let s = 0; s < shardsPerClient; s++) {
      const start = shardIds[c * shardsPerClient + s]! * shardSize;
      part.set(byLabel.subarray(start, start + shardSize), s * shardSize);
    }
    parts.push(part.sort());
  }
  return parts;
}

// Per-class Dirichlet split, the common reading of Hsu et al. 2019 (arXiv:1909.06335): class c's
// shuffled examples go to clients in proportions p_c ~ Dir(α). With small α some clients draw
// nothing at all; rather than redrawing (unbounded for α ≈ 0.01 and many clients) each empty
// client takes one example from the currently largest client, which moves at most numClients
// examples and keeps the split deterministic.
function partitionDirichlet(spec: DirichletPartitionSpec, labels: ClassLabels, rng: Rng): Uint32Array[] {
  const { numClients, alpha, examplesPerClient } = spec;
  const { order, classStarts } = sortByLabel(labels);
  const assigned: number[][] = Array.from({ length: numClients }, () => []);

  for (let c = 0; c + 1 < classStarts.length; c++) {
    const members = order.slice(classStarts[c], classStarts[c + 1]);
    if (members.length === 0) continue;
    shuffleInPlace(members, rng);
    const proportions = sampleSymmetricDirichlet(alpha, numClients, rng);
    let start = 0;
    let cumulative = 0;
    for (let k = 0; k < numClients; k++) {
      cumulative += proportions[k]!;
      const end = k === numClients - 1 ? members.length : Math.min(members.length, Math.round(cumulative * members.length));
      const mine = assigned[k]!;
      for (let i = start; i < end; i++) mine.push(members[i]!);
      start = Math.max(start, end);
    }
  }

  fillEmptyClients(assigned);
  return assigned.map((mine) => {
    // A random subset keeps the client's label mix, in expectation, when the cap bites.
    if (examplesPerClient !== undefined && mine.length > examplesPerClient) {
      shuffleInPlace(mine, rng);
      mine.length = examplesPerClient;
    }
    return Uint32Array.from(mine).sort();
  });
}

function fillEmptyClients(assigned: number[][]): void {
  for (const receiver of assigned) {
    if (receiver.length > 0) continue;
    // n ≥ numClients (validated), so while a client is empty some other holds at least two.
    let donor = assigned[0]!;
    for (const candidate of assigned) if (candidate.length > donor.length) donor = candidate;
    receiver.push(donor.pop()!);
  }
}

/** Stable counting sort of example indices by label; classStarts[c]..classStarts[c+1] holds class c. */
function sortByLabel(labels: ClassLabels): { order: Uint32Array; classStarts: Uint32Array } {
  let numClasses = 0;
  for (let i = 0; i < labels.length; i++) numClasses = Math.max(numClasses, labels[i]! + 1);
  const classStarts = new Uint32Array(numClasses + 1);
  for (let i = 0; i < labels.length; i++) classStarts[labels[i]! + 1]!++;
  for (let c = 0; c < numClasses; c++) classStarts[c + 1]! += classStarts[c]!;
  const next = classStarts.slice(0, numClasses);
  const order = new Uint32Array(labels.length);
  for (let i = 0; i < labels.length; i++) order[next[labels[i]!]!++] = i;
  return { order, classStarts };
}

// Bytes are always valid; an Int32Array could hold a negative index, or one so large that the
// counting sort's table would not fit.
function checkClassLabels(labels: Int32Array): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label < 0 || label > MAX_PARTITION_CLASS) {
      throw new PartitionError('PARTITION_INVALID', `label ${label} at example ${i} is not a class index in [0, ${MAX_PARTITION_CLASS}]`);
    }
  }
}

function range(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

import { beforeAll, describe, expect, it } from 'vitest';
import { PartitionError } from './errors.ts';
import { labelHistogram, partitionUnion } from './examples.ts';
import { loadMnist } from './mnist.ts';
import { clientPartition, partitionIndices } from './partition.ts';
import type { PartitionSpec } from './partitionSpec.ts';

let labels: Uint8Array;

beforeAll(async () => {
  labels = (await loadMnist('train')).labels;
});

function totalSize(parts: Uint32Array[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}

function sameParts(a: Uint32Array[], b: Uint32Array[]): boolean {
  return a.length === b.length && a.every((part, c) => part.length === b[c]!.length && part.every((x, i) => x === b[c]![i]));
}

function distinctLabels(part: Uint32Array): number {
  return labelHistogram(labels, part, 10).filter((count) => count > 0).length;
}

// How many labels it takes to hold 90 % of a client's examples: 1 is fully skewed, ~9 is IID.
function labelsFor90Percent(part: Uint32Array): number {
  const counts = labelHistogram(labels, part, 10).sort((x, y) => y - x);
  let held = 0;
  for (let k = 0; k < counts.length; k++) {
    held += counts[k]!;
    if (held >= 0.9 * part.length) return k + 1;
  }
  return counts.length;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof PartitionError ? error.code : `not a PartitionError: ${String(error)}`;
  }
  return undefined;
}

describe('iid partition', () => {
  it('deals 100 disjoint clients × 600 covering all of MNIST train (McMahan et al. 2017)', () => {
    const parts = partitionIndices({ kind: 'iid', numClients: 100, seed: 1, examplesPerClient: 600 }, labels);

    expect(parts).toHaveLength(100);
    expect(parts.every((part) => part.length === 600)).toBe(true);
    expect(partitionUnion(parts).length).toBe(60000);
  });

  it('defaults to ⌊n / numClients⌋ per client and keeps every digit on every client', () => {
    const parts = partitionIndices({ kind: 'iid', numClients: 7, seed: 1 }, labels);

    expect(parts.every((part) => part.length === 8571)).toBe(true);
    expect(partitionUnion(parts).length).toBe(totalSize(parts));
    expect(parts.every((part) => distinctLabels(part) === 10)).toBe(true);
  });
});

describe('shards partition', () => {
  it('gives most clients two digits in the paper setting: 200 shards × 300, 2 per client', () => {
    const parts = partitionIndices({ kind: 'shards', numClients: 100, seed: 1 }, labels);

    expect(parts.every((part) => part.length === 600)).toBe(true);
    expect(partitionUnion(parts).length).toBe(60000);
    const digits = parts.map(distinctLabels);
    // Shards straddling one of the 9 label boundaries hold two digits each, so a few clients exceed two.
    expect(digits.filter((d) => d <= 2).length).toBeGreaterThanOrEqual(85);
    expect(Math.max(...digits)).toBeLessThanOrEqual(4);
  });

  it('gives every client at most shardsPerClient labels when classes divide into whole shards', () => {
    const aligned = Uint8Array.from({ length: 1000 }, (_, i) => i % 10);

    const parts = partitionIndices({ kind: 'shards', numClients: 10, seed: 3, shardsPerClient: 2, shardSize: 50 }, aligned);

    for (const part of parts) {
      expect(new Set(Array.from(part, (i) => aligned[i])).size).toBeLessThanOrEqual(2);
    }
  });

  it('honours an explicit shard size smaller than the default, leaving the rest unassigned', () => {
    const parts = partitionIndices({ kind: 'shards', numClients: 50, seed: 2, shardsPerClient: 3, shardSize: 100 }, labels);

    expect(parts.every((part) => part.length === 300)).toBe(true);
    expect(partitionUnion(parts).length).toBe(15000);
  });
});

describe('dirichlet partition', () => {
  it('assigns every example exactly once and leaves no client empty, even for α = 0.01', () => {
    const parts = partitionIndices({ kind: 'dirichlet', numClients: 100, seed: 4, alpha: 0.01 }, labels);

    expect(parts).toHaveLength(100);
    expect(parts.every((part) => part.length > 0)).toBe(true);
    expect(totalSize(parts)).toBe(60000);
    expect(partitionUnion(parts).length).toBe(60000);
  });

  it('skews label mixes more for small α than for large α (Hsu et al. 2019)', () => {
    const meanLabelsFor90 = (alpha: number): number => {
      const parts = partitionIndices({ kind: 'dirichlet', numClients: 50, seed: 5, alpha }, labels);
      return parts.reduce((sum, part) => sum + labelsFor90Percent(part), 0) / parts.length;
    };

    const skewed = meanLabelsFor90(0.1);
    const balanced = meanLabelsFor90(100);

    expect(skewed).toBeLessThan(3);
    expect(balanced).toBeGreaterThan(8);
  });

  it('caps each client at examplesPerClient', () => {
    const parts = partitionIndices({ kind: 'dirichlet', numClients: 100, seed: 6, alpha: 0.5, examplesPerClient: 300 }, labels);

    expect(parts.every((part) => part.length >= 1 && part.length <= 300)).toBe(true);
    expect(partitionUnion(parts).length).toBe(totalSize(parts));
  });
});

describe('determinism', () => {
  const specs: PartitionSpec[] = [
    { kind: 'iid', numClients: 20, seed: 10 },
    { kind: 'shards', numClients: 20, seed: 10 },
    { kind: 'dirichlet', numClients: 20, seed: 10, alpha: 0.5 },
  ];

  it.each(specs)('$kind: the same seed gives the same split, another seed a different one', (spec) => {
    const first = partitionIndices(spec, labels);

    const again = partitionIndices(spec, labels);
    const reseeded = partitionIndices({ ...spec, seed: spec.seed + 1 }, labels);

    expect(sameParts(first, again)).toBe(true);
    expect(sameParts(first, reseeded)).toBe(false);
  });

  it('returns sorted indices per client', () => {
    const parts = partitionIndices({ kind: 'dirichlet', numClients: 10, seed: 1, alpha: 1 }, labels);

    expect(parts.every((part) => part.every((x, i) => i === 0 || part[i - 1]! < x))).toBe(true);
  });
});

describe('clientPartition', () => {
  const spec: PartitionSpec = { kind: 'dirichlet', numClients: 30, seed: 8, alpha: 0.3 };

  it("returns exactly that client's share of the full partition", () => {
    const all = partitionIndices(spec, labels);

    const mine = clientPartition(spec, labels, 17);

    expect(sameParts([mine], [all[17]!])).toBe(true);
  });

  it('rejects a client index outside [0, numClients)', () => {
    expect(codeOf(() => clientPartition(spec, labels, 30))).toBe('PARTITION_INVALID');
    expect(codeOf(() => clientPartition(spec, labels, -1))).toBe('PARTITION_INVALID');
    expect(codeOf(() => clientPartition(spec, labels, 1.5))).toBe('PARTITION_INVALID');
  });
});

describe('validation', () => {
  const small = Uint8Array.from({ length: 100 }, (_, i) => i % 10);

  it.each<[string, PartitionSpec]>([
    ['zero clients', { kind: 'iid', numClients: 0, seed: 1 }],
    ['fractional clients', { kind: 'iid', numClients: 2.5, seed: 1 }],
    ['more clients than examples', { kind: 'dirichlet', numClients: 101, seed: 1, alpha: 1 }],
    ['non-integer seed', { kind: 'iid', numClients: 2, seed: 0.5 }],
    ['iid blocks larger than the data', { kind: 'iid', numClients: 10, seed: 1, examplesPerClient: 11 }],
    ['shards larger than the data', { kind: 'shards', numClients: 10, seed: 1, shardSize: 6 }],
    ['default shards of zero examples', { kind: 'shards', numClients: 60, seed: 1 }],
    ['zero shards per client', { kind: 'shards', numClients: 2, seed: 1, shardsPerClient: 0 }],
    ['zero alpha', { kind: 'dirichlet', numClients: 2, seed: 1, alpha: 0 }],
    ['negative alpha', { kind: 'dirichlet', numClients: 2, seed: 1, alpha: -1 }],
    ['NaN alpha', { kind: 'dirichlet', numClients: 2, seed: 1, alpha: Number.NaN }],
    ['unknown kind', { kind: 'pathological', numClients: 2, seed: 1 } as unknown as PartitionSpec],
  ])('rejects %s with PARTITION_INVALID', (_, spec) => {
    expect(codeOf(() => partitionIndices(spec, small))).toBe('PARTITION_INVALID');
  });
});

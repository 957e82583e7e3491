import { createRng } from '@flotilla/core';
import { MNIST_SCHEMA, type TabularSchema, type TextSchema } from '@flotilla/protocol';
import { describe, expect, it } from 'vitest';
import { partitionDataset, naturalPartition, splitClientExamples, type PartitionableDataset } from './datasetPartition.ts';
import { PartitionError } from './errors.ts';
import { labelHistogram, partitionUnion } from './examples.ts';
import { loadMnistLabels } from './mnist.ts';
import { partitionIndices } from './partition.ts';
import { importCsvDataset, inferTabularSchema } from './tabular.ts';

const CLASSES = 6;
const tabular = (type: 'classification' | 'regression'): TabularSchema => ({
  kind: 'tabular', features: [{ name: 'x', kind: 'numeric' }], label: 'y',
  target: type === 'classification' ? { type, classes: Array.from({ length: CLASSES }, (_, k) => `c${k}`) } : { type, metric: 'mse' },
});

/** 40 rows of each of 6 classes, interleaved so that no partition can lean on row order. */
function sixClasses(): PartitionableDataset {
  const labels = Int32Array.from({ length: 240 }, (_, i) => i % CLASSES);
  return { schema: tabular('classification'), count: labels.length, labels };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof PartitionError) return e.code;
    throw e;
  }
  return undefined;
}

describe('partitionDataset', () => {
  it('gives MNIST the same partitions as partitionIndices does on its bytes', async () => {
    const bytes = await loadMnistLabels('train');
    const mnist = { schema: MNIST_SCHEMA, count: bytes.length, labels: Int32Array.from(bytes) };
    for (const spec of [
      { kind: 'shards', numClients: 100, seed: 3 },
      { kind: 'dirichlet', numClients: 20, seed: 5, alpha: 0.3 },
      { kind: 'iid', numClients: 10, seed: 1 },
    ] as const) {
      expect(partitionDataset(spec, mnist)).toEqual(partitionIndices(spec, bytes));
    }
  });

  it('natural: client k gets exactly the rows of the k-th client id, ids in sorted order', () => {
    const csv = ['site,x,y', 'b,1,no', 'a,2,yes', 'c,3,no', 'b,4,yes', 'a,5,no', 'b,6,no'].join('\n');
    const data = importCsvDataset(csv, inferTabularSchema(csv, { label: 'y', clientColumn: 'site' }), { clientColumn: 'site' });
    const parts = partitionDataset({ kind: 'natural' }, data);
    expect(parts.map((p) => [...p])).toEqual([[1, 4], [0, 3, 5], [2]]);
    expect(naturalPartition(data.clientIds!).clientIds).toEqual(['a', 'b', 'c']);
    expect(parts.every((p, k) => [...p].every((row) => data.clientIds![row] === ['a', 'b', 'c'][k]))).toBe(true);
    expect(codeOf(() => partitionDataset({ kind: 'natural' }, sixClasses()))).toBe('PARTITION_NEEDS_CLIENT_IDS');
  });

  it('shards: every client of a non-MNIST dataset sees at most shardsPerClient classes, and every row is dealt once', () => {
    // 6 classes × 40 rows cut into shards of 10: no shard straddles two classes.
    const data = sixClasses();
    const parts = partitionDataset({ kind: 'shards', numClients: 12, seed: 9, shardsPerClient: 2, shardSize: 10 }, data);
    const labels = data.labels as Int32Array;
    for (const part of parts) expect(labelHistogram(labels, part, CLASSES).filter((n) => n > 0).length).toBeLessThanOrEqual(2);
    expect(partitionUnion(parts).length).toBe(240);
  });

  it('Dirichlet: small α concentrates each client on few classes, large α spreads them', () => {
    const data = sixClasses();
    const labels = data.labels as Int32Array;
    const topShare = (alpha: number): number => {
      const parts = partitionDataset({ kind: 'dirichlet', numClients: 8, seed: 4, alpha }, data);
      expect(partitionUnion(parts).length).toBe(240);
      const shares = parts.map((p) => Math.max(...labelHistogram(labels, p, CLASSES)) / p.length);
      return shares.reduce((a, b) => a + b, 0) / shares.length;
    };
    expect(topShare(0.05)).toBeGreaterThan(0.8);
    expect(topShare(1000)).toBeLessThan(0.4);
  });

  it('works from class labels above 255, which bytes could not hold', () => {
    const labels = Int32Array.from({ length: 400 }, (_, i) => 300 + (i % 4));
    const parts = partitionDataset({ kind: 'shards', numClients: 4, seed: 2, shardsPerClient: 1 }, { schema: tabular('classification'), count: 400, labels });
    for (const part of parts) expect(new Set([...part].map((i) => labels[i])).size).toBe(1);
  });

  it('splits regression and text datasets iid but refuses to shard them by a label that is not a class', () => {
    const regression = { schema: tabular('regression'), count: 50, labels: Float32Array.from({ length: 50 }, (_, i) => i / 7) };
    expect(partitionUnion(partitionDataset({ kind: 'iid', numClients: 5, seed: 1 }, regression)).length).toBe(50);
    expect(codeOf(() => partitionDataset({ kind: 'shards', numClients: 5, seed: 1 }, regression))).toBe('PARTITION_NEEDS_CLASSES');
    const text: TextSchema = { kind: 'text', level: 'char', vocabulary: ['<unk>', 'a', 'b'], unknown: 0, sequenceLength: 2 };
    const textData = { schema: text, count: 50, labels: Int32Array.from({ length: 50 }, (_, i) => i % 3) };
    expect(codeOf(() => partitionDataset({ kind: 'dirichlet', numClients: 5, seed: 1, alpha: 0.5 }, textData))).toBe('PARTITION_NEEDS_CLASSES');
    expect(codeOf(() => partitionIndices({ kind: 'shards', numClients: 2, seed: 1 }, Int32Array.of(0, -1, 2, 3)))).toBe('PARTITION_INVALID');
  });
});

describe('splitClientExamples', () => {
  it('is deterministic, disjoint and complete, and gives every client with two or more examples a test example', () => {
    const rng = createRng(11);
    for (let n = 0; n <= 40; n++) {
      const indices = Uint32Array.from({ length: n }, (_, i) => i * 3 + Math.floor(rng() * 3)).sort();
      const { train, test } = splitClientExamples(indices, 0.1, n);
      expect(splitClientExamples(indices, 0.1, n)).toEqual({ train, test });
      expect([...train, ...test].sort((a, b) => a - b)).toEqual([...indices]);
      if (n >= 2) {
        expect(test.length).toBe(Math.min(n - 1, Math.max(1, Math.round(n * 0.1))));
        expect(train.length).toBeGreaterThanOrEqual(1);
      } else {
        expect(test.length).toBe(0);
      }
    }
    expect(splitClientExamples(Uint32Array.from({ length: 100 }, (_, i) => i), 0.3, 1).test.length).toBe(30);
  });

  it('refuses a fraction outside (0, 1)', () => {
    for (const fraction of [0, 1, -0.2, Number.NaN]) expect(codeOf(() => splitClientExamples(new Uint32Array(4), fraction, 1))).toBe('PARTITION_INVALID');
  });
});

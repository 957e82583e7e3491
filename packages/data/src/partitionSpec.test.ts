import { describe, expect, it } from 'vitest';
import { PartitionError } from './errors.ts';
import { parsePartitionSpec } from './partitionSpec.ts';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof PartitionError ? error.code : `not a PartitionError: ${String(error)}`;
  }
  return undefined;
}

describe('parsePartitionSpec', () => {
  it.each([
    ['iid', { kind: 'iid', numClients: 100, seed: 42 }],
    ['shards', { kind: 'shards', numClients: 100, seed: 42 }],
    ['shards:3', { kind: 'shards', numClients: 100, seed: 42, shardsPerClient: 3 }],
    ['dirichlet:0.5', { kind: 'dirichlet', numClients: 100, seed: 42, alpha: 0.5 }],
    [' dirichlet:1e-2 ', { kind: 'dirichlet', numClients: 100, seed: 42, alpha: 0.01 }],
  ])("reads '%s'", (text, expected) => {
    expect(parsePartitionSpec(text, 100, 42)).toEqual(expected);
  });

  it.each(['', 'noniid', 'iid:5', 'dirichlet', 'dirichlet:', 'dirichlet:abc', 'dirichlet:0', 'shards:1.5', 'shards:0', 'shards: 2'])(
    "rejects '%s' with PARTITION_INVALID",
    (text) => {
      expect(codeOf(() => parsePartitionSpec(text, 100, 42))).toBe('PARTITION_INVALID');
    },
  );

  it('rejects an invalid client count passed alongside the text', () => {
    expect(codeOf(() => parsePartitionSpec('iid', 0, 42))).toBe('PARTITION_INVALID');
  });
});

// Tests for the example-count rule: the per-task cap and, in a simulation, the partition sizes.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, type TaskConfig } from '@flotilla/protocol';
import { admissible, checkDeclaredExamples, exampleCountRule, updateExampleLimits, willReannounce } from './exampleCounts.ts';
import { resolveTaskConfig } from './taskConfig.ts';
import { codeOf } from '../testing/codeOf.ts';

const config = (overrides: object): TaskConfig => resolveTaskConfig({
  data: { partition: { kind: 'iid', numClients: 4, seed: 3, examplesPerClient: 50 }, testLimit: 100 }, ...overrides,
});

describe('exampleCountRule', () => {
  it('caps what any client may declare, 60,000 by default', async () => {
    const rule = await exampleCountRule(config({ data: { simulation: false } }));
    expect(rule).toEqual({ cap: 60_000, partitionSizes: null });
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 60_000, partitionIndex: null }))).toBe('none');
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 60_001, partitionIndex: null }))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 2 ** 40, partitionIndex: 3 }))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
  });

  it('lets a first hello announce the whole partition where clients hold a share out, and selects only the training part', async () => {
    // Arrange: 4 IID partitions of 50 examples, 20% held out by each client
    const rule = await exampleCountRule(config({ data: { partition: { kind: 'iid', numClients: 4, seed: 3, examplesPerClient: 50 }, testLimit: 100, clientTestFraction: 0.2 } }));
    const train = rule.partitionSizes![2]!;
    // Assert: the first hello (before the welcome says the share) may name 50; selection wants the training part.
    expect(train).toBeLessThan(50);
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 50, partitionIndex: 2 }, true))).toBe('none');
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 49, partitionIndex: 2 }, true))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(admissible(rule, { numExamples: 50, partitionIndex: 2 })).toBe(false);
    expect(admissible(rule, { numExamples: train, partitionIndex: 2, trainSplit: true })).toBe(true);
  });

  it('does not select a client with its own data that will say hello again with its training part', async () => {
    const rule = await exampleCountRule(config({ data: { simulation: false, clientTestFraction: 0.2 } }));
    // 50 examples announced as a whole: it splits 10 off once welcomed and reconnects with 40.
    expect(willReannounce(rule, { numExamples: 50, partitionIndex: null })).toBe(true);
    expect(admissible(rule, { numExamples: 50, partitionIndex: null })).toBe(false);
    expect(admissible(rule, { numExamples: 40, partitionIndex: null, trainSplit: true })).toBe(true);
    // One example holds nothing out: that client never reconnects.
    expect(admissible(rule, { numExamples: 1, partitionIndex: null })).toBe(true);
    expect(willReannounce(await exampleCountRule(config({ data: { simulation: false } })), { numExamples: 50, partitionIndex: null })).toBe(false);
  });

  it('takes the task\'s own cap', async () => {
    const rule = await exampleCountRule(config({ data: { simulation: false }, limits: { maxExamplesPerClient: 500 } }));
    expect(admissible(rule, { numExamples: 500, partitionIndex: null })).toBe(true);
    expect(admissible(rule, { numExamples: 501, partitionIndex: null })).toBe(false);
    expect(updateExampleLimits(rule, { numExamples: null, partitionIndex: null })).toEqual({ maxExamples: 500, exactExamples: null });
    expect(updateExampleLimits(rule, { numExamples: 120, partitionIndex: null })).toEqual({ maxExamples: 120, exactExamples: null });
  });

  it('in a simulation knows each partition\'s size and refuses any other declaration', async () => {
    // Arrange: 4 IID partitions of 50 examples
    const rule = await exampleCountRule(config({}));
    // Assert
    expect(rule).toEqual({ cap: 60_000, partitionSizes: [50, 50, 50, 50] });
    // Without a partition index (a person's own data), the cap alone applies.
    expect(admissible(rule, { numExamples: 51, partitionIndex: null })).toBe(true);
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 50, partitionIndex: 2 }))).toBe('none');
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 51, partitionIndex: 2 }))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 49, partitionIndex: 2 }))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(codeOf(() => checkDeclaredExamples(rule, { numExamples: 50, partitionIndex: 4 }))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(updateExampleLimits(rule, { numExamples: 50, partitionIndex: 1 })).toEqual({ maxExamples: 50, exactExamples: 50 });
  });

  it('follows the partitioner where partitions differ in size (Dirichlet)', async () => {
    const rule = await exampleCountRule(config({ data: { partition: { kind: 'dirichlet', numClients: 5, seed: 2, alpha: 0.5 } } }));
    const sizes = rule.partitionSizes!;
    expect(new Set(sizes).size).toBeGreaterThan(1);
    expect(admissible(rule, { numExamples: sizes[0]!, partitionIndex: 0 })).toBe(true);
    expect(admissible(rule, { numExamples: sizes[0]! + 1, partitionIndex: 0 })).toBe(false);
  });

  it('falls back to the cap alone for a partition MNIST cannot hold', async () => {
    const rule = await exampleCountRule(config({ data: { partition: { kind: 'iid', numClients: 10, seed: 1, examplesPerClient: 7000 } } }));
    expect(rule).toEqual({ cap: 60_000, partitionSizes: null });
  });
});

// Tests for the fleet's contribution flags: --contribution (with --validation-examples and
// --contribution-policy) creates the task with contribution assessment, --duplicate K copies
// client 0's partition to client K, and each is refused where it cannot apply.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ContributionSpec } from '@flotilla/protocol';
import { USAGE, UsageError, parseFleetArgs } from './args.ts';

const parse = (...argv: string[]) => parseFleetArgs(['--node', '--clients', '6', ...argv], {});

describe('parseFleetArgs: --contribution', () => {
  it('creates a task without contribution unless asked', () => {
    expect(parse().task.contribution).toBeUndefined();
    expect(parse().duplicate).toBeNull();
  });

  it('creates the task with the method asked, the contract\'s defaults filled in', () => {
    const { contribution } = parse('--contribution', 'exact', '--validation-examples', '200', '--contribution-policy', 'downweight').task;

    expect(contribution).toMatchObject({ enabled: true, method: 'exact', validation: { examples: 200 }, selection: { policy: 'downweight', minRounds: 3 } });
    expect(Value.Check(ContributionSpec, contribution)).toBe(true);
    expect(parse('--contribution', 'gtg').task.contribution).toMatchObject({ method: 'gtg', validation: { examples: 1000 }, maxPermutations: 50 });
    expect(parse('--contribution', 'leave-one-out').task.contribution?.method).toBe('leave-one-out');
  });

  it('refuses an unknown method, a value outside the contract, a refinement without --contribution, and --contribution with --task', () => {
    expect(() => parse('--contribution', 'banzhaf')).toThrow(/--contribution must be gtg \| exact \| leave-one-out/);
    expect(() => parse('--contribution', 'gtg', '--validation-examples', '10')).toThrow(/^--validation-examples: /);
    expect(() => parse('--contribution', 'gtg', '--contribution-policy', 'ban')).toThrow(/^--contribution-policy: /);
    expect(() => parse('--validation-examples', '500')).toThrow(/add --contribution/);
    expect(() => parse('--task', 't1', '--contribution', 'gtg')).toThrow(UsageError);
  });
});

describe('parseFleetArgs: --duplicate', () => {
  it('names the client that trains on client 0\'s data', () => {
    expect(parse('--duplicate', '3').duplicate).toBe(3);
  });

  it('refuses client 0 itself, a client the fleet does not have, and --data', () => {
    expect(() => parse('--duplicate', '0')).toThrow(/--duplicate names a client 1…5/);
    expect(() => parse('--duplicate', '6')).toThrow(UsageError);
    expect(() => parse('--duplicate', '1', '--partition', 'dirichlet:0.5')).toThrow(/equal size/);
    expect(() => parseFleetArgs(['--node', '--data', 'clinics', '--task', 't1', '--duplicate', '1'], {})).toThrow(/--duplicate/);
  });

  it('documents the flags in the help', () => {
    for (const flag of ['--contribution M', '--validation-examples N', '--contribution-policy P', '--duplicate K']) expect(USAGE).toContain(flag);
  });
});

// The body of POST /api/tasks: what differs from the defaults, null to remove a setting, and no
// top-level field the task configuration does not have.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { TASK_CONFIG_FIELDS, TaskConfigInput } from './taskInput.ts';

describe('TaskConfigInput', () => {
  it('accepts any part of a task configuration, nested parts included, and null to remove a setting', () => {
    expect(Value.Check(TaskConfigInput, {})).toBe(true);
    expect(Value.Check(TaskConfigInput, { strategy: { name: 'fedprox' }, fit: { proximalMu: 0.01 } })).toBe(true);
    expect(Value.Check(TaskConfigInput, { stop: { targetAccuracy: null }, privacy: { secureAggregation: { enabled: true } } })).toBe(true);
  });

  it('refuses a top-level field the configuration does not have', () => {
    expect(Value.Check(TaskConfigInput, { strategies: { name: 'fedprox' } })).toBe(false);
    expect(TASK_CONFIG_FIELDS).toEqual(expect.arrayContaining(['name', 'model', 'data', 'strategy', 'fit', 'stop', 'limits', 'baseline', 'privacy', 'seed']));
  });

  it('keeps each field\'s default for the documentation', () => {
    const fit = TaskConfigInput.properties.fit as unknown as { anyOf: { properties?: Record<string, { default?: unknown }> }[] };

    expect(fit.anyOf[0]!.properties!.batchSize!.default).toBe(10);
    expect((TaskConfigInput.properties.seed as { default?: unknown }).default).toBe(1);
  });
});

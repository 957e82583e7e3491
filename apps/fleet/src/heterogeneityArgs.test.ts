// Tests for the fleet's issue #13 flags beyond --uplink/--downlink and --async K[:C]: --codec,
// the buffer's staleness, --work, --personalization, and slow clients.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { TaskConfigInput } from '@flotilla/protocol';
import { USAGE, UsageError, parseFleetArgs } from './args.ts';

const parse = (...argv: string[]) => parseFleetArgs(['--node', '--clients', '10', ...argv], {});

describe('--codec', () => {
  it('sets the update codec as --uplink does, the model staying float32', () => {
    expect(parse().task.communication).toBeUndefined();
    expect(parse('--codec', 'int8').task.communication).toEqual({
      uplink: { codec: 'int8', granularity: 'tensor', stochastic: true }, downlink: { codec: 'float32' }, downlinkDelta: false,
    });
    expect(parse('--codec', 'topk:0.05', '--downlink', 'float16').task.communication).toEqual({
      uplink: { codec: 'topk', fraction: 0.05, errorFeedback: true }, downlink: { codec: 'float16' }, downlinkDelta: false,
    });
  });

  it('refuses an unknown codec, and --codec with --uplink', () => {
    expect(() => parse('--codec', 'int4')).toThrow(/--codec: expected float32, float16/);
    expect(() => parse('--codec', 'int8', '--uplink', 'float16')).toThrow(/one of them/);
  });
});

describe('the asynchronous buffer\'s staleness', () => {
  it('refines --async K[:C] with the staleness bound and weighting, the contract\'s defaults elsewhere', () => {
    expect(parse('--async', '4:8', '--max-staleness', '3', '--staleness', 'hinge:2').task.asynchronous)
      .toMatchObject({ enabled: true, bufferSize: 4, concurrency: 8, maxStaleness: 3, stalenessWeighting: 'hinge', stalenessExponent: 2 });
  });

  it('refuses them without --async, and values out of bounds', () => {
    expect(() => parse('--max-staleness', '4')).toThrow(/add --async/);
    expect(() => parse('--async', '2', '--staleness', 'linear')).toThrow(UsageError);
    expect(() => parse('--async', '2', '--max-staleness=-1')).toThrow(UsageError);
  });
});

describe('--work and --personalization', () => {
  it('sets the fit\'s work next to the local training flags', () => {
    const task = parse('--work', 'adaptive', '--selection', 'likelyToFinish', '--epochs', '2').task;
    expect(task.fit).toMatchObject({ epochs: 2, work: { kind: 'adaptive', selection: 'likelyToFinish', deadlineFraction: 0.8 } });
    expect(() => parse('--selection', 'likelyToFinish')).toThrow(/--work/);
    expect(() => parse('--work', 'lazy')).toThrow(UsageError);
  });

  it('gives fedper and fedrep the last layer as head unless told, and ditto its λ', () => {
    expect(parse('--personalization', 'fedper').task.personalization).toMatchObject({ mode: 'fedper', head: { lastLayers: 1 } });
    expect(parse('--personalization', 'fedrep', '--head-layers', '2').task.personalization).toMatchObject({ mode: 'fedrep', head: { lastLayers: 2 } });
    expect(parse('--personalization', 'ditto', '--lambda', '0.5').task.personalization).toMatchObject({ mode: 'ditto', lambda: 0.5 });
    expect(parse('--personalization', 'ditto').task.personalization?.head).toBeUndefined();
    expect(() => parse('--personalization', 'ditto', '--head-layers', '1')).toThrow(/fedper or fedrep/);
    expect(() => parse('--lambda', '0.5')).toThrow(/--personalization/);
  });

  it('creates a task body the coordinator\'s schema accepts with every flag at once', () => {
    const { task } = parse('--codec', 'topk:0.01', '--async', '4', '--max-staleness', '5', '--work', 'adaptive', '--personalization', 'fedper');
    expect(Value.Check(TaskConfigInput, task)).toBe(true);
  });

  it('documents each flag in the help', () => {
    for (const flag of ['--codec', '--uplink', '--downlink', '--downlink-delta', '--async', '--max-staleness', '--staleness', '--work', '--selection', '--personalization', '--head-layers', '--lambda', '--slow-fraction', '--state-dir']) {
      expect(USAGE, flag).toContain(flag);
    }
  });
});

describe('--slow-fraction and --slow-factor', () => {
  it('slows a fraction of the clients, 4× unless told, and serve tabs as --slow / --cpu-throttle do', () => {
    expect(parse().slow).toEqual({ fraction: 0, factor: 4 });
    const args = parse('--slow-fraction', '0.3', '--slow-factor', '5');
    expect(args.slow).toEqual({ fraction: 0.3, factor: 5 });
    expect(args.browser).toMatchObject({ slow: 0.3, cpuThrottle: 5 });
    expect(parse('--slow', '0.2').slow).toEqual({ fraction: 0.2, factor: 4 });
    expect(() => parse('--slow-fraction', '1.5')).toThrow(UsageError);
  });
});

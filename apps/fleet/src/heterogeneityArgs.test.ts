// Tests for the fleet's issue #13 flags: codecs, --async, --work, --personalization, slow clients.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { TaskConfigInput } from '@flotilla/protocol';
import { USAGE, UsageError, parseFleetArgs } from './args.ts';
import { parseCodec } from './heterogeneityArgs.ts';

const parse = (...argv: string[]) => parseFleetArgs(['--node', '--clients', '10', ...argv], {});
const refuse = (message: string) => new UsageError(message);

describe('--codec', () => {
  it('takes each codec of the contract, with its one parameter and the others defaulted', () => {
    expect(parseCodec('float16', refuse)).toEqual({ codec: 'float16' });
    expect(parseCodec('int8', refuse)).toEqual({ codec: 'int8', granularity: 'tensor', stochastic: true });
    expect(parseCodec('int8:channel', refuse)).toEqual({ codec: 'int8', granularity: 'channel', stochastic: true });
    expect(parseCodec('topk:0.05', refuse)).toEqual({ codec: 'topk', fraction: 0.05, errorFeedback: true });
    expect(parseCodec('qsgd', refuse)).toEqual({ codec: 'qsgd', levels: 16 });
  });

  it('refuses an unknown codec, a value a codec does not take and one out of bounds', () => {
    expect(() => parseCodec('int4', refuse)).toThrow(/float32 \| float16 \| int8\[:tensor\|channel\] \| topk\[:FRACTION\] \| qsgd\[:LEVELS\]/);
    expect(() => parseCodec('float16:2', refuse)).toThrow(/takes no value/);
    expect(() => parseCodec('topk:1.5', refuse)).toThrow(UsageError);
    expect(() => parseCodec('int8:row', refuse)).toThrow(UsageError);
  });

  it('sets the task\'s communication, float32 where a direction is not given', () => {
    expect(parse().task.communication).toBeUndefined();
    expect(parse('--codec', 'int8').task.communication).toEqual({
      uplink: { codec: 'int8', granularity: 'tensor', stochastic: true }, downlink: { codec: 'float32' }, downlinkDelta: false,
    });
    expect(parse('--downlink-codec', 'float16', '--downlink-delta').task.communication).toEqual({
      uplink: { codec: 'float32' }, downlink: { codec: 'float16' }, downlinkDelta: true,
    });
  });
});

describe('--async', () => {
  it('makes a buffered asynchronous task with the contract\'s defaults, or the K, concurrency and staleness given', () => {
    expect(parse('--async').task.asynchronous).toMatchObject({ enabled: true, bufferSize: 10, concurrency: 20, maxStaleness: 20, stalenessWeighting: 'polynomial' });
    expect(parse('--async', '--buffer-size', '4', '--concurrency', '8', '--max-staleness', '3', '--staleness', 'hinge:2').task.asynchronous)
      .toMatchObject({ enabled: true, bufferSize: 4, concurrency: 8, maxStaleness: 3, stalenessWeighting: 'hinge', stalenessExponent: 2 });
  });

  it('refuses the buffer\'s settings without --async, and values out of bounds', () => {
    expect(() => parse('--buffer-size', '4')).toThrow(/add --async/);
    expect(() => parse('--async', '--buffer-size', '0')).toThrow(UsageError);
    expect(() => parse('--async', '--staleness', 'linear')).toThrow(UsageError);
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
    const { task } = parse('--codec', 'topk:0.01', '--async', '--work', 'adaptive', '--personalization', 'fedper');
    expect(Value.Check(TaskConfigInput, task)).toBe(true);
  });

  it('documents each flag in the help', () => {
    for (const flag of ['--codec', '--downlink-codec', '--downlink-delta', '--async', '--buffer-size', '--staleness', '--work', '--selection', '--personalization', '--head-layers', '--lambda', '--slow-fraction']) {
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

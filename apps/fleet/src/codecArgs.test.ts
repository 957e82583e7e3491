import { describe, expect, it } from 'vitest';
import { parseFleetArgs } from './args.ts';
import { parseCodecArg } from './codecArgs.ts';

describe('--uplink and --downlink', () => {
  it('read a codec and its parameter', () => {
    expect(parseCodecArg('int8:channel')).toEqual({ codec: 'int8', granularity: 'channel', stochastic: true });
    expect(parseCodecArg('topk:0.05')).toEqual({ codec: 'topk', fraction: 0.05, errorFeedback: true });
    expect(parseCodecArg('qsgd')).toEqual({ codec: 'qsgd', levels: 16 });
    for (const bad of ['zip', 'topk:0', 'qsgd:500', 'float16:x', 'int8:row']) expect(() => parseCodecArg(bad)).toThrow(/expected float32/);
  });

  it("become the fleet task's communication settings", () => {
    const args = parseFleetArgs(['--node', '--uplink', 'topk:0.01', '--downlink', 'float16', '--downlink-delta']);
    expect(args.task.communication).toEqual({ uplink: { codec: 'topk', fraction: 0.01, errorFeedback: true }, downlink: { codec: 'float16' }, downlinkDelta: true });
    expect(parseFleetArgs(['--node']).task.communication).toBeUndefined();
  });
});

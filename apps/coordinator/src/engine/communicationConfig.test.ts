import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { resolveTaskConfig } from './taskConfig.ts';
import { codeOf } from '../testing/codeOf.ts';

const secure = { secureAggregation: { enabled: true } };

describe('communication settings at task creation', () => {
  it('completes a partial spec: float32 where unnamed, each codec with its defaults', () => {
    expect(resolveTaskConfig({ communication: { uplink: { codec: 'int8' } } }).communication).toEqual({
      uplink: { codec: 'int8', granularity: 'tensor', stochastic: true }, downlink: { codec: 'float32' }, downlinkDelta: false,
    });
    expect(resolveTaskConfig({ communication: { uplink: { codec: 'topk', fraction: 0.05 }, slowLinkUplink: { codec: 'qsgd' }, slowLinkKbps: 500 } }).communication)
      .toMatchObject({ uplink: { codec: 'topk', fraction: 0.05, errorFeedback: true }, slowLinkUplink: { codec: 'qsgd', levels: 16 } });
    expect(resolveTaskConfig({}).communication).toBeUndefined();
  });

  it('refuses top-k, QSGD, int8 and float16 uplinks under secure aggregation with FLT_CODEC_INCOMPATIBLE', () => {
    for (const codec of ['topk', 'qsgd', 'int8', 'float16']) {
      expect(codeOf(() => resolveTaskConfig({ privacy: secure, communication: { uplink: { codec } } }))).toBe(ErrorCodes.CODEC_INCOMPATIBLE);
    }
    expect(codeOf(() => resolveTaskConfig({ privacy: secure, communication: { uplink: { codec: 'float32' }, slowLinkUplink: { codec: 'topk' }, slowLinkKbps: 100 } })))
      .toBe(ErrorCodes.CODEC_INCOMPATIBLE);
    expect(resolveTaskConfig({ privacy: secure, communication: { downlink: { codec: 'float16' } } }).communication?.downlink).toEqual({ codec: 'float16' });
  });

  it('refuses an unknown codec, a sparse downlink and a slow-link codec without its threshold with FLT_INVALID_TASK', () => {
    expect(codeOf(() => resolveTaskConfig({ communication: { uplink: { codec: 'zip' } } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ communication: { downlink: { codec: 'topk' } } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ communication: { slowLinkUplink: { codec: 'topk' } } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ communication: { uplink: { codec: 'topk', fraction: 0 } } }))).toBe(ErrorCodes.INVALID_TASK);
  });
});

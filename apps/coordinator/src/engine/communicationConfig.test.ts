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
    expect(resolveTaskConfig({ communication: { uplink: { codec: 'qsgd' }, slowLinkUplink: { codec: 'topk', fraction: 0.05 }, slowLinkKbps: 500 } }).communication)
      .toMatchObject({ uplink: { codec: 'qsgd', levels: 16 }, slowLinkUplink: { codec: 'topk', fraction: 0.05, errorFeedback: true } });
    expect(resolveTaskConfig({}).communication).toBeUndefined();
  });

  it('refuses top-k, QSGD, float16 and per-channel int8 uplinks under secure aggregation with FLT_CODEC_INCOMPATIBLE and the reason', () => {
    const reasons = { topk: 'indices', qsgd: 'norm', float16: 'ring' } as const;
    for (const [codec, reason] of Object.entries(reasons)) {
      expect(() => resolveTaskConfig({ privacy: secure, communication: { uplink: { codec } } }))
        .toThrow(expect.objectContaining({ code: ErrorCodes.CODEC_INCOMPATIBLE, message: expect.stringContaining(reason) }));
    }
    expect(codeOf(() => resolveTaskConfig({ privacy: secure, communication: { uplink: { codec: 'int8', granularity: 'channel' } } }))).toBe(ErrorCodes.CODEC_INCOMPATIBLE);
    expect(codeOf(() => resolveTaskConfig({ privacy: secure, communication: { uplink: { codec: 'float32' }, slowLinkUplink: { codec: 'topk' }, slowLinkKbps: 100 } })))
      .toBe(ErrorCodes.CODEC_INCOMPATIBLE);
    expect(resolveTaskConfig({ privacy: secure, communication: { downlink: { codec: 'float16' } } }).communication?.downlink).toEqual({ codec: 'float16' });
  });

  it('accepts int8 under secure aggregation (quantised fixed point before masking), but not a different slow-link codec', () => {
    expect(resolveTaskConfig({ privacy: secure, communication: { uplink: { codec: 'int8' } } }).communication?.uplink).toMatchObject({ codec: 'int8' });
    expect(codeOf(() => resolveTaskConfig({ privacy: secure, communication: { uplink: { codec: 'float32' }, slowLinkUplink: { codec: 'int8' }, slowLinkKbps: 100 } })))
      .toBe(ErrorCodes.CODEC_INCOMPATIBLE);
  });

  it('refuses an int8 secure round whose ring could not hold the sum in 32 bits with FLT_INVALID_TASK naming communication.uplink', () => {
    const huge = { data: { partition: { kind: 'iid', numClients: 2 ** 25, seed: 1 } }, fit: { fractionFit: 1 }, limits: { maxExamplesPerClient: 1 } };
    expect(() => resolveTaskConfig({ ...huge, privacy: secure, communication: { uplink: { codec: 'int8' } } }))
      .toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_TASK, message: expect.stringContaining('communication.uplink') }));
  });

  it('refuses an unknown codec, a sparse downlink and a slow-link codec without its threshold with FLT_INVALID_TASK', () => {
    expect(codeOf(() => resolveTaskConfig({ communication: { uplink: { codec: 'zip' } } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ communication: { downlink: { codec: 'topk' } } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ communication: { slowLinkUplink: { codec: 'topk' } } }))).toBe(ErrorCodes.INVALID_TASK);
    // A reported slow link is a client's claim: it may only buy a cheaper codec, never a richer one.
    expect(() => resolveTaskConfig({ communication: { uplink: { codec: 'int8' }, slowLinkUplink: { codec: 'float32' }, slowLinkKbps: 500 } }))
      .toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_TASK, message: expect.stringContaining('communication.slowLinkUplink') }));
    expect(codeOf(() => resolveTaskConfig({ communication: { uplink: { codec: 'topk', fraction: 0 } } }))).toBe(ErrorCodes.INVALID_TASK);
  });
});

import { describe, expect, it } from 'vitest';
import { resolveTaskConfig } from './taskConfig.ts';
import { secureAggregationConflict, secureQuantisationOf } from './secureQuantisation.ts';

describe('which uplink codecs compose with secure aggregation', () => {
  it('float32 and per-tensor int8 compose; top-k, QSGD, float16 and per-channel int8 say why not', () => {
    expect(secureAggregationConflict({ codec: 'float32' })).toBeNull();
    expect(secureAggregationConflict({ codec: 'int8', granularity: 'tensor', stochastic: true })).toBeNull();
    expect(secureAggregationConflict({ codec: 'int8', granularity: 'channel', stochastic: true })).toMatch(/scales/);
    expect(secureAggregationConflict({ codec: 'topk', fraction: 0.01, errorFeedback: true })).toMatch(/indices/);
    expect(secureAggregationConflict({ codec: 'qsgd', levels: 16 })).toMatch(/norm/);
    expect(secureAggregationConflict({ codec: 'float16' })).toMatch(/ring/);
  });

  it('quantises a secure task with an int8 uplink to 8 bits, keeping its rounding; nothing else', () => {
    const secure = { secureAggregation: { enabled: true } };
    expect(secureQuantisationOf(resolveTaskConfig({ privacy: secure, communication: { uplink: { codec: 'int8' } } }))).toEqual({ bits: 8, stochastic: true });
    expect(secureQuantisationOf(resolveTaskConfig({ privacy: secure, communication: { uplink: { codec: 'int8', stochastic: false } } }))).toEqual({ bits: 8, stochastic: false });
    expect(secureQuantisationOf(resolveTaskConfig({ privacy: secure }))).toBeNull();
    expect(secureQuantisationOf(resolveTaskConfig({ communication: { uplink: { codec: 'int8' } } }))).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { describeCodec } from './RoundBytes.tsx';

describe('describeCodec', () => {
  it('names each codec with the parameters an operator chose', () => {
    expect(describeCodec(undefined)).toBe('float32');
    expect(describeCodec({ codec: 'float16' })).toBe('float16');
    expect(describeCodec({ codec: 'int8', granularity: 'channel', stochastic: true })).toBe('int8 per channel, stochastic');
    expect(describeCodec({ codec: 'topk', fraction: 0.01, errorFeedback: true })).toBe('top-k 1 % + error feedback');
    expect(describeCodec({ codec: 'qsgd', levels: 16 })).toBe('QSGD 16 levels');
  });
});

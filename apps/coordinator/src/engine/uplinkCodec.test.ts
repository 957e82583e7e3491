import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { resolveTaskConfig } from './taskConfig.ts';
import { assertPlannedCodec, uplinkFor, withUplink } from './uplinkCodec.ts';
import { codeOf } from '../testing/codeOf.ts';

const config = resolveTaskConfig({ communication: { uplink: { codec: 'int8' }, slowLinkUplink: { codec: 'topk', fraction: 0.01 }, slowLinkKbps: 1000 } });
const all = ['float32', 'float16', 'int8', 'topk', 'qsgd'];

describe('uplink negotiation', () => {
  it("gives the task's codec, the slow-link codec below the threshold, and falls back to what the client speaks", () => {
    expect(uplinkFor(config, { device: { backend: 'wasm' }, codecs: all }).codec).toBe('int8');
    expect(uplinkFor(config, { device: { backend: 'wasm', uplinkKbps: 5000 }, codecs: all }).codec).toBe('int8');
    expect(uplinkFor(config, { device: { backend: 'wasm', uplinkKbps: 200 }, codecs: all })).toEqual({ codec: 'topk', fraction: 0.01, errorFeedback: true });
    expect(uplinkFor(config, { device: { backend: 'wasm', uplinkKbps: 200 }, codecs: ['float32', 'int8'] }).codec).toBe('int8');
    expect(uplinkFor(config, { device: { backend: 'wasm' }, codecs: ['float32'] }).codec).toBe('float32');
    expect(uplinkFor(resolveTaskConfig({}), { device: { backend: 'wasm' }, codecs: all }).codec).toBe('float32');
  });

  it('puts the codec in the fit plan only when it is not float32', () => {
    const fit = { epochs: 1, batchSize: 10, learningRate: 0.1, proximalMu: 0, seed: 1 };
    expect(withUplink(fit, config, { device: { backend: 'wasm' }, codecs: ['float32'] })).toEqual(fit);
    expect(withUplink(fit, config, { device: { backend: 'wasm' }, codecs: all }).uplink?.codec).toBe('int8');
  });

  it('refuses tensors in another codec than planned with FLT_UNSUPPORTED_CODEC', () => {
    const tensor = { shape: [1], values: new Float32Array(1) };
    expect(codeOf(() => assertPlannedCodec([{ ...tensor, codec: 'float32' }], { codec: 'int8', granularity: 'tensor', stochastic: true }))).toBe(ErrorCodes.UNSUPPORTED_CODEC);
    expect(codeOf(() => assertPlannedCodec([{ ...tensor, codec: 'topk' }], { codec: 'float32' }))).toBe(ErrorCodes.UNSUPPORTED_CODEC);
    expect(() => assertPlannedCodec([{ ...tensor, codec: 'int8' }], { codec: 'int8', granularity: 'channel', stochastic: false })).not.toThrow();
  });
});

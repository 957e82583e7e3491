import { describe, expect, it } from 'vitest';
import { decodePersonalState, encodePersonalState, memoryPersonalStore } from './personalState.ts';

describe('personal state', () => {
  it('round-trips through bytes: models, local-only model, budget and fit', () => {
    const state = { model: Float32Array.of(1.5, -2, 3), localOnly: Float32Array.of(0.25), localEpochs: 4, fit: { batchSize: 10, learningRate: 0.05 } };
    expect(decodePersonalState(encodePersonalState(state))).toEqual(state);
    expect(decodePersonalState(encodePersonalState({ localEpochs: 0 }))).toEqual({ localEpochs: 0 });
  });

  it('reads a torn or foreign file as no state instead of throwing', () => {
    const bytes = encodePersonalState({ model: new Float32Array(100), localEpochs: 1 });
    expect(decodePersonalState(bytes.subarray(0, bytes.length - 4))).toBeNull();
    expect(decodePersonalState(new TextEncoder().encode('not a state'))).toBeNull();
  });

  it('keeps each task\'s state apart, and what was saved, not what the caller changed after', async () => {
    const store = memoryPersonalStore();
    const model = Float32Array.of(1, 2);
    await store.save('t1', { model, localEpochs: 1 });
    model[0] = 99;
    expect(await store.load('t1')).toEqual({ model: Float32Array.of(1, 2), localEpochs: 1 });
    expect(await store.load('t2')).toBeNull();
  });
});

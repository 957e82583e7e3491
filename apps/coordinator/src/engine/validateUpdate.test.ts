import { describe, expect, it } from 'vitest';
import { ErrorCodes, type Update } from '@flotilla/protocol';
import { validateUpdate } from './validateUpdate.ts';
import { codeOf } from '../testing/codeOf.ts';

const message: Update = { type: 'update', taskId: 't', round: 1, modelVersion: 0, numExamples: 10, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } };
const limits = { shapes: [[2, 2], [2]], maxUpdateNorm: 10, maxExamples: 100 };
const tensors = (a: number[], b: number[]) => [{ shape: [2, 2], values: Float32Array.from(a) }, { shape: [2], values: Float32Array.from(b) }];
describe('validateUpdate', () => {
  it('returns the update flattened in weight order', () => {
    expect(Array.from(validateUpdate(message, tensors([1, 2, 3, 4], [5, 6]), limits))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names each problem with its own code', () => {
    expect(codeOf(() => validateUpdate(message, tensors([1, 2, 3, 4], [5, 6]).slice(1), limits))).toBe(ErrorCodes.TENSOR_MISMATCH);
    expect(codeOf(() => validateUpdate(message, [{ shape: [4], values: new Float32Array(4) }, { shape: [2], values: new Float32Array(2) }], limits))).toBe(ErrorCodes.TENSOR_MISMATCH);
    expect(codeOf(() => validateUpdate(message, tensors([1, Number.POSITIVE_INFINITY, 3, 4], [5, 6]), limits))).toBe(ErrorCodes.NON_FINITE);
    expect(codeOf(() => validateUpdate(message, tensors([1, 2, 3, 4], [5, Number.NaN]), limits))).toBe(ErrorCodes.NON_FINITE);
    expect(codeOf(() => validateUpdate(message, tensors([10, 0, 0, 0], [0, 1]), limits))).toBe(ErrorCodes.UPDATE_NORM_EXCEEDED);
    expect(codeOf(() => validateUpdate({ ...message, numExamples: 101 }, tensors([0, 0, 0, 0], [0, 0]), limits))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
  });

  it('in a simulation, refuses any count other than the partition size', () => {
    const zero = tensors([0, 0, 0, 0], [0, 0]);
    expect(codeOf(() => validateUpdate({ ...message, numExamples: 9 }, zero, { ...limits, exactExamples: 10 }))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(codeOf(() => validateUpdate({ ...message, numExamples: 11 }, zero, { ...limits, exactExamples: 10 }))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(codeOf(() => validateUpdate(message, zero, { ...limits, exactExamples: 10 }))).toBe('none');
  });
});

// Helpers shared by this package's tests only (not exported from the package).

import * as tf from '@tensorflow/tfjs';

/**
 * Index of the first element where two arrays differ (length counts), or -1 when identical.
 * Vitest's deep equality walks large typed arrays element by element (seconds for the CNN).
 * @example expect(firstDifference(getFlatWeights(a), getFlatWeights(b))).toBe(-1);
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * A linearly separable toy problem: `classes` Gaussian blobs in `dims` dimensions.
 * @example const data = blobs({ count: 300, dims: 8, classes: 3, seed: 1 });
 */
export function blobs(opts: { count: number; dims: number; classes: number; seed: number; spread?: number }): {
  features: Float32Array; labels: Uint8Array; count: number;
} {
  let s = opts.seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centers = Array.from({ length: opts.classes }, () => Array.from({ length: opts.dims }, () => gauss() * 3));
  const images = new Float32Array(opts.count * opts.dims);
  const labels = new Uint8Array(opts.count);
  for (let i = 0; i < opts.count; i++) {
    const label = i % opts.classes;
    labels[i] = label;
    for (let d = 0; d < opts.dims; d++) images[i * opts.dims + d] = centers[label]![d]! + gauss() * (opts.spread ?? 0.5);
  }
  return { features: images, labels, count: opts.count };
}

/** A convolution to differentiate: NHWC input shape, filter shape, strides, padding. */
export type ConvCase = {
  x: [number, number, number, number]; filter: [number, number, number, number]; stride: number | [number, number]; pad: 'same' | 'valid';
};

/** Deterministic values in [-1, 1). */
/** Shapes, strides and paddings both convolution-gradient kernels are checked on against the CPU backend. */
export const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [1, 9, 7, 2], filter: [4, 2, 2, 3], stride: [2, 1], pad: 'valid' },
  { x: [3, 6, 6, 1], filter: [5, 5, 1, 2], stride: 3, pad: 'same' },
  { x: [2, 14, 14, 8], filter: [5, 5, 8, 16], stride: 1, pad: 'same' },
];

/** 12·32·32 output pixels × 400 patch entries = 4.9M floats: more than one 4M-float block. */
export const BLOCKED_CONV_CASE: ConvCase = { x: [12, 32, 32, 16], filter: [5, 5, 16, 2], stride: 1, pad: 'same' };

export function uniform(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1);
}

/** Inputs of a case: x, filter, and dy (the upstream gradient, as long as the conv's output). */
export function convInputs(c: ConvCase): { x: Float32Array; f: Float32Array; dy: Float32Array; dyShape: number[] } {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
  const dyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  return {
    x: uniform(c.x.reduce((a, b) => a * b, 1), 3),
    f: uniform(c.filter.reduce((a, b) => a * b, 1), 5),
    dy: uniform(dyShape.reduce((a, b) => a * b, 1), 7),
    dyShape,
  };
}

/**
 * Gradients of Σ(conv2d(x, f) ⊙ dy) on a backend: with respect to x that is
 * Conv2DBackpropInput(dy, f), with respect to f it is Conv2DBackpropFilter(x, dy).
 */
export async function convGradients(backend: string, c: ConvCase): Promise<{ dx: Float32Array; dw: Float32Array }> {
  await tf.setBackend(backend);
  const { x, f, dy, dyShape } = convInputs(c);
  return tf.tidy(() => {
    const dyT = tf.tensor(dy, dyShape);
    const loss = (...[xt, ft]: tf.Tensor[]) => tf.sum(tf.mul(tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, c.stride, c.pad), dyT));
    const [dx, dw] = tf.grads(loss)([tf.tensor4d(x, c.x), tf.tensor4d(f, c.filter)]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

/** The same gradients computed naively in float64: the reference for shapes too big for the cpu backend. */
export function convGradientsReference(c: ConvCase): { dx: Float64Array; dw: Float64Array } {
  const { x, f, dy } = convInputs(c);
  const g = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
  const [, H, W, C] = c.x;
  const [KH, KW, , CO] = c.filter;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(f.length);
  for (let b = 0; b < g.batchSize; b++) for (let oh = 0; oh < g.outHeight; oh++) for (let ow = 0; ow < g.outWidth; ow++) {
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * g.strideHeight - g.padInfo.top + kh;
      const iw = ow * g.strideWidth - g.padInfo.left + kw;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      for (let ci = 0; ci < C; ci++) for (let co = 0; co < CO; co++) {
        const d = dy[((b * g.outHeight + oh) * g.outWidth + ow) * CO + co]!;
        const xi = ((b * H + ih) * W + iw) * C + ci;
        const wi = ((kh * KW + kw) * C + ci) * CO + co;
        dw[wi]! += x[xi]! * d;
        dx[xi]! += f[wi]! * d;
      }
    }
  }
  return { dx, dw };
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Largest absolute value (a spread into Math.max overflows the stack for big arrays). */
export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]!));
  return max;
}

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { clipByL2Norm, l2Norm } from '@flotilla/privacy';
import { createModel } from './zoo.ts';
import { getFlatWeights } from './weights.ts';
import { clippedGradientSum, microbatchClippedSum, privateGradient } from './dpSgd.ts';
import { denseStack } from './perExampleDense.ts';
import { trainLocal } from './train.ts';
import { initNodeBackend } from './backendNode.ts';
import { blobs, firstDifference, maxAbsDiff } from './testSupport.ts';

const DIMS = 8;
const CLASSES = 3;
const spec = { kind: 'logreg' as const, inputs: DIMS, classes: CLASSES };
const data = blobs({ count: 240, dims: DIMS, classes: CLASSES, seed: 3, spread: 2 });

beforeAll(async () => {
  await initNodeBackend('wasm');
});

afterEach(() => {
  vi.restoreAllMocks();
});

const variablesOf = (model: tf.LayersModel) => model.trainableWeights.map((w) => w.read() as tf.Variable);

function batch(images: Float32Array, labels: Uint8Array, n: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return { x: tf.tensor2d(images.slice(0, n * DIMS), [n, DIMS]), y: tf.oneHot(tf.tensor1d(labels.slice(0, n), 'int32'), CLASSES) as tf.Tensor2D };
}

async function flat(tensors: tf.Tensor[]): Promise<Float64Array> {
  const parts = await Promise.all(tensors.map((t) => t.data()));
  return Float64Array.from(parts.flatMap((p) => Array.from(p)));
}

// Softmax regression by hand: for mean cross-entropy over examples S, dL/dW = mean x ⊗ (p − y),
// dL/db = mean (p − y), laid out as the model's flat weights (kernel [inputs, classes], then bias).
function referenceGradient(weights: Float32Array, examples: number[]): Float64Array {
  const g = new Float64Array(DIMS * CLASSES + CLASSES);
  for (const i of examples) {
    const x = data.features.subarray(i * DIMS, (i + 1) * DIMS);
    const logits = Array.from({ length: CLASSES }, (_, c) => {
      let s = weights[DIMS * CLASSES + c]!;
      for (let d = 0; d < DIMS; d++) s += x[d]! * weights[d * CLASSES + c]!;
      return s;
    });
    const top = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - top));
    const z = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < CLASSES; c++) {
      const r = (e[c]! / z - (data.labels[i] === c ? 1 : 0)) / examples.length;
      for (let d = 0; d < DIMS; d++) g[d * CLASSES + c]! += x[d]! * r;
      g[DIMS * CLASSES + c]! += r;
    }
  }
  return g;
}

function sumOfClipped(weights: Float32Array, groups: number[][], clip: number): Float64Array {
  const out = new Float64Array(DIMS * CLASSES + CLASSES);
  for (const group of groups) {
    const g = clipByL2Norm(referenceGradient(weights, group), clip);
    for (let i = 0; i < out.length; i++) out[i]! += g[i]!;
  }
  return out;
}

describe('clippedGradientSum', () => {
  it.each([
    ['in one backward pass (dense stack)', clippedGradientSum],
    ['one gradient per example', microbatchClippedSum],
  ])('sums per-example gradients clipped to C, equal to a hand-computed reference: %s', async (_, clippedSum) => {
    const model = await createModel(spec, 4);
    const weights = getFlatWeights(model);
    const n = 8;
    const norms = Array.from({ length: n }, (_, i) => l2Norm(referenceGradient(weights, [i])));
    // C between the smallest and the largest norm, so the batch has clipped and unclipped examples.
    const clip = (Math.min(...norms) + Math.max(...norms)) / 2;
    const { x, y } = batch(data.features, data.labels, n);

    const { sum, microbatches, stats } = clippedSum(model, variablesOf(model), x, y, clip, 1);

    const expected = sumOfClipped(weights, Array.from({ length: n }, (_, i) => [i]), clip);
    expect(maxAbsDiff(await flat(sum), expected)).toBeLessThan(1e-5);
    expect(microbatches).toBe(n);
    const [, , clipped] = await stats.data();
    expect(clipped).toBe(norms.filter((v) => v > clip).length);
    expect(clipped).toBeGreaterThan(0);
    expect(clipped).toBeLessThan(n);
    tf.dispose([...sum, stats, x, y]);
    model.dispose();
  });

  it('gives the 2NN the same clipped sum in one backward pass as one gradient per example', async () => {
    const model = await createModel({ kind: 'mnist-2nn' }, 3);
    const variables = variablesOf(model);
    const x = tf.randomUniform([6, 784], 0, 1, 'float32', 9);
    const y = tf.oneHot(tf.tensor1d([3, 1, 4, 1, 5, 9], 'int32'), 10) as tf.Tensor2D;
    expect(denseStack(model, variables)).not.toBeNull();
    const cnn = await createModel({ kind: 'mnist-cnn' }, 3);
    expect(denseStack(cnn, variablesOf(cnn))).toBeNull();
    cnn.dispose();

    const fast = clippedGradientSum(model, variables, x, y, 0.5, 1);
    const loop = microbatchClippedSum(model, variables, x, y, 0.5, 1);

    const [f, l] = await Promise.all([flat(fast.sum), flat(loop.sum)]);
    expect(maxAbsDiff(f, l)).toBeLessThan(1e-5 * Math.max(1, l2Norm(l)));
    const [fs, ls] = [Array.from(await fast.stats.data()), Array.from(await loop.stats.data())];
    fs.forEach((v, i) => expect(v).toBeCloseTo(ls[i]!, 4));
    tf.dispose([...fast.sum, fast.stats, ...loop.sum, loop.stats, x, y]);
    model.dispose();
  });

  it('clips the mean gradient of each micro-batch when micro-batches hold several examples', async () => {
    const model = await createModel(spec, 4);
    const weights = getFlatWeights(model);
    const { x, y } = batch(data.features, data.labels, 7);

    const { sum, microbatches, stats } = clippedGradientSum(model, variablesOf(model), x, y, 0.3, 3);

    expect(microbatches).toBe(3);
    expect(maxAbsDiff(await flat(sum), sumOfClipped(weights, [[0, 1, 2], [3, 4, 5], [6]], 0.3))).toBeLessThan(1e-5);
    tf.dispose([...sum, stats, x, y]);
    model.dispose();
  });

  it('bounds what one example, however extreme, changes in the sum by C', async () => {
    const model = await createModel(spec, 4);
    const clip = 0.5;
    const n = 6;
    const images = data.features.slice(0, (n + 1) * DIMS);
    const labels = data.labels.slice(0, n + 1);
    // The added example: a large input labelled as the class the model finds least likely, so its
    // raw gradient is many times C (not so large that the softmax saturates and the loss's
    // probability clipping zeroes the gradient).
    for (let d = 0; d < DIMS; d++) images[n * DIMS + d] = 5 * (d % 2 === 0 ? 1 : -1);
    const probe = tf.tidy(() => tf.argMin(model.predict(tf.tensor2d(images.slice(n * DIMS), [1, DIMS])) as tf.Tensor2D, -1));
    labels[n] = (await probe.data())[0]!;
    probe.dispose();
    const without = batch(images, labels, n);
    const withOutlier = batch(images, labels, n + 1);

    const a = clippedGradientSum(model, variablesOf(model), without.x, without.y, clip, 1);
    const b = clippedGradientSum(model, variablesOf(model), withOutlier.x, withOutlier.y, clip, 1);

    const fa = await flat(a.sum);
    const fb = await flat(b.sum);
    const influence = l2Norm(fb.map((v, i) => v - fa[i]!));
    expect(influence).toBeLessThanOrEqual(clip * (1 + 1e-5));
    expect(influence).toBeGreaterThan(clip * 0.999);
    const [, , clippedWithout] = await a.stats.data();
    const [, , clippedWith] = await b.stats.data();
    expect(clippedWith).toBe(clippedWithout! + 1);
    tf.dispose([...a.sum, a.stats, ...b.sum, b.stats, without.x, without.y, withOutlier.x, withOutlier.y]);
    model.dispose();
  });
});

describe('privateGradient', () => {
  it('adds Gaussian noise of standard deviation σ·C to the clipped sum, from crypto, never Math.random', async () => {
    // The 2NN's 199,210 coordinates give the sample std a relative standard error of 0.16 %.
    const model = await createModel({ kind: 'mnist-2nn' }, 2);
    const variables = variablesOf(model);
    const n = 4;
    const x = tf.randomUniform([n, 784], 0, 1, 'float32', 7);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10) as tf.Tensor2D;
    const dp = { l2NormClip: 0.8, noiseMultiplier: 1.3 };
    const random = vi.spyOn(Math, 'random');

    const clean = privateGradient(model, variables, x, y, { ...dp, noiseMultiplier: 0 });
    const noisy = privateGradient(model, variables, x, y, dp);

    expect(random).not.toHaveBeenCalled();
    const c = await flat(clean.gradient);
    const z = (await flat(noisy.gradient)).map((v, i) => (v - c[i]!) * n);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1));
    const sigma = dp.noiseMultiplier * dp.l2NormClip;
    expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(z.length));
    expect(Math.abs(std / sigma - 1)).toBeLessThan(0.01);
    // Gaussian, not merely the right spread: about 68.3 % of the mass within one σ.
    const withinOne = z.filter((v) => Math.abs(v) < sigma).length / z.length;
    expect(withinOne).toBeGreaterThan(0.676);
    expect(withinOne).toBeLessThan(0.69);
    tf.dispose([...clean.gradient, clean.stats, ...noisy.gradient, noisy.stats, x, y]);
    model.dispose();
  });
});

describe('trainLocal with DP-SGD', () => {
  it('is plain SGD when one micro-batch holds the whole batch, C is never reached and σ = 0', async () => {
    const [plain, dp] = await Promise.all([createModel(spec, 1), createModel(spec, 1)]);
    const plan = { epochs: 1, batchSize: 10, learningRate: 0.1, seed: 5 };

    await trainLocal(plain, data, plan);
    const result = await trainLocal(dp, data, { ...plan, dpSgd: { l2NormClip: 1e6, noiseMultiplier: 0, microbatchSize: 10 } });

    expect(maxAbsDiff(getFlatWeights(plain), getFlatWeights(dp))).toBeLessThan(1e-5);
    expect(result.clippedFraction).toBe(0);
    plain.dispose();
    dp.dispose();
  });

  it('still learns a separable problem with per-example clipping and noise', async () => {
    const model = await createModel(spec, 1);

    const result = await trainLocal(model, data, {
      epochs: 3, batchSize: 20, learningRate: 0.2, seed: 5, dpSgd: { l2NormClip: 1, noiseMultiplier: 0.5 },
    });

    expect(result.accuracy).toBeGreaterThan(0.85);
    expect(result.clippedFraction).toBeGreaterThan(0);
    expect(result.clippedFraction).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it('draws fresh noise: two runs from the same seed differ', async () => {
    const [a, b] = await Promise.all([createModel(spec, 1), createModel(spec, 1)]);
    const plan = { epochs: 1, batchSize: 10, learningRate: 0.1, seed: 5, dpSgd: { l2NormClip: 1, noiseMultiplier: 1 } };

    await trainLocal(a, { ...data, count: 20 }, plan);
    await trainLocal(b, { ...data, count: 20 }, plan);

    expect(firstDifference(getFlatWeights(a), getFlatWeights(b))).not.toBe(-1);
    a.dispose();
    b.dispose();
  });

  it.each([1, 2])('leaves no tensor behind (micro-batches of %i), so a long-lived client does not leak', async (microbatchSize) => {
    const model = await createModel(spec, 1);
    const plan = { epochs: 1, batchSize: 10, learningRate: 0.1, proximalMu: 0.1, dpSgd: { l2NormClip: 1, noiseMultiplier: 1, microbatchSize } };
    await trainLocal(model, { ...data, count: 30 }, plan);
    const before = tf.memory().numTensors;

    await trainLocal(model, { ...data, count: 30 }, plan);

    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rejects invalid DP-SGD settings with a coded error', async () => {
    const model = await createModel(spec, 1);
    const plan = { epochs: 1, batchSize: 10, learningRate: 0.1 };

    for (const dpSgd of [{ l2NormClip: 0, noiseMultiplier: 1 }, { l2NormClip: 1, noiseMultiplier: -1 }, { l2NormClip: 1, noiseMultiplier: 1, microbatchSize: 1.5 }]) {
      await expect(trainLocal(model, data, { ...plan, dpSgd })).rejects.toMatchObject({ code: 'MODEL_PLAN_INVALID' });
    }
    model.dispose();
  });
});

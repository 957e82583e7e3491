import { describe, expect, it } from 'vitest';
import { MNIST_SCHEMA, encodeFrame, type EvaluatePlan, type PersonalizationSpec } from '@flotilla/protocol';
import { answerEvaluatePlan } from './evaluatePlan.ts';
import { memoryPersonalStore } from './personal/personalState.ts';
import type { Trainer } from './types.ts';
import { WeightsCache } from './WeightsCache.ts';

const spec: PersonalizationSpec = { mode: 'ditto', fineTuneEpochs: 1, headEpochs: 1, lambda: 0.1, localBaseline: true };
const plan: EvaluatePlan = {
  type: 'evaluate.plan', taskId: 't', round: 2, modelVersion: 2, model: { kind: 'mnist-2nn' }, schema: MNIST_SCHEMA,
  weightsUrl: '/w', deadline: Date.now() + 60_000, personalization: spec,
};
const weights = new WeightsCache(async () => new Response(encodeFrame({ type: 'weights' }, [{ shape: [2], values: Float32Array.of(1, 2) }]).slice().buffer as ArrayBuffer));
const split = { train: Uint32Array.of(0, 1), test: Uint32Array.of(2) };
const data = { features: new Float32Array(3 * 784), labels: new Uint8Array(3), count: 3 };

function context(trainer: Trainer, personal = memoryPersonalStore()) {
  return { trainer, weights, baseUrl: 'http://x', data, split, signal: new AbortController().signal, personal };
}

describe('answerEvaluatePlan under personalisation', () => {
  it('reports the personal and local-only metrics beside the global ones, from the state kept for the task', async () => {
    const personal = memoryPersonalStore();
    await personal.save('t', { model: Float32Array.of(5, 5), localEpochs: 3 });
    const seen: unknown[] = [];
    const trainer: Trainer = {
      device: () => ({ backend: 'test' }), train: () => Promise.reject(new Error('no')),
      evaluate: async () => ({ loss: 1, accuracy: 0.5 }),
      evaluatePersonal: async (job) => {
        seen.push({ state: job.personal, train: [...job.trainExamples], test: [...job.examples], weights: [...job.weights] });
        return { personal: { loss: 0.5, accuracy: 0.8 }, localOnly: { loss: 0.7, accuracy: 0.6 } };
      },
    };
    const answer = await answerEvaluatePlan(plan, context(trainer, personal));
    expect(answer).toMatchObject({ type: 'evaluation', metrics: { accuracy: 0.5 }, personal: { accuracy: 0.8 }, localOnly: { accuracy: 0.6 } });
    expect(seen).toEqual([{ state: { model: Float32Array.of(5, 5), localEpochs: 3 }, train: [0, 1], test: [2], weights: [1, 2] }]);
  });

  it('leaves out unusable personal metrics, and keeps the global report when the personal evaluation fails', async () => {
    const base = { device: () => ({ backend: 'test' }), train: () => Promise.reject(new Error('no')), evaluate: async () => ({ loss: 1, accuracy: 0.5 }) };
    const nan = await answerEvaluatePlan(plan, context({ ...base, evaluatePersonal: async () => ({ personal: { loss: Number.NaN, accuracy: 2 } }) }));
    expect(nan).toMatchObject({ type: 'evaluation', metrics: { accuracy: 0.5 } });
    expect(nan).not.toHaveProperty('personal');
    const failing = await answerEvaluatePlan(plan, context({ ...base, evaluatePersonal: () => Promise.reject(new Error('store unreadable')) }));
    expect(failing).toMatchObject({ type: 'evaluation', metrics: { accuracy: 0.5 } });
    expect(failing).not.toHaveProperty('personal');
    // A plan without personalisation never asks for personal models.
    const { personalization: _, ...plain } = plan;
    const asked: unknown[] = [];
    await answerEvaluatePlan(plain, context({ ...base, evaluatePersonal: async (j) => (asked.push(j), {}) }));
    expect(asked).toEqual([]);
  });
});

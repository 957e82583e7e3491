import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, getFlatWeights, initNodeBackend, weightLayers, weightShapes } from '@flotilla/models';
import type { PersonalizationSpec, TabularSchema } from '@flotilla/protocol';
import type * as tf from '@tensorflow/tfjs';
import { headTensors, overlayTensors, trainPersonalised } from './personalTraining.ts';

const SCHEMA: TabularSchema = {
  kind: 'tabular', features: ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' as const })), label: 'y',
  target: { type: 'classification', classes: ['x', 'y'] },
};
const DATA = (() => {
  const count = 40;
  const features = Float32Array.from({ length: count * 4 }, (_, i) => Math.sin(i * 12.9898) * 2);
  const labels = Uint8Array.from({ length: count }, (_, i) => (features[i * 4]! + features[i * 4 + 1]! > 0 ? 1 : 0));
  return { features, labels, count };
})();
const PLAN = { epochs: 2, batchSize: 8, learningRate: 0.2, seed: 3 };
const spec = (mode: PersonalizationSpec['mode'], extra: Partial<PersonalizationSpec> = {}): PersonalizationSpec =>
  ({ mode, head: { lastLayers: 1 }, fineTuneEpochs: 1, headEpochs: 1, lambda: 0.1, localBaseline: true, ...extra });

let model: tf.LayersModel;
let global: Float32Array;
const fresh = async () => getFlatWeights(await createModel({ kind: 'schema', architecture: 'mlp' }, 99, SCHEMA));
const segment = (flat: Float32Array, tensors: number[]) => {
  const shapes = weightShapes(model);
  const parts: number[] = [];
  let offset = 0;
  shapes.forEach((s, i) => {
    const size = s.reduce((a, b) => a * b, 1);
    if (tensors.includes(i)) parts.push(...flat.subarray(offset, offset + size));
    offset += size;
  });
  return parts;
};

beforeAll(async () => {
  await initNodeBackend('wasm');
  model = await createModel({ kind: 'schema', architecture: 'mlp' }, 1, SCHEMA);
  global = getFlatWeights(model);
});

describe('trainPersonalised', () => {
  it('FedPer keeps the trained model (its head) as personal state and names the head tensors the update must leave out', async () => {
    const out = await trainPersonalised(model, global, DATA, PLAN, spec('fedper'), null, {}, fresh);
    const head = headTensors(model, spec('fedper'))!;
    expect(head).toEqual(weightLayers(model).at(-1)!.tensors);
    expect(out.headTensors).toEqual(head);
    expect(out.state.model).toEqual(out.trained);
    expect(segment(out.trained, head)).not.toEqual(segment(global, head));
    // Next round: the new global body with this client's own head.
    const next = await trainPersonalised(model, global, DATA, { ...PLAN, epochs: 1 }, spec('fedper'), out.state, {}, fresh);
    expect(next.state.localEpochs).toBe(3);
    expect(overlayTensors(global, out.state.model!, weightShapes(model), head)).not.toEqual(global);
  });

  it('FedRep trains the head with the body fixed, then only the body: the head ends as the head phase left it', async () => {
    const headOnly = await trainPersonalised(model, global, DATA, PLAN, spec('fedrep', { localBaseline: false }), null, {}, fresh);
    const head = headOnly.headTensors!;
    const body = weightShapes(model).map((_, i) => i).filter((i) => !head.includes(i));
    expect(segment(headOnly.trained, body)).not.toEqual(segment(global, body));
    expect(segment(headOnly.trained, head)).not.toEqual(segment(global, head));
    // Fewer body epochs, same head phase: the same head, since the body phase never touches it.
    const again = await trainPersonalised(model, global, DATA, { ...PLAN, epochs: 1 }, spec('fedrep', { localBaseline: false }), null, {}, fresh);
    expect(segment(again.trained, head)).toEqual(segment(headOnly.trained, head));
  });

  it('Ditto sends the FedAvg update and keeps a personal model that a strong λ holds near the global one', async () => {
    const plain = await trainPersonalised(model, global, DATA, PLAN, spec('none'), null, {}, fresh);
    const weak = await trainPersonalised(model, global, DATA, PLAN, spec('ditto', { lambda: 0 }), null, {}, fresh);
    const strong = await trainPersonalised(model, global, DATA, PLAN, spec('ditto', { lambda: 2 }), null, {}, fresh);
    expect(weak.trained).toEqual(plain.trained);
    expect(weak.headTensors).toBeNull();
    const distance = (w: Float32Array) => Math.sqrt(w.reduce((s, v, i) => s + (v - global[i]!) ** 2, 0));
    expect(distance(strong.state.model!)).toBeLessThan(distance(weak.state.model!) / 2);
    // The local-only baseline starts from its own initialisation and trains the same epochs.
    expect(strong.state.localEpochs).toBe(PLAN.epochs);
    expect(strong.state.localOnly).toBeDefined();
    expect(plain.state.localOnly).toBeUndefined();
  });
});

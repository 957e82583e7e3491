// Huge schemas sizing a model past limits (red team): a 10,000-column table under a wide MLP, a
// 50,000-symbol vocabulary under a wide LSTM, and a model whose update cannot fit a client's frame
// are coded FLT_INVALID_TASK errors at creation, answered at once, never a worker that allocates
// hundreds of megabytes or hangs for minutes, and nothing is stored.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const wideTable = {
  kind: 'tabular', label: 'y', target: { type: 'classification', classes: ['a', 'b'] },
  features: Array.from({ length: 10_000 }, (_, i) => ({ name: `c${i}`, kind: 'numeric', mean: 0, std: 1 })),
};
const bigVocabulary = {
  kind: 'text', level: 'token', unknown: 0, sequenceLength: 20,
  vocabulary: Array.from({ length: 50_000 }, (_, i) => (i === 0 ? '<unk>' : `w${i}`)),
};
const ownData = (schema: unknown) => ({ dataset: null, schema, partition: { kind: 'iid', numClients: 2, seed: 1 } });

describe('models sized past the limits at task creation', () => {
  let coordinator: TestCoordinator;

  beforeAll(async () => {
    // 1 MiB frames: a model of a few hundred thousand weights is already too big to report.
    coordinator = await startTestCoordinator({ maxFrameBytes: 1024 * 1024 });
  });
  afterAll(() => coordinator.close());

  const create = (body: unknown) => api<{ code: string; message: string }>(coordinator.url, '/api/tasks', { method: 'POST', body: { name: 'huge', baseline: { enabled: false }, ...body as object } });

  it('refuses an MLP over a 10,000-column table that would hold 41M weights', async () => {
    const response = await create({ model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [4096] } }, data: ownData(wideTable) });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('FLT_INVALID_TASK');
    expect(response.body.message).toMatch(/MODEL_SPEC_INVALID: the MLP would hold 40972290 weights \(limit 16000000\)/);
  });

  it('refuses an LSTM over a 50,000-symbol vocabulary past the weight limit, and recurrent units past 256', async () => {
    const wide = await create({ model: { kind: 'schema', architecture: 'lstm', options: { units: 256, embeddingSize: 512 } }, data: ownData(bigVocabulary) });
    const slow = await create({ model: { kind: 'schema', architecture: 'lstm', options: { units: 1024 } }, data: ownData(bigVocabulary) });

    expect(wide.status).toBe(400);
    expect(wide.body.message).toMatch(/MODEL_SPEC_INVALID: the LSTM would hold \d+ weights/);
    expect(slow.status).toBe(400);
    expect(slow.body).toMatchObject({ code: 'FLT_INVALID_TASK', message: expect.stringMatching(/\/model/) });
  });

  it('refuses a model whose update would not fit the frame limit, naming --max-frame-mb', async () => {
    const response = await create({ model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [512] } }, data: ownData({ ...wideTable, features: wideTable.features.slice(0, 1000) }) });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('FLT_INVALID_TASK');
    expect(response.body.message).toMatch(/would not fit a client's frame of at most 1048576 \(--max-frame-mb\)/);
    expect((await api<{ tasks: unknown[] }>(coordinator.url, '/api/tasks')).body.tasks).toEqual([]);
  });

  it('still creates a model that fits', async () => {
    const response = await create({ model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [16] } }, data: ownData({ ...wideTable, features: wideTable.features.slice(0, 100) }) });

    expect(response.status).toBe(201);
  });
});

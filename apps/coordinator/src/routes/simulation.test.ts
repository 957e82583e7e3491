// The simulation data endpoint serves one partition of a simulation task, without the operator
// token, and nothing for other tasks or out-of-range partitions.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { clientPartition, gatherExamples, loadMnist } from '@flotilla/data';
import { decodeFrame, type PartitionSpec } from '@flotilla/protocol';
import { buildApp } from '../app.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 4, seed: 7, examplesPerClient: 50 };

describe('GET /api/simulation/tasks/:id/partitions/:index', () => {
  let app: FastifyInstance;
  let simulated: string;
  let real: string;

  beforeAll(async () => {
    app = await buildApp({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'flotilla-sim-')), operatorToken: 'operator-secret-token' });
    simulated = (await app.coordinator.tasks.create({ name: 'sim', data: { partition, simulation: true }, baseline: { enabled: false } })).id;
    real = (await app.coordinator.tasks.create({ name: 'real', data: { partition, simulation: false }, baseline: { enabled: false } })).id;
  });
  afterAll(() => app.close());

  it('serves exactly the requested partition, without the operator token', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/simulation/tasks/${simulated}/partitions/2` });

    expect(response.statusCode).toBe(200);
    const frame = decodeFrame(new Uint8Array(response.rawPayload));
    expect(frame.message).toMatchObject({ type: 'simulation.partition', taskId: simulated, partitionIndex: 2, numPartitions: 4, count: 50 });
    const train = await loadMnist('train');
    const expected = gatherExamples(train, clientPartition(partition, train.labels, 2));
    expect(frame.tensors.map((t) => t.shape)).toEqual([[50, 784], [50]]);
    expect(Array.from(frame.tensors[1]!.values)).toEqual(Array.from(expected.labels));
    expect(frame.tensors[0]!.values).toEqual(expected.images);
  });

  it('refuses partitions outside the task, tasks that are not simulations, and unknown tasks', async () => {
    const outside = await app.inject({ method: 'GET', url: `/api/simulation/tasks/${simulated}/partitions/4` });
    const notSimulated = await app.inject({ method: 'GET', url: `/api/simulation/tasks/${real}/partitions/0` });
    const unknown = await app.inject({ method: 'GET', url: '/api/simulation/tasks/nope/partitions/0' });
    const negative = await app.inject({ method: 'GET', url: `/api/simulation/tasks/${simulated}/partitions/-1` });

    expect(outside.statusCode).toBe(404);
    expect(outside.json().code).toBe('FLT_NOT_FOUND');
    expect(notSimulated.statusCode).toBe(404);
    expect(notSimulated.json().message).toMatch(/not a simulation/);
    expect(unknown.statusCode).toBe(404);
    expect(negative.statusCode).toBe(400);
  });
});

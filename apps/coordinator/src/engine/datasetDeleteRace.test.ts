// A dataset deleted while a task naming it is being created (red team): creation awaits reading
// the dataset and building the model, and a DELETE in that window used to succeed (no stored task
// used the dataset yet), leaving a task whose data no longer exists, or failing creation with a
// raw ENOENT (a 500). Now creation refuses it with FLT_INVALID_TASK.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRecord } from '@flotilla/protocol';
import { tasksUsing } from '../routes/datasets.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { syntheticCsv } from '../testing/syntheticDatasets.ts';

describe('deleting a dataset while a task naming it is created', () => {
  let coordinator: TestCoordinator;

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });
  afterAll(() => coordinator.close());

  async function register(seed: number): Promise<DatasetRecord> {
    const table = { bytes: new TextEncoder().encode(syntheticCsv({ rows: 40, seed })), name: 'race.csv' };
    return (await coordinator.app.coordinator.datasets.register({ format: 'csv', name: 'race', files: { table }, options: { label: 'y' } })).record;
  }

  const create = (id: string) => coordinator.app.coordinator.tasks.create({
    name: 'races a delete', model: { kind: 'schema', architecture: 'logreg' },
    data: { dataset: id, partition: { kind: 'iid', numClients: 2, seed: 1 } }, baseline: { enabled: false },
  });

  const deleteNow = (id: string) => coordinator.app.coordinator.datasets.delete(id, tasksUsing(coordinator.app.coordinator, id));

  it('refuses the creation when the dataset goes while its files are being read', async () => {
    const record = await register(11);
    const creating = create(record.id);
    deleteNow(record.id);

    await expect(creating).rejects.toMatchObject({ code: 'FLT_INVALID_TASK', message: expect.stringMatching(/deleted while the task was being created/) });
    expect(coordinator.app.coordinator.tasks.list().filter((t) => t.config.data.dataset === record.id)).toEqual([]);
  });

  it('refuses the creation when the dataset goes while the model is being built', async () => {
    const record = await register(12);
    const { models } = coordinator.app.coordinator;
    const initTask = models.initTask.bind(models);
    // The deletion lands exactly when creation hands the model to the worker, after the dataset was read.
    models.initTask = (job) => {
      deleteNow(record.id);
      return initTask(job);
    };
    try {
      await expect(create(record.id)).rejects.toMatchObject({ code: 'FLT_INVALID_TASK', message: expect.stringMatching(/deleted while the task was being created/) });
    } finally {
      models.initTask = initTask;
    }
    expect(coordinator.app.coordinator.tasks.list().filter((t) => t.config.data.dataset === record.id)).toEqual([]);
  });
});

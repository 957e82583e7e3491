// Any federated task in Chromium: a clinics CSV (numeric and categorical columns, natural
// partition by clinic) and a zip of 16×16 RGB shape images are registered through the REST API;
// simulated join-page tabs load their partitions from the coordinator, train, hold out their
// evaluation share and evaluate each committed model, to federated accuracy above the majority class.

import { syntheticClinicsCsv, syntheticShapeImages, zipFolder } from '@flotilla/data/node';
import { WASM, eventually, expect, test, type RunningCoordinator } from './fixtures.ts';

interface Registered { id: string; count: number; numClients: number | null; classCounts?: number[] }
interface Evaluation { round: number; summary: { accuracy: number | null; clients: number; spread: { min: number; max: number } | null } }

async function register(coordinator: RunningCoordinator, token: string, fields: Record<string, string>, role: string, bytes: Uint8Array | string, name: string): Promise<Registered> {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.append(role, new Blob([bytes as BlobPart]), name);
  const response = await fetch(`${coordinator.url}/api/datasets`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(201);
  return await response.json() as Registered;
}

async function evaluated(coordinator: RunningCoordinator, taskId: string, round: number): Promise<Evaluation[]> {
  return eventually(async () => {
    const { evaluations } = await coordinator.api.request<{ evaluations: Evaluation[] }>(`/api/tasks/${taskId}/evaluations`);
    return evaluations.some((e) => e.round === round) ? evaluations : undefined;
  }, 150_000, `the federated evaluation of round ${round}`);
}

const federated = (minClients: number) => ({ federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients, deadlineMs: 60_000 } });

test('Chromium tabs train a clinics table, natural partition, to federated accuracy above the majority class', async ({ coordinator, tabs }) => {
  test.setTimeout(240_000);
  const csv = syntheticClinicsCsv({ rows: 360, clinics: 3, seed: 7 });
  const outcomes = csv.trim().split('\n').slice(1).map((row) => row.split(',').at(-1)!);
  const majority = Math.max(...['healthy', 'at-risk'].map((c) => outcomes.filter((o) => o === c).length)) / outcomes.length;
  const clinics = await register(coordinator, coordinator.api.token, { format: 'csv', name: 'clinics', label: 'outcome', clientColumn: 'clinic' }, 'table', csv, 'clinics.csv');
  expect(clinics.numClients).toBe(3);
  const rounds = 3;
  const taskId = await coordinator.api.createTask({
    name: 'e2e: clinics', seed: 3, model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [16] } },
    data: { dataset: clinics.id, partition: { kind: 'natural', seed: 1 }, clientTestFraction: 0.25 },
    evaluation: federated(3),
    fit: { fractionFit: 1, minFitClients: 3, minAvailableClients: 3, epochs: 3, batchSize: 16, learningRate: 0.1 },
    stop: { maxRounds: rounds, roundDeadlineMs: 90_000, minReports: 3 }, baseline: { enabled: false },
  });
  for (const k of [0, 1, 2]) await tabs.open(taskId, k, WASM);

  const evaluations = await evaluated(coordinator, taskId, rounds);
  expect(evaluations.map((e) => e.round)).toEqual([0, 1, 2, 3]);
  const last = evaluations.at(-1)!.summary;
  expect(last.clients).toBe(3);
  expect(last.accuracy!).toBeGreaterThan(majority + 0.1);
  expect(last.spread!.min).toBeLessThanOrEqual(last.spread!.max);
  // Each tab shows the evaluations it answered.
  for (const tab of tabs.pages) await expect(tab.evaluations.first()).toHaveAttribute('data-outcome', 'reported', { timeout: 30_000 });
});

test('Chromium tabs train 16×16 RGB shape images to federated accuracy above the majority class', async ({ coordinator, tabs }) => {
  test.setTimeout(240_000);
  const zip = zipFolder(syntheticShapeImages({ perClass: 60, size: 16, seed: 5 }));
  const shapes = await register(coordinator, coordinator.api.token, { format: 'images', name: 'shapes', height: '16', width: '16', channels: '3' }, 'archive', zip, 'shapes.zip');
  const majority = Math.max(...shapes.classCounts!) / shapes.count;
  const rounds = 6;
  const taskId = await coordinator.api.createTask({
    name: 'e2e: shapes', seed: 4, model: { kind: 'schema', architecture: 'cnn', options: { filters: [8, 16], denseUnits: 32 } },
    data: { dataset: shapes.id, partition: { kind: 'iid', numClients: 2, seed: 2 }, clientTestFraction: 0.25 },
    evaluation: federated(2),
    fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2, epochs: 3, batchSize: 8, learningRate: 0.05 },
    stop: { maxRounds: rounds, roundDeadlineMs: 90_000, minReports: 2 }, baseline: { enabled: false },
  });
  for (const k of [0, 1]) await tabs.open(taskId, k, WASM);

  const evaluations = await evaluated(coordinator, taskId, rounds);
  const last = evaluations.at(-1)!.summary;
  expect(last.clients).toBe(2);
  expect(last.accuracy!).toBeGreaterThan(majority + 0.1);
});

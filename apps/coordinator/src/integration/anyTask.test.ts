// Any federated task over real sockets: a clinics table (numeric and categorical columns, a
// natural partition by clinic), coloured shape images (16×16×3) and a character corpus, each
// registered through the REST API, trained by Node clients that load their partitions from the
// simulation route and evaluated where the data lives, round after round.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import { syntheticClinicsCsv, syntheticCorpus, syntheticShapeImages, zipFolder, SYNTHETIC_SHAPES } from '@flotilla/data/node';
import type { EvaluationView, TaskView } from '@flotilla/protocol';
import { api, createTask, eventually, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { registerDataset, startSimulationClients } from '../testing/simulationClients.ts';

/** The share of the most frequent value of a CSV column: what always guessing it scores. */
function majorityShare(csv: string, column: string): number {
  const [header, ...rows] = csv.trim().split('\n');
  const at = header!.split(',').indexOf(column);
  const counts = new Map<string, number>();
  for (const row of rows) {
    const value = row.split(',')[at]!;
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return Math.max(...counts.values()) / rows.length;
}

async function evaluations(url: string, taskId: string): Promise<EvaluationView[]> {
  return (await api<{ evaluations: EvaluationView[] }>(url, `/api/tasks/${taskId}/evaluations`)).body.evaluations;
}

/** Waits until the task has ended and its last committed round's model was evaluated. */
async function finished(url: string, taskId: string, rounds: number): Promise<{ task: TaskView; evaluations: EvaluationView[] }> {
  return eventually(async () => {
    const task = (await api<TaskView>(url, `/api/tasks/${taskId}`)).body;
    const evaluated = await evaluations(url, taskId);
    return task.state === 'completed' && evaluated.some((e) => e.round === rounds) ? { task, evaluations: evaluated } : undefined;
  }, 60_000, `task ${taskId} to finish ${rounds} evaluated rounds`);
}

describe('any federated task, end to end', () => {
  let coordinator: TestCoordinator;
  const clients: FlotillaClient[] = [];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });
  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator.close();
  });

  it('trains a clinics table (natural partition) above the majority class, evaluated on the clients each round, next to its baseline', async () => {
    const csv = syntheticClinicsCsv({ rows: 480, clinics: 4, seed: 7 });
    const clinics = await registerDataset(coordinator.url, { format: 'csv', name: 'clinics', label: 'outcome', clientColumn: 'clinic' }, { table: { bytes: csv, name: 'clinics.csv' } });
    expect(clinics).toMatchObject({ count: 480, numClients: 4, schema: { kind: 'tabular', label: 'outcome' } });
    const kinds = (clinics.schema as { features: { name: string; kind: string }[] }).features.map((f) => `${f.name}:${f.kind}`);
    expect(kinds).toEqual(expect.arrayContaining(['age:numeric', 'smoker:categorical', 'activity:categorical']));
    const rounds = 4;
    const taskId = await createTask(coordinator.url, {
      name: 'clinics', seed: 3,
      model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [16] } },
      data: { dataset: clinics.id, partition: { kind: 'natural', seed: 1 }, clientTestFraction: 0.25 },
      evaluation: { federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients: 4, deadlineMs: 20_000 } },
      fit: { fractionFit: 1, minFitClients: 4, minAvailableClients: 4, epochs: 3, batchSize: 16, learningRate: 0.1 },
      stop: { maxRounds: rounds, targetAccuracy: null, roundDeadlineMs: 30_000, minReports: 4 },
      baseline: { enabled: true, maxEpochs: 8, patience: 3 },
    });
    clients.push(...await startSimulationClients(coordinator.url, taskId, [0, 1, 2, 3]));

    const { evaluations: evaluated } = await finished(coordinator.url, taskId, rounds);
    const majority = majorityShare(csv, 'outcome');
    // Round 0 (the initial model) and every committed round, each with every clinic reporting.
    expect(evaluated.map((e) => e.round)).toEqual([0, 1, 2, 3, 4]);
    for (const e of evaluated) expect(e.summary).toMatchObject({ metric: 'accuracy', asked: 4, clients: 4, failed: 0 });
    const last = evaluated.at(-1)!.summary;
    expect(last.accuracy!).toBeGreaterThan(majority + 0.1);
    expect(last.spread!.min).toBeLessThanOrEqual(last.spread!.p10);
    expect(last.spread!.p10).toBeLessThanOrEqual(last.spread!.median);
    expect(last.spread!.median).toBeLessThanOrEqual(last.spread!.max);
    // The weighted accuracy is the clients' reports weighted by their held-out counts.
    const reports = evaluated.at(-1)!.clients;
    const weighted = reports.reduce((s, c) => s + c.metrics!.accuracy! * c.numExamples!, 0) / reports.reduce((s, c) => s + c.numExamples!, 0);
    expect(last.accuracy!).toBeCloseTo(weighted, 6);
    // The same summary is the round view's `federated`; there is no central test set, so no test accuracy.
    const { body } = await api<{ rounds: { round: number; testAccuracy: number | null; federated?: { accuracy: number | null } | null }[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
    expect(body.rounds.at(-1)).toMatchObject({ round: rounds, testAccuracy: null, federated: { accuracy: last.accuracy } });

    await coordinator.app.coordinator.baselines.settled();
    const task = (await api<TaskView>(coordinator.url, `/api/tasks/${taskId}`)).body;
    expect(task.baseline).toMatchObject({ status: 'done', evaluatedOn: 'client-holdout' });
    expect(task.baseline!.accuracy!).toBeGreaterThan(majority + 0.1);
  });

  it('trains 16×16 RGB shape images (iid) above the majority class, evaluated on the clients each round', async () => {
    const zip = zipFolder(syntheticShapeImages({ perClass: 40, size: 16, seed: 5 }));
    const shapes = await registerDataset(coordinator.url, { format: 'images', name: 'shapes', height: '16', width: '16', channels: '3' }, { archive: { bytes: zip, name: 'shapes.zip' } });
    expect(shapes.schema).toEqual({ kind: 'image', height: 16, width: 16, channels: 3, classes: [...SYNTHETIC_SHAPES] });
    expect(shapes.classCounts).toEqual([40, 40, 40, 40]);
    const rounds = 5;
    const taskId = await createTask(coordinator.url, {
      name: 'shapes', seed: 4,
      model: { kind: 'schema', architecture: 'cnn', options: { filters: [8, 16], denseUnits: 32 } },
      data: { dataset: shapes.id, partition: { kind: 'iid', numClients: 3, seed: 2 }, clientTestFraction: 0.25 },
      evaluation: { federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients: 3, deadlineMs: 20_000 } },
      fit: { fractionFit: 1, minFitClients: 3, minAvailableClients: 3, epochs: 3, batchSize: 8, learningRate: 0.05 },
      stop: { maxRounds: rounds, targetAccuracy: null, roundDeadlineMs: 30_000, minReports: 3 },
      baseline: { enabled: false },
    });
    clients.push(...await startSimulationClients(coordinator.url, taskId, [0, 1, 2]));

    const { evaluations: evaluated } = await finished(coordinator.url, taskId, rounds);
    const majority = Math.max(...shapes.classCounts!) / shapes.count;
    expect(evaluated.map((e) => e.round)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const e of evaluated) expect(e.summary).toMatchObject({ metric: 'accuracy', clients: 3, spread: expect.any(Object) });
    expect(evaluated.at(-1)!.summary.accuracy!).toBeGreaterThan(majority + 0.1);
  });

  it('trains a character-level GRU on a corpus: its federated loss falls over a few rounds', async () => {
    const corpus = syntheticCorpus({ sentences: 120, seed: 2 });
    const text = await registerDataset(coordinator.url, { format: 'text', name: 'corpus', level: 'char', sequenceLength: '12', stride: '4' }, { corpus: { bytes: corpus, name: 'corpus.txt' } });
    expect(text.schema).toMatchObject({ kind: 'text', level: 'char', sequenceLength: 12 });
    const rounds = 3;
    const taskId = await createTask(coordinator.url, {
      name: 'corpus', seed: 5,
      model: { kind: 'schema', architecture: 'gru', options: { embeddingSize: 8, units: 32 } },
      data: { dataset: text.id, partition: { kind: 'iid', numClients: 2, seed: 3 }, clientTestFraction: 0.2 },
      evaluation: { federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients: 2, deadlineMs: 20_000 } },
      fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2, epochs: 2, batchSize: 16, learningRate: 0.5 },
      stop: { maxRounds: rounds, targetAccuracy: null, roundDeadlineMs: 30_000, minReports: 2 },
      baseline: { enabled: false },
    });
    clients.push(...await startSimulationClients(coordinator.url, taskId, [0, 1]));

    const { evaluations: evaluated } = await finished(coordinator.url, taskId, rounds);
    const losses = evaluated.map((e) => e.summary.loss!);
    expect(losses).toHaveLength(rounds + 1);
    // Round 0 is the untrained model (about ln of the vocabulary); each later model is evaluated lower.
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.85);
    for (let r = 1; r < losses.length; r++) expect(losses[r]!).toBeLessThan(losses[r - 1]!);
    const { body } = await api<{ rounds: { trainLoss: number | null }[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
    expect(body.rounds.at(-1)!.trainLoss!).toBeLessThan(body.rounds[0]!.trainLoss!);
  });
});

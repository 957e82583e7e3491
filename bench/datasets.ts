// `npm run bench -- datasets`: for each dataset the tests use (MNIST 2NN IID as the reference, the
// clinics table, the shape images, the character corpus), rounds and wall time to a stated target
// with a Node fleet, what federated evaluation costs per round (its phase time over the round's),
// and the spread of the clients' accuracy. One coordinator on loopback, datasets registered
// through its REST API, clients in the fleet's worker threads fetching their partitions.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@flotilla/coordinator';
import { syntheticClinicsCsv, syntheticCorpus, syntheticShapeImages, zipFolder } from '@flotilla/data/node';
import { parseFleetArgs, runFleet, type FleetReporter } from '@flotilla/fleet';
import type { DatasetRecord, EvaluationView, RoundListView, TaskConfigInput, TaskView } from '@flotilla/protocol';
import { api, median, round, writeResult } from './support.ts';

const TOKEN = 'bench-datasets-operator-token-0123456789';

/** One benchmarked setting: how its dataset is registered, the task trained on it and its target. */
interface Setting {
  name: string;
  /** Registers the dataset (null: built-in MNIST) and returns its id. */
  register: ((url: string) => Promise<string>) | null;
  task: (dataset: string) => TaskConfigInput;
  clients: number;
  /** Federated weighted accuracy to reach (central test accuracy for MNIST, which has a test set). */
  target: number;
}

async function register(url: string, fields: Record<string, string>, role: string, bytes: Uint8Array | string, name: string): Promise<string> {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.append(role, new Blob([bytes as BlobPart]), name);
  const response = await fetch(`${url}/api/datasets`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } });
  if (!response.ok) throw new Error(`registering ${name}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json() as DatasetRecord).id;
}

const federated = (minClients: number) => ({ federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients, deadlineMs: 60_000 } });
const fit = (clients: number, epochs: number, batchSize: number, learningRate: number) => ({
  fractionFit: 1, minFitClients: clients, minAvailableClients: clients, epochs, batchSize, learningRate,
});
const stop = (clients: number, target: number, maxRounds: number) => ({ maxRounds, targetAccuracy: target, roundDeadlineMs: 120_000, minReports: clients });

const SETTINGS: Setting[] = [
  {
    name: 'mnist-2nn-iid', register: null, clients: 10, target: 0.9,
    task: () => ({
      name: 'bench: MNIST 2NN IID', model: { kind: 'mnist-2nn' },
      data: { dataset: 'mnist', partition: { kind: 'iid', numClients: 10, seed: 1, examplesPerClient: 600 }, testLimit: 2000, clientTestFraction: 0.1 },
      evaluation: federated(10), fit: fit(10, 1, 10, 0.05), stop: stop(10, 0.9, 40), baseline: { enabled: false },
    }),
  },
  {
    name: 'clinics-tabular-natural', clients: 8, target: 0.86,
    register: (url) => register(url, { format: 'csv', name: 'clinics', label: 'outcome', clientColumn: 'clinic' }, 'table',
      syntheticClinicsCsv({ rows: 2000, clinics: 8, seed: 11 }), 'clinics.csv'),
    task: (dataset) => ({
      name: 'bench: clinics MLP natural', model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [32] } },
      data: { dataset, partition: { kind: 'natural', seed: 1 }, clientTestFraction: 0.2 },
      evaluation: federated(8), fit: fit(8, 1, 16, 0.05), stop: stop(8, 0.86, 40), baseline: { enabled: false },
    }),
  },
  {
    name: 'shapes-image-16x16x3-iid', clients: 4, target: 0.85,
    register: (url) => register(url, { format: 'images', name: 'shapes', height: '16', width: '16', channels: '3' }, 'archive',
      zipFolder(syntheticShapeImages({ perClass: 100, size: 16, seed: 5 })), 'shapes.zip'),
    task: (dataset) => ({
      name: 'bench: shapes CNN IID', model: { kind: 'schema', architecture: 'cnn', options: { filters: [8, 16], denseUnits: 32 } },
      data: { dataset, partition: { kind: 'iid', numClients: 4, seed: 2 }, clientTestFraction: 0.2 },
      evaluation: federated(4), fit: fit(4, 2, 8, 0.05), stop: stop(4, 0.85, 40), baseline: { enabled: false },
    }),
  },
  {
    name: 'corpus-text-char-gru', clients: 4, target: 0.4,
    register: (url) => register(url, { format: 'text', name: 'corpus', level: 'char', sequenceLength: '16', stride: '3' }, 'corpus',
      syntheticCorpus({ sentences: 400, seed: 2 }), 'corpus.txt'),
    task: (dataset) => ({
      name: 'bench: corpus GRU', model: { kind: 'schema', architecture: 'gru', options: { embeddingSize: 8, units: 64 } },
      data: { dataset, partition: { kind: 'iid', numClients: 4, seed: 3 }, clientTestFraction: 0.2 },
      evaluation: federated(4), fit: fit(4, 1, 16, 0.5), stop: stop(4, 0.4, 20), baseline: { enabled: false },
    }),
  },
];

/** Round lines go to stdout (progress of a long run); the fleet's chatter stays out. */
const reporter: FleetReporter = {
  info: () => {}, warn: (line) => process.stderr.write(`  ${line}\n`), round: (line) => process.stdout.write(`  ${line}\n`), baseline: () => {},
};

async function runSetting(url: string, setting: Setting) {
  const dataset = setting.register ? await setting.register(url) : 'mnist';
  const created = await api<TaskView>(url, TOKEN, '/api/tasks', setting.task(dataset));
  const args = parseFleetArgs(['--node', '--url', url, '--token', TOKEN, '--task', created.id, '--clients', String(setting.clients), '--threads', '2', '--no-wait-baseline'], {});
  const started = performance.now();
  const fleet = await runFleet(args, reporter);
  const wallSeconds = (performance.now() - started) / 1000;
  const { rounds } = await api<RoundListView>(url, TOKEN, `/api/tasks/${created.id}/rounds`);
  const { evaluations } = await api<{ evaluations: EvaluationView[] }>(url, TOKEN, `/api/tasks/${created.id}/evaluations`);
  const byRound = new Map(evaluations.map((e) => [e.round, e]));
  // The metric judged against the target: central test accuracy where the task has a test set, else federated.
  const accuracyOf = (r: RoundListView['rounds'][number]) => r.testAccuracy ?? byRound.get(r.round)?.summary.accuracy ?? null;
  const committed = rounds.filter((r) => r.outcome === 'committed');
  const reached = committed.find((r) => (accuracyOf(r) ?? 0) >= setting.target) ?? null;
  const first = committed[0];
  // Evaluation runs between fit rounds: its phase time against the fit round it follows.
  const ratios = committed.flatMap((r) => {
    const e = byRound.get(r.round);
    return e ? [(e.endedAt - e.startedAt) / Math.max(1, r.endedAt - r.startedAt)] : [];
  });
  const last = evaluations.at(-1);
  const perClient = (last?.clients ?? []).flatMap((c) => (c.metrics?.accuracy === undefined ? [] : [c.metrics.accuracy]));
  return {
    setting: setting.name, dataset, clients: setting.clients, target: setting.target,
    targetOn: committed.some((r) => r.testAccuracy !== null) ? 'central test accuracy' : 'federated weighted accuracy',
    roundsToTarget: reached?.round ?? null,
    secondsToTarget: reached && first ? round((reached.endedAt - first.startedAt) / 1000, 1) : null,
    wallSeconds: round(wallSeconds, 1),
    committedRounds: committed.length,
    finalFederatedAccuracy: last?.summary.accuracy == null ? null : round(last.summary.accuracy, 4),
    round0FederatedAccuracy: byRound.get(0)?.summary.accuracy == null ? null : round(byRound.get(0)!.summary.accuracy!, 4),
    evaluationToRoundTime: ratios.length ? round(median(ratios), 3) : null,
    meanRoundSeconds: round(committed.reduce((s, r) => s + (r.endedAt - r.startedAt), 0) / Math.max(1, committed.length) / 1000, 2),
    meanEvaluationSeconds: round(evaluations.reduce((s, e) => s + (e.endedAt - e.startedAt), 0) / Math.max(1, evaluations.length) / 1000, 2),
    clientAccuracy: last?.summary.spread
      ? { min: round(last.summary.spread.min, 3), p10: round(last.summary.spread.p10, 3), median: round(last.summary.spread.median, 3), max: round(last.summary.spread.max, 3), std: round(last.summary.spread.std, 3), clients: perClient.length }
      : null,
    backend: fleet.backend,
  };
}

export async function runDatasetsBench(only: string[] = []): Promise<object> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-datasets-'));
  const app = await buildApp({ dataDir, operatorToken: TOKEN, logger: false, maxFrameBytes: 64 * 1024 * 1024 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const results = [];
  try {
    for (const setting of SETTINGS.filter((s) => only.length === 0 || only.includes(s.name))) {
      process.stdout.write(`${setting.name}: ${setting.clients} Node clients, target ${setting.target}…\n`);
      results.push(await runSetting(url, setting));
    }
  } finally {
    await app.close();
  }
  console.table(results.map(({ clientAccuracy, ...r }) => ({ ...r, clientAccuracy: clientAccuracy ? `${clientAccuracy.min}/${clientAccuracy.p10}/${clientAccuracy.median}/${clientAccuracy.max}` : null })));
  const report = { cores: os.availableParallelism(), results };
  await writeResult('datasets', report);
  return report;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runDatasetsBench(process.argv.slice(2));

// `ASYNC_SOCKETS=1 npm run bench -- async`: wall time to a target test accuracy on MNIST 2NN IID for synchronous
// FedAvg and for buffered asynchronous FedBuff, with a fleet in which 30 % of the clients are 4×
// slower, and a second fleet in which 10 % more drop out mid-training. Real coordinator and real
// Node clients (FlotillaClient + tfjs trainer) over loopback sockets, all three runs side by side.
//
// How wall time is obtained: from the task's start to the first central evaluation at or above
// the target (the commit's timestamp in sync mode, the trailing evaluation's in FedBuff), measured
// with the coordinator's own event clock. Every client trains for real in this one process; a slow
// client then idles 3× the time its training took, so it takes 4× as long as it would otherwise.
// A dropping client disconnects for good during its second training.
// Scale: ASYNC_TARGETS (comma-separated, default 0.9), ASYNC_CLIENTS (100), ASYNC_EXAMPLES (600),
// ASYNC_PER_ROUND (10: C·K in sync), ASYNC_CONCURRENCY (FedBuff's, default ASYNC_PER_ROUND), ASYNC_BUFFER (5: K),
// ASYNC_MAX_ROUNDS (300), ASYNC_TEST_LIMIT (2000).

import { mkdtempSync, rmSync } from 'node:fs';
import os, { cpus, loadavg } from 'node:os';
import path, { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { buildApp } from '@flotilla/coordinator';
import { FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, type Trainer, type WebSocketLike } from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { MNIST_SCHEMA, type PartitionSpec } from '@flotilla/protocol';
import { api, round, writeResult } from './support.ts';

const TOKEN = 'bench-operator-token-0123456789';
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

interface Fleet { name: string; slowShare: number; dropShare: number }
interface RunResult {
  mode: 'sync FedAvg' | 'FedBuff'; fleet: string; target: number; reached: boolean; secondsToTarget: number | null; versionsToTarget: number | null;
  finalAccuracy: number | null; commits: number; clientUpdates: number; meanStaleness: number | null; refusedStale: number; dropped: number;
}

/** Training for real, then (slow) idling 3× as long, or (dropping) leaving during the second training. */
function fleetTrainer(inner: Trainer, role: 'fast' | 'slow' | 'drop', leave: () => void): Trainer {
  let trainings = 0;
  return {
    device: () => inner.device(),
    train: async (job) => {
      trainings++;
      const started = performance.now();
      if (role === 'drop' && trainings === 2) {
        const outcome = inner.train(job);
        setTimeout(leave, 1);
        return outcome;
      }
      const outcome = await inner.train(job);
      if (role === 'slow') await new Promise((r) => setTimeout(r, 3 * (performance.now() - started)));
      return outcome;
    },
  };
}

/** One trainer and one copy of MNIST for every run, the trainer warmed up first so that no run pays for kernel compilation. */
async function sharedSetup(): Promise<{ trainer: Trainer; train: Awaited<ReturnType<typeof loadMnist>> }> {
  const { backend } = await initNodeBackend('auto');
  const trainer = new TfjsTrainer({ backend });
  const train = await loadMnist('train');
  const data = examplesAsLocalData(gatherExamples(train, Uint32Array.from({ length: 100 }, (_, i) => i)));
  // The 2NN's 199,210 parameters; zeros are enough to compile the kernels.
  await trainer.train({
    model: { kind: 'mnist-2nn' }, schema: MNIST_SCHEMA, weights: new Float32Array(199_210), data, examples: Uint32Array.from({ length: 100 }, (_, i) => i),
    plan: { epochs: 1, batchSize: 10, learningRate: 0.1, proximalMu: 0, seed: 1 }, signal: new AbortController().signal, onProgress: () => {},
  });
  return { trainer, train };
}

async function runOnce(mode: RunResult['mode'], fleet: Fleet, target: number, shared: Awaited<ReturnType<typeof sharedSetup>>): Promise<RunResult> {
  const clientsN = env('ASYNC_CLIENTS', 100);
  const perRound = env('ASYNC_PER_ROUND', 10);
  const partition: PartitionSpec = { kind: 'iid', numClients: clientsN, seed: 1, examplesPerClient: env('ASYNC_EXAMPLES', 600) };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-async-'));
  const app = await buildApp({ dataDir, operatorToken: TOKEN, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const events: { type: string; at: number; data: Record<string, unknown> }[] = [];
  app.coordinator.bus.subscribe((e) => events.push({ type: e.type, at: e.at, data: e.data as Record<string, unknown> }));
  const clients: FlotillaClient[] = [];
  try {
    const task = await api<{ id: string }>(url, TOKEN, '/api/tasks', {
      name: `async bench ${mode}`, data: { partition, testLimit: env('ASYNC_TEST_LIMIT', 2000) },
      fit: { fractionFit: perRound / clientsN, minFitClients: 1, minAvailableClients: Math.ceil(clientsN * (1 - fleet.dropShare)), epochs: 1, batchSize: 10, learningRate: 0.1 },
      stop: { targetAccuracy: target, maxRounds: env('ASYNC_MAX_ROUNDS', 300), roundDeadlineMs: 600_000, minReports: 1 },
      baseline: { enabled: false },
      ...(mode === 'FedBuff' ? { asynchronous: { enabled: true, bufferSize: env('ASYNC_BUFFER', 5), concurrency: env('ASYNC_CONCURRENCY', perRound), maxStaleness: 20 } } : {}),
    });
    const { trainer, train } = shared;
    const weights = new WeightsCache();
    // The same clients are slow (and drop) in every run: the first 30 % (and the next 10 %).
    const slowUntil = Math.round(clientsN * fleet.slowShare);
    const dropUntil = slowUntil + Math.round(clientsN * fleet.dropShare);
    for (let i = 0; i < clientsN; i++) {
      const role = i < slowUntil ? 'slow' : i < dropUntil ? 'drop' : 'fast';
      const client: FlotillaClient = new FlotillaClient({
        url, kind: 'node', taskId: task.id, partitionIndex: i, weights, identity: memoryIdentity(),
        trainer: fleetTrainer(trainer, role, () => client.stop()),
        data: examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(partition), train.labels, i))),
        webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
      });
      clients.push(client);
      client.start();
    }
    const started = performance.now();
    const startedAt = Date.now();
    await api(url, TOKEN, `/api/tasks/${task.id}/start`, {});
    let lastLine = 0;
    for (;;) {
      const view = await api<{ state: string; modelVersion: number }>(url, TOKEN, `/api/tasks/${task.id}`);
      if (['completed', 'failed', 'stopped'].includes(view.state)) break;
      if (performance.now() - lastLine > 15_000) {
        lastLine = performance.now();
        process.stdout.write(`  ${mode}, ${fleet.name}, target ${target}: version ${view.modelVersion} after ${round((performance.now() - started) / 1000, 0)} s\n`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const evaluated = events.filter((e) => (e.type === 'round.committed' || e.type === 'round.evaluated') && typeof e.data.testAccuracy === 'number');
    const hit = evaluated.find((e) => (e.data.testAccuracy as number) >= target);
    const committed = events.filter((e) => e.type === 'round.committed');
    const staleness = committed.map((e) => (e.data.asynchronous as { meanStaleness: number; bufferSize: number } | null | undefined)).filter((a) => a);
    return {
      mode, fleet: fleet.name, target, reached: hit !== undefined,
      secondsToTarget: hit ? round((hit.at - startedAt) / 1000, 1) : null,
      versionsToTarget: hit ? (hit.data.modelVersion as number) : null,
      finalAccuracy: (evaluated.at(-1)?.data.testAccuracy as number | undefined) ?? null,
      commits: committed.length,
      clientUpdates: committed.reduce((n, e) => n + (e.data.reported as number), 0),
      meanStaleness: staleness.length ? round(staleness.reduce((s, a) => s + a!.meanStaleness * a!.bufferSize, 0) / staleness.reduce((s, a) => s + a!.bufferSize, 0), 2) : null,
      refusedStale: staleness.length ? events.filter((e) => e.type === 'client.error' && e.data.code === 'FLT_STALE_UPDATE').length : 0,
      dropped: events.filter((e) => e.type === 'round.dropout').length,
    };
  } finally {
    for (const c of clients) c.stop();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The real-socket variant of the async bench; writes bench/results/async-sockets.json. */
export async function runAsyncSocketsBench(): Promise<object> {
  const targets = (process.env.ASYNC_TARGETS ?? '0.9').split(',').map(Number);
  const fleets: Fleet[] = [{ name: '30 % 4× slower', slowShare: 0.3, dropShare: 0 }, { name: '30 % 4× slower, 10 % drop', slowShare: 0.3, dropShare: 0.1 }];
  const runs: RunResult[] = [];
  const shared = await sharedSetup();
  for (const target of targets) {
    for (const fleet of fleets) {
      for (const mode of ['sync FedAvg', 'FedBuff'] as const) {
        process.stdout.write(`${mode}, ${fleet.name}, target ${target}\n`);
        runs.push(await runOnce(mode, fleet, target, shared));
      }
    }
  }
  const ratios = targets.flatMap((target) => fleets.map((fleet) => {
    const sync = runs.find((r) => r.target === target && r.fleet === fleet.name && r.mode === 'sync FedAvg')!;
    const buff = runs.find((r) => r.target === target && r.fleet === fleet.name && r.mode === 'FedBuff')!;
    return {
      target, fleet: fleet.name, syncSeconds: sync.secondsToTarget, fedBuffSeconds: buff.secondsToTarget,
      speedup: sync.secondsToTarget && buff.secondsToTarget ? round(sync.secondsToTarget / buff.secondsToTarget, 2) : null,
      syncFinalAccuracy: sync.finalAccuracy, fedBuffFinalAccuracy: buff.finalAccuracy,
    };
  }));
  console.table(runs);
  console.table(ratios);
  const report = {
    setting: `MNIST 2NN IID, ${env('ASYNC_CLIENTS', 100)} clients × ${env('ASYNC_EXAMPLES', 600)} examples, E = 1, B = 10, lr 0.1; sync: C·K = ${env('ASYNC_PER_ROUND', 10)} per round; FedBuff: concurrency ${env('ASYNC_CONCURRENCY', env('ASYNC_PER_ROUND', 10))}, K = ${env('ASYNC_BUFFER', 5)}, polynomial staleness a = 0.5, η_g = 1`,
    wallTime: 'from the task start to the first central evaluation at or above the target (coordinator event clock); all clients train for real in one process, a slow client then idles 3× its measured training time (4× in all), a dropping client leaves for good during its second training',
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => round(l, 2)) },
    ratios, runs,
  };
  await writeResult('async-sockets', report);
  return report;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runAsyncSocketsBench();

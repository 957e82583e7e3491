// `npm run bench -- async`: time to target test accuracies on the MNIST 2NN IID for synchronous
// FedAvg and for buffered asynchronous FedBuff, with a fleet in which 30 % of the devices are 4×
// slower, and one in which 10 % more leave for good during their second training, all four runs
// from the same seeds. By default in virtual time (bench/asyncVirtual.ts: real training, simulated
// clock, figures independent of this machine's load); ASYNC_SOCKETS=1 runs the real coordinator
// and Node clients over loopback instead (bench/asyncSockets.ts, wall time on the shared CPU).
//
// Why these defaults: 10 of 100 devices per round is McMahan et al.'s C = 0.1; FedBuff trains on 20
// devices at once (twice as many) and commits every K = 10 updates, so a commit averages as many
// updates as a round does (Nguyen et al. 2022 run FedBuff at a concurrency far above the
// synchronous cohort: a round's cost is its slowest device, FedBuff's only its own). E = 1, B = 10,
// lr 0.1 are McMahan's (97 % in about 87 rounds).
// Scale: ASYNC_TARGETS (comma-separated, default 0.9,0.95,0.97; runs stop at the highest),
// ASYNC_CLIENTS (100), ASYNC_EXAMPLES (600), ASYNC_PER_ROUND (10), ASYNC_OVER_SELECTION (1),
// ASYNC_CONCURRENCY (20), ASYNC_BUFFER (K, 10), ASYNC_MAX_STALENESS (20), ASYNC_BATCH (10),
// ASYNC_LR (0.1), ASYNC_MAX_UPDATES (per run, 3000), ASYNC_TEST_LIMIT (2000), ASYNC_STEP_MS (a fast
// device's milliseconds per local step; default: measured once at the start).

import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatherExamples, loadMnist, partitionIndices } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { makeDevices, runFedBuff, runSync, virtualEnv, type VirtualFleet, type VirtualRun, type VirtualSetting } from './asyncVirtual.ts';
import { round, writeResult } from './support.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const FLEETS: VirtualFleet[] = [{ name: '30 % 4× slower', slowShare: 0.3, dropShare: 0 }, { name: '30 % 4× slower, 10 % drop', slowShare: 0.3, dropShare: 0.1 }];

/** Virtual seconds until a run's curve first reaches `target`, or null. */
function secondsTo(run: VirtualRun, target: number): number | null {
  return run.curve.find(([, acc]) => acc >= target)?.[0] ?? null;
}

export async function runAsyncBench(): Promise<object> {
  if (process.env.ASYNC_SOCKETS === '1') return (await import('./asyncSockets.ts')).runAsyncSocketsBench();
  const targets = (process.env.ASYNC_TARGETS ?? '0.9,0.95,0.97').split(',').map(Number).sort((a, b) => a - b);
  const setting: VirtualSetting = {
    target: targets.at(-1)!, perRound: env('ASYNC_PER_ROUND', 10), overSelection: env('ASYNC_OVER_SELECTION', 1),
    concurrency: env('ASYNC_CONCURRENCY', 20), bufferSize: env('ASYNC_BUFFER', 10), maxStaleness: env('ASYNC_MAX_STALENESS', 20),
    stalenessExponent: 0.5, deadlineUnits: 6, maxVirtualSeconds: Infinity, maxUpdates: env('ASYNC_MAX_UPDATES', 3000), slowdown: 4,
    plan: { epochs: 1, batchSize: env('ASYNC_BATCH', 10), learningRate: env('ASYNC_LR', 0.1) },
  };
  const numClients = env('ASYNC_CLIENTS', 100);
  await initNodeBackend('wasm');
  const [train, test] = await Promise.all([loadMnist('train'), loadMnist('test', { limit: env('ASYNC_TEST_LIMIT', 2000) })]);
  const parts = partitionIndices({ kind: 'iid', numClients, seed: 1, examplesPerClient: env('ASYNC_EXAMPLES', 600) }, train.labels);
  const data = parts.map((p) => gatherExamples(train, p)).map((d) => ({ features: d.images, labels: d.labels, count: d.count }));
  const sim = await virtualEnv(data[0]!, { images: test.images, labels: test.labels, count: test.count }, setting.plan, 1, process.env.ASYNC_STEP_MS === undefined ? undefined : Number(process.env.ASYNC_STEP_MS) / 1000);
  const runs: VirtualRun[] = [];
  const report = () => ({
    setting: {
      ...setting, maxVirtualSeconds: undefined, targets, clients: numClients, examplesPerClient: env('ASYNC_EXAMPLES', 600), partition: 'iid',
      model: 'mnist-2nn', stalenessWeighting: `polynomial, a = ${setting.stalenessExponent}`, serverLearningRate: 1,
      secondsPerFastStep: round(sim.unit, 5), deadlineSeconds: round(setting.deadlineUnits * Math.ceil(data[0]!.count / setting.plan.batchSize) * sim.unit, 2),
    },
    time: 'virtual: a fast device takes secondsPerFastStep per local step (measured once on this machine), a slow one 4× as long, each training × a seeded jitter in [0.8, 1.2]; a round lasts until its last counted report; evaluation is free. wallSeconds is this machine\'s compute, load dependent',
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadavg: loadavg().map((l) => round(l, 2)) },
    ratios: targets.flatMap((target) => FLEETS.map((fleet) => {
      const sync = runs.find((r) => r.fleet === fleet.name && r.mode === 'sync FedAvg');
      const buff = runs.find((r) => r.fleet === fleet.name && r.mode === 'FedBuff');
      const s = sync ? secondsTo(sync, target) : null;
      const b = buff ? secondsTo(buff, target) : null;
      return { target, fleet: fleet.name, syncSeconds: s, fedBuffSeconds: b, speedup: s !== null && b !== null ? round(s / b, 2) : null };
    })),
    runs,
  });
  for (const fleet of FLEETS) {
    for (const mode of ['sync FedAvg', 'FedBuff'] as const) {
      process.stdout.write(`${mode}, ${fleet.name}, to ${setting.target}\n`);
      const devices = makeDevices(data, fleet, setting.slowdown);
      runs.push(await (mode === 'FedBuff' ? runFedBuff : runSync)(sim, devices, fleet.name, setting));
      await writeResult('async', report());
    }
  }
  const result = report();
  console.table(runs.map(({ curve: _curve, ...r }) => r));
  console.table(result.ratios);
  await writeResult('async', result);
  return result;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runAsyncBench();

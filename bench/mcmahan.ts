// Rounds to 97 % and wall time for McMahan et al. 2017's MNIST 2NN setting (K = 100 IID clients,
// C = 0.1, E = 1, B = 10; the paper reports 87 rounds), with the centralized baseline and δ,
// run as a real Node fleet against a real coordinator on loopback.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFleetArgs, runFleet } from '@flotilla/fleet';
import { writeResult } from './support.ts';

export async function runMcMahanBench(extraArgs: string[] = []): Promise<object> {
  const args = parseFleetArgs(['--node', '--clients', '100', '--fraction', '0.1', '--epochs', '1', '--batch', '10', '--partition', 'iid', '--target', '0.97', '--rounds', '400', ...extraArgs]);
  const started = performance.now();
  const summary = await runFleet(args);
  const result = {
    setting: 'McMahan et al. 2017, MNIST 2NN, K=100 IID, C=0.1, E=1, B=10',
    learningRate: args.task.fit?.learningRate,
    paperRoundsTo97: 87,
    roundsTo97: summary.roundsToTarget,
    committedRounds: summary.committedRounds,
    finalAccuracy: summary.finalAccuracy,
    baselineAccuracy: summary.baseline?.accuracy ?? null,
    baselineEpochs: summary.baseline?.epochs ?? null,
    finalDelta: summary.finalDelta,
    meanRoundSeconds: summary.rounds.reduce((s, r) => s + r.durationMs, 0) / Math.max(1, summary.rounds.length) / 1000,
    wallSeconds: (performance.now() - started) / 1000,
    backend: summary.backend,
  };
  console.table(result);
  await writeResult('mcmahan', { ...result, rounds: summary.rounds });
  return result;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runMcMahanBench(process.argv.slice(2));

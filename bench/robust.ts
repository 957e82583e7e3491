// Robust aggregation under Byzantine clients: accuracy after N rounds of MNIST 2NN on IID data
// with 0 %, 10 % and 20 % attackers, for each strategy and attack, in process (the core
// strategies, the attack registry and the tfjs WASM trainer, no sockets) so that it is fast.
// Usage: npm run bench -- robust   (ROBUST_ROUNDS, ROBUST_CLIENTS, ROBUST_EXAMPLES override the size,
// ROBUST_STRATEGIES=krum,centeredclip and ROBUST_ATTACKS=signflip run only those, ROBUST_CLIP_RADIUS sets τ)

import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { ATTACK_NAMES, byzantineClients, poisonLabels, poisonUpdate, resolveAttack, type Attack } from '@flotilla/client';
import { createStrategy, type StrategyConfig } from '@flotilla/core';
import { gatherExamples, loadMnist, partitionIndices } from '@flotilla/data';
import { createModel, evaluateModel, getFlatWeights, initNodeBackend, setFlatWeights, trainLocal } from '@flotilla/models';
import { round, writeResult } from './support.ts';

// Sized to finish in about 10–15 minutes on two busy cores: 45 runs of ROUNDS × CLIENTS trainings.
// 200 examples (20 steps) per round rather than 100 over twice the rounds: the honest updates
// agree better, which every robust rule needs to tell them from an attacker's (measured with 20 %
// sign-flippers: fedmedian lost 1.8 pp at 4 × 200; fedavg 7.9 pp and centeredclip 5–7 pp at 8 × 100).
const ROUNDS = Number(process.env.ROBUST_ROUNDS ?? 4);
const CLIENTS = Number(process.env.ROBUST_CLIENTS ?? 10);
const EXAMPLES = Number(process.env.ROBUST_EXAMPLES ?? 200);
const TEST = 2000;
const FRACTIONS = [0.1, 0.2];
const ATTACKS = process.env.ROBUST_ATTACKS?.split(',') ?? ATTACK_NAMES;
const PLAN = { epochs: 1, batchSize: 10, learningRate: 0.1 };

/** Each strategy as an operator would set it up for up to 20 % attackers among 10 clients. */
const ALL_STRATEGIES: Record<string, StrategyConfig> = {
  fedavg: { name: 'fedavg' },
  fedmedian: { name: 'fedmedian' },
  fedtrimmedavg: { name: 'fedtrimmedavg', beta: 0.2 },
  krum: { name: 'krum', f: 2, m: CLIENTS - 2 },
  centeredclip: { name: 'centeredclip', clipRadius: Number(process.env.ROBUST_CLIP_RADIUS ?? 1), iterations: 3, momentum: 0.9 },
};
const STRATEGIES = Object.fromEntries(Object.entries(ALL_STRATEGIES).filter(([name]) => (process.env.ROBUST_STRATEGIES?.split(',') ?? [name]).includes(name)));

interface Run { strategy: string; attack: string; fraction: number; attackers: number[]; accuracy: number; seconds: number }

export async function runRobustBench(): Promise<object> {
  await initNodeBackend('wasm');
  const [train, test] = await Promise.all([loadMnist('train'), loadMnist('test', { limit: TEST })]);
  const parts = partitionIndices({ kind: 'iid', numClients: CLIENTS, seed: 1, examplesPerClient: EXAMPLES }, train.labels);
  const data = parts.map((p) => gatherExamples(train, p)).map((d) => ({ features: d.images, labels: d.labels, count: d.count }));
  const model = await createModel({ kind: 'mnist-2nn' }, 1);
  const initial = getFlatWeights(model);

  async function run(strategyName: string, attack: Attack | null, fraction: number): Promise<Run> {
    const started = performance.now();
    const strategy = createStrategy(STRATEGIES[strategyName]!);
    const attackers = new Set(attack ? byzantineClients(CLIENTS, fraction, 11) : []);
    let global: Float32Array = initial.slice();
    for (let r = 1; r <= ROUNDS; r++) {
      const aggregation = strategy.beginAggregation(r, global);
      for (let c = 0; c < CLIENTS; c++) {
        const evil = attackers.has(c) ? attack : null;
        const seed = r * 1000 + c;
        let update: Float32Array;
        if (evil?.name === 'gaussian') {
          update = poisonUpdate(evil, new Float32Array(global.length), seed);
        } else {
          setFlatWeights(model, global);
          const d = data[c]!;
          await trainLocal(model, evil ? { ...d, labels: poisonLabels(evil, d.labels) } : d, { ...PLAN, seed });
          update = getFlatWeights(model);
          for (let i = 0; i < update.length; i++) update[i]! -= global[i]!;
          if (evil) update = poisonUpdate(evil, update, seed);
        }
        aggregation.add({ clientId: `c${c}`, numExamples: data[c]!.count, update });
      }
      global = aggregation.finish([]) ?? global;
    }
    setFlatWeights(model, global);
    const { accuracy } = await evaluateModel(model, test.images, test.labels, test.count);
    return { strategy: strategyName, attack: attack?.name ?? 'none', fraction: attack ? fraction : 0, attackers: [...attackers], accuracy, seconds: (performance.now() - started) / 1000 };
  }

  const runs: Run[] = [];
  const total = Object.keys(STRATEGIES).length * (1 + ATTACKS.length * FRACTIONS.length);
  for (const strategyName of Object.keys(STRATEGIES)) {
    const cases: Array<[Attack | null, number]> = [[null, 0], ...ATTACKS.flatMap((a) => FRACTIONS.map((f): [Attack, number] => [resolveAttack(a), f]))];
    for (const [attack, fraction] of cases) {
      const result = await run(strategyName, attack, fraction);
      runs.push(result);
      process.stdout.write(`[${runs.length}/${total}] ${strategyName} ${result.attack} ${fraction * 100}%: ${(result.accuracy * 100).toFixed(1)} % (${result.seconds.toFixed(0)} s)\n`);
    }
  }

  const columns = ['clean', ...ATTACKS.flatMap((a) => FRACTIONS.map((f) => `${a} ${f * 100}%`))];
  const table = Object.keys(STRATEGIES).map((s) => {
    const row: Record<string, string> = { strategy: s };
    for (const r of runs.filter((x) => x.strategy === s)) row[r.attack === 'none' ? 'clean' : `${r.attack} ${r.fraction * 100}%`] = (r.accuracy * 100).toFixed(1);
    return row;
  });
  const clean = (s: string) => runs.find((r) => r.strategy === s && r.attack === 'none')!.accuracy;
  // The target: a robust strategy within 2 pp of its clean run at 20 % sign-flip or scaling attackers.
  const target = Object.keys(STRATEGIES).map((s) => {
    const drop = (a: string) => {
      const attacked = runs.find((r) => r.strategy === s && r.attack === a && r.fraction === 0.2);
      return attacked ? round((clean(s) - attacked.accuracy) * 100, 1) : null;
    };
    const drops = [drop('signflip'), drop('scale')];
    return { strategy: s, signflipDropPp: drops[0], scaleDropPp: drops[1], within2pp: drops.every((d) => d === null || d <= 2) };
  });
  console.log(`\naccuracy (%) after ${ROUNDS} rounds, MNIST 2NN, ${CLIENTS} IID clients × ${EXAMPLES} examples, E=${PLAN.epochs} B=${PLAN.batchSize} lr=${PLAN.learningRate}, ${TEST} test examples`);
  console.table(table, ['strategy', ...columns]);
  console.log('accuracy lost at 20 % attackers against the same strategy\'s clean run (percentage points):');
  console.table(target);
  const result = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, tfjs: tf.version.tfjs, backend: tf.getBackend(), loadAverage: loadavg() },
    setting: { model: 'mnist-2nn', rounds: ROUNDS, clients: CLIENTS, examplesPerClient: EXAMPLES, testExamples: TEST, plan: PLAN, strategies: STRATEGIES, attackerSeed: 11 },
    runs: runs.map((r) => ({ ...r, accuracy: round(r.accuracy, 4), seconds: round(r.seconds, 1) })),
    table, target,
  };
  await writeResult('robust', result);
  return result;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runRobustBench();

// `npm run bench -- contribution`: GTG-Shapley against exact Shapley and leave-one-out on real
// FedAvg rounds. MNIST 2NN, 10 IID clients per round, in process (the Node trainer on WASM, the
// coordinator's valuation: @flotilla/models' coalitionUtility on a held-out validation split);
// client 7 trains on shuffled labels, client 9 holds a copy of client 8's data. Per round: the
// three methods' values, GTG's rank correlation with exact and its error, evaluations, where the
// shuffled client ranks, the duplicates' values against the value client 8 gets when 9 is absent
// (the round re-valued without 9), and the time GTG adds to the round as a ratio to its training.
// CONTRIB_ROUNDS, CONTRIB_EXAMPLES, CONTRIB_VALIDATION override the size. Writes bench/results/contribution.json.

import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { CoalitionCache, createRng, exactShapley, gtgShapley, kendallTau, leaveOneOut, shuffleInPlace, spearman, type GtgOptions } from '@flotilla/core';
import { gatherExamples, loadMnist, partitionIndices } from '@flotilla/data';
import { coalitionUtility, createModel, getFlatWeights, initNodeBackend, setFlatWeights, trainLocal } from '@flotilla/models';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import { round, writeResult } from './support.ts';

const ROUNDS = Number(process.env.CONTRIB_ROUNDS ?? 4);
const CLIENTS = 10;
const EXAMPLES = Number(process.env.CONTRIB_EXAMPLES ?? 300);
const VALIDATION = Number(process.env.CONTRIB_VALIDATION ?? 1000);
const SHUFFLED = 7;
const ORIGINAL = 8;
const DUPLICATE = 9;
const PLAN = { epochs: 1, batchSize: 10, learningRate: 0.1 };
const MODEL = { kind: 'mnist-2nn' as const };
// ContributionSpec's defaults.
const GTG: Omit<GtgOptions, 'seed'> = { truncationTolerance: 0.005, roundTolerance: 0.001, convergenceTolerance: 0.05, maxPermutations: 50 };

interface RoundFigures {
  round: number;
  baseUtility: number; fullUtility: number;
  exact: number[]; gtg: number[]; loo: number[];
  evaluations: { exact: number; gtg: number; loo: number; ratio: number };
  gtgPermutations: number;
  spearman: number; kendall: number; maxAbsError: number;
  /** 1 = highest value; 10 = last. */
  shuffledRank: { exact: number; gtg: number; loo: number };
  duplicates: { exact: [number, number]; gtg: [number, number]; loo: [number, number]; exactSum: number; gtgSum: number; originalAloneExact: number };
  seconds: { training: number; slowestClient: number; gtg: number; exact: number; loo: number };
  gtgToRound: number; gtgToSlowestClient: number;
}

/** 1-based rank of `i` by value, highest first (ties share the better rank). */
function rankOf(values: readonly number[], i: number): number {
  return 1 + values.filter((v) => v > values[i]!).length;
}

export async function runContributionBench(): Promise<object> {
  await initNodeBackend('wasm');
  const train = await loadMnist('train');
  // The validation split the coordinator holds: the last VALIDATION training examples, which no client gets.
  const pool = train.count - VALIDATION;
  const parts = partitionIndices({ kind: 'iid', numClients: CLIENTS, seed: 5, examplesPerClient: EXAMPLES }, train.labels.subarray(0, pool));
  parts[DUPLICATE] = parts[ORIGINAL]!;
  const data = parts.map((p, c) => {
    const d = gatherExamples(train, p);
    const labels = c === SHUFFLED ? shuffleInPlace(d.labels.slice(), createRng(23)) : d.labels;
    return { features: d.images, labels, count: d.count };
  });
  const validation = { features: train.images.slice(pool * 784), labels: train.labels.slice(pool), count: VALIDATION };
  const model = await createModel(MODEL, 1);
  let global = getFlatWeights(model);
  const rounds: RoundFigures[] = [];

  for (let r = 1; r <= ROUNDS; r++) {
    const updates: Array<{ weights: Float32Array; numExamples: number }> = [];
    const clientSeconds: number[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const started = performance.now();
      setFlatWeights(model, global);
      const { numExamples } = await trainLocal(model, data[c]!, { ...PLAN, seed: r * 1000 + c });
      updates.push({ weights: getFlatWeights(model), numExamples });
      clientSeconds.push((performance.now() - started) / 1000);
    }
    const roundData = { previous: global, updates, validation };

    // GTG as the coordinator would run it: its own valuation and memo, timed from building the model.
    let started = performance.now();
    const valuation = await coalitionUtility(MODEL, MNIST_SCHEMA, roundData);
    const gtg = await gtgShapley(CLIENTS, valuation.utility, { ...GTG, seed: r });
    const gtgSeconds = (performance.now() - started) / 1000;

    started = performance.now();
    const loo = await leaveOneOut(CLIENTS, valuation.utility);
    const looSeconds = (performance.now() - started) / 1000;
    // Exact Shapley, and the same round without the duplicate (players 0–8 are the same clients), on one shared memo.
    const shared = new CoalitionCache(valuation.utility);
    started = performance.now();
    const exact = await exactShapley(CLIENTS, (s) => shared.value(s));
    const exactSeconds = (performance.now() - started) / 1000;
    const withoutDuplicate = await exactShapley(CLIENTS - 1, (s) => shared.value(s));
    valuation.dispose();

    const training = clientSeconds.reduce((a, b) => a + b, 0);
    const figures: RoundFigures = {
      round: r, baseUtility: exact.baseUtility, fullUtility: exact.fullUtility,
      exact: exact.values, gtg: gtg.values, loo: loo.values,
      evaluations: { exact: exact.evaluations, gtg: gtg.evaluations, loo: loo.evaluations, ratio: exact.evaluations / gtg.evaluations },
      gtgPermutations: gtg.permutations ?? 0,
      spearman: spearman(gtg.values, exact.values), kendall: kendallTau(gtg.values, exact.values),
      maxAbsError: Math.max(...gtg.values.map((v, i) => Math.abs(v - exact.values[i]!))),
      shuffledRank: { exact: rankOf(exact.values, SHUFFLED), gtg: rankOf(gtg.values, SHUFFLED), loo: rankOf(loo.values, SHUFFLED) },
      duplicates: {
        exact: [exact.values[ORIGINAL]!, exact.values[DUPLICATE]!], gtg: [gtg.values[ORIGINAL]!, gtg.values[DUPLICATE]!], loo: [loo.values[ORIGINAL]!, loo.values[DUPLICATE]!],
        exactSum: exact.values[ORIGINAL]! + exact.values[DUPLICATE]!, gtgSum: gtg.values[ORIGINAL]! + gtg.values[DUPLICATE]!,
        originalAloneExact: withoutDuplicate.values[ORIGINAL]!,
      },
      seconds: { training, slowestClient: Math.max(...clientSeconds), gtg: gtgSeconds, exact: exactSeconds, loo: looSeconds },
      gtgToRound: gtgSeconds / training, gtgToSlowestClient: gtgSeconds / Math.max(...clientSeconds),
    };
    rounds.push(figures);
    process.stdout.write(`[round ${r}/${ROUNDS}] u ${figures.baseUtility.toFixed(3)} → ${figures.fullUtility.toFixed(3)}; evaluations exact ${exact.evaluations}, gtg ${gtg.evaluations}; ρ ${figures.spearman.toFixed(3)}; shuffled client ranks ${figures.shuffledRank.gtg} (gtg) ${figures.shuffledRank.exact} (exact); gtg ${gtgSeconds.toFixed(1)} s, training ${training.toFixed(1)} s, exact ${exactSeconds.toFixed(0)} s\n`);
    // FedAvg commits the grand coalition's model.
    global = combineAll(global, updates);
  }
  model.dispose();

  const f = (x: number, d = 3) => Number(x.toFixed(d));
  const table = rounds.map((x) => ({
    round: x.round, gain: f(x.fullUtility - x.baseUtility), 'evals exact/gtg': `${x.evaluations.exact}/${x.evaluations.gtg}`, 'ratio': f(x.evaluations.ratio, 1),
    'ρ gtg~exact': f(x.spearman), 'τ': f(x.kendall), 'max |err|': f(x.maxAbsError, 4),
    'shuffled rank e/g/l': `${x.shuffledRank.exact}/${x.shuffledRank.gtg}/${x.shuffledRank.loo}`,
    'dup φ8+φ9 exact': f(x.duplicates.exactSum, 4), 'φ8 without 9': f(x.duplicates.originalAloneExact, 4), 'dup gtg': `${f(x.duplicates.gtg[0], 4)}/${f(x.duplicates.gtg[1], 4)}`,
    'gtg s / round': f(x.gtgToRound, 2),
  }));
  console.log(`\nMNIST 2NN, ${CLIENTS} IID clients × ${EXAMPLES} examples (client ${SHUFFLED} shuffled labels, ${DUPLICATE} = copy of ${ORIGINAL}), E=${PLAN.epochs} B=${PLAN.batchSize} lr=${PLAN.learningRate}, ${VALIDATION} validation examples, accuracy utility`);
  console.table(table);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = {
    meanSpearman: round(mean(rounds.map((x) => x.spearman)), 3),
    minSpearman: round(Math.min(...rounds.map((x) => x.spearman)), 3),
    meanEvaluationRatio: round(mean(rounds.map((x) => x.evaluations.ratio)), 1),
    minEvaluationRatio: round(Math.min(...rounds.map((x) => x.evaluations.ratio)), 1),
    shuffledLastByGtg: rounds.filter((x) => x.shuffledRank.gtg === CLIENTS).length,
    shuffledLastByExact: rounds.filter((x) => x.shuffledRank.exact === CLIENTS).length,
    shuffledLastByLoo: rounds.filter((x) => x.shuffledRank.loo === CLIENTS).length,
    rounds: ROUNDS,
    meanGtgToRound: round(mean(rounds.map((x) => x.gtgToRound)), 2),
    meanGtgToSlowestClient: round(mean(rounds.map((x) => x.gtgToSlowestClient)), 2),
  };
  console.log(summary);
  const result = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, tfjs: tf.version.tfjs, backend: tf.getBackend(), loadAverage: loadavg() },
    setting: { model: MODEL.kind, rounds: ROUNDS, clients: CLIENTS, examplesPerClient: EXAMPLES, validationExamples: VALIDATION, plan: PLAN, gtg: GTG, shuffledClient: SHUFFLED, duplicate: [ORIGINAL, DUPLICATE] },
    summary,
    rounds: rounds.map((x) => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' ? round(v, 5) : v)))),
    table,
  };
  await writeResult('contribution', result);
  return result;
}

// previous + the example-weighted mean of every delta: the round's FedAvg commit.
function combineAll(previous: Float32Array, updates: ReadonlyArray<{ weights: Float32Array; numExamples: number }>): Float32Array {
  const sum = new Float64Array(previous.length);
  let total = 0;
  for (const { weights, numExamples } of updates) {
    total += numExamples;
    for (let k = 0; k < sum.length; k++) sum[k]! += numExamples * (weights[k]! - previous[k]!);
  }
  return previous.map((p, k) => p + sum[k]! / total);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runContributionBench();

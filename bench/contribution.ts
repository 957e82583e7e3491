// `npm run bench -- contribution`: GTG-Shapley against exact Shapley and leave-one-out on real
// FedAvg rounds. MNIST 2NN, 10 non-IID clients per round (two label-sorted shards each, so a client
// holds mostly two digits), in process (the Node trainer on WASM, the coordinator's valuation:
// @flotilla/models' coalitionUtility on a held-out validation split); client 7 trains on shuffled
// labels, client 9 holds a copy of client 8's shards (with skewed data a copy is redundant: the
// digits it brings are already there). Per round: the three methods' values, GTG's rank correlation
// with exact and its error, evaluations, where the shuffled client ranks, the duplicates' values
// against the value client 8 gets when 9 is absent (the round re-valued without 9), the time GTG
// adds to the round as a ratio to its training, and a sweep of GTG's tolerances over the round's
// memo (free once exact Shapley has measured every coalition). CONTRIB_ROUNDS, CONTRIB_EXAMPLES,
// CONTRIB_VALIDATION override the size; CONTRIB_CACHE=1 keeps each round's 1,024 utilities in
// bench/results/contribution-cache/ and reuses them on a rerun of the same setting.
// Writes bench/results/contribution.json.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { CoalitionCache, createRng, exactShapley, gtgShapley, kendallTau, leaveOneOut, shuffleInPlace, spearman, type GtgOptions } from '@flotilla/core';
import { gatherExamples, loadMnist, partitionIndices } from '@flotilla/data';
import { coalitionUtility, createModel, getFlatWeights, initNodeBackend, setFlatWeights, trainLocal } from '@flotilla/models';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import { round, writeResult } from './support.ts';

const ROUNDS = Number(process.env.CONTRIB_ROUNDS ?? 2);
const CLIENTS = 10;
const EXAMPLES = Number(process.env.CONTRIB_EXAMPLES ?? 300);
const VALIDATION = Number(process.env.CONTRIB_VALIDATION ?? 1000);
const SHUFFLED = 7;
const ORIGINAL = 8;
const DUPLICATE = 9;
const PLAN = { epochs: 1, batchSize: 10, learningRate: 0.1 };
const MODEL = { kind: 'mnist-2nn' as const };
const CACHE = process.env.CONTRIB_CACHE === '1';
// ContributionSpec's defaults.
const GTG: Omit<GtgOptions, 'seed'> = { truncationTolerance: 0.005, roundTolerance: 0.001, convergenceTolerance: 0.05, maxPermutations: 50 };
// The sweep: an accuracy on 1,000 examples moves in steps of 0.001 and has a standard error near
// 0.01, so truncation tolerances around that size; each setting with several sampler seeds, since
// one seed's ρ is itself a sample.
const SWEEP = {
  truncationTolerance: [0.005, 0.01, 0.02, 0.03, 0.05],
  convergenceTolerance: [0.05, 0.1],
  maxPermutations: [10, 20, 30, 50],
  seeds: [1, 2, 3, 4, 5],
};

interface SweepFigures { truncationTolerance: number; convergenceTolerance: number; maxPermutations: number; evaluations: number; ratio: number; spearman: number; minSpearman: number; maxAbsError: number; shuffledLast: number; permutations: number }

interface RoundFigures {
  round: number;
  baseUtility: number; fullUtility: number;
  exact: number[]; gtg: number[]; loo: number[];
  evaluations: { exact: number; gtg: number; loo: number; ratio: number };
  gtgPermutations: number;
  spearman: number; kendall: number; maxAbsError: number;
  /** 1 = highest value; 10 = last. */
  shuffledRank: { exact: number; gtg: number; loo: number };
  duplicates: { exact: [number, number]; gtg: [number, number]; loo: [number, number]; exactSum: number; gtgSum: number; originalAloneExact: number; exactSumToAlone: number };
  /** GTG at each sweep setting on the same round: means over SWEEP.seeds (minSpearman the worst seed). */
  sweep: SweepFigures[];
  /** exactUncached: exact Shapley's time for the coalitions GTG had not evaluated. */
  seconds: { training: number; slowestClient: number; gtg: number; exactUncached: number };
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
  const parts = partitionIndices({ kind: 'shards', numClients: CLIENTS, seed: 5, shardsPerClient: 2, shardSize: EXAMPLES / 2 }, train.labels.subarray(0, pool));
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

    // GTG as the coordinator would run it: its own valuation, timed from building the model. It runs
    // first, so the memo shared with the other methods holds nothing of its yet: its time is its own.
    const cacheFile = fileURLToPath(new URL(`./results/contribution-cache/r${r}-c${CLIENTS}-e${EXAMPLES}-v${VALIDATION}-shards2.json`, import.meta.url));
    const cached = CACHE ? await readCache(cacheFile) : undefined;
    let started = performance.now();
    const valuation = cached === undefined ? await coalitionUtility(MODEL, MNIST_SCHEMA, roundData) : undefined;
    const measured = new Map<string, number>();
    const shared = new CoalitionCache(async (members) => {
      const key = members.join(',');
      const u = cached !== undefined ? cached.utilities[key] : await valuation!.utility(members);
      if (u === undefined) throw new Error(`contribution cache ${cacheFile} lacks coalition [${key}]`);
      measured.set(key, u);
      return u;
    });
    const memoised = (s: readonly number[]) => shared.value(s);
    const gtg = await gtgShapley(CLIENTS, memoised, { ...GTG, seed: r });
    const gtgSeconds = cached?.gtgSeconds ?? (performance.now() - started) / 1000;

    // The others reuse the memo (each still counts the distinct coalitions it asked for).
    const loo = await leaveOneOut(CLIENTS, memoised);
    started = performance.now();
    const exact = await exactShapley(CLIENTS, memoised);
    const exactSeconds = cached?.exactSeconds ?? (performance.now() - started) / 1000;
    // The same round without the duplicate: players 0–8 are the same clients.
    const withoutDuplicate = await exactShapley(CLIENTS - 1, memoised);
    valuation?.dispose();
    // A cached round keeps the times it was measured with, so its ratios compare one run's figures.
    const training = cached?.training ?? clientSeconds.reduce((a, b) => a + b, 0);
    const slowestClient = cached?.slowestClient ?? Math.max(...clientSeconds);
    if (CACHE && cached === undefined) await writeCache(cacheFile, { utilities: Object.fromEntries(measured), gtgSeconds, exactSeconds, training, slowestClient });
    const sweep = await sweepGtg(memoised, exact.values);

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
        exactSumToAlone: (exact.values[ORIGINAL]! + exact.values[DUPLICATE]!) / withoutDuplicate.values[ORIGINAL]!,
      },
      sweep,
      seconds: { training, slowestClient, gtg: gtgSeconds, exactUncached: exactSeconds },
      gtgToRound: gtgSeconds / training, gtgToSlowestClient: gtgSeconds / slowestClient,
    };
    rounds.push(figures);
    process.stdout.write(`[round ${r}/${ROUNDS}] u ${figures.baseUtility.toFixed(3)} → ${figures.fullUtility.toFixed(3)}; evaluations exact ${exact.evaluations}, gtg ${gtg.evaluations}; ρ ${figures.spearman.toFixed(3)}; shuffled client ranks ${figures.shuffledRank.gtg} (gtg) ${figures.shuffledRank.exact} (exact); gtg ${gtgSeconds.toFixed(1)} s, training ${training.toFixed(1)} s; φ8+φ9 ${figures.duplicates.exactSum.toFixed(4)} vs φ8 without 9 ${figures.duplicates.originalAloneExact.toFixed(4)}${cached ? ' (utilities from cache)' : ''}\n`);
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
  console.log(`\nMNIST 2NN, ${CLIENTS} non-IID clients (2 label shards) × ${EXAMPLES} examples (client ${SHUFFLED} shuffled labels, ${DUPLICATE} = copy of ${ORIGINAL}), E=${PLAN.epochs} B=${PLAN.batchSize} lr=${PLAN.learningRate}, ${VALIDATION} validation examples, accuracy utility`);
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
    duplicatesExactSumToAlone: round(mean(rounds.map((x) => x.duplicates.exactSumToAlone)), 2),
    meanGtgToSlowestClient: round(mean(rounds.map((x) => x.gtgToSlowestClient)), 2),
  };
  console.log(summary);
  // The sweep over all rounds: a setting meets the targets when its worst round keeps ρ ≥ 0.9 at ≥ 10×.
  const sweepTable = rounds[0]!.sweep.map((first, k) => {
    const per = rounds.map((x) => x.sweep[k]!);
    return {
      trunc: first.truncationTolerance, conv: first.convergenceTolerance, maxPerm: first.maxPermutations,
      'mean evals': f(mean(per.map((p) => p.evaluations)), 1), 'min ratio': f(Math.min(...per.map((p) => p.ratio)), 1),
      'mean ρ': f(mean(per.map((p) => p.spearman))), 'min ρ (any seed)': f(Math.min(...per.map((p) => p.minSpearman))),
      'shuffled last': `${f(mean(per.map((p) => p.shuffledLast)), 2)}`,
      meets: Math.min(...per.map((p) => p.ratio)) >= 10 && Math.min(...per.map((p) => p.spearman)) >= 0.9,
    };
  });
  console.table(sweepTable);
  const result = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, tfjs: tf.version.tfjs, backend: tf.getBackend(), loadAverage: loadavg() },
    setting: { model: MODEL.kind, partition: 'shards, 2 per client', rounds: ROUNDS, clients: CLIENTS, examplesPerClient: EXAMPLES, validationExamples: VALIDATION, plan: PLAN, gtg: GTG, sweep: SWEEP, shuffledClient: SHUFFLED, duplicate: [ORIGINAL, DUPLICATE] },
    summary,
    rounds: rounds.map((x) => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' ? round(v, 5) : v)))),
    table,
    sweepTable,
  };
  await writeResult('contribution', result);
  return result;
}

// GTG at every sweep setting and seed, on the round's memo: each run counts its own distinct coalitions.
async function sweepGtg(memoised: (s: readonly number[]) => Promise<number>, exact: readonly number[]): Promise<SweepFigures[]> {
  const out: SweepFigures[] = [];
  for (const truncationTolerance of SWEEP.truncationTolerance) {
    for (const convergenceTolerance of SWEEP.convergenceTolerance) {
      for (const maxPermutations of SWEEP.maxPermutations) {
        const runs = [];
        for (const seed of SWEEP.seeds) runs.push(await gtgShapley(CLIENTS, memoised, { ...GTG, truncationTolerance, convergenceTolerance, maxPermutations, seed }));
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const rhos = runs.map((g) => spearman(g.values, exact));
        const evaluations = mean(runs.map((g) => g.evaluations));
        out.push({
          truncationTolerance, convergenceTolerance, maxPermutations, evaluations, ratio: 2 ** CLIENTS / evaluations,
          spearman: mean(rhos), minSpearman: Math.min(...rhos),
          maxAbsError: mean(runs.map((g) => Math.max(...g.values.map((v, i) => Math.abs(v - exact[i]!))))),
          shuffledLast: mean(runs.map((g) => (rankOf(g.values, SHUFFLED) === CLIENTS ? 1 : 0))),
          permutations: mean(runs.map((g) => g.permutations ?? 0)),
        });
      }
    }
  }
  return out;
}

interface RoundCache { utilities: Record<string, number>; gtgSeconds: number; exactSeconds: number; training: number; slowestClient: number }

async function readCache(file: string): Promise<RoundCache | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RoundCache;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeCache(file: string, cache: RoundCache): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(cache));
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

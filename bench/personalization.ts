// `npm run bench -- personalization`: personal models against the global one on a label-skewed
// fleet (MNIST, Dirichlet α = 0.1, McMahan's 2NN). Every mode runs the same FedAvg rounds on the
// same clients, in process, through the client's real code paths (TfjsTrainer.train with the
// plan's personalisation, its evaluatePersonal, the body-only update of FedPer / FedRep); the
// coordinator's summary gives the share of clients whose personal model beats the global one (and
// both the global and the local-only one) and the mean accuracy gain. Writes bench/results/personalization.json.

import { TfjsTrainer, bodyTensors, examplesAsLocalData, memoryPersonalStore, splitLocal, type LocalData, type PersonalStore } from '@flotilla/client';
import { summarisePersonalization, type PersonalReport } from '@flotilla/coordinator';
import { gatherExamples, loadMnist, partitionIndices } from '@flotilla/data';
import { createModel, getFlatWeights, initNodeBackend, weightShapes } from '@flotilla/models';
import { MNIST_SCHEMA, flattenTensors, splitFlat, type FitPlan, type ModelSpec, type PersonalizationSpec } from '@flotilla/protocol';
import { round, writeResult } from './support.ts';

const CLIENTS = Number(process.env.BENCH_PERSONAL_CLIENTS ?? 10);
const ROUNDS = Number(process.env.BENCH_PERSONAL_ROUNDS ?? 10);
const EXAMPLES = 300;
const MODEL: ModelSpec = { kind: 'mnist-2nn' };
const FIT = { epochs: 1, batchSize: 10, learningRate: 0.05, proximalMu: 0 };
const BASE = { head: { lastLayers: 1 }, fineTuneEpochs: 1, headEpochs: 1, lambda: 0.1, localBaseline: true } as const;
const MODES: PersonalizationSpec[] = [
  { ...BASE, mode: 'finetune' },
  { ...BASE, mode: 'fedper' },
  { ...BASE, mode: 'fedrep' },
  { ...BASE, mode: 'ditto' },
];

interface Client { data: LocalData; train: Uint32Array; test: Uint32Array; store: PersonalStore }

/** One mode's FedAvg run: every client trains each round; the last model is evaluated by every client. */
async function runMode(trainer: TfjsTrainer, clients: Client[], initial: Float32Array, shapes: number[][], spec: PersonalizationSpec) {
  let global = initial.slice();
  const started = performance.now();
  for (let r = 1; r <= ROUNDS; r++) {
    const sum = new Float32Array(global.length);
    let examples = 0;
    for (const [k, c] of clients.entries()) {
      const plan: FitPlan = { ...FIT, seed: r * 1000 + k, personalization: spec };
      const outcome = await trainer.train({
        model: MODEL, schema: MNIST_SCHEMA, weights: global, plan, data: c.data, examples: c.train,
        signal: new AbortController().signal, onProgress: () => {}, personal: await c.store.load('bench'),
      });
      if (outcome.personal) await c.store.save('bench', outcome.personal);
      // What the coordinator receives: the body only under FedPer / FedRep, put back in place with zeros where the head is.
      const sent = bodyTensors(splitFlat(outcome.update, outcome.shapes), outcome.headTensors ?? []);
      const head = new Set(outcome.headTensors ?? []);
      const full = flattenTensors(splitFlat(new Float32Array(global.length), shapes).map((t, i) => (head.has(i) ? t : sent.shift()!)));
      for (let i = 0; i < sum.length; i++) sum[i]! += full[i]! * outcome.numExamples;
      examples += outcome.numExamples;
    }
    global = global.map((w, i) => w + sum[i]! / examples);
  }
  const trainS = (performance.now() - started) / 1000;
  const reports: PersonalReport[] = [];
  for (const [k, c] of clients.entries()) {
    const job = { model: MODEL, schema: MNIST_SCHEMA, weights: global, data: c.data, examples: c.test, signal: new AbortController().signal };
    const metrics = await trainer.evaluate(job);
    const personal = await trainer.evaluatePersonal({ ...job, personalization: spec, personal: await c.store.load('bench'), trainExamples: c.train });
    reports.push({ clientId: String(k), metrics, ...personal });
  }
  return { summary: summarisePersonalization(reports, spec.mode as Exclude<PersonalizationSpec['mode'], 'none'>, 'accuracy'), trainS };
}

export async function runPersonalizationBench(): Promise<unknown> {
  const { backend } = await initNodeBackend('auto');
  const trainer = new TfjsTrainer({ backend });
  const mnist = await loadMnist('train');
  const partition = { kind: 'dirichlet' as const, numClients: CLIENTS, seed: 13, alpha: 0.1, examplesPerClient: EXAMPLES };
  const parts = partitionIndices(partition, mnist.labels);
  const model = await createModel(MODEL, 1);
  const initial = getFlatWeights(model);
  const shapes = weightShapes(model);
  model.dispose();
  const rows = [];
  // The finetune run trains exactly as FedAvg does: its global model is the FedAvg model every mode is also compared with.
  let fedAvg: Map<string, number> | null = null;
  for (const spec of MODES) {
    const clients: Client[] = parts.map((indices, k) => {
      const data = examplesAsLocalData(gatherExamples(mnist, indices));
      const { train, test } = splitLocal(data.count, { clientTestFraction: 0.2, seed: 13 }, k);
      return { data, train, test, store: memoryPersonalStore() };
    });
    const { summary, trainS } = await runMode(trainer, clients, initial, shapes, spec);
    fedAvg ??= new Map(summary.perClient.map((c) => [c.clientId, c.global]));
    const versusFedAvg = summary.perClient.map((c) => c.personal - fedAvg!.get(c.clientId)!);
    const row = {
      mode: spec.mode, clients: summary.clients,
      beatsGlobal: summary.beatsGlobal, beatsBoth: summary.beatsBoth, meanGain: summary.meanGain,
      globalAccuracy: summary.meanGlobal, personalAccuracy: summary.meanPersonal, localOnlyAccuracy: summary.meanLocalOnly,
      beatsFedAvg: versusFedAvg.filter((g) => g > 0).length / versusFedAvg.length,
      gainVsFedAvg: versusFedAvg.reduce((a, b) => a + b, 0) / versusFedAvg.length,
      trainS: round(trainS, 1), perClient: summary.perClient,
    };
    rows.push(row);
    process.stdout.write(`${spec.mode.padEnd(8)} personal beats global ${pct(row.beatsGlobal)}, beats both ${pct(row.beatsBoth)}; mean gain ${signed(row.meanGain)}; ` +
      `global ${pct(row.globalAccuracy)}, personal ${pct(row.personalAccuracy)}, local-only ${pct(row.localOnlyAccuracy)}; ` +
      `beats FedAvg's global ${pct(row.beatsFedAvg)}, gain ${signed(row.gainVsFedAvg)} (${row.trainS} s)\n`);
  }
  const report = {
    setup: { dataset: 'mnist', model: MODEL.kind, partition, clientTestFraction: 0.2, rounds: ROUNDS, fit: FIT, personalization: BASE, backend },
    note: 'per-client accuracy on each client\'s held-out 20 %; global = the final global model of that mode (under FedPer / FedRep its head is the untrained initial one, so it is no classifier on its own); ' +
      'FedAvg = the finetune run\'s global model (it trains as FedAvg); local-only = trained on the client\'s data alone for the same local epochs',
    rows,
  };
  process.stdout.write(`wrote ${await writeResult('personalization', report)}\n`);
  return report;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${round(x * 100, 1)} %`);
const signed = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${round(x * 100, 1)} pts`);
